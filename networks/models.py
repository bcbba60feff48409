from django.conf import settings
from django.db import models

from campaigns.networks import Network


class ConnectedAccount(models.Model):
    """An employee's account on a network, connected through OAuth or an app password.

    (Skeleton: the sharing issue adds encrypted token fields and health.)
    """

    class Health(models.TextChoices):
        OK = "ok", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnection"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connected_accounts")
    network = models.CharField(max_length=16, choices=Network.choices)
    handle = models.CharField(max_length=255, blank=True)
    external_id = models.CharField(max_length=255, help_text="Id on the network (URN, DID, account id).")
    instance = models.CharField(max_length=255, blank=True, help_text="Mastodon instance host.")
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.OK)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "instance", "external_id"], name="one_connection_per_network_id")
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.handle or self.external_id}"


class Share(models.Model):
    """One employee sharing one post on one network, by direct publishing or a share intent.

    (Skeleton: the sharing issue adds the flow; the metrics issue adds metric fields.)
    """

    class Route(models.TextChoices):
        DIRECT = "direct", "Published through the API"
        INTENT = "intent", "Share-intent link"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHING = "publishing", "Publishing"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"
        DELETED = "deleted", "Deleted on the network"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shares")
    post = models.ForeignKey("campaigns.SuggestedPost", on_delete=models.CASCADE, related_name="shares")
    network = models.CharField(max_length=16, choices=Network.choices)
    account = models.ForeignKey(
        ConnectedAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    short_link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.PROTECT, related_name="shares")
    route = models.CharField(max_length=8, choices=Route.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    text = models.TextField()
    scheduled_for = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    external_url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.network}: {self.post}"
