from celery import shared_task

# Celery's autodiscovery imports only `tasks.py`: importing the metrics pull's tasks here registers them
# (under their own names, `analytics.tasks_metrics.*`, which the beat schedule uses).
from . import tasks_metrics  # noqa: F401
from .services import click_privacy_purge, clicks_drain


@shared_task(ignore_result=True)
def clicks_drain_task() -> None:
    """Every minute: move buffered clicks into the database. Idempotent; one drain at a time (lock)."""
    clicks_drain()


@shared_task(ignore_result=True)
def click_privacy_purge_task() -> None:
    """Daily: forget old visitor salts and hashes, and filtered hits past retention. Idempotent."""
    click_privacy_purge()
