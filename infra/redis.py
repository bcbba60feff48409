"""The one way the apps open a Redis connection.

Every caller names how long it may wait: background work (leaderboards, the metrics
rate limiter) can wait seconds, the redirect's click buffer only a fraction of one.
Clients are cached per URL and timeouts, so each process keeps one pool per use.
"""

from functools import lru_cache

import redis


@lru_cache(maxsize=16)
def redis_client(
    url: str,
    *,
    socket_timeout: float = 5.0,
    connect_timeout: float = 2.0,
    health_check_interval: int = 0,
) -> redis.Redis:
    """A cached client for `url`. Raises ValueError for a URL redis-py cannot parse."""
    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        health_check_interval=health_check_interval,
        encoding_errors="replace",
    )
