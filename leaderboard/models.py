"""Points: admin-editable rules, the append-only ledger, period totals and badges.

The ledger (`PointEntry`) is the truth. `PeriodScore` and the Redis sorted sets are
derived from it and can be rebuilt from it at any time (`manage.py rebuild_leaderboards`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

# More than this for one action is a typo, not a policy.
POINTS_MAX = 1000
DAILY_CAP_MAX = 10_000


class Action(models.TextChoices):
    SHARE = "share", "Share"
    FEATURED_SHARE = "featured_share", "Share of a featured post (bonus)"
    UNIQUE_CLICK = "unique_click", "Unique click earned"
    LIKE = "like", "Like earned"
    REPOST = "repost", "Repost earned"
    COMMENT = "comment", "Comment earned"
    WEEKLY_STREAK = "weekly_streak", "Weekly streak"
    SUGGESTION_APPROVED = "suggestion_approved", "Suggestion approved"
    # Not a rule: the compensating entry for a click later found to be a bot or a self-click.
    CLICK_REVERSAL = "click_reversal", "Click reversed"


RULE_ACTIONS = [(a.value, a.label) for a in Action if a != Action.CLICK_REVERSAL]

# Used until an admin saves a rule of their own for the action.
DEFAULT_POINTS: dict[str, int] = {
    Action.SHARE: 10,
    Action.FEATURED_SHARE: 5,
    Action.UNIQUE_CLICK: 2,
    Action.LIKE: 1,
    Action.REPOST: 3,
    Action.COMMENT: 2,
    Action.WEEKLY_STREAK: 20,
    Action.SUGGESTION_APPROVED: 15,
}
DEFAULT_DAILY_CLICK_CAP = 25


class PointRule(models.Model):
    """How many points one action earns. Changing a rule changes future entries only."""

    action = models.CharField(max_length=20, choices=RULE_ACTIONS, unique=True)
    points = models.IntegerField(
        validators=[
            MinValueValidator(0, message="Points cannot be negative: use 0 to switch a rule off."),
            MaxValueValidator(POINTS_MAX, message=f"At most {POINTS_MAX} points for one action; is that a typo?"),
        ],
        help_text=f"0 to {POINTS_MAX}.",
    )
    daily_cap_per_share = models.PositiveIntegerField(
        "daily cap per share",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, message="A cap of 0 would switch clicks off: set the points to 0 instead."),
            MaxValueValidator(DAILY_CAP_MAX, message=f"At most {DAILY_CAP_MAX} clicks per share and day."),
        ],
        help_text="Unique clicks only: at most this many clicks on one share earn points per day (empty: default).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["action"]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=POINTS_MAX), name="point_rule_points_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.points}"

    def clean(self) -> None:
        if self.daily_cap_per_share is not None and self.action != Action.UNIQUE_CLICK:
            raise ValidationError({"daily_cap_per_share": "Only the unique-click rule has a daily cap."})


class SourceType(models.TextChoices):
    """What a ledger entry's `source_id` points at; with action and step it makes the entry unique."""

    LINK = "link", "Short link (a share of a post on a network)"
    CLICK = "click", "Click"
    SHARE = "share", "Share (engagement growth)"
    WEEK = "week", "Week (streak; the source is the employee)"
    SUGGESTION = "suggestion", "Suggestion (a post an employee suggested)"


class PointEntry(models.Model):
    """One line of the append-only ledger. Never edited: mistakes are undone by compensating entries.

    The unique constraint makes awarding idempotent: one entry per rule, source and step
    (step is 0 for one-off awards, the running total for engagement growth, the week for streaks).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="point_entries")
    action = models.CharField(max_length=20, choices=Action.choices)
    points = models.IntegerField()
    source_type = models.CharField(max_length=16, choices=SourceType.choices)
    source_id = models.BigIntegerField()
    step = models.BigIntegerField(default=0)
    quantity = models.PositiveIntegerField(default=1, help_text="How many likes, clicks… this entry pays for.")
    post = models.ForeignKey(
        "campaigns.SuggestedPost", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    network = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=255)
    occurred_at = models.DateTimeField(help_text="When the thing that earned the points happened.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name_plural = "point entries"
        constraints = [
            models.UniqueConstraint(
                fields=["action", "source_type", "source_id", "step"], name="one_award_per_rule_and_source"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "occurred_at"], name="pointentry_user_time"),
            models.Index(fields=["occurred_at"], name="pointentry_time"),
            models.Index(fields=["user", "post"], name="pointentry_user_post"),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} {self.get_action_display()} for {self.user_id}"


class Period(models.TextChoices):
    WEEK = "week", "This week"
    MONTH = "month", "This month"
    QUARTER = "quarter", "This quarter"
    ALL = "all", "All time"


class PeriodScore(models.Model):
    """Points of one employee in one period (weeks, months, quarters in the organisation's time zone).

    Derived from the ledger, kept up to date as points are awarded; the SQL leaderboards read it.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8, choices=Period.choices)
    start = models.DateField(help_text="First day of the period; 1970-01-01 for all time.")
    points = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "period", "start"], name="one_score_per_user_period"),
        ]
        indexes = [models.Index(fields=["period", "start", "points"], name="periodscore_board")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period} {self.start}: {self.points}"


class Badge(models.TextChoices):
    FIRST_SHARE = "first_share", "First share"
    SHARES_10 = "shares_10", "10 shares"
    SHARES_50 = "shares_50", "50 shares"
    SHARES_100 = "shares_100", "100 shares"
    CLICKS_100 = "clicks_100", "100 unique clicks"
    CLICKS_1000 = "clicks_1000", "1,000 unique clicks"
    STREAK_4 = "streak_4", "4-week streak"
    CHALLENGE_WINNER = "challenge_winner", "Challenge winner"


class BadgeAward(models.Model):
    """A badge an employee earned, once per badge and reference, with the date.

    Milestone badges have no reference (once ever); a badge that can be won again (a challenge) carries what it
    was won in as `reference` ("challenge:7") and says so in `note`.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    badge = models.CharField(max_length=16, choices=Badge.choices)
    reference = models.CharField(max_length=64, blank=True, default="")
    note = models.CharField(max_length=200, blank=True, default="")
    awarded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["awarded_at"]
        constraints = [models.UniqueConstraint(fields=["user", "badge", "reference"], name="one_badge_each")]

    def __str__(self) -> str:
        return f"{self.get_badge_display()} for {self.user_id}"

    @property
    def label(self) -> str:
        return f"{self.get_badge_display()}: {self.note}" if self.note else self.get_badge_display()
