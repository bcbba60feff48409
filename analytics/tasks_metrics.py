"""Celery tasks of the metrics pull (issue 5). Registered through leaderboard.tasks."""

from celery import shared_task

from . import metrics


@shared_task(acks_late=True)
def enqueue_due_metrics() -> int:
    """Every 10 minutes: claim shares whose refresh is due and enqueue their batches. Idempotent (claims)."""
    return metrics.metrics_enqueue_due()


MAX_DEFERRALS = 12


@shared_task(acks_late=True)
def fetch_metrics_batch(network: str, share_ids: list[int], deferrals: int = 0) -> int:
    """Fetch one batch; shares held back by the rate limit or a 429 are enqueued again later.

    Never raises for a network's answer; a crash mid-way leaves the claims to expire, and the
    next run picks the shares up again (recording is idempotent).
    """
    outcome = metrics.metrics_pull_batch(network=network, share_ids=share_ids)
    if outcome.deferred and deferrals < MAX_DEFERRALS:
        fetch_metrics_batch.apply_async(
            args=[network, outcome.deferred, deferrals + 1], countdown=max(1.0, outcome.retry_in)
        )
    elif outcome.deferred:  # give them back to the schedule rather than chase the limit forever
        metrics.metrics_release(share_ids=outcome.deferred)
    return outcome.recorded
