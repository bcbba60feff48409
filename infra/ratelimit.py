"""A request limiter shared by every worker (the metrics pull's per-network budgets, the publish budgets).

A sliding-window log in Redis, checked and updated in one Lua script with Redis's own
clock, so concurrent workers on several machines can never together exceed
`limit` requests per `window` seconds. A 429 from the network blocks the key for its
Retry-After. Without Redis (development, tests) the same rules hold inside one process.
"""

import threading
import time
import uuid
from collections import deque

from django.conf import settings

from infra.redis import redis_client

PREFIX = "adv:ratelimit"

# Returns 0 when the request may go now, else the milliseconds to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local cost = tonumber(ARGV[4])
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used + cost <= limit then
  for i = 1, cost do redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. i) end
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
-- Wait until enough of the oldest requests have left the window.
local needed = used + cost - limit
local freeing = redis.call('ZRANGE', KEYS[1], needed - 1, needed - 1, 'WITHSCORES')
return math.max(1, tonumber(freeing[2]) + window - now)
"""

# Block for at least ARGV[1] ms; a longer block already in place stays.
_BLOCK = """
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 1
"""


class _LocalWindow:
    """The same sliding window for one process (no Redis)."""

    lock = threading.Lock()
    logs: dict[str, deque] = {}
    blocked_until: dict[str, float] = {}

    @classmethod
    def acquire(cls, key: str, limit: int, window: float, cost: int = 1) -> float:
        with cls.lock:
            now = time.monotonic()
            until = cls.blocked_until.get(key, 0.0)
            if until > now:
                return until - now
            log = cls.logs.setdefault(key, deque())
            while log and log[0] <= now - window:
                log.popleft()
            if len(log) + cost <= limit:
                log.extend([now] * cost)
                return 0.0
            return max(0.001, log[len(log) + cost - limit - 1] + window - now)

    @classmethod
    def block(cls, key: str, seconds: float) -> None:
        with cls.lock:
            cls.blocked_until[key] = max(cls.blocked_until.get(key, 0.0), time.monotonic() + seconds)

    @classmethod
    def reset(cls) -> None:
        with cls.lock:
            cls.logs.clear()
            cls.blocked_until.clear()


class RateLimiter:
    """`limit` requests per `window` seconds for one key (a network, a Mastodon instance, an account's posts)."""

    def __init__(self, key: str, *, limit: int, window: float, redis_url: str | None = None) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("A rate limit needs at least one request per positive window.")
        self.key = key
        self.limit = limit
        self.window = window
        url = settings.REDIS_URL if redis_url is None else redis_url
        self.client = redis_client(url) if url else None

    def acquire(self, cost: int = 1) -> float:
        """Take `cost` request slots at once: 0.0 when granted, else the seconds to wait before asking again."""
        if cost > self.limit:
            raise ValueError(f"{cost} requests can never fit a limit of {self.limit}.")
        if self.client is None:
            return _LocalWindow.acquire(self.key, self.limit, self.window, cost)
        wait_ms = self.client.eval(
            _ACQUIRE,
            2,
            f"{PREFIX}:{self.key}:log",
            f"{PREFIX}:{self.key}:blocked",
            int(self.window * 1000),
            self.limit,
            uuid.uuid4().hex,
            cost,
        )
        return int(wait_ms) / 1000

    def block(self, seconds: float) -> None:
        """The network said 429: nobody asks again for `seconds`."""
        seconds = max(1.0, seconds)
        if self.client is None:
            _LocalWindow.block(self.key, seconds)
            return
        self.client.eval(_BLOCK, 1, f"{PREFIX}:{self.key}:blocked", int(seconds * 1000))
