import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services.sending import digest_batch_run, digest_batches_due

# A batch not started within this time is dropped: its people have no row yet, so the next beat run
# (15 minutes later, still inside the send window) enqueues them again.
BATCH_EXPIRES_S = 14 * 60


@shared_task(ignore_result=True)
def send_due_digests() -> dict:
    """Every 15 minutes: one batch task per DIGEST_BATCH_SIZE people whose local time has just come.

    Enqueues ids only; each batch task claims its own rows, so workers share the run across their
    processes and overlapping runs or a batch delivered twice still send each digest once.
    """
    now = timezone.now()
    batches = digest_batches_due(now=now)
    for user_ids in batches:
        send_digest_batch.apply_async(args=[user_ids, now.isoformat()], expires=BATCH_EXPIRES_S)
    return {"due": sum(len(b) for b in batches), "batches": len(batches)}


@shared_task(ignore_result=True)
def send_digest_batch(user_ids: list[int], now: str) -> dict:
    """Claim, compose, render and send the digests of one batch (see digest.services.sending)."""
    result = digest_batch_run(user_ids=user_ids, now=dt.datetime.fromisoformat(now))
    return {"due": result.due, "sent": result.sent, "skipped": result.skipped, "retry": result.retry}
