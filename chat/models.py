from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from networks.fields import EncryptedTextField

from .kinds import KINDS

# At most one message an hour per channel: news gathered meanwhile goes out together.
CHANNEL_QUIET_PERIOD = timedelta(hours=1)


class ChannelKind(models.TextChoices):
    SLACK = "slack", "Slack"
    TEAMS = "teams", "Microsoft Teams"


class ChatChannel(models.Model):
    """An incoming webhook of a Slack or Teams channel, for everyone or for one team."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=ChannelKind.choices)
    webhook_url = EncryptedTextField(
        "webhook URL", help_text="The channel's incoming webhook URL. It is a secret: stored encrypted, never shown."
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chat_channels",
        help_text="Empty: news for everyone. A team: only news whose audience includes that team.",
    )
    featured_posts = models.BooleanField("new featured posts", default=True)
    programme_news = models.BooleanField("challenge results and the weekly spotlight", default=True)
    is_active = models.BooleanField("active", default=True)
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def chat_kind(self):
        return KINDS[self.kind]

    def next_send_at(self):
        return self.last_sent_at + CHANNEL_QUIET_PERIOD if self.last_sent_at else None

    def clean(self) -> None:
        from infra.outbound_http import OutboundFailed, OutboundRefused, check_url

        if self.webhook_url:
            try:
                check_url(self.webhook_url)
            except OutboundRefused as refused:
                raise ValidationError({"webhook_url": refused.message}) from None
            except OutboundFailed:
                pass  # a name that does not resolve today: every send checks it again
        if not (self.featured_posts or self.programme_news):
            raise ValidationError("Choose at least one kind of news for this channel.")


class ItemKind(models.TextChoices):
    FEATURED_POST = "featured_post", "Featured post"
    CHALLENGE_RESULT = "challenge_result", "Challenge result"
    SPOTLIGHT = "spotlight", "Spotlight"


class ChatItem(models.Model):
    """One piece of news waiting for (or sent in) a channel's next message. Unique per channel and source."""

    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    source_key = models.CharField(max_length=100, help_text="e.g. post:42, so the same news is told once.")
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    url = models.URLField(max_length=2000)
    created_at = models.DateTimeField()
    message = models.ForeignKey("ChatMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="items")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["channel", "source_key"], name="chat_item_once_per_channel")]

    def __str__(self) -> str:
        return self.title


class MessageStatus(models.TextChoices):
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    WAITING = "waiting", "Waiting to retry"
    UNKNOWN = "unknown", "Unknown (may have been posted)"
    FAILED = "failed", "Failed"


# Explicit moves; a resend from the admin starts again at SENDING.
MESSAGE_TRANSITIONS = {
    MessageStatus.SENDING: {MessageStatus.SENT, MessageStatus.WAITING, MessageStatus.UNKNOWN, MessageStatus.FAILED},
    MessageStatus.WAITING: {MessageStatus.SENDING},
    MessageStatus.UNKNOWN: {MessageStatus.SENDING},
    MessageStatus.FAILED: {MessageStatus.SENDING},
    MessageStatus.SENT: set(),
}


class ChatMessage(models.Model):
    """One post to a channel, gathering the news waiting for it. Claimed (SENDING) before it is sent."""

    channel = models.ForeignKey(ChatChannel, on_delete=models.CASCADE, related_name="messages")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.SENDING)
    payload = models.JSONField()
    created_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} · {self.created_at:%Y-%m-%d %H:%M} · {self.get_status_display()}"

    def check_move(self, to: str) -> None:
        if to not in MESSAGE_TRANSITIONS[MessageStatus(self.status)]:
            raise ValidationError(f"A {self.get_status_display().lower()} message cannot become {to}.")
