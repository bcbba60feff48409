"""Celery tasks for sharing: each takes ids, calls one service and returns quietly if the row is gone."""

from celery import shared_task

from .services import connections, publishing, sharing


@shared_task(acks_late=True, ignore_result=True)
def share_publish_task(share_id: int) -> None:
    """Publish one queued share. Safe to run twice: the service claims the row before calling out,
    and schedules its own retries as rows (see services.publishing.shares_publish_due)."""
    publishing.share_publish(share_id=share_id)


@shared_task(ignore_result=True)
def shares_publish_due_task() -> None:
    """Every minute: queue scheduled shares whose time has come and recover lost or stuck ones."""
    publishing.shares_publish_due()


@shared_task(ignore_result=True)
def accounts_refresh_due_task() -> None:
    """Daily: refresh tokens before they expire and flag accounts that need reconnecting."""
    connections.accounts_refresh_due()


@shared_task(acks_late=True, ignore_result=True)
def post_renditions_build_task(post_id: int) -> None:
    """Size a post's new image for each network. Idempotent; returns quietly if the post is gone."""
    from campaigns.models import SuggestedPost

    post = SuggestedPost.objects.filter(pk=post_id).first()
    if post is not None:
        sharing.post_renditions_build(post=post)
