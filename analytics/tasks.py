import datetime as dt

from celery import shared_task
from django.utils import timezone

# Celery's autodiscovery imports only `tasks.py`: importing the metrics pull's tasks here registers them
# (under their own names, `analytics.tasks_metrics.*`, which the beat schedule uses).
from . import tasks_metrics  # noqa: F401
from .rollups import rollup_day, rollup_day_rebuild, rollup_shares_sync
from .services import click_privacy_purge, clicks_drain


@shared_task(ignore_result=True)
def clicks_drain_task() -> None:
    """Every minute: move buffered clicks into the database. Idempotent; one drain at a time (lock)."""
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
