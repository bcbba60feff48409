"""Writes for the daily rollups (dashboards issue).

Three sources feed `DailyRollup`, each through one small function called where its data arrives:

* clicks: `rollup_clicks_add` from `services.clicks_ingest` (and `click_reclassify`) with the same
  per-link, per-hour increments the hourly `ClickRollup` gets;
* engagement: `rollup_engagement_add` from `metrics.metrics_record` when a snapshot is written, with the
  growth against the previous values;
* shares: `rollup_shares_sync` (a pull every few minutes: networks sits below analytics) recomputes the
  share columns of every day a recently changed share touches.

`rollup_day_rebuild` recomputes one day from the raw rows (clicks, filtered hits, shares, snapshots), giving
the same numbers as the incremental path (tests/analytics/test_rollups_property.py).
"""

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from networks.models import Share
from shortlinks.models import ShortLink

from .engagement import METRIC_FIELDS, EngagementSnapshot
from .models import Click, ClickRollup, FilteredHit, FilteredReason
from .rollup_models import CLICK_FIELDS, ENGAGEMENT_FIELDS, ROLLUP_FIELDS, SHARE_FIELDS, DailyRollup, RollupState

DIMENSIONS = ("user_id", "post_id", "campaign_id", "network", "team_id", "location_id")
SHARE_SYNC_KEY = "shares"
SHARE_SYNC_OVERLAP = dt.timedelta(minutes=10)  # a share saved while the last sync ran is seen again

Key = tuple[int, dt.date]  # (link id, day)


def organisation_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.ORGANISATION_TIME_ZONE)


def rollup_day(when: dt.datetime) -> dt.date:
    """The organisation's calendar day a moment (or an hourly bucket's start) belongs to."""
    return timezone.localtime(when, organisation_tz()).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = organisation_tz()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def _dimensions(link_ids: Iterable[int]) -> dict[int, tuple]:
    """Each link's columns: employee, post, campaign, network, and the employee's team and location now."""
    rows = ShortLink.objects.filter(pk__in=set(link_ids)).values_list(
        "pk",
        "user_id",
        "post_id",
        "post__campaign_id",
        "network",
        "user__profile__team_id",
        "user__profile__location_id",
    )
    return {row[0]: row[1:] for row in rows}


def _upsert(increments: dict[Key, dict[str, int]], *, replace: tuple[str, ...] = ()) -> None:
    """Add the increments to the daily rows (one statement per chunk), or set the `replace` columns.

    A row's dimensions are written when the row is created and kept afterwards, so a click keeps the team
    its employee was in that day.
    """
    increments = {key: counts for key, counts in increments.items() if any(counts.values()) or replace}
    if not increments:
        return
    dims = _dimensions(link_id for link_id, _ in increments)
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    columns = ("day", "link_id", *DIMENSIONS, *ROLLUP_FIELDS)
    updates = ", ".join(
        f"{name} = excluded.{name}" if name in replace else f"{name} = {table}.{name} + excluded.{name}"
        for name in ROLLUP_FIELDS
    )
    # Deleted links: nothing. Sorted: one lock order for drains running side by side.
    items = sorted((key, counts) for key, counts in increments.items() if key[0] in dims)
    with connection.cursor() as cursor:
        for start in range(0, len(items), 200):
            chunk = items[start : start + 200]
            values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(chunk))
            params: list = []
            for (link_id, day), counts in chunk:
                params += [connection.ops.adapt_datefield_value(day), link_id, *dims[link_id]]
                params += [counts.get(name, 0) for name in ROLLUP_FIELDS]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "  # noqa: S608 (names are ours)
                f"ON CONFLICT (link_id, day) DO UPDATE SET {updates}",
                params,
            )


def _touch(key: str, at: dt.datetime) -> None:
    """Move a "last refreshed" mark forward (never back)."""
    updated = RollupState.objects.filter(key=key, at__lt=at).update(at=at)
    if not updated:
        RollupState.objects.get_or_create(key=key, defaults={"at": at})


def rollup_clicks_add(*, increments: dict[tuple[int, dt.datetime], dict[str, int]]) -> None:
    """Add hourly click increments {(link id, hour): {clicks, unique_clicks, …}} to the daily rows.

    Called inside clicks_ingest's transaction with exactly what the hourly rollups got, so both commit
    or neither does, and a replayed batch (skipped by event id) adds nothing here either.
    """
    daily: dict[Key, dict[str, int]] = {}
    for (link_id, hour), counts in increments.items():
        bucket = daily.setdefault((link_id, rollup_day(hour)), {})
        for name in CLICK_FIELDS:
            bucket[name] = bucket.get(name, 0) + counts.get(name, 0)
    _upsert(daily)
    if daily:
        _touch("clicks", timezone.now())


def rollup_engagement_add(
    *, share_id: int, at: dt.datetime, before: dict[str, int | None], after: dict[str, int | None]
) -> None:
    """Add a share's engagement growth (after − before; None counts as 0) to its link's row for `at`'s day.

    Called by metrics_record in its transaction when it writes a snapshot, so the day's growth is the sum of
    the steps between snapshots, which is what a rebuild computes from the history.
    """
    share = Share.objects.filter(pk=share_id).values("short_link_id", "network").first()
    if share is None:
        return
    growth = {name: (after.get(name) or 0) - (before.get(name) or 0) for name in ENGAGEMENT_FIELDS}
    _upsert({(share["short_link_id"], rollup_day(at)): growth})
    _touch(f"engagement:{share['network']}", at)


def rollup_clicks_adjust(*, link_id: int, hour: dt.datetime, change: dict[str, int]) -> None:
    """Apply a reclassified click's change ({clicks: -1, filtered: +1}…) to the day's row, if it has one
    (a click stored before the daily rollups existed has none; a rebuild of its day makes it)."""
    DailyRollup.objects.filter(link_id=link_id, day=rollup_day(hour)).update(
        **{name: F(name) + delta for name, delta in change.items() if delta}
    )


def _share_went_out() -> Q:
    return Q(route=Share.Route.INTENT, status=Share.Status.OPENED) | Q(
        route=Share.Route.DIRECT, status__in=[Share.Status.PUBLISHED, Share.Status.DELETED], published_at__isnull=False
    )


def _share_counts(days: set[dt.date]) -> dict[Key, dict[str, int]]:
    """Shares that went out on each of the days, per link and route: dialog (opened), scheduled, direct."""
    counts: dict[Key, dict[str, int]] = {}
    for day in days:
        start, end = day_bounds(day)
        rows = (
            Share.objects.filter(_share_went_out())
            .filter(
                Q(route=Share.Route.INTENT, created_at__gte=start, created_at__lt=end)
                | Q(route=Share.Route.DIRECT, published_at__gte=start, published_at__lt=end)
            )
            .values_list("short_link_id", "route", "scheduled_for")
        )
        for link_id, route, scheduled_for in rows:
            if route == Share.Route.INTENT:
                name = "shares_dialog"
            else:
                name = "shares_scheduled" if scheduled_for else "shares_direct"
            bucket = counts.setdefault((link_id, day), dict.fromkeys(SHARE_FIELDS, 0))
            bucket[name] += 1
    return counts


def _shares_set(days: set[dt.date]) -> None:
    """Set (not add) the share columns of the days from the Share rows: idempotent."""
    DailyRollup.objects.filter(day__in=days).exclude(shares_direct=0, shares_scheduled=0, shares_dialog=0).update(
        **dict.fromkeys(SHARE_FIELDS, 0)
    )
    _upsert(_share_counts(days), replace=SHARE_FIELDS)


@transaction.atomic
def rollup_shares_sync(*, now: dt.datetime | None = None) -> int:
    """Bring the share columns up to date for every day touched by a share changed since the last sync.

    A pull (shares live in networks, below analytics). Idempotent: the days' share counts are recomputed
    and set, never added. Returns how many days were recomputed.
    """
    now = now or timezone.now()
    state = RollupState.objects.select_for_update().filter(key=SHARE_SYNC_KEY).first()
    changed = Share.objects.filter(_share_went_out())
    if state is not None:
        changed = changed.filter(updated_at__gte=state.at - SHARE_SYNC_OVERLAP)
    days = {
        rollup_day(at)
        for created_at, published_at, route in changed.values_list("created_at", "published_at", "route")
        for at in [created_at if route == Share.Route.INTENT else published_at]
    }
    if days:
        _shares_set(days)
    RollupState.objects.update_or_create(key=SHARE_SYNC_KEY, defaults={"at": now})
    return len(days)


# --- Rebuild ---------------------------------------------------------------------------------------------


def _hour(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _clicks_from_raw(start: dt.datetime, end: dt.datetime) -> dict[tuple[int, dt.datetime], dict[str, int]]:
    hourly: dict[tuple[int, dt.datetime], dict[str, int]] = {}
    clicks = Click.objects.filter(clicked_at__gte=start, clicked_at__lt=end)
    for link_id, at, is_unique, is_self in clicks.values_list("link_id", "clicked_at", "is_unique", "is_self_click"):
        bucket = hourly.setdefault((link_id, _hour(at)), dict.fromkeys(CLICK_FIELDS, 0))
        if is_self:
            bucket["self_clicks"] += 1
        else:
            bucket["clicks"] += 1
            bucket["unique_clicks"] += int(is_unique)
    for link_id, at, reason in FilteredHit.objects.filter(at__gte=start, at__lt=end).values_list(
        "link_id", "at", "reason"
    ):
        bucket = hourly.setdefault((link_id, _hour(at)), dict.fromkeys(CLICK_FIELDS, 0))
        bucket["previews" if reason == FilteredReason.PREVIEW else "filtered"] += 1
    return hourly


def _engagement_from_history(start: dt.datetime, end: dt.datetime) -> dict[Key, dict[str, int]]:
    """Per link, the growth over the day: last values in the day − last values before it (None as 0)."""
    day = rollup_day(start)
    in_day = EngagementSnapshot.objects.filter(measured_at__gte=start, measured_at__lt=end)
    share_ids = set(in_day.values_list("share_id", flat=True))
    if not share_ids:
        return {}
    links = dict(Share.objects.filter(pk__in=share_ids).values_list("pk", "short_link_id"))
    last_in: dict[int, dict] = {}
    last_before: dict[int, dict] = {}
    history = EngagementSnapshot.objects.filter(share_id__in=share_ids, measured_at__lt=end).order_by(
        "share_id", "measured_at", "pk"
    )
    for row in history.values("share_id", "measured_at", *METRIC_FIELDS).iterator():
        target = last_in if row["measured_at"] >= start else last_before
        target[row["share_id"]] = row
    growth: dict[Key, dict[str, int]] = {}
    for share_id, after in last_in.items():
        before = last_before.get(share_id, {})
        bucket = growth.setdefault((links[share_id], day), dict.fromkeys(ENGAGEMENT_FIELDS, 0))
        for name in ENGAGEMENT_FIELDS:
            bucket[name] += (after.get(name) or 0) - (before.get(name) or 0)
    return growth


@transaction.atomic
def rollup_day_rebuild(*, day: dt.date, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute one day's hourly click rollups and daily rows from the raw rows. Idempotent.

    Transactional: pages see the old numbers or the new ones, never a half-built day. Raw clicks are the
    source of truth, so this can only rebuild days whose clicks are still kept. Returns the rows written.
    """
    start, end = day_bounds(day)
    steps = 4
    tick = progress or (lambda done, total: None)
    hourly = _clicks_from_raw(start, end)
    tick(1, steps)
    ClickRollup.objects.filter(hour__gte=start, hour__lt=end).delete()
    ClickRollup.objects.bulk_create(
        [ClickRollup(link_id=link_id, hour=hour, **counts) for (link_id, hour), counts in hourly.items()],
        batch_size=1000,
    )
    tick(2, steps)
    DailyRollup.objects.filter(day=day).delete()
    daily: dict[Key, dict[str, int]] = {}
    for (link_id, _hour), counts in hourly.items():
        bucket = daily.setdefault((link_id, day), dict.fromkeys(ROLLUP_FIELDS, 0))
        for name in CLICK_FIELDS:
            bucket[name] += counts[name]
    for source in (_share_counts({day}), _engagement_from_history(start, end)):
        for key, counts in source.items():
            bucket = daily.setdefault(key, dict.fromkeys(ROLLUP_FIELDS, 0))
            for name, value in counts.items():
                bucket[name] += value
    tick(3, steps)
    _upsert(daily)
    tick(4, steps)
    return DailyRollup.objects.filter(day=day).count()


def rollups_last_refreshed() -> dict[str, dt.datetime]:
    """When clicks, shares and each network's engagement last reached the rollups. One query."""
    return dict(RollupState.objects.values_list("key", "at"))
