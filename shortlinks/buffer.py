"""The click buffer and the code cache in Redis, for the redirect's hot path.

One raw click is one `XADD` to a stream (a single round trip). The drain
(analytics.services.clicks_drain) reads it through a consumer group and
acknowledges *and deletes* entries only after the database transaction that
stored them has committed: a crash in between redelivers them, and the event id
makes the second write a no-op. Deleting at ack keeps the raw IP and session key
in Redis only until the drain.

The event id is made in the request (`click_id`) and travels with the click
wherever it goes: into the stream entry, or into the direct write when the XADD
failed. An XADD that timed out on read may still run when Redis wakes up; the
drain then finds the same id already stored and skips it, so the click counts once.

When Redis is not configured, or fails, every function here answers "not
buffered" instead of raising, and the caller hands the click to the buffer's second
store: the `shortlinks.signals.click_unbuffered` signal, whose receiver (analytics)
stores it at once. Either way only analytics turns raw clicks into rows, and no raw
IP or session key reaches a table.
After a failure Redis is left alone for a moment (a second when it refused the
connection, five when it did not answer in time), so an outage does not cost every
redirect a connection timeout. A connection that Redis closed (a restart) is retried
once on a fresh one before falling back, so a restart trips nothing.
"""

import logging
import random
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.http import HttpRequest

from infra.redis import redis_client

logger = logging.getLogger(__name__)

STREAM = "adv:clicks"
GROUP = "drain"
CONSUMER = "drain"  # one drain at a time (a lock), so one consumer name: its pending list is the crash log
CODE_KEY = "adv:sl:code:"
CODE_TTL = 24 * 3600
CODE_MISS_TTL = 60
MISS = "-"
RETRY_AFTER_FAILURE = 5.0  # a timeout or an error reply: each new try could cost a redirect 0.5 s
RETRY_AFTER_REFUSED = 1.0  # a refused or closed connection fails in a millisecond: look again soon
MAX_UA = 512
MAX_REFERER = 512
MAX_SESSION = 512


@dataclass(frozen=True, slots=True)
class RawClick:
    """One request to /s/<code>, as captured: cheap to build, classified later by the drain.

    ip and session_key are personal data: they live in the buffer only until the drain,
    which turns them into a salted visitor hash and a self-click flag.
    """

    event_id: str
    link_id: int
    at_ms: int
    ip: str = ""
    user_agent: str = ""
    referer: str = ""
    method: str = "GET"
    prefetch: bool = False
    session_key: str = ""

    def to_fields(self) -> dict[str, str | int]:
        fields: dict[str, str | int] = {"e": self.event_id, "l": self.link_id, "t": self.at_ms, "m": self.method}
        for key, value in (("i", self.ip), ("u", self.user_agent), ("r", self.referer), ("s", self.session_key)):
            if value:
                fields[key] = value
        if self.prefetch:
            fields["p"] = 1
        return fields

    @classmethod
    def from_fields(cls, entry_id: str, fields: dict[bytes, bytes]) -> "RawClick":
        """The click of one stream entry. Raises KeyError or ValueError for an entry we did not write."""

        def text(key: bytes) -> str:
            return fields.get(key, b"").decode("utf-8", "replace")

        # Entries buffered before clicks carried their own id are keyed by their stream entry id.
        event_id = text(b"e") or f"r-{entry_id}"
        if len(event_id) > MAX_EVENT_ID:
            raise ValueError("event id too long")
        return cls(
            event_id=event_id,
            link_id=int(fields[b"l"]),
            at_ms=int(fields[b"t"]),
            ip=text(b"i"),
            user_agent=text(b"u"),
            referer=text(b"r"),
            method=text(b"m") or "GET",
            prefetch=b"p" in fields,
            session_key=text(b"s"),
        )

    def field_args(self) -> list[str | int]:
        """to_fields() flattened for XADD."""
        return [item for pair in self.to_fields().items() for item in pair]


MAX_EVENT_ID = 64  # Click.event_id and FilteredHit.event_id
_random_bits = random.getrandbits  # Mersenne Twister: no system call; the random module reseeds it after fork


def click_id(at_ms: int) -> str:
    """A new click's idempotency key: "c-", 48 bits of milliseconds and 80 random bits, in hex.

    Sortable by time like a UUIDv7, and cheap enough for the redirect (well under a microsecond,
    no system call: os.urandom / uuid4 would cost one per click). Unguessability is not needed,
    only uniqueness: 80 bits per millisecond make a clash between two clicks negligible.
    """
    return f"c-{at_ms:012x}{_random_bits(80):020x}"


def client_ip(meta: dict) -> str:
    """The visitor's address: REMOTE_ADDR, or the address the last trusted proxy saw."""
    proxies = settings.SHORTLINK_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return meta.get("REMOTE_ADDR", "")[:64]


def raw_click_from_request(*, link_id: int, request: HttpRequest) -> RawClick:
    """Only string slicing and dict lookups: classification is the drain's job.

    The click gets its id here, once: the buffer and the direct write both store it under that id.
    """
    meta = request.META
    purpose = (
        meta.get("HTTP_SEC_PURPOSE") or meta.get("HTTP_PURPOSE") or meta.get("HTTP_X_PURPOSE") or meta.get("HTTP_X_MOZ")
    )
    purpose = purpose.lower() if purpose else ""
    session_key = ""
    if "HTTP_COOKIE" in meta:
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")[:MAX_SESSION]
    at_ms = int(time.time() * 1000)
    return RawClick(
        event_id=click_id(at_ms),
        link_id=link_id,
        at_ms=at_ms,
        ip=client_ip(meta),
        user_agent=meta.get("HTTP_USER_AGENT", "")[:MAX_UA],
        referer=meta.get("HTTP_REFERER", "")[:MAX_REFERER],
        method=request.method or "GET",
        prefetch="prefetch" in purpose or "preview" in purpose,  # Safari's Top Sites send X-Purpose: preview
        session_key=session_key,
    )


# --- The connection, with a short circuit breaker ------------------------------------------
_state: dict = {"url": None, "client": None, "down_until": 0.0}


def get_client(*, ignore_breaker: bool = False) -> redis.Redis | None:
    url = settings.SHORTLINK_REDIS_URL
    if not url:
        return None
    if not ignore_breaker and time.monotonic() < _state["down_until"]:
        return None
    if _state["url"] != url:
        # The redirect may wait a fraction of a second for Redis, never more.
        _state["client"] = redis_client(url, socket_timeout=0.5, connect_timeout=0.25, health_check_interval=30)
        _state["url"] = url
    return _state["client"]


def _failed(exc: Exception) -> None:
    refused = isinstance(exc, redis.ConnectionError)  # not a TimeoutError, not an error reply
    _state["down_until"] = time.monotonic() + (RETRY_AFTER_REFUSED if refused else RETRY_AFTER_FAILURE)
    logger.warning("Click buffer unavailable, writing clicks to the database: %s", exc)


def reset() -> None:
    """Forget the connection and any recorded failure (tests, settings changes)."""
    _state.update(url=None, client=None, down_until=0.0)
    _thread.__dict__.clear()


# The redirect's own connection, one per thread, used without the pool: taking and returning a
# pooled connection (locks, bookkeeping) cost as much CPU as the XADD itself.
_thread = threading.local()


def _hot_connection(client: redis.Redis):
    if getattr(_thread, "client", None) is not client:
        _thread.connection = client.connection_pool.make_connection()
        _thread.client = client
    return _thread.connection


def _drop_hot_connection() -> None:
    connection = getattr(_thread, "connection", None)
    if connection is not None:
        connection.disconnect()
    _thread.__dict__.clear()


# --- Hot path --------------------------------------------------------------------------------
def code_cache_get(code: str) -> tuple[bool, tuple[int, str] | None]:
    """(known, (link id, location) or None). known=False: ask the database."""
    client = get_client()
    if client is None:
        return False, None
    try:
        value = client.get(CODE_KEY + code)
    except redis.RedisError as exc:
        _failed(exc)
        return False, None
    if value is None:
        return False, None
    if value == MISS.encode():
        return True, None
    link_id, _, location = value.decode().partition(" ")
    return True, (int(link_id), location)


def code_cache_set(code: str, link: tuple[int, str] | None) -> None:
    client = get_client()
    if client is None:
        return
    try:
        if link is None:
            client.set(CODE_KEY + code, MISS, ex=CODE_MISS_TTL)
        else:
            client.set(CODE_KEY + code, f"{link[0]} {link[1]}", ex=CODE_TTL)
    except redis.RedisError as exc:
        _failed(exc)


def _xadd(client: redis.Redis, click: RawClick) -> None:
    connection = _hot_connection(client)
    connection.send_command("XADD", STREAM, "*", *click.field_args())
    connection.read_response()  # raises ResponseError for an error reply (e.g. Redis out of memory)


def buffer_append(click: RawClick) -> bool:
    """XADD the raw click; False when it could not be buffered (write it to the database instead).

    False does not promise that the entry is absent: an XADD that timed out may still run. The
    click's own id makes that harmless (the drain skips ids already stored).
    """
    client = get_client()
    if client is None:
        return False
    reused = getattr(_thread, "client", None) is client
    try:
        _xadd(client, click)
    except redis.ConnectionError as exc:
        _drop_hot_connection()
        if not reused:
            _failed(exc)
            return False
        # A connection opened before Redis restarted fails on its first command although Redis may be
        # back: one more try on a fresh connection (a refused one costs a millisecond) before giving up.
        try:
            _xadd(client, click)
        except redis.RedisError as retry_exc:
            _drop_hot_connection()
            _failed(retry_exc)
            return False
    except redis.RedisError as exc:  # a timeout (not retried: it would double the wait) or an error reply
        _drop_hot_connection()
        _failed(exc)
        return False
    return True


# --- Drain side ------------------------------------------------------------------------------
def stream_ensure_group(client: redis.Redis) -> None:
    try:
        # id=0: entries added before the group existed are drained too.
        client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def stream_read(client: redis.Redis, *, count: int) -> list[tuple[str, dict[bytes, bytes]]]:
    """The next batch: first entries delivered before but never acknowledged (a crashed drain), then new ones."""
    for start in ("0", ">"):
        reply = client.xreadgroup(GROUP, CONSUMER, {STREAM: start}, count=count)
        entries = [(entry_id.decode(), fields) for _, batch in reply for entry_id, fields in batch if fields]
        if entries:
            return entries
        if start == "0" and reply and reply[0][1]:
            # Pending ids whose entries were deleted (fields None): acknowledge them away.
            stale = [entry_id for _, batch in reply for entry_id, fields in batch if not fields]
            client.xack(STREAM, GROUP, *stale)
    return []


def stream_ack(client: redis.Redis, entry_ids: list[str]) -> None:
    """Acknowledge and delete: after this the raw IPs of these clicks exist nowhere."""
    if not entry_ids:
        return
    pipe = client.pipeline(transaction=True)
    pipe.xack(STREAM, GROUP, *entry_ids)
    pipe.xdel(STREAM, *entry_ids)
    pipe.execute()


# --- Watching the buffer (admin page, start-up check) -----------------------------------------
def stream_backlog(client: redis.Redis) -> tuple[int, float | None]:
    """(entries not yet drained, age in seconds of the oldest one, or None when there is none).

    Pending entries (read by a drain, not yet acknowledged) count too: they are deleted only at ack.
    """
    pipe = client.pipeline(transaction=False)
    pipe.xlen(STREAM)
    pipe.xrange(STREAM, count=1)
    length, first = pipe.execute()
    if not first:
        return int(length), None
    oldest_ms = int(first[0][0].split(b"-")[0])
    return int(length), max(0.0, time.time() - oldest_ms / 1000)


def persistence_enabled(client: redis.Redis) -> bool | None:
    """Whether Redis keeps an append-only file; None when it will not say.

    CONFIG GET appendonly first; where CONFIG is disabled or renamed (many managed Redis services),
    INFO persistence's aof_enabled. RDB snapshots alone do not count: they lose minutes of clicks.
    """
    try:
        value = client.config_get("appendonly").get("appendonly")
        if value is not None:
            return (value.decode() if isinstance(value, bytes) else value) == "yes"
    except redis.ResponseError:
        pass
    try:
        info = client.info("persistence")
    except redis.ResponseError:
        return None
    return bool(int(info["aof_enabled"])) if "aof_enabled" in info else None
