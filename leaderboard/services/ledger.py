"""The ledger: rules in force, appending entries, period totals and the Redis increments that follow them."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import EmployeeProfile

from .. import redis_boards
from ..models import (
    DEFAULT_DAILY_CLICK_CAP,
    DEFAULT_POINTS,
    RULE_ACTIONS,
    Period,
    PeriodScore,
    PointEntry,
    PointRule,
    SourceType,
)
from ..periods import period_start, period_starts

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


def entry_create(
    *,
    user_id: int,
    action: str,
    points: int,
    source_type: SourceType | str,
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


@transaction.atomic
def rule_set(*, action: str, points: int, daily_cap_per_share: int | None = None) -> PointRule:
    """Set the points (and, for clicks, the daily cap per share) one action earns from now on; past entries keep
    theirs. Raises ValidationError, changing nothing, for an unknown action or values out of range."""
    from django.core.exceptions import ValidationError

    if action not in dict(RULE_ACTIONS):
        raise ValidationError({"action": f"“{action[:40]}” is not an action that earns points."})
    rule = PointRule.objects.select_for_update().filter(action=action).first() or PointRule(action=action)
    rule.points = points
    rule.daily_cap_per_share = daily_cap_per_share
    rule.full_clean()
    rule.save()
    return rule
