"""Analytics' answers to news from lower apps (connected in AnalyticsConfig.ready())."""

from shortlinks.buffer import RawClick

from . import services


def click_unbuffered_store(sender, *, event: RawClick, **kwargs) -> None:
    """shortlinks.signals.click_unbuffered: the click buffer's second store, drained at once.

    The click is classified and stored in the redirect's own request, exactly as the drain would
    store it (raw IP and session key used, then dropped). May raise: the sender logs the loss.
    """
    services.click_record_now(event=event)
