"""Reads for short links, including the redirect's code lookup."""

import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from django.conf import settings
from django.db import DatabaseError
from django.utils.encoding import iri_to_uri

from . import buffer
from .models import CODE_ALPHABET, CODE_MAX_LENGTH, ShortLink

logger = logging.getLogger(__name__)

WELL_FORMED_CODE = re.compile(f"[{re.escape(CODE_ALPHABET)}]{{1,{CODE_MAX_LENGTH}}}")

LOCAL_TTL = 300.0  # targets never change after creation; this only bounds how long a deleted link lingers
LOCAL_MISS_TTL = 30.0
LOCAL_MAX = 200_000


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    link_id: int
    location: str  # the target, already IRI-encoded for the Location header

    def __post_init__(self) -> None:
        # The redirect writes it into the header store unchecked (shortlinks.views.redirect).
        if not self.location.isascii() or "\r" in self.location or "\n" in self.location:
            raise ValueError(f"Not a header-safe location for link {self.link_id}")


# code -> (expires at, link or None). Per process; a plain dict is thread-safe enough for this.
_local: dict[str, tuple[float, ResolvedLink | None]] = {}
_preloaded_at = [float("-inf")]
# True when the last preload held every link: a code missing here is then new or unknown.
_preloaded_all = [False]
# Every link committed before Redis's links version became _known_version is in _local (None: not known).
# _known_since is the clock read before the load that established it: the next load asks only for links
# created after it (less RECENT_MARGIN, for transactions that committed late and clocks that differ).
_known_version: list[str | None] = [None]
_known_since = [0.0]
RECENT_MARGIN = 600.0


def _preload_if_due(now: float) -> None:
    """Load the newest SHORTLINK_PRELOAD links into this process's cache, once per LOCAL_TTL.

    One query instead of one lookup per code and worker: with many links and several workers
    the cache would otherwise take tens of thousands of requests to warm up.
    """
    limit = settings.SHORTLINK_PRELOAD
    if not limit or now - _preloaded_at[0] < LOCAL_TTL - 30:
        return
    _preloaded_at[0] = now
    version, started = buffer.links_version(), time.time()  # read before the query: links committed later change it
    try:
        rows = list(ShortLink.objects.order_by("-pk").values_list("code", "pk", "target_url")[:limit])
    except DatabaseError:
        logger.warning("Could not preload short links", exc_info=True)
        return
    _preloaded_all[0] = len(rows) < limit
    if len(_local) + len(rows) > LOCAL_MAX:
        _local.clear()
    _cache_rows(rows, now)
    _known_version[0], _known_since[0] = (version, started) if _preloaded_all[0] else (None, 0.0)


def _cache_rows(rows: list[tuple[str, int, str]], now: float) -> None:
    expires = now + LOCAL_TTL
    for code, pk, target in rows:
        _local[code] = (expires, ResolvedLink(pk, iri_to_uri(target)))


def _link_among_loaded(code: str, version: str, now: float) -> ResolvedLink | None:
    """A code missing from a cache that held every link when Redis's links version was _known_version.

    Same version: no link was created since, the code is unknown (no query). Another version: the links
    created since the last load are loaded (one indexed query per process and change), then looked in.

    The one gap: a link whose announcement was lost (Redis down at its commit) is announced by the next drain's
    links_version_reconcile only when it is the newest link; one that took an older id (its transaction began
    before another's) waits for this process's next full preload, up to LOCAL_TTL.
    """
    if version != _known_version[0]:
        started = time.time()
        since = datetime.fromtimestamp(_known_since[0] - RECENT_MARGIN, UTC)
        try:
            rows = list(ShortLink.objects.filter(created_at__gte=since).values_list("code", "pk", "target_url"))
        except DatabaseError:
            logger.warning("Could not load the newest short links", exc_info=True)
            return _link_from_database(code)
        if len(_local) + len(rows) > LOCAL_MAX:
            link_cache_clear()  # the next request loads them all again
            return _link_from_database(code)
        _cache_rows(rows, now)
        _known_version[0], _known_since[0] = version, started
    cached = _local.get(code)
    return cached[1] if cached is not None else None


def code_is_well_formed(code: str) -> bool:
    return WELL_FORMED_CODE.fullmatch(code) is not None


def link_resolve(*, code: str) -> ResolvedLink | None:
    """The link behind `code`, or None: in-process cache, then Redis, then the database.

    Misses are cached too (briefly, here and in Redis), so an unknown code asked again does not
    reach the database; malformed codes are refused before any lookup. When the preload holds every
    link, an unknown code costs one Redis round trip and no query (see _link_among_loaded);
    beyond SHORTLINK_PRELOAD links, distinct random codes cost one indexed query each: rate-limit
    floods at the proxy.
    """
    now = time.monotonic()
    cached = _local.get(code)
    if cached is not None and cached[0] > now:
        return cached[1]
    if not code_is_well_formed(code):
        return None
    _preload_if_due(now)
    cached = _local.get(code)
    if cached is not None and cached[0] > now:
        return cached[1]
    version = buffer.links_version() if _preloaded_all[0] else None
    if version is not None:
        return _link_among_loaded(code, version, now)  # a miss cost no query: not worth caching
    if _preloaded_all[0]:
        link = _link_from_database(code)  # Redis cannot tell whether links were created since
    else:
        known, value = buffer.code_cache_get(code)
        if known:
            link = ResolvedLink(*value) if value else None
        else:
            link = _link_from_database(code)
            buffer.code_cache_set(code, (link.link_id, link.location) if link else None)
    if len(_local) >= LOCAL_MAX:
        link_cache_clear()  # it no longer holds every link: the next request loads them again
    _local[code] = (now + (LOCAL_TTL if link else LOCAL_MISS_TTL), link)
    return link


def _link_from_database(code: str) -> ResolvedLink | None:
    row = ShortLink.objects.filter(code=code).values_list("pk", "target_url").first()
    return ResolvedLink(row[0], iri_to_uri(row[1])) if row else None


def link_cache_clear() -> None:
    """Empty this process's code cache (tests; after deleting links by hand)."""
    _local.clear()
    _preloaded_at[0] = float("-inf")
    _preloaded_all[0] = False
    _known_version[0], _known_since[0] = None, 0.0


def link_for_code(*, code: str) -> ShortLink | None:
    if not code_is_well_formed(code):
        return None
    return ShortLink.objects.select_related("post").filter(code=code).first()


@dataclass(frozen=True)
class ClickBufferStatus:
    """What an operator needs to know about the click buffer. None: not known (no buffer, no answer)."""

    configured: bool
    backlog: int | None = None
    oldest_age_seconds: float | None = None
    persistence: bool | None = None
    error: str = ""


def click_buffer_status() -> ClickBufferStatus:
    """The buffer's backlog, the age of its oldest undrained click and whether its Redis persists.

    Asks Redis with the buffer's short timeouts, ignoring the redirect's breaker.
    Never raises: a Redis that does not answer is reported in `error`.
    """
    client = buffer.get_client(ignore_breaker=True)
    if client is None:
        return ClickBufferStatus(configured=False)
    try:
        backlog, oldest = buffer.stream_backlog(client)
        persistence = buffer.persistence_enabled(client)
    except redis.RedisError as exc:
        return ClickBufferStatus(configured=True, error=f"{type(exc).__name__}: {exc}")
    return ClickBufferStatus(configured=True, backlog=backlog, oldest_age_seconds=oldest, persistence=persistence)
