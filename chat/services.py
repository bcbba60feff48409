"""Chat notifications: news is queued per channel, then sent as one message per channel at most hourly.

A message is claimed (stored SENDING, with its items attached) before the request goes out. An answer that
proves nothing was posted (429, a refused connection) is retried later with backoff; a lost answer (timeout
after sending, 5xx) leaves the message UNKNOWN and is never repeated on its own: an admin may resend it.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.selectors import featured_posts_live
from infra.outbound_http import OutboundFailed, OutboundRefused, outbound_request
from networks.providers.base import retry_after_seconds

from .kinds import Item, Outcome
from .models import (
    CHANNEL_QUIET_PERIOD,
    ChatChannel,
    ChatItem,
    ChatMessage,
    ItemKind,
    MessageStatus,
)

logger = logging.getLogger(__name__)

# Featured posts that went live longer ago than this are never announced (a late pull or a new channel).
FEATURED_LOOKBACK = timedelta(days=2)
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# A claim older than this whose worker never reported back may have been posted.
STUCK_AFTER = timedelta(minutes=10)
HEADINGS = {
    ItemKind.FEATURED_POST: "New featured posts to share",
    ItemKind.CHALLENGE_RESULT: "Challenge results",
    ItemKind.SPOTLIGHT: "This week's spotlight",
}


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _reaches_team_channel(campaign, team_id: int | None) -> bool:
    """Only news everyone in the channel can act on: no location or language limits, and the team is included."""
    if campaign.audience_locations.all() or campaign.audience_languages:
        return False
    teams = {t.pk for t in campaign.audience_teams.all()}
    if team_id is None:
        return not teams
    return not teams or team_id in teams


def _enqueue(channel: ChatChannel, *, kind: str, source_key: str, title: str, text: str, url: str, at) -> bool:
    try:
        with transaction.atomic():
            ChatItem.objects.create(
                channel=channel, kind=kind, source_key=source_key, title=title[:300], text=text, url=url, created_at=at
            )
    except IntegrityError:
        return False
    return True


def featured_posts_enqueue(*, now: datetime | None = None) -> int:
    """Queue each newly live featured post once for every channel whose whole audience can share it."""
    now = now or timezone.now()
    channels = list(ChatChannel.objects.filter(is_active=True, featured_posts=True))
    if not channels:
        return 0
    queued = 0
    existing = set(
        ChatItem.objects.filter(channel__in=channels, kind=ItemKind.FEATURED_POST).values_list(
            "channel_id", "source_key"
        )
    )
    for post, live_since in featured_posts_live(now=now, within=FEATURED_LOOKBACK):
        key = f"post:{post.pk}"
        for channel in channels:
            if (channel.pk, key) in existing or live_since < channel.created_at:
                continue
            if not _reaches_team_channel(post.campaign, channel.team_id):
                continue
            url = _absolute(reverse("today")) + f"#post-{post.pk}"
            text = post.campaign.name
            queued += _enqueue(
                channel, kind=ItemKind.FEATURED_POST, source_key=key, title=post.title, text=text, url=url, at=now
            )
    return queued


def programme_news_enqueue(
    *, kind: str, source_key: str, title: str, text: str, url: str, team_ids=None, now: datetime | None = None
) -> int:
    """Queue programme news (a challenge's result, the spotlight) for the everyone-channels, or those teams'."""
    now = now or timezone.now()
    channels = ChatChannel.objects.filter(is_active=True, programme_news=True)
    if team_ids:
        channels = channels.filter(team_id__in=list(team_ids))
    return sum(
        _enqueue(
            c,
            kind=kind,
            source_key=source_key,
            title=title,
            text=text,
            url=_absolute(url) if url.startswith("/") else url,
            at=now,
        )
        for c in channels
    )


def channels_due(*, now: datetime | None = None) -> list[int]:
    """Channels with a message to send now: a retry that is due, or waiting news past the quiet hour."""
    now = now or timezone.now()
    _unstick(now)
    retry = ChatMessage.objects.filter(status=MessageStatus.WAITING, next_attempt_at__lte=now).values_list(
        "channel_id", flat=True
    )
    news = (
        ChatItem.objects.filter(message__isnull=True, channel__is_active=True)
        .exclude(channel__last_sent_at__gt=now - CHANNEL_QUIET_PERIOD)
        .values_list("channel_id", flat=True)
    )
    return sorted(set(retry) | set(news))


def _unstick(now: datetime) -> None:
    for message in ChatMessage.objects.filter(status=MessageStatus.SENDING, next_attempt_at__lt=now - STUCK_AFTER):
        _move(message, MessageStatus.UNKNOWN, error="The worker stopped while sending; it may have been posted.")


def _move(message: ChatMessage, to: str, **fields) -> bool:
    """Conditional update from the status we read: of two workers only one moves a message."""
    message.check_move(to)
    moved = ChatMessage.objects.filter(pk=message.pk, status=message.status).update(status=to, **fields)
    if moved:
        message.status = to
        for name, value in fields.items():
            setattr(message, name, value)
    return bool(moved)


def channel_flush(*, channel_id: int, now: datetime | None = None) -> ChatMessage | None:
    """Send this channel's due message: a retry, or everything queued since the last one. Safe to call twice."""
    now = now or timezone.now()
    message = _claim(channel_id=channel_id, now=now)
    if message is None:
        return None
    return _deliver(message, now=now)


@transaction.atomic
def _claim(*, channel_id: int, now: datetime) -> ChatMessage | None:
    channel = ChatChannel.objects.select_for_update().filter(pk=channel_id, is_active=True).first()
    if channel is None:
        return None
    retry = (
        ChatMessage.objects.filter(channel=channel, status=MessageStatus.WAITING, next_attempt_at__lte=now)
        .order_by("created_at")
        .first()
    )
    if retry is not None:
        _move(retry, MessageStatus.SENDING, attempts=retry.attempts + 1, next_attempt_at=now)
        return retry
    if channel.last_sent_at and now < channel.last_sent_at + CHANNEL_QUIET_PERIOD:
        return None
    items = list(ChatItem.objects.filter(channel=channel, message__isnull=True).order_by("created_at", "pk"))
    if not items:
        return None
    message = ChatMessage.objects.create(
        channel=channel,
        status=MessageStatus.SENDING,
        payload=message_payload(channel, items),
        created_at=now,
        attempts=1,
        next_attempt_at=now,
    )
    ChatItem.objects.filter(pk__in=[i.pk for i in items]).update(message=message)
    channel.last_sent_at = now
    channel.save(update_fields=["last_sent_at"])
    return message


def message_payload(channel: ChatChannel, items: list[ChatItem]) -> dict:
    kinds = {i.kind for i in items}
    heading = HEADINGS[ItemKind(items[0].kind)] if len(kinds) == 1 else "News from the advocacy programme"
    if len(items) > 1 and len(kinds) == 1 and items[0].kind == ItemKind.FEATURED_POST:
        heading = f"{len(items)} new featured posts to share"
    button = {ItemKind.FEATURED_POST: "Share"}
    return channel.chat_kind.payload(
        heading=heading,
        items=[Item(title=i.title, text=i.text, url=i.url, button=button.get(ItemKind(i.kind), "Open")) for i in items],
    )


def _retry_at(message: ChatMessage, now: datetime, retry_after: str | None) -> datetime | None:
    if message.attempts > len(RETRY_DELAYS):
        return None
    delay = RETRY_DELAYS[message.attempts - 1]
    seconds = retry_after_seconds(retry_after, now=now)
    if seconds is not None:
        delay = max(delay, timedelta(seconds=seconds))
    return now + delay


def _deliver(message: ChatMessage, *, now: datetime) -> ChatMessage:
    channel = message.channel
    try:
        response = outbound_request(
            "POST",
            channel.webhook_url,
            json=message.payload,
            timeout=(3.05, 10),
            deadline=20,
            max_bytes=20_000,
            truncate=True,
            allow_redirects=False,
        )
    except OutboundRefused as refused:
        _channel_off(channel, f"The webhook address is not allowed: {refused.message}")
        _move(message, MessageStatus.FAILED, error=refused.message)
        return message
    except OutboundFailed as failed:
        if failed.request_sent:
            _move(message, MessageStatus.UNKNOWN, error="No answer after sending: it may have been posted.")
        else:
            _wait_or_fail(message, now=now, retry_after=None, error=failed.message)
        return message
    body = response.text[:300]
    outcome = channel.chat_kind.outcome(response.status_code, body)
    code = response.status_code
    if outcome == Outcome.DELIVERED:
        _move(message, MessageStatus.SENT, sent_at=now, response_status=code, error="")
        ChatChannel.objects.filter(pk=channel.pk).update(last_error="")
    elif outcome == Outcome.RETRY:
        _wait_or_fail(message, now=now, retry_after=response.headers.get("Retry-After"), error=f"{code} {body}")
    elif outcome == Outcome.LOST:
        _move(message, MessageStatus.UNKNOWN, response_status=code, error=f"{code}: it may have been posted.")
    elif outcome == Outcome.GONE:
        _move(message, MessageStatus.FAILED, response_status=code, error=f"{code} {body}")
        _channel_off(channel, f"The channel's webhook answered {code} {body}: switched off. Paste a new webhook URL.")
    else:
        _move(message, MessageStatus.FAILED, response_status=code, error=f"{code} {body}")
        ChatChannel.objects.filter(pk=channel.pk).update(last_error=f"Refused a message: {code} {body}"[:300])
    return message


def _wait_or_fail(message: ChatMessage, *, now: datetime, retry_after: str | None, error: str) -> None:
    at = _retry_at(message, now, retry_after)
    if at is None:
        _move(message, MessageStatus.FAILED, error=f"Gave up after {message.attempts} tries: {error}"[:300])
    else:
        _move(message, MessageStatus.WAITING, next_attempt_at=at, error=error[:300])


def _channel_off(channel: ChatChannel, reason: str) -> None:
    ChatChannel.objects.filter(pk=channel.pk).update(is_active=False, last_error=reason[:300])
    logger.warning("chat channel %s switched off: %s", channel.pk, reason)


def message_resend(*, message: ChatMessage, now: datetime | None = None) -> ChatMessage:
    """An admin's decision to send a failed or unknown message again (it may appear twice)."""
    now = now or timezone.now()
    if not _move(message, MessageStatus.SENDING, attempts=message.attempts + 1, next_attempt_at=now):
        return message
    return _deliver(message, now=now)


def channel_test(*, channel: ChatChannel, by_name: str, now: datetime | None = None) -> ChatMessage:
    """A test message, claimed and logged like any other; it does not count against the quiet hour."""
    now = now or timezone.now()
    payload = channel.chat_kind.payload(
        heading="Advocacy is connected",
        items=[
            Item(
                title="Test message",
                text=f"Sent by {by_name} from the admin.",
                url=_absolute(reverse("today")),
                button="Open Today",
            )
        ],
    )
    message = ChatMessage.objects.create(
        channel=channel, status=MessageStatus.SENDING, payload=payload, created_at=now, attempts=1, next_attempt_at=now
    )
    return _deliver(message, now=now)
