"""Celery tasks for points: each takes ids or nothing, calls one service, and is safe to retry."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .periods import period_start
from .services import awards, rebuild


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, retry_jitter=True, max_retries=5)
def award_share_points(share_id: int) -> int:
    """Points for one published share. Idempotent (the ledger refuses a second award)."""
    return len(awards.points_award_share(share_id=share_id))


@shared_task(acks_late=True)
def award_recent_points() -> dict:
    """Every few minutes: award new shares, clicks and engagement growth, reverse clicks reclassified since.

    Idempotent."""
    return awards.points_award_recent()


ENGAGEMENT_LOOK_BACK = dt.timedelta(days=30)


@shared_task(acks_late=True)
def award_engagement_points() -> int:
    """Hourly: engagement growth measured in the last month that earned nothing yet (a worker that was
    down for days catches up; `award_recent_points` covers the last days every few minutes). Idempotent."""
    return awards.points_sync_engagement(since=timezone.now() - ENGAGEMENT_LOOK_BACK)


@shared_task(acks_late=True)
def award_weekly_streaks() -> int:
    """Daily: streak points for the last complete week (organisation time). Idempotent per employee and week."""
    last_week = period_start("week", timezone.now()) - dt.timedelta(days=7)
    return awards.points_award_streaks(week_start=last_week)


@shared_task(acks_late=True)
def rebuild_redis_boards() -> int:
    """After a change of opt-out, exclusion or team: the current Redis boards from the period totals."""
    return rebuild.leaderboard_redis_rebuild()


@shared_task(acks_late=True)
def rebuild_leaderboards() -> dict:
    """Nightly: recompute period totals and Redis boards from the ledger (repairs any drift)."""
    return rebuild.leaderboards_rebuild()
