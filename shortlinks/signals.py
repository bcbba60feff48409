"""News that shortlinks sends upward (connected by higher apps in their AppConfig.ready())."""

from django.dispatch import Signal

# Sent by the redirect with `event` (a shortlinks.buffer.RawClick) when the click could not be
# buffered: Redis not configured, down, or answering with an error. The receiver stores it at
# once, in this request, and keeps no raw IP or session key. Not sent for buffered clicks: the
# drain reads those from the buffer. The event's id is the one the buffer would have had (a
# timed-out XADD may still land there): the receiver must store it under that id, so the drain
# skips the copy. With no receiver the click is lost
# (and logged as such); the visitor is redirected either way.
click_unbuffered = Signal()
