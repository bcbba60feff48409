"""News that shortlinks sends upward (connected by higher apps in their AppConfig.ready())."""

from django.dispatch import Signal

# Sent by the redirect with `events` (a list of shortlinks.buffer.RawClick) when the clicks could not be
# buffered: Redis not configured, down, or answering with an error. Sent from the request, or from the
# process's click batcher thread (SHORTLINK_CLICK_BATCH_MS). The receiver stores them at once and keeps
# no raw IP or session key beyond its own drain. Not sent for buffered clicks: the drain reads those from
# the buffer. Each event's id is the one the buffer would have had (a timed-out XADD may still land
# there): the receiver must store it under that id, so the drain skips the copy. With no receiver the
# clicks are lost (and logged as such); the visitor is redirected either way.
click_unbuffered = Signal()
