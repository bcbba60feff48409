"""Writes: awarding points into the ledger, keeping period totals and Redis boards, badges, rebuilds.

Every award is idempotent: the ledger's unique constraint (action, source, step) turns a
re-run or a retried task into a no-op. Totals in `PeriodScore` change in the same
transaction as the ledger; Redis follows after commit and can always be rebuilt.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Q, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek
from django.utils import timezone

from accounts.models import EmployeeProfile

from . import redis_boards
from .models import (
    DEFAULT_DAILY_CLICK_CAP,
    DEFAULT_POINTS,
    Action,
    Badge,
    BadgeAward,
    Period,
    PeriodScore,
    PointEntry,
    PointRule,
)
from .periods import ALL_TIME_START, day_bounds, organisation_tz, period_start, period_starts, week_bounds

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleValue:
    points: int
    daily_cap: int


def rule_get(*, action: str) -> RuleValue:
    """The rule in force now for `action` (admin's row, else the default)."""
    row = PointRule.objects.filter(action=action).values("points", "daily_cap_per_share").first()
    if row is None:
        return RuleValue(points=DEFAULT_POINTS[action], daily_cap=DEFAULT_DAILY_CLICK_CAP)
    return RuleValue(points=row["points"], daily_cap=row["daily_cap_per_share"] or DEFAULT_DAILY_CLICK_CAP)


# --- The ledger --------------------------------------------------------------------------


def entry_create(
    *,
    user_id: int,
    action: str,
    points: int,
    source_type: str,
    source_id: int,
    occurred_at: dt.datetime,
    reason: str,
    step: int = 0,
    quantity: int = 1,
    post_id: int | None = None,
    network: str = "",
) -> PointEntry | None:
    """Append one ledger entry and move the period totals; None when it already exists.

    Idempotent (unique per action, source and step). Runs in the caller's transaction
    (or its own); the Redis boards are updated after commit.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = PointEntry.objects.create(
                    user_id=user_id,
                    action=action,
                    points=points,
                    source_type=source_type,
                    source_id=source_id,
                    step=step,
                    quantity=quantity,
                    post_id=post_id,
                    network=network,
                    reason=reason[:255],
                    occurred_at=occurred_at,
                )
        except IntegrityError:
            return None
        _period_scores_add(user_id=user_id, when=occurred_at, delta=points)
        if redis_boards.enabled():
            transaction.on_commit(lambda: _redis_add(user_id=user_id, when=occurred_at, delta=points))
    return entry


def _period_scores_add(*, user_id: int, when: dt.datetime, delta: int) -> None:
    for period, start in period_starts(when).items():
        updated = PeriodScore.objects.filter(user_id=user_id, period=period, start=start).update(
            points=F("points") + delta
        )
        if updated:
            continue
        try:
            with transaction.atomic():
                PeriodScore.objects.create(user_id=user_id, period=period, start=start, points=delta)
        except IntegrityError:  # created by a concurrent award a moment ago
            PeriodScore.objects.filter(user_id=user_id, period=period, start=start).update(points=F("points") + delta)


def _membership(user_id: int) -> tuple[bool, bool, int | None]:
    """(excluded, opted_out, team_id) of an employee."""
    row = (
        EmployeeProfile.objects.filter(user_id=user_id)
        .values("leaderboard_excluded", "leaderboard_opt_out", "team_id")
        .first()
    )
    if row is None:
        return False, False, None
    return row["leaderboard_excluded"], row["leaderboard_opt_out"], row["team_id"]


def _redis_add(*, user_id: int, when: dt.datetime, delta: int) -> None:
    """Move one employee's score on every board of the periods containing `when`."""
    excluded, opted_out, team_id = _membership(user_id)
    kind = redis_boards.kind_of(excluded=excluded, opted_out=opted_out)
    now = timezone.now()
    try:
        pipe = redis_boards.client().pipeline(transaction=True)
        for period, start in period_starts(when).items():
            keys = [redis_boards.board_key(period, start, kind=kind)]
            if team_id is not None and not excluded:
                keys.append(redis_boards.board_key(period, start, team_id=team_id, kind=kind))
                keys.append(redis_boards.teams_key(period, start))
            for key in keys:
                if key.endswith(":teams"):
                    pipe.zincrby(key, delta, str(team_id))
                else:
                    # Scores are negated: see redis_boards.
                    pipe.zincrby(key, -delta, redis_boards.member(user_id))
                if period != Period.ALL and start != period_start(period, now):
                    pipe.expire(key, redis_boards.PAST_PERIOD_TTL)
        pipe.execute()
    except Exception:  # Redis down must not lose the award: the ledger has it, the nightly rebuild restores it.
        logger.exception("leaderboard: could not update Redis for user %s", user_id)


# --- Awards ------------------------------------------------------------------------------


def points_award_share(*, share_id: int) -> list[PointEntry]:
    """Points for a published share (plus the featured bonus), once per employee, post and network.

    Idempotent: the source is the employee's short link for the post and network, so sharing
    the same post again on the same network earns nothing more. Returns the new entries.
    """
    from networks.models import Share

    share = Share.objects.select_related("post").filter(id=share_id, status=Share.Status.PUBLISHED).first()
    if share is None:
        return []
    when = share.published_at or share.created_at
    created = []
    with transaction.atomic():
        rule = rule_get(action=Action.SHARE)
        entry = entry_create(
            user_id=share.user_id,
            action=Action.SHARE,
            points=rule.points,
            source_type="link",
            source_id=share.short_link_id,
            occurred_at=when,
            reason=f"Shared “{share.post.title[:120]}” on {share.get_network_display()}",
            post_id=share.post_id,
            network=share.network,
        )
        created.append(entry)
        if share.post.is_featured:
            bonus = rule_get(action=Action.FEATURED_SHARE)
            created.append(
                entry_create(
                    user_id=share.user_id,
                    action=Action.FEATURED_SHARE,
                    points=bonus.points,
                    source_type="link",
                    source_id=share.short_link_id,
                    occurred_at=when,
                    reason=f"Bonus: “{share.post.title[:120]}” is a featured post",
                    post_id=share.post_id,
                    network=share.network,
                )
            )
    new = [e for e in created if e is not None]
    if new:
        badges_update(user_id=share.user_id)
    return new


def _countable_clicks():
    """Clicks that earn points: counted (bots are never stored), unique, not the sharer's own.

    A click reclassified later (as a bot: deleted, or flagged; or as a self-click) drops out of
    this set, and `points_sync_clicks` reverses what it had earned.
    """
    from analytics.models import Click

    return Click.objects.counting()


def points_award_click(*, click_id: int) -> PointEntry | None:
    """Points for one unique click on an employee's link, within the daily cap per share.

    A click past the cap is recorded with 0 points (so the employee can see why). Idempotent;
    the short link row is locked so that concurrent awards cannot overrun the cap.
    """
    from shortlinks.models import ShortLink

    click = _countable_clicks().select_related("link").filter(id=click_id).first()
    if click is None:
        return None
    link = click.link
    with transaction.atomic():
        ShortLink.objects.select_for_update().filter(id=link.id).first()
        if PointEntry.objects.filter(action=Action.UNIQUE_CLICK, source_type="click", source_id=click.id).exists():
            return None
        rule = rule_get(action=Action.UNIQUE_CLICK)
        start, end = day_bounds(click.clicked_at)
        paid_today = PointEntry.objects.filter(
            user_id=link.user_id,
            post_id=link.post_id,
            network=link.network,
            action=Action.UNIQUE_CLICK,
            points__gt=0,
            occurred_at__gte=start,
            occurred_at__lt=end,
        ).count()
        capped = paid_today >= rule.daily_cap
        entry = entry_create(
            user_id=link.user_id,
            action=Action.UNIQUE_CLICK,
            points=0 if capped else rule.points,
            source_type="click",
            source_id=click.id,
            occurred_at=click.clicked_at,
            reason=(
                f"Unique click on your {link.get_network_display()} link (daily cap of {rule.daily_cap} reached)"
                if capped
                else f"Unique click on your {link.get_network_display()} link"
            ),
            post_id=link.post_id,
            network=link.network,
        )
    if entry is not None and entry.points:
        badges_update(user_id=link.user_id)
    return entry


def points_reverse_click(*, entry_id: int, why: str) -> PointEntry | None:
    """A compensating entry for a click award that should not have been: history is never edited.

    Dated like the original so every period's total is corrected. Idempotent.
    """
    original = PointEntry.objects.filter(id=entry_id, action=Action.UNIQUE_CLICK).first()
    if original is None:
        return None
    return entry_create(
        user_id=original.user_id,
        action=Action.CLICK_REVERSAL,
        points=-original.points,
        source_type="click",
        source_id=original.source_id,
        occurred_at=original.occurred_at,
        reason=f"Reversed: a click was reclassified ({why})",
        post_id=original.post_id,
        network=original.network,
    )


def points_sync_clicks(*, since: dt.datetime) -> dict[str, int]:
    """Award every countable click since `since`, and reverse awards whose click no longer counts.

    Idempotent: safe to run as often as wanted, and after a crash half-way.
    """
    from analytics.models import Click

    awarded = reversed_ = 0
    rewarded_ids = PointEntry.objects.filter(action=Action.UNIQUE_CLICK, source_type="click").values("source_id")
    pending = (
        _countable_clicks()
        .filter(clicked_at__gte=since)
        .exclude(id__in=rewarded_ids)
        .order_by("clicked_at", "id")
        .values_list("id", flat=True)
    )
    for click_id in pending.iterator():
        if points_award_click(click_id=click_id):
            awarded += 1

    reversed_ids = PointEntry.objects.filter(action=Action.CLICK_REVERSAL).values("source_id")
    candidates = PointEntry.objects.filter(
        action=Action.UNIQUE_CLICK, occurred_at__gte=since - dt.timedelta(days=1)
    ).exclude(source_id__in=reversed_ids)
    countable = set(_countable_clicks().filter(id__in=candidates.values("source_id")).values_list("id", flat=True))
    existing = {
        row["id"]: row
        for row in Click.objects.filter(id__in=candidates.values("source_id")).values("id", "is_self_click")
    }
    for entry in candidates.only("id", "source_id").iterator():
        if entry.source_id in countable:
            continue
        row = existing.get(entry.source_id)
        why = "no longer counted (bot)" if row is None else ("self-click" if row["is_self_click"] else "not unique")
        if points_reverse_click(entry_id=entry.id, why=why):
            reversed_ += 1
    return {"awarded": awarded, "reversed": reversed_}


ENGAGEMENT_ACTIONS = {"likes": Action.LIKE, "reposts": Action.REPOST, "replies": Action.COMMENT}


def points_award_engagement(*, share_id: int, totals: dict[str, int | None]) -> list[PointEntry]:
    """Points for growth in a share's likes, reposts (and quotes) and replies since the last award.

    Only the increase earns points; a fall (an unlike) takes nothing away. Each award is keyed by
    the new running total, so a retried task awards nothing twice. Callers hold a lock on the
    share's metrics row so that two pulls of the same share cannot both award the same growth.
    """
    from networks.models import Share

    share = Share.objects.filter(id=share_id).values("user_id", "post_id", "network", "published_at").first()
    if share is None:
        return []
    counts = {
        Action.LIKE: totals.get("likes"),
        Action.REPOST: (
            None
            if totals.get("reposts") is None and totals.get("quotes") is None
            else (totals.get("reposts") or 0) + (totals.get("quotes") or 0)
        ),
        Action.COMMENT: totals.get("replies"),
    }
    labels = {Action.LIKE: "like", Action.REPOST: "repost", Action.COMMENT: "comment"}
    created = []
    with transaction.atomic():
        awarded = dict(
            PointEntry.objects.filter(source_type="share", source_id=share_id, action__in=list(counts))
            .values_list("action")
            .annotate(top=Max("step"))
        )
        now = timezone.now()
        for action, total in counts.items():
            already = awarded.get(action, 0)
            if total is None or total <= already:
                continue
            gain = total - already
            rule = rule_get(action=action)
            noun = labels[action] + ("s" if gain != 1 else "")
            entry = entry_create(
                user_id=share["user_id"],
                action=action,
                points=gain * rule.points,
                source_type="share",
                source_id=share_id,
                step=total,
                quantity=gain,
                occurred_at=now,
                reason=f"{gain} new {noun} on your {share['network']} post ({total} in all)",
                post_id=share["post_id"],
                network=share["network"],
            )
            if entry is not None:
                created.append(entry)
    return created


def _share_weeks(user_ids: Iterable[int] | None, weeks: list[dt.date]) -> dict[int, set[dt.date]]:
    """For each employee, which of `weeks` (Monday dates) had at least one share award."""
    start, _ = week_bounds(min(weeks))
    _, end = week_bounds(max(weeks))
    qs = PointEntry.objects.filter(action=Action.SHARE, occurred_at__gte=start, occurred_at__lt=end)
    if user_ids is not None:
        qs = qs.filter(user_id__in=list(user_ids))
    result: dict[int, set[dt.date]] = defaultdict(set)
    rows = qs.annotate(week=TruncWeek("occurred_at", tzinfo=organisation_tz())).values_list("user_id", "week")
    for user_id, week in rows.distinct():
        result[user_id].add(week.date() if isinstance(week, dt.datetime) else week)
    return result


def points_award_streaks(*, week_start: dt.date) -> int:
    """Streak points for everyone who shared in the week starting `week_start` and the week before.

    Idempotent (one entry per employee and week). Also grants the 4-week streak badge.
    """
    weeks = [week_start - dt.timedelta(days=7 * i) for i in range(4)]
    by_user = _share_weeks(None, weeks)
    rule = rule_get(action=Action.WEEKLY_STREAK)
    _, week_end = week_bounds(week_start)
    count = 0
    for user_id, shared in by_user.items():
        if week_start not in shared or weeks[1] not in shared:
            continue
        entry = entry_create(
            user_id=user_id,
            action=Action.WEEKLY_STREAK,
            points=rule.points,
            source_type="week",
            source_id=user_id,
            step=week_start.toordinal(),
            occurred_at=week_end - dt.timedelta(seconds=1),
            reason=f"Streak: shared in the weeks of {weeks[1]:%d %b} and {week_start:%d %b}",
        )
        if entry is not None:
            count += 1
        if all(w in shared for w in weeks):
            badge_award(user_id=user_id, badge=Badge.STREAK_4)
    return count


# --- Badges ------------------------------------------------------------------------------

SHARE_BADGES = ((1, Badge.FIRST_SHARE), (10, Badge.SHARES_10), (50, Badge.SHARES_50), (100, Badge.SHARES_100))
CLICK_BADGES = ((100, Badge.CLICKS_100), (1000, Badge.CLICKS_1000))


def badge_award(*, user_id: int, badge: str) -> bool:
    """Give a badge once; True when it is new."""
    _, created = BadgeAward.objects.get_or_create(user_id=user_id, badge=badge)
    return created


def badges_update(*, user_id: int) -> list[str]:
    """Grant every share and click badge the employee has reached (each once). Returns new ones."""
    shares = PointEntry.objects.filter(user_id=user_id, action=Action.SHARE).count()
    clicks = PointEntry.objects.filter(user_id=user_id, action=Action.UNIQUE_CLICK).count()
    clicks -= PointEntry.objects.filter(user_id=user_id, action=Action.CLICK_REVERSAL).count()
    new: list[str] = []
    for threshold, badge in SHARE_BADGES:
        if shares >= threshold and badge_award(user_id=user_id, badge=badge):
            new.append(badge)
    for threshold, badge in CLICK_BADGES:
        if clicks >= threshold and badge_award(user_id=user_id, badge=badge):
            new.append(badge)
    return new


# --- Opt-out and rebuilds ----------------------------------------------------------------


def leaderboard_opt_out_set(*, user, opt_out: bool) -> None:
    """Hide (or show) the employee on public boards; their own rank stays visible to them."""
    from accounts.services import profile_get

    profile = profile_get(user=user)
    if profile.leaderboard_opt_out == opt_out:
        return
    profile.leaderboard_opt_out = opt_out
    profile.save(update_fields=["leaderboard_opt_out"])
    leaderboard_membership_changed()


def leaderboard_membership_changed() -> None:
    """Call after an employee's opt-out, exclusion or team changed: Redis boards are rebuilt after commit.

    (SQL boards read the flags live.) The rebuild is a queued task of about a second for 10,000 people.
    """
    if redis_boards.enabled():
        from .tasks import rebuild_redis_boards

        transaction.on_commit(lambda: rebuild_redis_boards.delay())


TRUNCS = {Period.WEEK: TruncWeek, Period.MONTH: TruncMonth, Period.QUARTER: TruncQuarter}


def _period_scores_rebuild() -> int:
    """Recompute every PeriodScore from the ledger, in one transaction. Returns the number of totals."""
    tz_name = str(organisation_tz())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # New awards wait (readers do not) until the totals match the ledger again.
                cursor.execute("LOCK TABLE leaderboard_pointentry IN EXCLUSIVE MODE")
                # One pass over the ledger for every period kind (GROUPING SETS), in the organisation's zone.
                cursor.execute("DROP TABLE IF EXISTS leaderboard_rebuild")
                cursor.execute(
                    """
                    CREATE TEMPORARY TABLE leaderboard_rebuild ON COMMIT DROP AS
                    SELECT user_id,
                           CASE WHEN GROUPING(w) = 0 THEN 'week' WHEN GROUPING(m) = 0 THEN 'month'
                                WHEN GROUPING(q) = 0 THEN 'quarter' ELSE 'all' END::varchar(8) AS period,
                           COALESCE(w, m, q, %s::date) AS start,
                           SUM(points)::integer AS points
                    FROM (SELECT user_id, points,
                                 date_trunc('week', occurred_at AT TIME ZONE %s)::date AS w,
                                 date_trunc('month', occurred_at AT TIME ZONE %s)::date AS m,
                                 date_trunc('quarter', occurred_at AT TIME ZONE %s)::date AS q
                          FROM leaderboard_pointentry) AS e
                    GROUP BY GROUPING SETS ((user_id, w), (user_id, m), (user_id, q), (user_id))
                    """,
                    [ALL_TIME_START, tz_name, tz_name, tz_name],
                )
                total = cursor.rowcount
                cursor.execute("ANALYZE leaderboard_rebuild")
                # Write only what differs: the nightly run over unchanged totals then touches nothing.
                cursor.execute(
                    "DELETE FROM leaderboard_periodscore s WHERE NOT EXISTS (SELECT 1 FROM leaderboard_rebuild r "
                    "WHERE r.user_id = s.user_id AND r.period = s.period AND r.start = s.start)"
                )
                cursor.execute(
                    "INSERT INTO leaderboard_periodscore (user_id, period, start, points) "
                    "SELECT user_id, period, start, points FROM leaderboard_rebuild "
                    "ON CONFLICT ON CONSTRAINT one_score_per_user_period DO UPDATE SET points = EXCLUDED.points "
                    "WHERE leaderboard_periodscore.points <> EXCLUDED.points"
                )
                cursor.execute("DROP TABLE leaderboard_rebuild")
                return total
        PeriodScore.objects.all().delete()
        rows = []
        tz = organisation_tz()
        for period, trunc in TRUNCS.items():
            grouped = (
                PointEntry.objects.annotate(start=trunc("occurred_at", tzinfo=tz))
                .values("user_id", "start")
                .annotate(total=Sum("points"))
            )
            for row in grouped:
                start = row["start"].date() if isinstance(row["start"], dt.datetime) else row["start"]
                rows.append(PeriodScore(user_id=row["user_id"], period=period, start=start, points=row["total"]))
        for row in PointEntry.objects.values("user_id").annotate(total=Sum("points")):
            rows.append(
                PeriodScore(user_id=row["user_id"], period=Period.ALL, start=ALL_TIME_START, points=row["total"])
            )
        PeriodScore.objects.bulk_create(rows, batch_size=5000)
        return len(rows)


def leaderboard_redis_rebuild(*, now: dt.datetime | None = None) -> int:
    """Rebuild the current period boards in Redis from `PeriodScore`; each key swaps in atomically."""
    now = now or timezone.now()
    profiles = {
        row["user_id"]: row
        for row in EmployeeProfile.objects.values("user_id", "leaderboard_excluded", "leaderboard_opt_out", "team_id")
    }
    client = redis_boards.client()
    written = 0
    for period, start in period_starts(now).items():
        boards: dict[str, dict[str, float]] = defaultdict(dict)
        teams: dict[str, float] = defaultdict(float)
        scores = PeriodScore.objects.filter(period=period, start=start).values_list("user_id", "points")
        for user_id, points in scores.iterator(chunk_size=10_000):
            profile = profiles.get(user_id)
            excluded, opted_out, team_id = (
                (profile["leaderboard_excluded"], profile["leaderboard_opt_out"], profile["team_id"])
                if profile
                else (False, False, None)
            )
            kind = redis_boards.kind_of(excluded=excluded, opted_out=opted_out)
            member = redis_boards.member(user_id)
            boards[redis_boards.board_key(period, start, kind=kind)][member] = -points
            if team_id is not None and not excluded:
                boards[redis_boards.board_key(period, start, team_id=team_id, kind=kind)][member] = -points
                teams[str(team_id)] += points
        if teams:
            boards[redis_boards.teams_key(period, start)] = dict(teams)
        # Drop boards of this period that would otherwise keep stale members, then swap the new ones in.
        old = set(client.scan_iter(match=f"{redis_boards.period_key(period, start)}:*", count=1000))
        pipe = client.pipeline(transaction=False)
        temp_keys = {}
        for key, mapping in boards.items():
            temp = f"{key}:rebuild"
            pipe.delete(temp)
            items = list(mapping.items())
            for i in range(0, len(items), 5000):
                pipe.zadd(temp, dict(items[i : i + 5000]))
            temp_keys[key] = temp
            written += len(mapping)
        pipe.execute()
        swap = client.pipeline(transaction=True)
        for key in old:
            name = key.decode() if isinstance(key, bytes) else key
            if name not in temp_keys and not name.endswith(":rebuild"):
                swap.delete(name)
        for key, temp in temp_keys.items():
            swap.rename(temp, key)
        swap.execute()
    return written


def leaderboards_rebuild(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Rebuild every leaderboard from the ledger: SQL period totals, then the Redis boards.

    Safe to run any time (nightly task, `manage.py rebuild_leaderboards`); awards arriving
    meanwhile wait for the SQL step and then update Redis as usual.
    """
    scores = _period_scores_rebuild()
    members = leaderboard_redis_rebuild(now=now) if redis_boards.enabled() else 0
    return {"period_scores": scores, "redis_members": members}


def points_award_recent(*, now: dt.datetime | None = None, window: dt.timedelta = dt.timedelta(days=3)) -> dict:
    """Award shares and clicks of the last `window` that have no entry yet; reverse reclassified clicks."""
    from networks.models import Share

    now = now or timezone.now()
    since = now - window
    # Shares are few: look back a month, so a worker that was down for days still awards them.
    shares_since = now - max(window, dt.timedelta(days=30))
    share_ids = (
        Share.objects.filter(status=Share.Status.PUBLISHED)
        .filter(Q(published_at__gte=shares_since) | Q(published_at__isnull=True, created_at__gte=shares_since))
        .exclude(short_link_id__in=PointEntry.objects.filter(action=Action.SHARE).values("source_id"))
        .values_list("id", flat=True)
    )
    shares = sum(1 for share_id in list(share_ids) if points_award_share(share_id=share_id))
    clicks = points_sync_clicks(since=since)
    return {"shares": shares, **clicks}
