from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def publish_due_posts() -> int:
    """Mark approved posts whose time has come as published. Idempotent: safe to re-run."""
    return services.publish_due_posts()
