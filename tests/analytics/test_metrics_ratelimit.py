import os
import threading

import pytest

from analytics.metrics_ratelimit import RateLimiter

from .metrics_helpers import fresh_rate_limits  # noqa: F401


def _hammer(make_limiter, *, workers: int, attempts: int) -> int:
    granted = []
    start = threading.Barrier(workers)

    def worker():
        limiter = make_limiter()
        start.wait()
        for _ in range(attempts):
            if limiter.acquire() == 0:
                granted.append(1)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(granted)


def test_limiter_without_redis_holds_under_concurrent_workers():
    granted = _hammer(lambda: RateLimiter("x", limit=10, window=60, redis_url=""), workers=8, attempts=20)
    assert granted == 10


def test_limiter_says_how_long_to_wait_and_honours_a_block():
    limiter = RateLimiter("bluesky", limit=2, window=60, redis_url="")
    assert limiter.acquire() == 0
    assert limiter.acquire() == 0
    assert 59 < limiter.acquire() <= 60
    other = RateLimiter("mastodon:social.example", limit=2, window=60, redis_url="")
    other.block(30)
    assert 29 < other.acquire() <= 30
    assert RateLimiter("mastodon:other.example", limit=2, window=60, redis_url="").acquire() == 0


def test_limiter_refuses_nonsense_limits():
    with pytest.raises(ValueError):
        RateLimiter("x", limit=0, window=60, redis_url="")
    with pytest.raises(ValueError):
        RateLimiter("x", limit=5, window=0, redis_url="")


@pytest.mark.redis
def test_redis_limiter_holds_under_concurrent_workers_in_many_processes_worth_of_connections(redis_client):
    url = os.environ["REDIS_URL"]
    # Each worker gets its own connection, as separate Celery processes would.
    import redis

    def make():
        limiter = RateLimiter("x", limit=25, window=60, redis_url=url)
        limiter.client = redis.Redis.from_url(url)
        return limiter

    assert _hammer(make, workers=10, attempts=30) == 25
    assert make().acquire() > 0


@pytest.mark.redis
def test_redis_block_from_a_429_stops_every_worker(redis_client):
    url = os.environ["REDIS_URL"]
    first = RateLimiter("x", limit=100, window=900, redis_url=url)
    second = RateLimiter("x", limit=100, window=900, redis_url=url)
    first.block(45)
    assert 44 < second.acquire() <= 45
    first.block(5)  # a shorter block does not cut the longer one short
    assert second.acquire() > 40


def test_a_lookup_costing_several_requests_takes_several_slots():
    limiter = RateLimiter("linkedin", limit=10, window=3600, redis_url="")
    assert limiter.acquire(cost=4) == 0
    assert limiter.acquire(cost=4) == 0
    assert limiter.acquire(cost=4) > 0  # 12 > 10
    assert limiter.acquire(cost=2) == 0
    with pytest.raises(ValueError):
        limiter.acquire(cost=11)


@pytest.mark.redis
def test_redis_lookup_costing_several_requests_takes_several_slots(redis_client):
    limiter = RateLimiter("linkedin", limit=10, window=3600, redis_url=os.environ["REDIS_URL"])
    assert limiter.acquire(cost=4) == 0
    assert limiter.acquire(cost=4) == 0
    assert 3590 < limiter.acquire(cost=4) <= 3600
    assert limiter.acquire(cost=2) == 0
    assert limiter.acquire() > 0
