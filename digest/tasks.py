from celery import shared_task

from .services.sending import digests_send_due


@shared_task(ignore_result=True)
def send_due_digests() -> dict:
    """Every 15 minutes: the digests whose local time has just come. Safe to overlap (rows are claimed)."""
    result = digests_send_due()
    return {"due": result.due, "sent": result.sent, "skipped": result.skipped, "retry": result.retry}
