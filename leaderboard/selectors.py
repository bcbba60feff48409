"""Reads: leaderboards (from Redis or from SQL, same answers), my rank, my ledger, badges.

Ranking: points high to low; ties share a rank (1, 1, 3) and are listed in user-id order.
"""

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import EmployeeProfile, Team, User

from . import redis_boards
from .models import DEFAULT_POINTS, RULE_ACTIONS, BadgeAward, Period, PeriodScore, PointEntry, PointRule
from .periods import period_start


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    points: int


@dataclass(frozen=True)
class Position:
    rank: int
    points: int
    points_to_next: int | None  # None: first place (or nobody above)
    public: bool  # False when the employee opted out or is excluded: only they see this


@dataclass(frozen=True)
class TeamStanding:
    rank: int
    team_id: int
    name: str
    members: int
    points: int
    per_member: float


def _backend(backend: str | None) -> str:
    if backend:
        return backend
    return "redis" if redis_boards.enabled() else "sql"


def _ranked(pairs: list[tuple[int, int]]) -> list[Standing]:
    """Competition ranks for (user_id, points) already sorted by points desc, user id asc.

    Within a list cut from the top, an item's rank is 1 + the number of items above it with more points.
    """
    standings: list[Standing] = []
    for i, (user_id, points) in enumerate(pairs):
        if i and points == pairs[i - 1][1]:
            rank = standings[-1].rank
        else:
            rank = i + 1
        standings.append(Standing(rank=rank, user_id=user_id, points=points))
    return standings


def _public_scores(period: str, start: dt.date, team_id: int | None) -> QuerySet:
    # Few employees are hidden or excluded: leaving them out by a small hashed subquery beats joining profiles.
    hidden = EmployeeProfile.objects.filter(Q(leaderboard_excluded=True) | Q(leaderboard_opt_out=True))
    qs = PeriodScore.objects.filter(period=period, start=start).exclude(user_id__in=hidden.values("user_id"))
    if team_id is not None:
        qs = qs.filter(user_id__in=EmployeeProfile.objects.filter(team_id=team_id).values("user_id"))
    return qs


def leaderboard_top(
    *,
    period: str,
    team_id: int | None = None,
    limit: int = 50,
    now: dt.datetime | None = None,
    backend: str | None = None,
) -> list[Standing]:
    """The public top `limit` for a period (everyone, or one team)."""
    start = period_start(period, now or timezone.now())
    if _backend(backend) == "redis":
        key = redis_boards.board_key(period, start, team_id=team_id)
        members = cast(list[tuple[bytes, float]], redis_boards.client().zrange(key, 0, limit - 1, withscores=True))
        # Ties at the cut may continue beyond the list: ranks are still right for what is shown.
        return _ranked([(redis_boards.user_id_of(m), int(-s)) for m, s in members])
    rows = _public_scores(period, start, team_id).order_by("-points", "user_id").values_list("user_id", "points")
    return _ranked(list(rows[:limit]))


def leaderboard_position(
    *,
    user_id: int,
    period: str,
    team_id: int | None = None,
    now: dt.datetime | None = None,
    backend: str | None = None,
) -> Position:
    """Where the employee stands among the public board: rank, points, points to the next place.

    Works for employees who opted out or are excluded too (they see where they would be).
    """
    start = period_start(period, now or timezone.now())
    if _backend(backend) == "redis":
        client = redis_boards.client()
        key = redis_boards.board_key(period, start, team_id=team_id)
        member = redis_boards.member(user_id)
        pipe = client.pipeline(transaction=False)
        for kind in (redis_boards.PUBLIC, redis_boards.HIDDEN, redis_boards.EXCLUDED):
            pipe.zscore(redis_boards.board_key(period, start, kind=kind), member)
        pipe.zscore(key, member)
        *everyone, in_scope = pipe.execute()
        # The employee's points are their score in whichever of the three sets holds them (none: 0).
        points = int(-next((s for s in everyone if s is not None), 0))
        public = in_scope is not None
        score = -points
        pipe = client.pipeline(transaction=False)
        pipe.zcount(key, "-inf", f"({score}")
        pipe.zrevrangebyscore(key, f"({score}", "-inf", start=0, num=1, withscores=True)
        above, nearest = pipe.execute()
        to_next = int(-nearest[0][1]) - points if nearest else None
        return Position(rank=above + 1, points=points, points_to_next=to_next, public=public)

    points = _sql_points(user_id=user_id, period=period, start=start)
    above = (
        _public_scores(period, start, team_id).filter(points__gt=points).aggregate(n=Count("id"), nearest=Min("points"))
    )
    public = _public_scores(period, start, team_id).filter(user_id=user_id).exists()
    nearest = above["nearest"]
    return Position(
        rank=above["n"] + 1,
        points=points,
        points_to_next=(nearest - points) if nearest is not None else None,
        public=public,
    )


def _sql_points(*, user_id: int, period: str, start: dt.date) -> int:
    row = PeriodScore.objects.filter(user_id=user_id, period=period, start=start).values_list("points", flat=True)
    return next(iter(row), 0)


def team_leaderboard(*, period: str, now: dt.datetime | None = None, backend: str | None = None) -> list[TeamStanding]:
    """Each team against the others, by points per member (members not excluded)."""
    start = period_start(period, now or timezone.now())
    members = dict(
        EmployeeProfile.objects.filter(leaderboard_excluded=False, team__isnull=False)
        .values_list("team_id")
        .annotate(n=Count("id"))
    )
    if _backend(backend) == "redis":
        teams = cast(
            list[tuple[bytes, float]],
            redis_boards.client().zrange(redis_boards.teams_key(period, start), 0, -1, withscores=True),
        )
        totals = {int(m): int(s) for m, s in teams}
    else:
        totals = dict(
            PeriodScore.objects.filter(period=period, start=start, user__profile__team__isnull=False)
            .exclude(user__profile__leaderboard_excluded=True)
            .values_list("user__profile__team_id")
            .annotate(total=Sum("points"))
        )
    names = dict(Team.objects.filter(id__in=members).values_list("id", "name"))
    rows_ = sorted(
        ((team_id, totals.get(team_id, 0), count) for team_id, count in members.items()),
        key=lambda r: (-r[1] / r[2], r[0]),
    )
    standings: list[TeamStanding] = []
    for i, (team_id, total, count) in enumerate(rows_):
        per_member = round(total / count, 2)
        rank = standings[-1].rank if standings and standings[-1].per_member == per_member else i + 1
        standings.append(
            TeamStanding(
                rank=rank,
                team_id=team_id,
                name=names.get(team_id, ""),
                members=count,
                points=total,
                per_member=per_member,
            )
        )
    return standings


def display_names(*, user_ids: list[int]) -> dict[int, str]:
    users = User.objects.filter(id__in=user_ids).only("id", "email", "first_name", "last_name")
    return {u.id: u.display_name for u in users}


def team_of(*, user_id: int) -> Team | None:
    profile = EmployeeProfile.objects.select_related("team").filter(user_id=user_id).first()
    return profile.team if profile else None


def ledger_for(*, user_id: int) -> QuerySet[PointEntry]:
    """Every ledger entry of the employee, newest first, with the post it was for."""
    return PointEntry.objects.filter(user_id=user_id).select_related("post").order_by("-occurred_at", "-id")


def points_total(*, user_id: int) -> int:
    return PointEntry.objects.filter(user_id=user_id).aggregate(total=Sum("points"))["total"] or 0


def badges_for(*, user_id: int) -> QuerySet[BadgeAward]:
    return BadgeAward.objects.filter(user_id=user_id).order_by("awarded_at")


def post_points_for_posts(*, user_id: int, post_ids: list[int]) -> dict[int, int]:
    """The employee's points per post, for many posts in one query."""
    rows = (
        PointEntry.objects.filter(user_id=user_id, post_id__in=post_ids)
        .values_list("post_id")
        .annotate(total=Sum("points"))
    )
    totals = dict.fromkeys(post_ids, 0)
    totals.update({post_id: total or 0 for post_id, total in rows})
    return totals


def post_stats_for_posts(*, user, posts) -> dict[int, dict]:
    """My points, counted unique clicks and per-share engagement for each post, in three queries."""
    from analytics.selectors import share_stats_for_posts, unique_clicks_for_posts

    post_ids = [post.pk for post in posts]
    points = post_points_for_posts(user_id=user.id, post_ids=post_ids)
    clicks = unique_clicks_for_posts(user_id=user.id, post_ids=post_ids)
    shares = share_stats_for_posts(user_id=user.id, post_ids=post_ids)
    return {pk: {"points": points[pk], "clicks": clicks[pk], "shares": shares[pk]} for pk in post_ids}


def post_points(*, user_id: int, post_id: int) -> int:
    """The employee's points earned through one post (shares, clicks, engagement, reversals)."""
    return PointEntry.objects.filter(user_id=user_id, post_id=post_id).aggregate(total=Sum("points"))["total"] or 0


PERIODS = [(p.value, p.label) for p in Period]


def rules_in_force() -> list[PointRule]:
    """Every action that earns points with its rule: the admin's row, or an unsaved row with the defaults."""
    rows = {rule.action: rule for rule in PointRule.objects.all()}
    return [rows.get(action) or PointRule(action=action, points=DEFAULT_POINTS[action]) for action, _ in RULE_ACTIONS]
