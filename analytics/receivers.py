"""Analytics' answers to news from lower apps (connected in AnalyticsConfig.ready())."""

from django.conf import settings

from shortlinks.buffer import RawClick

from . import services


def click_unbuffered_store(sender, *, events: list[RawClick], **kwargs) -> None:
    """shortlinks.signals.click_unbuffered: the click buffer's second store.

    With a click buffer configured (Redis is down or refused them), the raw clicks are parked in one
    INSERT and classified by the next drain: the redirect stays cheap during an outage. Without one
    (the embedded default, where no drain runs every few seconds) they are classified and stored
    right here, exactly as the drain would. May raise: the sender logs the loss.
    """
    if settings.SHORTLINK_REDIS_URL:
        services.clicks_park(events=events)
    else:
        services.clicks_record_now(events=events)
