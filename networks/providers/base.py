"""The one interface every network provider implements, and the errors it may raise.

A provider is a plain class with no Django views in it. It speaks HTTP to one
network (base URLs from settings, so tests point it at local fakes) and turns
every answer into either a result or one of the typed errors below, which say
whether trying again can help.

Providers are registered by network and fetched with `get_provider(network)`;
`providers()` lists them all in the order of `campaigns.networks.Network`. A provider
is the one place that says what its network can do (direct posting, allauth id,
metrics batching, link cards, image limits and rendition, idempotency keys): nothing
else keeps a list of networks with a given ability.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import requests
from django.conf import settings
from django.utils import timezone

from campaigns.images import RenditionSpec
from campaigns.networks import Network
from infra.outbound_http import OutboundFailed, OutboundRefused, outbound_request

if TYPE_CHECKING:
    from networks.models import ConnectedAccount

logger = logging.getLogger(__name__)

# (connect, read) seconds: connecting is quick or broken; a publish may take a while to answer.
DEFAULT_TIMEOUT = (5.0, 20.0)
# The largest answer read from a network (metrics of 100 posts are far below this).
MAX_RESPONSE_BYTES = 5_000_000


# --- Errors -----------------------------------------------------------------------------


class ProviderError(Exception):
    """Base of every error a provider raises; `message` is fit to show an employee."""

    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AuthExpired(ProviderError):
    """The token is expired or revoked (HTTP 401): the employee must reconnect."""


class RateLimited(ProviderError):
    """Too many requests (HTTP 429): try again after `retry_after` seconds (None: unknown)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class QuotaExhausted(ProviderError):
    """A billing or usage cap (X `usage-capped`): stop, retrying will not help until the cap resets."""


class Permanent(ProviderError):
    """The network rejected the request (4xx other than 401/429) with `message`; do not retry."""


class AddressRefused(Permanent):
    """The URL's host is not one we may contact (infra.outbound_http refused it before connecting).

    Its message is the client's one refusal message, whatever the cause: no port-scanner oracle.
    """


class Duplicate(Permanent):
    """The network refused the post as a duplicate of one it already has (X 403 duplicate content,
    LinkedIn 422 DUPLICATE_POST, an atproto record key in use). `existing` is that post when the
    answer names it. After an earlier attempt of ours this is evidence that our post exists."""

    def __init__(self, message: str, *, status: int | None = None, existing: Published | None = None) -> None:
        super().__init__(message, status=status)
        self.existing = existing


class Transient(ProviderError):
    """A network or server failure (5xx, connection error) before anything was created: safe to retry."""

    retryable = True


class OutcomeUnknown(ProviderError):
    """The request was sent but no usable answer came back (read timeout, a 5xx to a create, garbled 2xx).

    The post may or may not exist: reconcile, never retry blindly.
    """


class NotConfigured(ProviderError):
    """The network has no client credentials configured: only the share-intent route is offered."""


# --- Values -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What one network accepts in a post."""

    text_network: str  # key into campaigns.networks.TEXT_RULES (the counting rule)
    image_types: tuple[str, ...] = ("image/jpeg", "image/png")
    image_max_bytes: int = 5_000_000
    image_max_pixels: int = 8192 * 8192
    image_max_count: int = 1


@dataclass(frozen=True)
class ImageUpload:
    """An image ready to send: already a rendition that fits the network, EXIF stripped."""

    data: bytes
    mime_type: str
    alt: str = ""
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class LinkCard:
    """What a link preview shows (Bluesky external embed, LinkedIn article)."""

    url: str
    title: str = ""
    description: str = ""
    thumbnail: ImageUpload | None = None


@dataclass(frozen=True)
class Published:
    """A post that exists on the network."""

    external_id: str
    url: str


@dataclass(frozen=True)
class TokenSet:
    """Fresh credentials after a refresh. `refresh_token` None means: keep the old one."""

    access_token: str
    refresh_token: str | None = None
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class EngagementCounts:
    """Public engagement of one post. None means the network does not give this number."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    quotes: int | None = None
    impressions: int | None = None
    bookmarks: int | None = None
    extra: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PostRef:
    """A post on a network, named by its public address: who wrote it and its id there."""

    network: str
    url: str  # the address without tracking query or fragment
    author: str
    post_id: str


# The rendition for networks without one of their own (and for the generic copy).
GENERIC_RENDITION = RenditionSpec(1200, 630, 5_000_000)
GENERIC_RENDITION_NAME = "generic"

# A network's answer for a post it no longer has (metrics): distinct from None ("unavailable").
POST_DELETED = EngagementCounts(extra=MappingProxyType({"deleted": 1}))


def is_deleted(counts: EngagementCounts | None) -> bool:
    return counts is not None and counts.extra.get("deleted") == 1


def count(body: Mapping[str, Any], key: str) -> int | None:
    """A non-negative integer from a response, or None when missing or not a number."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


# --- Provider ---------------------------------------------------------------------------


class Provider:
    """One network. Subclasses set `network` and `limits` and implement what the network offers."""

    network: ClassVar[str]
    limits: ClassVar[Limits]
    # Whether the network has an API that can post for a personal account at all (the
    # employee can connect an account); `posts_directly()` says whether it is switched on here.
    supports_direct: ClassVar[bool] = False
    # True when publishing twice with the same idempotency_key yields one post (Mastodon's
    # Idempotency-Key, Bluesky's record key): an unknown outcome may then simply be retried.
    idempotent_publish: ClassVar[bool] = False
    # django-allauth's provider id for the SocialAccount/SocialToken rows ("" when not connected through allauth).
    allauth_provider: ClassVar[str] = ""
    # Whether the post goes out with a link card (title, description, thumbnail) built from the target page.
    wants_link_card: ClassVar[bool] = False
    # The image size this network shows best; None: the generic rendition.
    rendition: ClassVar[RenditionSpec | None] = None
    # Metrics: posts per lookup (0: the network gives no engagement numbers) and HTTP requests per
    # post (None: one request per batch, whatever its size). The rate limiter counts the requests.
    metrics_batch_size: ClassVar[int] = 0
    metrics_requests_per_post: ClassVar[int | None] = None
    # The network's rate-limit window for lookups, and our default budget in it (at or below its published limit).
    metrics_window_seconds: ClassVar[int] = 3600
    metrics_requests_per_window: ClassVar[int] = 60
    # Whether the generic copy serves this network when the post has no copy of its own for it.
    served_by_generic_copy: ClassVar[bool] = True
    # Whether the share dialog lives on a server the employee names (Mastodon instances).
    intent_needs_instance: ClassVar[bool] = False
    # Whether a direct post can carry the post's image (the provider implements `upload`). No share
    # dialog can: they take text and a link only.
    attaches_image: ClassVar[bool] = False
    # The public addresses of one post on this network, each with the groups `author` and `post_id`
    # (matched against the address without query or fragment), and one example to show in errors.
    post_url_patterns: ClassVar[tuple[re.Pattern[str], ...]] = ()
    post_url_example: ClassVar[str] = ""
    # What a colleague can do to someone's post through the API with their own account ("like", "repost").
    engage_actions: ClassVar[tuple[str, ...]] = ()

    @property
    def label(self) -> str:
        return Network(self.network).label

    # Configuration ------------------------------------------------------------------
    def is_configured(self) -> bool:
        """True when direct publishing can work here (credentials/switches present)."""
        return False

    def posts_directly(self) -> bool:
        """Whether shares may be published through the API here (the network can, and it is set up)."""
        return self.supports_direct and self.is_configured()

    def rendition_spec(self) -> RenditionSpec:
        return self.rendition or GENERIC_RENDITION

    def new_idempotency_key(self, *, now: dt.datetime | None = None) -> str:
        """A key sent with the publish so a repeat cannot post twice (stored on the share)."""
        return uuid.uuid4().hex

    def clean_instance(self, value: str) -> str:
        """The server named for the share dialog, normalised; raises Permanent when it is not one."""
        return ""

    # Someone's own post ------------------------------------------------------------
    def parse_post_url(self, url: str) -> PostRef | None:
        """The post an address names on this network, or None when it is not a post address here."""
        address = (url or "").strip().split("#", 1)[0].split("?", 1)[0]
        for pattern in self.post_url_patterns:
            match = pattern.fullmatch(address)
            if match:
                return PostRef(
                    network=self.network,
                    url=address.rstrip("/"),
                    author=match.group("author"),
                    post_id=match.group("post_id"),
                )
        return None

    def engage_actions_for(self, *, account: ConnectedAccount | None) -> tuple[str, ...]:
        """The engage actions this account may make through the API (none without an account)."""
        if account is None or not account.can_publish:
            return ()
        return self.engage_actions

    def engage(self, *, account: ConnectedAccount, post_url: str, action: str, idempotency_key: str = "") -> str:
        """Like or repost someone's post with the account; returns the network's id for the like or repost.

        Safe to repeat with the same `idempotency_key` (the caller claims it before calling). Raises the
        typed errors; Permanent when the network cannot find the post or does not take this action.
        """
        raise Permanent(f"{self.label} does not take likes or reposts through the API.")

    # allauth ------------------------------------------------------------------------
    def account_fields_from_allauth(self, *, social: Any, token: Any) -> dict[str, Any]:
        """ConnectedAccount fields (external_id, handle, tokens…) from allauth's SocialAccount and SocialToken."""
        raise NotImplementedError

    def allauth_uid(self, *, account: ConnectedAccount) -> str:
        """allauth's SocialAccount.uid for a connected account."""
        return account.external_id

    # Publishing ---------------------------------------------------------------------
    def publish(
        self,
        *,
        account: ConnectedAccount,
        text: str,
        link: str,
        image: ImageUpload | None = None,
        card: LinkCard | None = None,
        idempotency_key: str = "",
        media_ref: str = "",
    ) -> Published:
        """Create one post. `text` is the full text (it already contains `link`). `media_ref` is the
        image already uploaded with `upload` (then `image` is not uploaded again).

        Raises AuthExpired, RateLimited, QuotaExhausted, Permanent (Duplicate), Transient or OutcomeUnknown.
        """
        raise Permanent(f"{self.network} does not support direct publishing.")

    def upload(self, *, account: ConnectedAccount, image: ImageUpload) -> str:
        """Upload the image for a post and return the network's reference to it (media id, image URN,
        blob JSON), which `publish(media_ref=…)` accepts within `media_reuse_window`."""
        raise Permanent(f"{self.network} does not take images through the API.")

    # How long an uploaded, not yet attached image stays usable on the network: a retried publish
    # within this window reuses it instead of uploading again (and leaving the first one orphaned).
    media_reuse_window: ClassVar[dt.timedelta] = dt.timedelta(hours=1)

    # Whether find_published can look a post up after an unknown outcome.
    can_reconcile: ClassVar[bool] = False
    # Whether an unknown outcome is settled by sending the same post again: the network refuses a
    # duplicate and names the post it has (LinkedIn), so a second send cannot make a second post.
    reconcile_by_resending: ClassVar[bool] = False

    def find_published(
        self, *, account: ConnectedAccount, link: str, since: dt.datetime, idempotency_key: str = ""
    ) -> Published | None:
        """The account's post carrying `link` (or written under `idempotency_key`) made after `since`,
        or None when there is none.

        Used to settle a share whose publish answer was lost. Raises the typed errors.
        """
        raise NotImplementedError

    # Publishing budget -----------------------------------------------------------------
    # Posts per window per account that we allow ourselves (at or below the network's own limit),
    # counted by the shared limiter before each publish so a burst is spread out instead of
    # earning 429s. `publish_cost` is what one post costs in the network's unit (Bluesky points).
    publish_window_seconds: ClassVar[int] = 3600
    publish_budget_per_window: ClassVar[int] = 50
    publish_cost: ClassVar[int] = 1

    def publish_budget(self) -> tuple[int, int]:
        """(units, window in seconds) one account may spend on posts."""
        return self.publish_budget_per_window, self.publish_window_seconds

    def publish_limiter_key(self, *, account: ConnectedAccount) -> str:
        """The shared limiter's key for this account's posts."""
        return f"publish:{self.network}:{account.instance or ''}:{account.external_id}"

    # Tokens ---------------------------------------------------------------------------
    def refresh_ahead(self) -> dt.timedelta:
        """How long before its access token expires an account is renewed by the daily pass."""
        return dt.timedelta(days=settings.TOKEN_REFRESH_AHEAD_DAYS)

    # Whether the daily pass renews this network's tokens; False: only when used (shortly before
    # expiry, or after a 401), because the access token lives much less than a day.
    refresh_in_daily_pass: ClassVar[bool] = True

    # Metrics ------------------------------------------------------------------------
    @property
    def has_metrics(self) -> bool:
        return self.metrics_batch_size > 0

    def metrics_budget(self) -> tuple[int, int]:
        """(requests, window in seconds) for metrics lookups: the operator's override, else the default."""
        limit = settings.METRICS_BUDGET_OVERRIDES.get(self.network, self.metrics_requests_per_window)
        return int(limit), self.metrics_window_seconds

    def metrics_per_account(self) -> bool:
        """Whether lookups use the employee's own token (so batches hold one account's posts)."""
        return True

    def metrics_limiter_scope(self, *, account: ConnectedAccount | None) -> str:
        """Which rate-limit bucket a lookup counts against, beyond the network ("" : the network's)."""
        return ""

    def metrics_cost(self, *, account: ConnectedAccount | None, posts: int) -> int:
        """HTTP requests a lookup of `posts` posts makes (0: answered without asking the network)."""
        if self.metrics_requests_per_post is None:
            return 1
        return self.metrics_requests_per_post * posts

    def fetch_metrics(
        self, *, account: ConnectedAccount | None, external_ids: Sequence[str]
    ) -> dict[str, EngagementCounts | None]:
        """Engagement per external id: EngagementCounts, None (unavailable) or POST_DELETED.

        Raises AuthExpired, RateLimited, QuotaExhausted, Permanent or Transient for the whole batch.
        """
        return dict.fromkeys(external_ids)

    def refresh(self, *, account: ConnectedAccount) -> TokenSet | None:
        """New tokens for the account, or None when its tokens never need refreshing.

        Raises AuthExpired when the network refuses (the employee must reconnect).
        """
        return None

    def intent_url(self, *, text: str, link: str, instance: str = "") -> str:
        """The share-dialog URL on the network (no API call, always available)."""
        raise NotImplementedError

    # HTTP ---------------------------------------------------------------------------
    def retry_after(self, response: requests.Response) -> float | None:
        """Seconds to wait after a 429/5xx, from this network's headers."""
        return retry_after_seconds(response.headers.get("Retry-After"))

    def error_message(self, response: requests.Response) -> str:
        """The network's own words for a failed request."""
        try:
            body = response.json()
        except ValueError:
            return (response.text or response.reason or "").strip()[:500] or f"HTTP {response.status_code}"
        if isinstance(body, dict):
            for key in ("error_description", "message", "detail", "error", "title"):
                if isinstance(body.get(key), str) and body[key]:
                    return body[key][:500]
        return str(body)[:500]

    def classify(self, response: requests.Response) -> ProviderError | None:
        """The typed error for a response, or None when it succeeded."""
        status = response.status_code
        if status < 400:
            return None
        message = self.error_message(response)
        if status == 401:
            return AuthExpired(message, status=status)
        if status == 429:
            return RateLimited(message, retry_after=self.retry_after(response))
        if status >= 500:
            return Transient(message, status=status)
        return Permanent(message, status=status)

    def request(
        self,
        method: str,
        url: str,
        *,
        creates: bool = False,
        timeout: tuple[float, float] | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one request through infra.outbound_http and raise the typed error for anything but success.

        Every provider call goes through the one safe client: hosts typed by employees (Mastodon
        instances), named by remote documents (Bluesky PDS, did:web) or read from stored accounts
        (metrics, refresh) cannot reach our own network. An address the client refuses is
        AddressRefused (Permanent) with the client's one refusal message; every network failure
        is Transient with one message (no "timed out" vs "refused" oracle). `creates=True` marks
        a request with a side effect: a failure after the request may have left raises
        OutcomeUnknown (it may have happened) instead.
        """
        if timeout is None:
            timeout = (DEFAULT_TIMEOUT[0], float(getattr(settings, "NETWORK_HTTP_TIMEOUT", DEFAULT_TIMEOUT[1])))
        try:
            response = outbound_request(
                method, url, timeout=timeout, deadline=timeout[0] + timeout[1], max_bytes=max_bytes, **kwargs
            )
        except OutboundRefused as exc:
            raise AddressRefused(exc.message) from exc
        except OutboundFailed as exc:
            if creates and exc.request_sent:
                raise OutcomeUnknown(f"{self.label} did not answer properly; the post may exist.") from exc
            raise Transient(exc.message) from exc
        error = self.classify(response)
        if error is not None:
            raise error
        return response

    def send_create(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """`request` for a call that creates a post. A 5xx answer may come after the post was made
        (the network failed while answering), so it is OutcomeUnknown, like a lost answer: reconcile,
        never a blind retry. A failure before anything left stays Transient."""
        try:
            return self.request(method, url, creates=True, **kwargs)
        except Transient as exc:
            if exc.status is not None and exc.status >= 500:
                raise OutcomeUnknown(f"{exc.message} (the post may exist)", status=exc.status) from exc
            raise

    def json(self, response: requests.Response, *, creates: bool = False) -> Any:
        """The response body as JSON; a garbled body is OutcomeUnknown after a create, else Transient."""
        try:
            return response.json()
        except ValueError as exc:
            if creates:
                raise OutcomeUnknown(f"{self.network} answered with a body that is not JSON.") from exc
            raise Transient(f"{self.network} answered with a body that is not JSON.") from exc


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After (seconds or HTTP date), an epoch timestamp or an ISO datetime."""
    if not value:
        return None
    value = value.strip()
    now = now or timezone.now()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if number > 1_000_000_000:  # epoch seconds (X x-rate-limit-reset, Bluesky RateLimit-Reset)
            return max(0.0, number - now.timestamp())
        return max(0.0, number)
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if timezone.is_naive(when):
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


# --- Registry ---------------------------------------------------------------------------

_REGISTRY: dict[str, type[Provider]] = {}


def register(cls: type[Provider]) -> type[Provider]:
    """Class decorator: make `cls` the provider for `cls.network`."""
    _REGISTRY[cls.network] = cls
    return cls


def get_provider(network: str) -> Provider:
    """The provider for `network` (a campaigns.networks.Network value). Raises KeyError for unknown ones."""
    import networks.providers  # noqa: F401  (registers every network module)

    return _REGISTRY[network]()


def providers() -> list[Provider]:
    """Every network's provider, in the order of campaigns.networks.Network."""
    import networks.providers  # noqa: F401

    order = {value: i for i, value in enumerate(Network.values)}
    return [cls() for _, cls in sorted(_REGISTRY.items(), key=lambda item: order.get(item[0], len(order)))]
