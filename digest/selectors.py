"""Reads for the daily digest: who is due, and each batch's facts, in a constant number of queries per batch.

The per-person selectors of the apps below (posts_for_today, leaderboard_position…) answer for one
employee at a time; a digest run serves thousands, so this module asks the same questions for a whole
batch at once. Audience rules stay campaigns' (`campaign_targets`, the rule posts_for_today applies);
which clicks count stays analytics' (rollups of counted clicks); ranks follow the leaderboard's public board.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone

from accounts.models import EmployeeProfile
from analytics.models import ClickRollup
from campaigns.models import Campaign, PostVariant, SuggestedPost
from campaigns.selectors import campaign_targets
from leaderboard.models import Period, PeriodScore, PointEntry
from leaderboard.periods import period_start
from leaderboard.selectors import leaderboard_top
from networks.models import ConnectedAccount, Share

from .models import DigestSend

RECOMMENDATION_DAYS = 90
HISTORY_DAYS = 60  # how far back "the last two digests" are looked for


def zone_of(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


@dataclass
class Recipient:
    """An employee whose digest is due now, with their profile and their own date."""

    profile: EmployeeProfile
    local_date: dt.date
    zone: zoneinfo.ZoneInfo
    retry_row_id: int | None = None  # their RETRY row of today, to be claimed again

    @property
    def user(self):
        return self.profile.user

    @property
    def user_id(self) -> int:
        return self.profile.user_id


def digest_is_due(*, profile: EmployeeProfile, local: dt.datetime, window_minutes: int) -> bool:
    """Has the local wall clock just passed the profile's digest time (within the window) on a digest day?

    Wall-clock minutes, not instants: on a spring-forward day a digest time inside the skipped hour is
    due as soon as the clock passes it; on a fall-back day the repeated hour matches twice, and the
    send log's one row per local date keeps it to one digest.
    """
    if local.weekday() not in (profile.digest_days or []):
        return False
    passed = (local.hour * 60 + local.minute) - (profile.digest_hour * 60 + profile.digest_minute)
    return 0 <= passed < window_minutes


def recipients_due(*, now: dt.datetime, window_minutes: int, user_ids: list[int] | None = None) -> list[Recipient]:
    """Active employees with the digest on, a deliverable address and their digest time just passed,
    who have no digest row for their local date yet (or one left for retry). Two queries."""
    profiles = (
        EmployeeProfile.objects.filter(user__is_active=True, digest_opt_in=True)
        .select_related("user")
        .order_by("user_id")
    )
    if user_ids is not None:
        profiles = profiles.filter(user_id__in=user_ids)
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    due: list[Recipient] = []
    for profile in profiles:
        if profile.email_undeliverable(profile.user.email):
            continue
        zone = zones.get(profile.time_zone) or zones.setdefault(profile.time_zone, zone_of(profile.time_zone))
        local = now.astimezone(zone)
        if digest_is_due(profile=profile, local=local, window_minutes=window_minutes):
            due.append(Recipient(profile=profile, local_date=local.date(), zone=zone))
    if not due:
        return []
    rows = DigestSend.objects.filter(
        employee_id__in=[r.user_id for r in due], local_date__in={r.local_date for r in due}
    ).values_list("employee_id", "local_date", "status", "id")
    logged = {(user_id, day): (status, pk) for user_id, day, status, pk in rows}
    result = []
    for r in due:
        status, pk = logged.get((r.user_id, r.local_date), (None, None))
        if status is None:
            result.append(r)
        elif status == DigestSend.Status.RETRY:
            r.retry_row_id = pk
            result.append(r)
    return result


@dataclass
class RunFacts:
    """What every digest of one run shares: the posts live now with their audiences, and the weekly board."""

    now: dt.datetime
    posts: list[SuggestedPost]
    public_week_points: list[int]  # descending
    week_start: dt.date
    # campaigns' audience rule only reads the profile's team, location and language: one answer per combination
    _targets: dict[tuple, bool] = field(default_factory=dict)


def run_facts(*, now: dt.datetime) -> RunFacts:
    """Current posts of active campaigns (with variants, renditions, audiences) and the public weekly board."""
    campaigns = Campaign.objects.active(now).prefetch_related("audience_teams", "audience_locations")
    posts = list(
        SuggestedPost.objects.current(now)
        .filter(campaign__in=campaigns)
        .select_related("campaign")
        .prefetch_related(
            Prefetch("variants", queryset=PostVariant.objects.order_by("network")),
            "renditions",
            Prefetch("campaign__audience_teams"),
            Prefetch("campaign__audience_locations"),
        )
        .order_by("-is_featured", "-publish_at", "pk")
    )
    board = leaderboard_top(period=Period.WEEK, limit=10**7, now=now)
    return RunFacts(
        now=now,
        posts=posts,
        public_week_points=[s.points for s in board],
        week_start=period_start(Period.WEEK, now),
    )


def posts_for_recipient(*, facts: RunFacts, profile: EmployeeProfile) -> list[SuggestedPost]:
    """The run's posts the employee's audience rules allow (campaigns' rule, as on the Today page)."""
    kept = []
    for post in facts.posts:
        key = (post.campaign_id, profile.team_id, profile.location_id, profile.language)
        allowed = facts._targets.get(key)
        if allowed is None:
            allowed = facts._targets[key] = campaign_targets(post.campaign, profile)
        if allowed:
            kept.append(post)
    return kept


@dataclass
class Impact:
    since: dt.datetime
    unique_clicks: int = 0
    shares: int = 0
    points: int = 0
    week_points: int = 0
    rank: int | None = None  # None: no points this week yet
    rank_change: int | None = None  # positive: moved up since the last digest (same week only)


@dataclass
class Recommendation:
    best_network: str | None = None
    best_network_clicks: int = 0
    total_clicks: int = 0
    best_hour: int | None = None  # local hour of day


@dataclass
class BatchFacts:
    """Per employee of a batch: what they shared, their last digests, accounts, impact and their own data."""

    shared: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    recent_posts: dict[int, list[list[int]]] = field(default_factory=lambda: defaultdict(list))
    accounts: dict[int, list[ConnectedAccount]] = field(default_factory=lambda: defaultdict(list))
    impact: dict[int, Impact] = field(default_factory=dict)
    recommendation: dict[int, Recommendation] = field(default_factory=dict)


def batch_facts(*, facts: RunFacts, recipients: list[Recipient]) -> BatchFacts:
    """Everything per employee the digests of a batch need, in nine queries whatever the batch size."""
    now = facts.now
    out = BatchFacts()
    ids = [r.user_id for r in recipients]
    post_ids = [p.pk for p in facts.posts]
    dead = [Share.Status.FAILED, Share.Status.CANCELLED]
    for user_id, post_id in (
        Share.objects.filter(user_id__in=ids, post_id__in=post_ids)
        .exclude(status__in=dead)
        .values_list("user_id", "post_id")
    ):
        out.shared[user_id].add(post_id)

    # The last two digests (their posts, time and rank) per employee.
    horizon = min(r.local_date for r in recipients) - dt.timedelta(days=HISTORY_DAYS)
    last: dict[int, DigestSend] = {}
    for send in DigestSend.objects.filter(
        employee_id__in=ids, status=DigestSend.Status.SENT, local_date__gte=horizon
    ).order_by("employee_id", "-local_date"):
        if len(out.recent_posts[send.employee_id]) < 2:
            out.recent_posts[send.employee_id].append(list(send.post_ids or []))
        last.setdefault(send.employee_id, send)

    for account in ConnectedAccount.objects.filter(user_id__in=ids).order_by("updated_at"):
        out.accounts[account.user_id].append(account)

    since: dict[int, dt.datetime] = {}
    for uid in ids:
        sent_at = last[uid].sent_at if uid in last else None
        since[uid] = sent_at or now - dt.timedelta(days=1)
    for uid in ids:
        out.impact[uid] = Impact(since=since[uid])

    def per_user(field_name: str, hour: bool = False) -> Q:
        def bound(uid: int) -> dt.datetime:
            s = since[uid]
            return s.replace(minute=0, second=0, microsecond=0) if hour else s

        return reduce(
            or_, (Q(**{"link__user_id" if hour else "user_id": uid, f"{field_name}__gte": bound(uid)}) for uid in ids)
        )

    for uid, n in (
        ClickRollup.objects.filter(per_user("hour", hour=True))
        .values_list("link__user_id")
        .annotate(n=Sum("unique_clicks"))
    ):
        out.impact[uid].unique_clicks = n or 0
    live = [*Share.LIVE_STATUSES, Share.Status.OPENED]
    for uid, n in (
        Share.objects.filter(per_user("created_at"), status__in=live).values_list("user_id").annotate(n=Count("id"))
    ):
        out.impact[uid].shares = n
    for uid, n in PointEntry.objects.filter(per_user("occurred_at")).values_list("user_id").annotate(n=Sum("points")):
        out.impact[uid].points = n or 0

    board = facts.public_week_points
    for uid, points in PeriodScore.objects.filter(
        period=Period.WEEK, start=facts.week_start, user_id__in=ids
    ).values_list("user_id", "points"):
        impact = out.impact[uid]
        impact.week_points = points
        if points > 0:
            impact.rank = 1 + _count_above(board, points)
            previous = last.get(uid)
            if previous and previous.rank and previous.sent_at and previous.sent_at.date() >= facts.week_start:
                impact.rank_change = previous.rank - impact.rank

    # Their own data: which network and which hour brought their unique clicks.
    start = now - dt.timedelta(days=RECOMMENDATION_DAYS)
    recent = ClickRollup.objects.filter(link__user_id__in=ids, hour__gte=start, unique_clicks__gt=0)
    for uid in ids:
        out.recommendation[uid] = Recommendation()
    by_network: dict[int, dict[str, int]] = defaultdict(dict)
    for uid, network, n in recent.values_list("link__user_id", "link__network").annotate(n=Sum("unique_clicks")):
        by_network[uid][network] = n
    by_hour: dict[int, dict[int, int]] = defaultdict(dict)
    for uid, hour, n in (
        recent.annotate(h=ExtractHour("hour", tzinfo=dt.UTC))
        .values_list("link__user_id", "h")
        .annotate(n=Sum("unique_clicks"))
    ):
        by_hour[uid][hour] = n
    zones = {r.user_id: r.zone for r in recipients}
    for uid, networks in by_network.items():
        rec = out.recommendation[uid]
        rec.total_clicks = sum(networks.values())
        rec.best_network, rec.best_network_clicks = max(networks.items(), key=lambda kv: (kv[1], kv[0]))
        hours = by_hour.get(uid)
        if hours:
            utc_hour = max(hours.items(), key=lambda kv: (kv[1], -kv[0]))[0]
            offset = now.astimezone(zones[uid]).utcoffset() or dt.timedelta()
            rec.best_hour = int((utc_hour + offset.total_seconds() // 3600) % 24)
    return out


def _count_above(descending: list[int], points: int) -> int:
    """How many public scores are above `points` (the list is sorted high to low)."""
    lo, hi = 0, len(descending)
    while lo < hi:
        mid = (lo + hi) // 2
        if descending[mid] > points:
            lo = mid + 1
        else:
            hi = mid
    return lo


@dataclass(frozen=True)
class DayFigures:
    day: dt.date
    sent: int
    failed: int
    retry: int
    claimed: int
    skipped: dict[str, int]


def figures_per_day(*, days: int = 14, today: dt.date | None = None) -> list[DayFigures]:
    """Per local date: sent, failed, waiting for retry, claimed without an outcome, skipped by reason. One query."""
    today = today or timezone.now().date()
    rows = (
        DigestSend.objects.filter(local_date__gte=today - dt.timedelta(days=days))
        .values_list("local_date", "status", "reason")
        .annotate(n=Count("id"))
    )
    table: dict[dt.date, dict] = defaultdict(lambda: {"sent": 0, "failed": 0, "retry": 0, "claimed": 0, "skipped": {}})
    for day, status, reason, n in rows:
        entry = table[day]
        if status == DigestSend.Status.SKIPPED:
            label = DigestSend.Reason(reason).label if reason in DigestSend.Reason.values else reason
            entry["skipped"][label] = entry["skipped"].get(label, 0) + n
        else:
            entry[status] = entry.get(status, 0) + n
    return [DayFigures(day=day, **table[day]) for day in sorted(table, reverse=True)]
