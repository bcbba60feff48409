"""Network providers: one module per network behind networks.providers.base.Provider."""

from . import bluesky, intents, linkedin, mastodon, x  # noqa: F401  (each registers itself)
from .base import (  # noqa: F401
    AddressRefused,
    AuthExpired,
    Duplicate,
    EngagementCounts,
    ImageUpload,
    Limits,
    LinkCard,
    NotConfigured,
    OutcomeUnknown,
    Permanent,
    Provider,
    ProviderError,
    Published,
    QuotaExhausted,
    RateLimited,
    TokenSet,
    Transient,
    get_provider,
)
