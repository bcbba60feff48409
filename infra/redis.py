"""The one way the apps open a Redis connection.

Every caller names how long it may wait: background work (leaderboards, the metrics
rate limiter) can wait seconds, the redirect's click buffer only a fraction of one.
Clients are cached per URL and timeouts, so each process keeps one pool per use.
"""

from functools import lru_cache

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


@lru_cache(maxsize=16)
def redis_client(
    url: str,
    *,
    socket_timeout: float = 5.0,
    connect_timeout: float = 2.0,
    health_check_interval: int = 0,
    retries: int | None = None,
) -> redis.Redis:
    """A cached client for `url`. Raises ValueError for a URL redis-py cannot parse.

    retries=None keeps redis-py's default (10 tries with backoff up to a second each: several seconds
    against a stopped server); a caller that must not wait says how many, 0 for none.
    """
    extra = {} if retries is None else {"retry": Retry(NoBackoff(), retries)}
    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        health_check_interval=health_check_interval,
        encoding_errors="replace",
        **extra,
    )
