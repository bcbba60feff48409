from celery import shared_task

from . import services
from .models import Feed


@shared_task(ignore_result=True)
def feed_check_task(feed_id: int) -> None:
    """Check one feed; a second run at once imports nothing new (each entry is claimed by its GUID)."""
    feed = Feed.objects.filter(pk=feed_id, is_active=True).select_related("campaign").first()
    if feed is not None:
        services.feed_check(feed)


@shared_task(ignore_result=True)
def feeds_check_task() -> None:
    services.feeds_check_enqueue()
