import datetime as dt
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from shortlinks.services import links_version_reconcile

# Celery's autodiscovery imports only `tasks.py`: importing the metrics pull's tasks here registers them
# (under their own names, `analytics.tasks_metrics.*`, which the beat schedule uses).
from . import tasks_metrics  # noqa: F401
from .rollups import rollup_day, rollup_day_rebuild, rollup_shares_sync
from .services import campaign_goals_check, click_privacy_purge, clicks_drain

DRAIN_EVERY = 2  # seconds between drains: how long a click normally waits in Redis (its exposure to a Redis crash)


@shared_task(ignore_result=True)
def clicks_drain_task() -> None:
    """Every minute (beat): drain now, then queue a drain every DRAIN_EVERY seconds until the next tick.

    Beat ticks by the minute; the follow-ups carry a countdown and expire DRAIN_EVERY seconds
    after they are due, so a busy or stopped worker skips them instead of piling them up, and no
    worker is held for the minute (the embedded default runs one task at a time). Drains that
    overlap share the work (a consumer group; parked rows are taken with SKIP LOCKED). Without a
    click buffer, or when tasks run eagerly (tests), nothing is queued. Idempotent.
    """
    if settings.SHORTLINK_REDIS_URL and not clicks_drain_task.app.conf.task_always_eager:
        # Queued first, so a drain that fails (Redis down) does not cancel the minute's later tries.
        until_next_tick = 60 - time.time() % 60  # a late tick queues fewer: ticks never overlap
        delay = DRAIN_EVERY
        while delay < until_next_tick - DRAIN_EVERY / 2:
            clicks_drain_once_task.apply_async(countdown=delay, expires=delay + DRAIN_EVERY)
            delay += DRAIN_EVERY
    links_version_reconcile()
    clicks_drain()


@shared_task(ignore_result=True)
def clicks_drain_once_task() -> None:
    """One drain (queued by clicks_drain_task). Idempotent; runs beside any other drain without double counting."""
    links_version_reconcile()
    clicks_drain()


@shared_task(ignore_result=True)
def click_privacy_purge_task() -> None:
    """Daily: forget old visitor salts and hashes, and filtered hits past retention. Idempotent."""
    click_privacy_purge()


@shared_task(ignore_result=True)
def rollup_shares_sync_task() -> None:
    """Every 5 minutes: recount the shares of every day a recently changed share touches. Idempotent."""
    rollup_shares_sync()


@shared_task(ignore_result=True)
def rollup_yesterday_rebuild_task() -> None:
    """Nightly: rebuild yesterday's rollups from the raw rows (a safety net; idempotent, one transaction)."""
    rollup_day_rebuild(day=rollup_day(timezone.now()) - dt.timedelta(days=1))


@shared_task(ignore_result=True)
def campaign_goals_check_task() -> None:
    """Every 5 minutes: record (and announce) campaigns that reached their goal. Idempotent."""
    campaign_goals_check()
