"""What earns points: shares, clicks (and their reversal), engagement growth, streaks; and the periodic pulls.

Clicks and engagement are pulled from analytics (`points_sync_clicks`, `points_sync_engagement`):
analytics never calls in here, so a pull is the only way points are earned from what it measures.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from analytics.engagement import EngagementSnapshot, ShareMetrics
from analytics.models import Click
from networks.models import Share
from shortlinks.models import ShortLink

from ..models import Action, Badge, PointEntry, SourceType
from ..periods import day_bounds, organisation_tz, week_bounds
from .badges import badge_award, badges_update
from .ledger import entry_create, rule_get

# --- Shares ------------------------------------------------------------------------------


def points_award_share(*, share_id: int) -> list[PointEntry]:
    """Points for a published share (plus the featured bonus), once per employee, post and network.

    Idempotent: the source is the employee's short link for the post and network, so sharing
    the same post again on the same network earns nothing more. Returns the new entries.
    """
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
            source_type=SourceType.LINK,
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
                    source_type=SourceType.LINK,
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


# --- Clicks ------------------------------------------------------------------------------


def _countable_clicks():
    """Clicks that earn points: counted (bots are never stored), unique, not the sharer's own.

    A click reclassified later (as a bot: deleted, or flagged; or as a self-click) drops out of
    this set, and `points_sync_clicks` reverses what it had earned.
    """
    return Click.objects.counting()


def points_award_click(*, click_id: int) -> PointEntry | None:
    """Points for one unique click on an employee's link, within the daily cap per share.

    A click past the cap is recorded with 0 points (so the employee can see why). Idempotent;
    the short link row is locked so that concurrent awards cannot overrun the cap.
    """
    click = _countable_clicks().select_related("link").filter(id=click_id).first()
    if click is None:
        return None
    link = click.link
    with transaction.atomic():
        ShortLink.objects.select_for_update().filter(id=link.id).first()
        if PointEntry.objects.filter(
            action=Action.UNIQUE_CLICK, source_type=SourceType.CLICK, source_id=click.id
        ).exists():
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
            source_type=SourceType.CLICK,
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
        source_type=SourceType.CLICK,
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
    awarded = reversed_ = 0
    rewarded_ids = PointEntry.objects.filter(action=Action.UNIQUE_CLICK, source_type=SourceType.CLICK).values(
        "source_id"
    )
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


# --- Engagement --------------------------------------------------------------------------

ENGAGEMENT_FIELDS = ("likes", "reposts", "replies", "quotes")
ENGAGEMENT_LABELS: dict[str, str] = {Action.LIKE: "like", Action.REPOST: "repost", Action.COMMENT: "comment"}


def _engagement_counts(totals: dict[str, int | None]) -> dict[str, int | None]:
    """Running totals per action: quotes count as reposts; None (not given by the network) earns nothing."""
    reposts, quotes = totals.get("reposts"), totals.get("quotes")
    return {
        Action.LIKE: totals.get("likes"),
        Action.REPOST: None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0),
        Action.COMMENT: totals.get("replies"),
    }


def points_award_engagement(
    *, share_id: int, totals: dict[str, int | None], occurred_at: dt.datetime | None = None
) -> list[PointEntry]:
    """Points for growth in a share's likes, reposts (and quotes) and replies since the last award.

    Only the increase earns points; a fall (an unlike) takes nothing away. Each award is keyed by
    the new running total, so a retried task awards nothing twice. Callers hold a lock on the
    share's metrics row so that two pulls of the same share cannot both award the same growth.
    `occurred_at` dates the entries (default: now).
    """
    share = Share.objects.filter(id=share_id).values("user_id", "post_id", "network", "published_at").first()
    if share is None:
        return []
    counts = _engagement_counts(totals)
    created = []
    with transaction.atomic():
        awarded = dict(
            PointEntry.objects.filter(source_type=SourceType.SHARE, source_id=share_id, action__in=list(counts))
            .values_list("action")
            .annotate(top=Max("step"))
        )
        when = occurred_at or timezone.now()
        for action, total in counts.items():
            already = awarded.get(action, 0)
            if total is None or total <= already:
                continue
            gain = total - already
            rule = rule_get(action=action)
            noun = ENGAGEMENT_LABELS[action] + ("s" if gain != 1 else "")
            entry = entry_create(
                user_id=share["user_id"],
                action=action,
                points=gain * rule.points,
                source_type=SourceType.SHARE,
                source_id=share_id,
                step=total,
                quantity=gain,
                occurred_at=when,
                reason=f"{gain} new {noun} on your {share['network']} post ({total} in all)",
                post_id=share["post_id"],
                network=share["network"],
            )
            if entry is not None:
                created.append(entry)
    return created


def points_sync_engagement(*, since: dt.datetime) -> int:
    """Award the engagement growth analytics recorded since `since`, as if each answer had been awarded on arrival.

    A pull, like `points_sync_clicks`: analytics stores a history point (`EngagementSnapshot`) each
    time a share's values change; this replays the points since `since`, in order and dated when they
    were measured, through `points_award_engagement`, so only growth beyond the running totals the
    ledger already paid earns points (a peak followed by an unlike is still paid, once).

    Idempotent (the ledger's step is the running total), and safe under concurrent runs: each share's
    metrics row is locked while its history is replayed, which also orders the replay after any pull
    of that share in progress. Shares with nothing new are skipped in two queries. Returns the new entries.
    """
    history = EngagementSnapshot.objects.filter(
        share_id__in=ShareMetrics.objects.filter(changed_at__gte=since).values("share_id"), measured_at__gte=since
    )
    peaks = (
        history.order_by()
        .values("share_id")
        .annotate(
            peak_likes=Max("likes"),
            peak_reposts=Max(Coalesce("reposts", 0) + Coalesce("quotes", 0)),
            peak_replies=Max("replies"),
        )
    )
    paid: dict[tuple[int, str], int] = {
        (source_id, action): top
        for source_id, action, top in PointEntry.objects.filter(
            source_type=SourceType.SHARE,
            action__in=list(ENGAGEMENT_LABELS),
            source_id__in=history.values("share_id"),
        )
        .order_by()
        .values_list("source_id", "action")
        .annotate(top=Max("step"))
    }
    due = sorted(
        row["share_id"]
        for row in peaks
        if any(
            peak is not None and peak > paid.get((row["share_id"], action), 0)
            for action, peak in (
                (Action.LIKE, row["peak_likes"]),
                (Action.REPOST, row["peak_reposts"]),
                (Action.COMMENT, row["peak_replies"]),
            )
        )
    )
    created = 0
    for share_id in due:
        with transaction.atomic():
            if ShareMetrics.objects.select_for_update().filter(share_id=share_id).values_list("id").first() is None:
                continue  # the share was deleted meanwhile
            points = history.filter(share_id=share_id).order_by("measured_at").values("measured_at", *ENGAGEMENT_FIELDS)
            for point in points:
                when = point.pop("measured_at")
                created += len(points_award_engagement(share_id=share_id, totals=point, occurred_at=when))
    return created


# --- Streaks -----------------------------------------------------------------------------


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
            source_type=SourceType.WEEK,
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


# --- Suggestions -------------------------------------------------------------------------


def points_award_suggestion(
    *, user_id: int, suggestion_id: int, post_id: int | None, occurred_at: dt.datetime, title: str = ""
) -> PointEntry | None:
    """Points for a suggestion a content manager approved, once per suggestion (None when already paid).

    The caller (community) passes ids: leaderboard knows nothing of suggestions beyond the ledger's source.
    """
    rule = rule_get(action=Action.SUGGESTION_APPROVED)
    return entry_create(
        user_id=user_id,
        action=Action.SUGGESTION_APPROVED,
        points=rule.points,
        source_type=SourceType.SUGGESTION,
        source_id=suggestion_id,
        post_id=post_id,
        occurred_at=occurred_at,
        reason=f"Your suggestion was approved: {title}" if title else "Your suggestion was approved",
    )


# --- The periodic pull -------------------------------------------------------------------


def points_award_recent(*, now: dt.datetime | None = None, window: dt.timedelta = dt.timedelta(days=3)) -> dict:
    """Award shares, clicks and engagement growth of the last `window` that have no entry yet; reverse
    reclassified clicks. Idempotent."""
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
    engagement = points_sync_engagement(since=since)
    return {"shares": shares, **clicks, "engagement": engagement}
