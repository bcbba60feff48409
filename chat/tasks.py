from celery import shared_task

from . import services


@shared_task
def chat_notify_task() -> int:
    """Queue new featured posts, then send each channel's due message (one task per channel)."""
    services.featured_posts_enqueue()
    due = services.channels_due()
    for channel_id in due:
        chat_channel_flush_task.delay(channel_id)
    return len(due)


@shared_task
def chat_channel_flush_task(channel_id: int) -> None:
    services.channel_flush(channel_id=channel_id)
