"""Outbound webhooks: endpoints admins register, the events we announce, and one outbox row per endpoint and event.

An `Event` is one message as the Standard Webhooks specification names it: its id (`webhook-id`) and body never
change, so every attempt to every endpoint carries the same id and bytes, and a receiver can drop repeats.
A `Delivery` is that event for one endpoint: written in the same transaction as the news, then sent by a worker
that claims it first (PENDING → SENDING, a conditional update), and retried on a fixed schedule for about a day.
"""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from networks.fields import EncryptedTextField


class EventType(models.TextChoices):
    SHARE_PUBLISHED = "share.published", "share.published: a direct share went out on its network"
    SHARE_FAILED = "share.failed", "share.failed: a direct share failed for good"
    CLICKS_COUNTED = "clicks.counted", "clicks.counted: new counted clicks per link, once per click drain"
    POST_PUBLISHED = "post.published", "post.published: a suggested post was published to employees"
    CAMPAIGN_GOAL_REACHED = "campaign.goal_reached", "campaign.goal_reached: a campaign reached its goal"
    EMPLOYEE_JOINED = "employee.joined", "employee.joined: a person joined the programme"


SECRET_PREFIX = "whsec_"


def secret_generate() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (the HMAC key is the decoded bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Endpoint(models.Model):
    """A URL of the organisation's that receives the events it subscribed to, signed with its own secret."""

    url = models.URLField("URL", max_length=2000, help_text="A public https address. Each event is POSTed to it.")
    description = models.CharField(max_length=200, blank=True, help_text="What receives it, e.g. “CRM sync”.")
    events = models.JSONField(default=list, help_text="The event types this endpoint receives.")
    secret = EncryptedTextField(editable=False, help_text="Standard Webhooks signing secret (whsec_…).")
    is_active = models.BooleanField(
        "active", default=True, help_text="Switched off by itself after failing for a day; switch it on again here."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="webhook_endpoints",
        help_text="Told by email when the endpoint is switched off.",
    )
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    disabled_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in (self.events or [])

    @property
    def secret_hint(self) -> str:
        """Enough to tell two secrets apart, never enough to use one."""
        return f"{self.secret[:10]}…" if self.secret else ""


class Event(models.Model):
    """One message, the same for every endpoint: its id and exact body are fixed when the news happens."""

    message_id = models.CharField(max_length=64, unique=True, default=message_id_new, editable=False)
    type = models.CharField(max_length=40, choices=EventType.choices)
    body = models.TextField(help_text="The JSON sent, byte for byte the same on every attempt.")
    # Deliveries of events with the same key go to each endpoint one at a time, oldest first ("" = any order).
    ordering_key = models.CharField(max_length=64, blank=True)
    # The person the event is about, if any (a share's or link's owner, a new employee): for erasure.
    subject_user_id = models.IntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id}"


class Delivery(models.Model):
    """One event for one endpoint: the outbox row a worker claims, sends and records."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (gave up)"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    ordering_key = models.CharField(max_length=64, blank=True, editable=False)  # the event's, for the queue's index
    # Events recorded together (one drain's clicks.counted) share a batch: they wait for older batches of their
    # ordering key, never for each other. The id of the batch's first event.
    batch = models.PositiveBigIntegerField(default=0, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Attempts of the current round.")
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="one_delivery_per_endpoint_event"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "delivered", "failed"]), name="delivery_status_known"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "ordering_key", "status", "batch"]),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint}"


class DeliveryAttempt(models.Model):
    """One HTTP attempt, for the admin's log: when, how long, what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    delivered = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
