"""Daily rollups (dashboards issue): what every dashboard reads instead of clicks, shares and snapshots.

Imported at the bottom of analytics/models.py so the models belong to the analytics app.
"""

from django.conf import settings
from django.db import models

from campaigns.networks import Network

CLICK_FIELDS = ("clicks", "unique_clicks", "self_clicks", "previews", "filtered")
SHARE_FIELDS = ("shares_direct", "shares_scheduled", "shares_dialog")
ENGAGEMENT_FIELDS = ("likes", "reposts", "replies", "quotes", "impressions")
ROLLUP_FIELDS = CLICK_FIELDS + SHARE_FIELDS + ENGAGEMENT_FIELDS


class DailyRollup(models.Model):
    """One short link on one day of the organisation's calendar (ORGANISATION_TIME_ZONE).

    A short link is one employee × post × network, so its row is also the day of that share, post,
    campaign, team and network: those are columns here, stamped when the row is first written, and every
    dashboard sums these rows (never Click rows). Engagement columns hold the *growth* measured that day
    (they may be negative: a like taken back); whether a network gives a figure at all is its provider's fact.

    Kept up to date incrementally by the click ingest, the metrics pull and the share sync; one day can be
    rebuilt from the raw rows (`manage.py rollups_rebuild`), giving the same numbers.
    """

    day = models.DateField()
    link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("campaigns.SuggestedPost", null=True, on_delete=models.SET_NULL, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", null=True, on_delete=models.SET_NULL, related_name="+")
    network = models.CharField(max_length=16)
    team = models.ForeignKey("accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+")
    location = models.ForeignKey("accounts.Location", null=True, on_delete=models.SET_NULL, related_name="+")
    clicks = models.PositiveIntegerField(default=0, help_text="Human clicks, not the owner's own.")
    unique_clicks = models.PositiveIntegerField(default=0, help_text="Of those, first of the visitor that day.")
    self_clicks = models.PositiveIntegerField(default=0)
    previews = models.PositiveIntegerField(default=0)
    filtered = models.PositiveIntegerField(default=0)
    shares_direct = models.PositiveIntegerField(default=0, help_text="Published through the API right away.")
    shares_scheduled = models.PositiveIntegerField(default=0, help_text="Published through the API at a set time.")
    shares_dialog = models.PositiveIntegerField(default=0, help_text="Share dialog opened (intent).")
    likes = models.BigIntegerField(default=0)
    reposts = models.BigIntegerField(default=0)
    replies = models.BigIntegerField(default=0)
    quotes = models.BigIntegerField(default=0)
    impressions = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day"], name="one_daily_rollup_per_link_day")]
        indexes = [
            models.Index(fields=["day", "network"], name="dailyrollup_day"),
            models.Index(fields=["campaign", "day"], name="dailyrollup_campaign"),
            models.Index(fields=["user", "day"], name="dailyrollup_user"),
            models.Index(fields=["team", "day"], name="dailyrollup_team"),
            models.Index(fields=["post", "day"], name="dailyrollup_post"),
        ]

    def __str__(self) -> str:
        return f"link {self.link_id} on {self.day}"


class RollupState(models.Model):
    """When each source last reached the rollups ("clicks", "shares", "engagement:<network>"): the pages'
    "last refreshed" labels, and the share sync's watermark."""

    key = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.key} at {self.at:%Y-%m-%d %H:%M}"


class EarnedMediaRate(models.Model):
    """What a click or a thousand views would have cost as advertising, per network (admin-set).

    Dashboards multiply measured unique clicks and views by these to show an *estimate* of earned media value.
    A network without a row uses the row with an empty network (the default), if any; none means no estimate.
    """

    network = models.CharField(
        max_length=16,
        blank=True,
        unique=True,
        choices=[("", "Default (every network without its own rate)"), *Network.choices],
        help_text="Empty: the default for all.",
    )
    cost_per_click = models.DecimalField("CPC", max_digits=8, decimal_places=2, default=0)
    cost_per_mille = models.DecimalField("CPM", max_digits=8, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="EUR")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network"]

    def __str__(self) -> str:
        return f"{self.network or 'default'}: CPC {self.cost_per_click} / CPM {self.cost_per_mille} {self.currency}"
