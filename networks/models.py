import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.networks import Network

from .fields import EncryptedTextField
from .signals import share_settled

logger = logging.getLogger(__name__)


class ConnectedAccount(models.Model):
    """An employee's account on a network, connected through OAuth or an app password.

    Tokens are encrypted at rest (networks.fields.EncryptedTextField): a copy of the
    database alone reveals no usable token.
    """

    class Health(models.TextChoices):
        OK = "ok", "Connected"
        EXPIRING = "expiring", "Expiring soon"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnection"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connected_accounts")
    network = models.CharField(max_length=16, choices=Network.choices)
    handle = models.CharField(max_length=255, blank=True)
    external_id = models.CharField(max_length=255, help_text="Id on the network (URN, DID, account id).")
    instance = models.CharField(max_length=255, blank=True, help_text="Mastodon instance host.")
    service_url = models.URLField(blank=True, help_text="Bluesky: the account's personal data server.")
    access_token = EncryptedTextField(blank=True, editable=False)
    refresh_token = EncryptedTextField(blank=True, editable=False)
    scopes = models.CharField(max_length=500, blank=True)
    # Only NEEDS_RECONNECT is stored; EXPIRING follows from token_expires_at (see health_at).
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.OK)
    health_reason = models.CharField(max_length=500, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refreshable = models.BooleanField(default=False, help_text="The network renews tokens without the employee.")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["network", "instance", "external_id"], name="one_connection_per_network_id")
        ]
        indexes = [models.Index(fields=["network", "token_expires_at"])]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.handle or self.external_id}"

    def days_left(self, now: dt.datetime | None = None) -> int | None:
        if self.token_expires_at is None:
            return None
        return max(0, (self.token_expires_at - (now or timezone.now())).days)

    def health_at(self, now: dt.datetime | None = None) -> str:
        """OK, EXPIRING (a token that will not renew itself ends soon) or NEEDS_RECONNECT."""
        now = now or timezone.now()
        if self.health == self.Health.NEEDS_RECONNECT:
            return self.Health.NEEDS_RECONNECT
        if self.token_expires_at is not None and not self.refreshable:
            if self.token_expires_at <= now:
                return self.Health.NEEDS_RECONNECT
            if self.token_expires_at - now <= dt.timedelta(days=settings.TOKEN_EXPIRY_WARNING_DAYS):
                return self.Health.EXPIRING
        return self.Health.OK

    @property
    def can_publish(self) -> bool:
        return self.health_at() != self.Health.NEEDS_RECONNECT and bool(self.access_token)


class MastodonApp(models.Model):
    """Our app's registration on one Mastodon instance (POST /api/v1/apps), made once and reused."""

    instance = models.CharField(max_length=255, unique=True)
    client_id = models.CharField(max_length=255)
    client_secret = EncryptedTextField()
    redirect_uri = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.instance


class ShareQuerySet(models.QuerySet):
    def due(self, now: dt.datetime):
        return self.filter(status=Share.Status.SCHEDULED, scheduled_for__lte=now)

    def move(self, share_id: int, *, to: str, from_: Iterable[str] | None = None, **fields: Any) -> bool:
        """Move one share to `to` if it is still in a state that may go there; return whether this caller won.

        The one way share statuses change: a conditional UPDATE (status in the allowed "from" states),
        so of two workers racing for the same move exactly one wins. `from_` narrows the allowed
        states (e.g. only PUBLISHING: "only while the share is still ours"); a move the table does
        not allow raises ValueError (a programming error, not a race).
        """
        allowed = share_states_into(to)
        if from_ is not None:
            narrowed = set(from_)
            illegal = narrowed - allowed
            if illegal:
                raise ValueError(f"A share cannot move from {sorted(illegal)} to {to}.")
            allowed = narrowed
        fields.setdefault("updated_at", timezone.now())
        if to not in SHARE_OUTCOMES:
            return bool(self.filter(pk=share_id, status__in=allowed).update(status=to, **fields))
        with transaction.atomic():
            won = bool(self.filter(pk=share_id, status__in=allowed).update(status=to, **fields))
            if won:
                for receiver, outcome in share_settled.send_robust(sender=Share, share_id=share_id, status=to):
                    if isinstance(outcome, Exception):  # the share's outcome stands; only that news is lost
                        logger.error("share_settled receiver %r failed", receiver, exc_info=outcome)
        return won


class Share(models.Model):
    """One employee sharing one post on one network, by direct publishing or a share intent.

    Direct shares move SCHEDULED/QUEUED → PUBLISHING (claimed by exactly one worker) →
    PUBLISHED, FAILED or UNKNOWN (sent, answer lost: reconciled, never blindly re-sent); the
    whole table is SHARE_TRANSITIONS below, and every move goes through `Share.objects.move`.
    """

    class Route(models.TextChoices):
        DIRECT = "direct", "Published through the API"
        INTENT = "intent", "Share-intent link"
        SHEET = "sheet", "The phone's share sheet"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        QUEUED = "queued", "Queued"
        PUBLISHING = "publishing", "Publishing"
        PUBLISHED = "published", "Published"
        UNKNOWN = "unknown", "Checking whether it was posted"
        OPENED = "opened", "Share dialog opened"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        DELETED = "deleted", "Deleted on the network"

    # States in which a direct share counts as (about to be) on the network: at most one per post and network.
    LIVE_STATUSES = (Status.SCHEDULED, Status.QUEUED, Status.PUBLISHING, Status.PUBLISHED, Status.UNKNOWN)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares")
    post = models.ForeignKey("campaigns.SuggestedPost", on_delete=models.CASCADE, related_name="shares")
    network = models.CharField(max_length=16, choices=Network.choices)
    account = models.ForeignKey(
        ConnectedAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    short_link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.RESTRICT, related_name="shares")
    route = models.CharField(max_length=8, choices=Route.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    text = models.TextField()
    # The post's copy version (SuggestedPost.copy_version) this share's text came from; a later correction
    # of the post does not change what was shared.
    post_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    personalised = models.BooleanField(
        default=False, help_text="The employee changed the suggested text (more than spacing) before posting."
    )
    with_image = models.BooleanField(default=False)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    external_url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    # Sent with the publish so a repeat cannot post twice (Mastodon Idempotency-Key, Bluesky record key).
    idempotency_key = models.CharField(max_length=64, blank=True)
    # The image as uploaded for this share (media id, image URN, blob JSON) and when: a retry within
    # the network's media_reuse_window sends it again instead of uploading a second copy.
    media_ref = models.CharField(max_length=1000, blank=True)
    media_uploaded_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Where the share was started ("" the web app, "digest" the daily email), for the dashboards.
    source = models.CharField(max_length=16, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ShareQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "published_at"]),
            models.Index(fields=["status", "scheduled_for"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post", "network"],
                condition=Q(route="direct", status__in=["scheduled", "queued", "publishing", "published", "unknown"]),
                name="one_live_direct_share_per_post_network",
            ),
            # Opening the same share dialog again is the same share (its time refreshed), never a second card.
            models.UniqueConstraint(
                fields=["user", "post", "network"],
                condition=Q(route="intent", status="opened"),
                name="one_opened_dialog_per_post_network",
            ),
            models.CheckConstraint(
                condition=Q(route="intent") | Q(account__isnull=False) | ~Q(status__in=["scheduled", "queued"]),
                name="direct_share_has_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.network}: {self.post}"

    def can_move_to(self, status: str) -> bool:
        return status in SHARE_TRANSITIONS[self.status]

    @property
    def next_step(self) -> str:
        """What the employee can do about a share in this state."""
        if self.status == self.Status.FAILED:
            if self.account_id and self.account and self.account.health == ConnectedAccount.Health.NEEDS_RECONNECT:
                return "Reconnect the account on the Connected accounts page, then share again."
            return "Fix what the network complained about and share again, or use the share dialog."
        if self.status == self.Status.UNKNOWN:
            return "We are checking with the network whether it was posted; nothing to do yet."
        return ""


_S = Share.Status
# Which status a share may move to from each status. Intent shares are OPENED and stay so.
SHARE_TRANSITIONS: dict[str, set[str]] = {
    # due (→ QUEUED), cancelled by the employee
    _S.SCHEDULED: {_S.QUEUED, _S.CANCELLED},
    # claimed by one worker
    _S.QUEUED: {_S.PUBLISHING},
    # the network answered (PUBLISHED, FAILED), will retry (SCHEDULED), lost the answer (UNKNOWN),
    # or the worker died and the network's publishing is idempotent (QUEUED)
    _S.PUBLISHING: {_S.PUBLISHED, _S.FAILED, _S.SCHEDULED, _S.UNKNOWN, _S.QUEUED},
    # reconciled with the network: found, given up, or sent again where the network refuses a
    # duplicate and names the post it has (LinkedIn), claimed like a publish (PUBLISHING)
    _S.UNKNOWN: {_S.PUBLISHED, _S.FAILED, _S.PUBLISHING},
    # the metrics pull found it gone
    _S.PUBLISHED: {_S.DELETED},
    _S.OPENED: set(),
    # tried again by the employee (networks.services.sharing.share_retry)
    _S.FAILED: {_S.QUEUED},
    _S.CANCELLED: set(),
    _S.DELETED: set(),
}

# Outcomes announced to the apps above (networks.signals.share_settled), with the move that makes them.
SHARE_OUTCOMES = frozenset({_S.PUBLISHED, _S.FAILED})


def share_states_into(status: str) -> set[str]:
    """The statuses from which a share may move to `status`."""
    return {source for source, targets in SHARE_TRANSITIONS.items() if status in targets}
