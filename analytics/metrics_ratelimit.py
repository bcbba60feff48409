"""The metrics pull's per-network limiter: the shared limiter (infra.ratelimit) with each provider's budget.

The limiter itself lives in infra so the publishing side (networks) counts its posts with the same
sliding window, under keys of its own (`publish:…`).
"""

from infra.ratelimit import PREFIX, _LocalWindow
from infra.ratelimit import RateLimiter as _SharedLimiter
from networks.providers.base import get_provider

__all__ = ["PREFIX", "RateLimiter", "_LocalWindow"]


class RateLimiter(_SharedLimiter):
    @classmethod
    def for_network(cls, network: str, *, scope: str = "") -> "RateLimiter":
        limit, window = get_provider(network).metrics_budget()
        return cls(f"{network}:{scope}" if scope else network, limit=limit, window=window)
