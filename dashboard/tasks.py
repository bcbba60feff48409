from celery import shared_task

from .weekly import weekly_summary_send_due


@shared_task(ignore_result=True)
def weekly_summary_send_due_task() -> None:
    """Every 15 minutes: weekly summaries whose recipients' local Monday 08:00 has come. Each person and week
    at most once (claimed in the send log before sending)."""
    weekly_summary_send_due()
