import os

import pytest

from analytics.metrics_ratelimit import PREFIX, _LocalWindow


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Every test starts with empty limiter windows (in-process, and in Redis when configured)."""
    _LocalWindow.reset()
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{PREFIX}:*"))
        if keys:
            client.delete(*keys)
    settings.METRICS_BUDGET_OVERRIDES = {"x": 300, "bluesky": 1500, "mastodon": 300, "linkedin": 100}
    yield
    _LocalWindow.reset()
