"""Engagement history of shares (issue 5): latest values per share and a time series of changes.

Imported at the bottom of analytics/models.py so the models belong to the analytics app.
A None value means the network does not give that number (unavailable), never zero.
"""

from django.db import models

METRIC_FIELDS = ("likes", "reposts", "replies", "quotes", "impressions", "bookmarks")


class ShareMetrics(models.Model):
    """The latest engagement of one share, and where its metrics pull stands."""

    class State(models.TextChoices):
        PENDING = "pending", "Not measured yet"
        OK = "ok", "Measured"
        UNAVAILABLE = "unavailable", "Unavailable for this network"
        DELETED = "deleted", "Post deleted on the network"
        RECONNECT = "reconnect", "Account needs reconnection"
        ERROR = "error", "Network error; will retry"

    share = models.OneToOneField("networks.Share", on_delete=models.CASCADE, related_name="metrics")
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    reposts = models.PositiveBigIntegerField(null=True, blank=True)
    replies = models.PositiveBigIntegerField(null=True, blank=True)
    quotes = models.PositiveBigIntegerField(null=True, blank=True)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    bookmarks = models.PositiveBigIntegerField(null=True, blank=True, help_text="X: bookmark_count.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    measured_at = models.DateTimeField(null=True, blank=True, help_text="Last successful answer from the network.")
    changed_at = models.DateTimeField(null=True, blank=True, help_text="Last time a value changed.")
    attempted_at = models.DateTimeField(null=True, blank=True, help_text="Last pull, successful or not.")
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="A worker holds this share until then.")
    failures = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "share metrics"
        indexes = [models.Index(fields=["attempted_at"], name="sharemetrics_attempted")]

    def __str__(self) -> str:
        return f"metrics of share {self.share_id}"

    def values(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in METRIC_FIELDS}


class EngagementSnapshot(models.Model):
    """One point of a share's engagement history, stored only when a value changed."""

    share = models.ForeignKey("networks.Share", on_delete=models.CASCADE, related_name="engagement_history")
    measured_at = models.DateTimeField()
    likes = models.PositiveBigIntegerField(null=True, blank=True)
    reposts = models.PositiveBigIntegerField(null=True, blank=True)
    replies = models.PositiveBigIntegerField(null=True, blank=True)
    quotes = models.PositiveBigIntegerField(null=True, blank=True)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)
    bookmarks = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["share", "measured_at"]
        indexes = [models.Index(fields=["share", "measured_at"], name="engagement_share_time")]

    def __str__(self) -> str:
        return f"share {self.share_id} at {self.measured_at:%Y-%m-%d %H:%M}"
