from celery import shared_task

from .services import deliveries_send_due, delivery_send


@shared_task(ignore_result=True)
def delivery_send_task(delivery_id: int) -> None:
    """Send one webhook delivery if it is due and not claimed (queued after the commit that wrote it).
    Idempotent: a second copy of the task finds it claimed or settled and does nothing."""
    delivery_send(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def deliveries_send_due_task() -> None:
    """Every minute (beat): queue the retries that are due, and release claims of workers that died."""
    deliveries_send_due()
