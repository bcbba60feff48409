from django.db import models


class ClickQuerySet(models.QuerySet):
    def counting(self):
        """Clicks that earn points and fill leaderboards: unique for the day, not the link owner's own.

        The one rule for "which clicks count"; see analytics.selectors.clicks_counting.
        """
        return self.filter(is_unique=True, is_self_click=False)


class Click(models.Model):
    """A human click on a short link, stored once per buffered event (the drain, or the fallback).

    Bots, link previews, HEAD requests and prefetches are never here: they are FilteredHit rows.
    A signed-in owner's own click *is* here, with is_self_click=True (it earns nothing).
    """

    link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.CASCADE, related_name="clicks")
    event_id = models.CharField(max_length=64, unique=True, help_text="Idempotency key from the click buffer.")
    clicked_at = models.DateTimeField(db_index=True)
    is_unique = models.BooleanField(help_text="First visit of this visitor to this link this day.")
    is_self_click = models.BooleanField(default=False)
    referrer_host = models.CharField(max_length=255, blank=True)
    device_class = models.CharField(max_length=16, blank=True)
    browser_family = models.CharField(max_length=64, blank=True)
    os_family = models.CharField(max_length=64, blank=True)

    objects = ClickQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["link", "clicked_at"])]

    def __str__(self) -> str:
        return f"click {self.event_id} on link {self.link_id}"


class FilteredReason(models.TextChoices):
    BOT = "bot", "Bot or crawler"
    PREVIEW = "preview", "Link preview by a network"
    HEAD = "head", "HEAD request"
    PREFETCH = "prefetch", "Browser prefetch"


class FilteredHit(models.Model):
    """A request to a short link that is not a click, kept with the reason it was not counted."""

    link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.CASCADE, related_name="filtered_hits")
    event_id = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=16, choices=FilteredReason.choices)
    agent = models.CharField(max_length=64, blank=True, help_text="The bot or preview fetcher that was recognised.")

    class Meta:
        indexes = [models.Index(fields=["link", "at"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on link {self.link_id}"


class ParkedClick(models.Model):
    """A raw click the redirect could not buffer (Redis down), parked for the drain to classify.

    Personal data (ip, session_key) like the Redis buffer: the drain turns each row into a Click or
    FilteredHit and deletes it in the same transaction, so no raw IP stays after the drain.
    """

    event_id = models.CharField(max_length=64, unique=True)
    link_id = models.BigIntegerField()  # no foreign key: a link deleted meanwhile makes an orphan the drain drops
    at_ms = models.BigIntegerField()
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    referer = models.CharField(max_length=512, blank=True)
    method = models.CharField(max_length=16, default="GET")
    prefetch = models.BooleanField(default=False)
    session_key = models.CharField(max_length=512, blank=True)

    def __str__(self) -> str:
        return f"parked click {self.event_id}"


class VisitorSalt(models.Model):
    """The secret salt of one UTC day's visitor hashes; deleted after two days, so hashes cannot be reversed."""

    day = models.DateField(unique=True)
    secret = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"salt for {self.day}"


class DailyVisitor(models.Model):
    """A visitor seen on a link on a day: hash of (day's salt, link, IP, user agent). No IP is stored."""

    link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visitor_hash = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "day", "visitor_hash"], name="one_visitor_per_link_day")]

    def __str__(self) -> str:
        return f"visitor on link {self.link_id} on {self.day}"


class ClickRollup(models.Model):
    """Per link and hour: what dashboards read instead of the click rows.

    clicks = human clicks except the owner's own; unique_clicks = those first of the visitor that day;
    self_clicks, previews and filtered (bots, HEAD, prefetch) are counted beside.
    """

    link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.CASCADE, related_name="click_rollups")
    hour = models.DateTimeField()
    clicks = models.PositiveIntegerField(default=0)
    unique_clicks = models.PositiveIntegerField(default=0)
    self_clicks = models.PositiveIntegerField(default=0)
    previews = models.PositiveIntegerField(default=0)
    filtered = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "hour"], name="one_rollup_per_link_hour")]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self) -> str:
        return f"link {self.link_id} at {self.hour:%Y-%m-%d %H}h"


class CampaignGoalReached(models.Model):
    """The moment a campaign first reached its goal: recorded once, so the news goes out once."""

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.CASCADE, related_name="goal_reached")
    metric = models.CharField(max_length=16)
    target = models.PositiveIntegerField()
    reached = models.PositiveBigIntegerField(help_text="The figure when the goal was first seen reached.")
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.campaign_id} reached {self.reached} {self.metric} (goal {self.target})"


# Engagement history of shares (metrics issue): its own module, part of this app.
from .engagement import EngagementSnapshot, ShareMetrics  # noqa: E402, F401

# Daily rollups for the dashboards (dashboards issue): their own module, part of this app.
from .rollup_models import DailyRollup, EarnedMediaRate, RollupState  # noqa: E402, F401
