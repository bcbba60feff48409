"""The shared publish budgets in tests.

The limiter counts on a clock that time_machine does not move (time.monotonic, or Redis's TIME):
a test that travels past a rate-limit window or a 429's reset says so with `window_passes()`.
"""

import os

from infra.ratelimit import PREFIX, _LocalWindow


def window_passes() -> None:
    """Forget every publish budget's used slots and blocks (in-process, and in Redis when configured)."""
    _LocalWindow.reset()
    url = os.environ.get("REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{PREFIX}:publish:*"))
        if keys:
            client.delete(*keys)
