"""The click buffer and the code cache in Redis, for the redirect's hot path.

One raw click is one field of an `XADD` to a stream (a single round trip; up to ENTRY_CLICKS
clicks of a batch share one entry). The drain (analytics.services.clicks_drain) reads it
through a consumer group and
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
After a failure Redis is left alone for a moment (a quarter of a second when it refused
the connection, two when it did not answer in time), so an outage does not cost every
redirect a connection timeout. A connection that Redis closed (a restart) is retried
once on a fresh one before falling back, so a restart trips nothing, and nothing is
retried with backoff (redis-py's default would wait seconds against a stopped server).

With SHORTLINK_CLICK_BATCH_MS > 0 (production, 5 ms) the request only appends the click to
this process's batch (`ClickBatcher`); a thread of the process sends the batch in one write of
pipelined XADDs every few milliseconds, reading Redis's replies one tick later, or hands it to
the second store when Redis fails. The 302 then goes out before the click is in Redis: a process
killed outright (SIGKILL, out of memory) loses the clicks of its last tick; a stopping process
(SIGTERM) sends its batch and waits for the replies first.
"""

import atexit
import logging
import os
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import redis
from django import db
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest

from infra.redis import redis_client

logger = logging.getLogger(__name__)

STREAM = "adv:clicks"
GROUP = "drain"
CODE_KEY = "adv:sl:code:"
CODE_TTL = 24 * 3600
CODE_MISS_TTL = 60
MISS = "-"
RETRY_AFTER_FAILURE = 2.0  # a timeout or an error reply: each new try could cost a redirect 0.5 s
RETRY_AFTER_REFUSED = 0.25  # a refused or closed connection fails in a millisecond: look again soon
MAX_UA = 512
MAX_REFERER = 512
MAX_SESSION = 512


SEP = "\x1f"  # between a packed click's fields; taken out of the header values when captured
# A batch goes to Redis as entries of up to ENTRY_CLICKS clicks, one packed click per field (c, c1, c2…):
# one XADD and one reply per entry instead of per click. A one-click entry is `c <packed>`.
ENTRY_CLICKS = 64
_FIELD_NAMES = [b"$%d\r\n%s\r\n" % (len(name), name) for name in [b"c", *(b"c%d" % n for n in range(1, ENTRY_CLICKS))]]
_XADD_HEAD = b"$4\r\nXADD\r\n$%d\r\n%s\r\n$1\r\n*\r\n" % (len(STREAM), STREAM.encode())


@dataclass(slots=True)
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

    def packed(self) -> str:
        """The click as one field value: the stream entry is `c <packed>` (one field, less for Redis to parse)."""
        return SEP.join(
            (
                self.event_id,
                str(self.link_id),
                str(self.at_ms),
                self.method,
                "1" if self.prefetch else "",
                self.ip,
                self.user_agent,
                self.referer,
                self.session_key,
            )
        )

    @classmethod
    def from_packed(cls, value: bytes) -> "RawClick":
        parts = value.decode("utf-8", "replace").split(SEP, 8)
        if len(parts) != 9 or not parts[0] or len(parts[0]) > MAX_EVENT_ID:
            raise ValueError("not a packed click")
        event_id, link_id, at_ms, method, prefetch, ip, user_agent, referer, session_key = parts
        return cls(
            event_id,
            int(link_id),
            int(at_ms),
            ip,
            user_agent,
            referer,
            method or "GET",
            bool(prefetch),
            session_key,
        )

    @classmethod
    def from_entry(cls, entry_id: str, fields: dict[bytes, bytes]) -> list["RawClick"]:
        """The clicks of one stream entry. Raises KeyError or ValueError for an entry we did not write."""
        if b"c" not in fields:
            return [cls.from_fields(entry_id, fields)]
        return [cls.from_packed(value) for name, value in fields.items() if name[:1] == b"c"]

    @classmethod
    def from_fields(cls, entry_id: str, fields: dict[bytes, bytes]) -> "RawClick":
        """The click of a one-click stream entry. Raises KeyError or ValueError for an entry we did not write."""
        if b"c" in fields:
            return cls.from_packed(fields[b"c"])

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


def client_ip(meta: dict, proxies: int) -> str:
    """The visitor's address: REMOTE_ADDR, or the address the last trusted proxy saw."""
    if proxies:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return meta.get("REMOTE_ADDR", "")[:64]


def _header(meta: dict, name: str, limit: int) -> str:
    value = meta.get(name, "")
    return (value.replace(SEP, "") if SEP in value else value)[:limit]


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
        session_key = request.COOKIES.get(hot_settings.session_cookie, "")[:MAX_SESSION].replace(SEP, "")
    at_ms = int(time.time() * 1000)
    return RawClick(
        click_id(at_ms),
        link_id,
        at_ms,
        client_ip(meta, hot_settings.trusted_proxies).replace(SEP, ""),
        _header(meta, "HTTP_USER_AGENT", MAX_UA),
        _header(meta, "HTTP_REFERER", MAX_REFERER),
        request.method or "GET",
        "prefetch" in purpose or "preview" in purpose,  # Safari's Top Sites send X-Purpose: preview
        session_key,
    )


class HotSettings:
    """The settings the redirect reads on every click, as plain attributes (django.conf.settings costs
    a lookup through its lazy wrapper each time). Refreshed when a setting changes (tests)."""

    def __init__(self) -> None:
        self.load()

    def load(self, **kwargs) -> None:
        self.session_cookie = settings.SESSION_COOKIE_NAME
        self.trusted_proxies = settings.SHORTLINK_TRUSTED_PROXIES
        self.batch_seconds = settings.SHORTLINK_CLICK_BATCH_MS / 1000 if settings.SHORTLINK_REDIS_URL else 0.0


hot_settings = HotSettings()
setting_changed.connect(hot_settings.load, dispatch_uid="shortlinks.buffer.hot_settings")


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
        _state["client"] = redis_client(
            url, socket_timeout=0.5, connect_timeout=0.25, health_check_interval=30, retries=0
        )
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
    batcher.stop()


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


# Which links exist, for processes that hold every link (shortlinks.selectors): a token that changes whenever
# links are created, and the newest link id Redis last heard of (for links_version_reconcile).
LINKS_KEY = "adv:sl:links"


def links_version() -> str | None:
    """The links' current version token; None when Redis cannot tell (not configured, down, never set)."""
    client = get_client()
    if client is None:
        return None
    try:
        value = client.hget(LINKS_KEY, "v")
    except redis.RedisError as exc:
        _failed(exc)
        return None
    return value.decode() if value is not None else None


def _new_links_version() -> str:
    # Never the same twice, also after Redis lost its data: a counter could come back to a value a process saw.
    return f"{time.time_ns():x}-{_random_bits(64):016x}"


def links_version_bump() -> None:
    """Links were created: a new version token. Failing (Redis down) is logged; links_version_reconcile repairs it."""
    client = get_client()
    if client is None:
        return
    try:
        client.hset(LINKS_KEY, "v", _new_links_version())
    except redis.RedisError as exc:
        _failed(exc)


def links_version_reconcile(newest_link_id: int) -> bool:
    """A new version when the newest link is not the one Redis last heard of, or the version is gone;
    True when it bumped. Raises redis.RedisError."""
    client = get_client(ignore_breaker=True)
    if client is None:
        return False
    version, newest = client.hmget(LINKS_KEY, ["v", "n"])
    if version is not None and newest is not None and int(newest) == newest_link_id:
        return False
    client.hset(LINKS_KEY, mapping={"v": _new_links_version(), "n": newest_link_id})
    return True


def xadd_command(clicks: list[RawClick]) -> bytes:
    """`XADD adv:clicks * c <packed> c1 <packed> …` for up to ENTRY_CLICKS clicks, in the Redis protocol."""
    parts = [b"*%d\r\n%s" % (3 + 2 * len(clicks), _XADD_HEAD)]
    for name, click in zip(_FIELD_NAMES, clicks, strict=False):
        value = click.packed().encode("utf-8", "replace")
        parts.append(b"%s$%d\r\n%s\r\n" % (name, len(value), value))
    return b"".join(parts)


def _xadd(client: redis.Redis, clicks: list[RawClick]) -> list[RawClick]:
    """One write of pipelined XADDs, ENTRY_CLICKS clicks an entry; the clicks Redis refused (an error reply,
    e.g. out of memory)."""
    entries = [clicks[start : start + ENTRY_CLICKS] for start in range(0, len(clicks), ENTRY_CLICKS)]
    connection = _hot_connection(client)
    connection.send_packed_command([b"".join([xadd_command(entry) for entry in entries])], check_health=False)
    refused = []
    for entry in entries:
        try:
            connection.read_response()
        except redis.ResponseError:
            refused.extend(entry)
    return refused


def _write_retrying(write: Callable[[], None], drop: Callable[[], None], *, reused: bool) -> redis.RedisError | None:
    """Run `write` on the connection it uses; the error that stopped it, or None.

    A connection opened before Redis restarted fails on its first command although Redis may be back:
    when `write` used a connection that had worked before, it runs once more on a fresh one (`drop` forgets
    the old; a refused connection costs a millisecond). A timeout is not retried: it would double the wait.
    """
    try:
        write()
        return None
    except redis.ConnectionError as exc:
        drop()
        if not reused:
            return exc
    except redis.RedisError as exc:
        drop()
        return exc
    try:
        write()
        return None
    except redis.RedisError as retry_exc:
        drop()
        return retry_exc


def buffer_append_many(clicks: list[RawClick]) -> list[RawClick]:
    """XADD the raw clicks; those that could not be buffered (write them to the database instead).

    Not buffered does not promise that the entry is absent: an XADD that timed out may still run.
    The click's own id makes that harmless (the drain skips ids already stored).
    """
    client = get_client()
    if client is None:
        return clicks
    refused: list[RawClick] = []

    def write() -> None:
        nonlocal refused
        refused = _xadd(client, clicks)

    error = _write_retrying(write, _drop_hot_connection, reused=getattr(_thread, "client", None) is client)
    if error is not None:
        _failed(error)
        return clicks
    if refused:
        _failed(redis.ResponseError(f"{len(refused)} XADD refused"))
    return refused


def buffer_append(click: RawClick) -> bool:
    """XADD one raw click in this request; False when it could not be buffered."""
    return not buffer_append_many([click])


class ClickBatcher:
    """This process's clicks on their way to Redis: appended by requests, sent by one thread.

    A request's cost is one deque append. The thread sleeps on an event while there is nothing to
    send; the first click of a busy spell wakes it. From then on it ticks every SHORTLINK_CLICK_BATCH_MS,
    without being woken: each tick reads Redis's replies to the previous tick's write (they arrived in
    the meantime, so no tick waits for a round trip) and sends the clicks queued since in one write of
    pipelined XADDs of up to ENTRY_CLICKS clicks. What Redis refuses, or what a write or a reply lost
    to a broken connection carried, goes to `fallback` (the database) from the same thread; a click
    that reached Redis as well is then stored once, by its id. When the queue and the replies are both
    done it goes back to sleep.
    """

    def __init__(self) -> None:
        self.queue: deque[RawClick] = deque()
        self.wake = threading.Event()
        self.halt = threading.Event()  # ends a tick's wait at once when the process stops
        self.idle = True  # read by add() without a lock: a stale True costs one spare wake-up, never a click
        self.stopping = False
        self.thread: threading.Thread | None = None
        self.fallback: Callable[[list[RawClick]], None] | None = None
        self.linger = 0.0
        self.client: redis.Redis | None = None
        self.connection = None
        self.in_flight: list[list[RawClick]] = []  # sent, one list per XADD, replies not read yet

    def add(self, click: RawClick, *, linger: float, fallback: Callable[[list[RawClick]], None]) -> None:
        self.queue.append(click)
        if self.idle:
            self._wake(linger, fallback)

    def _wake(self, linger: float, fallback: Callable[[list[RawClick]], None]) -> None:
        if self.thread is None:
            with _start_lock:
                if self.thread is None:
                    self.linger, self.fallback, self.stopping = linger, fallback, False
                    self.halt.clear()
                    self.thread = threading.Thread(target=self._run, name="click-batcher", daemon=True)
                    self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        try:
            while not self.stopping:
                if not self.queue and not self.in_flight:
                    self.idle = True
                    if not self.queue:  # a click appended before `idle` was set did not wake us: look first
                        self.wake.wait()
                    self.wake.clear()
                    self.idle = False
                    continue
                self.halt.wait(self.linger)
                self.flush()
        finally:
            db.connections.close_all()  # this thread's own, opened when Redis failed and clicks were parked

    def flush(self, *, replies: bool = False) -> None:
        """Read the replies due, send every click queued so far; with `replies`, wait for their replies too
        (at exit)."""
        with _flush_lock:
            self._read_replies()
            while self.queue:
                self._send([self.queue.popleft() for _ in range(min(len(self.queue), 1000))])
            if replies:
                self._read_replies()

    def _park(self, clicks: list[RawClick]) -> None:
        if clicks and self.fallback is not None:
            self.fallback(clicks)

    def _drop_connection(self) -> None:
        """Close the connection; the entries sent on it whose replies are unread go to the database."""
        if self.connection is not None:
            self.connection.disconnect()
        self.connection = None
        unknown, self.in_flight = self.in_flight, []
        self._park([click for entry in unknown for click in entry])

    def _send(self, batch: list[RawClick]) -> None:
        client = get_client()
        if client is None:
            self._park(batch)
            return
        entries = [batch[start : start + ENTRY_CLICKS] for start in range(0, len(batch), ENTRY_CLICKS)]
        try:
            payload = b"".join([xadd_command(entry) for entry in entries])
        except Exception:  # never lose the batch to a bug in the packing: the database takes it
            logger.exception("Packing %d clicks for Redis failed", len(batch))
            self._park(batch)
            return
        reused = self.connection is not None and self.client is client

        def write() -> None:
            if self.connection is None or self.client is not client:
                self._drop_connection()
                self.connection, self.client = client.connection_pool.make_connection(), client
            self.connection.send_packed_command([payload], check_health=False)

        error = _write_retrying(write, self._drop_connection, reused=reused)
        if error is not None:
            _failed(error)
            self._park(batch)
            return
        self.in_flight.extend(entries)

    def _read_replies(self) -> None:
        entries, self.in_flight = self.in_flight, []
        refused: list[RawClick] = []
        for index, entry in enumerate(entries):
            try:
                self.connection.read_response()
            except redis.ResponseError:  # e.g. out of memory: this entry only
                refused.extend(entry)
            except (redis.RedisError, OSError) as exc:
                # The connection broke (or timed out) with these entries sent: whether Redis ran them is
                # unknown, so the database takes them, and a copy that reached the stream is skipped at drain.
                self._drop_connection()
                if not isinstance(exc, redis.ConnectionError):
                    _failed(exc)
                refused.extend(click for rest in entries[index:] for click in rest)
                break
        if refused and len(refused) < sum(len(entry) for entry in entries):
            _failed(redis.ResponseError(f"{len(refused)} XADD refused"))
        self._park(refused)

    def stop(self) -> None:
        """Send what is queued, wait for Redis's replies and end the thread (process exit, tests)."""
        thread = self.thread
        if thread is not None and thread.is_alive():
            self.stopping = True
            self.halt.set()
            self.wake.set()
            thread.join(timeout=5)
        self.flush(replies=True)
        self._drop_connection()
        self.thread, self.client, self.idle = None, None, True

    def after_fork(self) -> None:
        """In a forked child: no thread, no connection, and none of the parent's clicks (the parent sends those)."""
        self.queue = deque()
        self.wake, self.halt = threading.Event(), threading.Event()
        self.thread, self.connection, self.client, self.in_flight = None, None, None, []
        self.idle, self.stopping = True, False


_start_lock = threading.Lock()
_flush_lock = threading.Lock()  # the thread and an exiting process never send the same clicks twice
batcher = ClickBatcher()


def _flush_at_exit() -> None:
    if batcher.queue or batcher.in_flight:
        batcher.stop()


def _after_fork_in_child() -> None:
    _thread.__dict__.clear()  # the forking thread's hot connection is the parent's socket
    batcher.after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


atexit.register(_flush_at_exit)
try:  # worker processes started by multiprocessing (granian) end with os._exit: atexit never runs there
    from multiprocessing import util as _mp_util

    _mp_util.Finalize(None, _flush_at_exit, exitpriority=100)
except ImportError:  # pragma: no cover
    pass


# --- Drain side ------------------------------------------------------------------------------
def stream_ensure_group(client: redis.Redis) -> None:
    try:
        # id=0: entries added before the group existed are drained too.
        client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


CLAIM_IDLE_SECONDS = 10  # an entry read by another drain and not acknowledged for this long: that drain died
CONSUMER_IDLE_FORGET_MS = 3600 * 1000


def drain_consumer() -> str:
    """This drain's name in the consumer group: one per process and thread, so drains run side by side.

    Redis hands each new entry to one consumer only; a consumer's pending list is what it read and
    has not acknowledged yet (its crash log), read again first by the same process.
    """
    return f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"


def stream_read(client: redis.Redis, *, consumer: str, count: int) -> list[tuple[str, dict[bytes, bytes]]]:
    """The next batch for `consumer`: its own unacknowledged entries (a failed batch), then those another
    drain read CLAIM_IDLE_SECONDS ago and never acknowledged (it died), then new ones."""
    reply = client.xreadgroup(GROUP, consumer, {STREAM: "0"}, count=count)
    entries = [(entry_id.decode(), fields) for _, batch in reply for entry_id, fields in batch if fields]
    if entries:
        return entries
    if reply and reply[0][1]:
        # Pending ids whose entries were deleted (fields None): acknowledge them away.
        stale = [entry_id for _, batch in reply for entry_id, fields in batch if not fields]
        client.xack(STREAM, GROUP, *stale)
    claimed = client.xautoclaim(STREAM, GROUP, consumer, CLAIM_IDLE_SECONDS * 1000, start_id="0-0", count=count)
    entries = [(entry_id.decode(), fields) for entry_id, fields in claimed[1] if fields]
    if entries:
        return entries
    reply = client.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count)
    return [(entry_id.decode(), fields) for _, batch in reply for entry_id, fields in batch if fields]


def stream_forget_idle_consumers(client: redis.Redis) -> None:
    """Remove consumers of finished processes (nothing pending, idle for an hour) from the group."""
    for consumer in client.xinfo_consumers(STREAM, GROUP):
        if not consumer["pending"] and consumer["idle"] > CONSUMER_IDLE_FORGET_MS:
            client.xgroup_delconsumer(STREAM, GROUP, consumer["name"])


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
