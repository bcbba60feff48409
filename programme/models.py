"""What keeps a programme alive: challenges, feedback surveys, nudges, guidelines, tips and the weekly spotlight.

Nothing here scores anything: a challenge's standing is read from the points ledger (leaderboard) and the
shares (networks); its frozen results are a copy of that standing at the end, kept so the winners stay put.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

SURVEY_MIN_QUESTIONS = 3
SURVEY_MAX_QUESTIONS = 5
SCALE_MIN, SCALE_MAX = 1, 5


# --- Challenges ---------------------------------------------------------------------------------------


class ChallengeGoal(models.TextChoices):
    SHARES = "shares", "Shares"
    UNIQUE_CLICKS = "unique_clicks", "Unique clicks"
    PERSONALISED_SHARES = "personalised_shares", "Personalised shares"


class ChallengePlay(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    TEAM = "team", "Team"


class Challenge(models.Model):
    """A friendly competition over a period, on one campaign or one topic, for one goal.

    The standing is computed live from the ledger; at the end a beat task freezes it (`frozen_at` and
    `ChallengeResult` rows) and awards the winners a badge.
    """

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, help_text="What to do, in a sentence or two.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.PROTECT, related_name="challenges"
    )
    topic = models.ForeignKey("campaigns.Topic", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    goal = models.CharField(max_length=24, choices=ChallengeGoal.choices, default=ChallengeGoal.SHARES)
    play = models.CharField(max_length=12, choices=ChallengePlay.choices, default=ChallengePlay.INDIVIDUAL)
    winners = models.PositiveSmallIntegerField(
        default=3, help_text="How many places win a badge (individual play); in team play, the first team wins."
    )
    prize = models.CharField(max_length=200, blank=True, help_text="Optional, e.g. “Lunch with the CEO”.")
    frozen_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="challenge_ends_after_start"),
            models.CheckConstraint(
                condition=(Q(campaign__isnull=False) & Q(topic__isnull=True))
                | (Q(campaign__isnull=True) & Q(topic__isnull=False)),
                name="challenge_campaign_or_topic",
            ),
            models.CheckConstraint(condition=Q(winners__gte=1, winners__lte=10), name="challenge_winners_1_10"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must be after the start (the dates are reversed or equal)."
        if bool(self.campaign_id) == bool(self.topic_id):
            errors["campaign"] = "Choose a campaign or a topic (one of them, not both)."
        if not 1 <= (self.winners or 0) <= 10:
            errors["winners"] = "Between 1 and 10 places win a badge."
        if self.pk and self.frozen_at:
            errors["__all__"] = "This challenge has ended and its results are frozen: it can no longer change."
        if errors:
            raise ValidationError(errors)

    def is_running(self, now) -> bool:
        return self.starts_at <= now < self.ends_at

    @property
    def scope_label(self) -> str:
        return f"campaign “{self.campaign}”" if self.campaign_id else f"topic “{self.topic}”"


class ChallengeResult(models.Model):
    """One line of a challenge's frozen standing: a person (individual play) or a team (team play)."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="results")
    rank = models.PositiveIntegerField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    score = models.IntegerField()
    is_winner = models.BooleanField(default=False)

    class Meta:
        ordering = ["challenge", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "user"], name="one_result_per_person"),
            models.UniqueConstraint(fields=["challenge", "team"], name="one_result_per_team"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} in {self.challenge_id}: {self.score}"


# --- Feedback surveys ---------------------------------------------------------------------------------


class Survey(models.Model):
    """The short survey a campaign's audience gets when the campaign ends (3 to 5 questions)."""

    campaign = models.OneToOneField("campaigns.Campaign", on_delete=models.CASCADE, related_name="survey")
    intro = models.CharField(max_length=300, blank=True, help_text="One line above the questions.")
    anonymous = models.BooleanField(
        default=True, help_text="Answers are stored without any link to the person who gave them."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Survey: {self.campaign}"


class QuestionKind(models.TextChoices):
    SCALE = "scale", f"Scale ({SCALE_MIN}–{SCALE_MAX})"
    CHOICE = "choice", "Choice"
    TEXT = "text", "Free text"


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=QuestionKind.choices, default=QuestionKind.SCALE)
    text = models.CharField(max_length=300)
    choices = models.TextField(blank=True, help_text="Choice questions: one option per line (2 to 8).")

    class Meta:
        ordering = ["survey", "position", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def options(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind == QuestionKind.CHOICE and not 2 <= len(self.options) <= 8:
            raise ValidationError({"choices": "A choice question needs 2 to 8 options, one per line."})
        if self.kind != QuestionKind.CHOICE and self.options:
            raise ValidationError({"choices": "Only choice questions have options."})


class SurveyInvite(models.Model):
    """The send log: one invitation email per person and survey, claimed before it is sent (at most once)."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Claimed (sending, or the worker stopped: never re-sent)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invites")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLAIMED)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="one_survey_invite_per_person")]

    def __str__(self) -> str:
        return f"{self.survey} → {self.user_id}: {self.status}"


class SurveyResponse(models.Model):
    """That a person has answered (never what): it stops a second answer, also for anonymous surveys."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    responded_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"], name="one_survey_response_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} answered {self.survey_id}"


class SurveyAnswerSet(models.Model):
    """One person's answers. For an anonymous survey `respondent` stays empty, and the random key and the
    missing timestamp keep the set from being matched to a `SurveyResponse` by order or time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answer_sets")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Answers to {self.survey_id}"


class SurveyAnswer(models.Model):
    answer_set = models.ForeignKey(SurveyAnswerSet, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True, max_length=2000)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["answer_set", "question"], name="one_answer_per_question"),
            models.CheckConstraint(
                condition=Q(scale__isnull=True) | Q(scale__gte=SCALE_MIN, scale__lte=SCALE_MAX),
                name="survey_scale_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"


# --- Nudges -------------------------------------------------------------------------------------------


class Nudge(models.Model):
    """A friendly line in someone's digest after a quiet month: recorded so there is at most one a fortnight."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()
    line = models.CharField(max_length=300)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["user", "sent_at"], name="nudge_user_time")]

    def __str__(self) -> str:
        return f"Nudge for {self.user_id} at {self.sent_at:%Y-%m-%d}"


# --- Guidelines, tips and the spotlight ---------------------------------------------------------------


class GuidelinesPage(models.Model):
    """The guidelines employees read: what to share, where, the tone, and what never to share.

    One row (the newest is shown); content managers edit it in the admin, in Markdown, rendered sanitised.
    """

    title = models.CharField(max_length=120, default="Sharing guidelines")
    body = models.TextField(help_text="Markdown: ## headings, **bold**, lists, links. Raw HTML is shown as text.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "guidelines page"
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class StoryTip(models.Model):
    """A short storytelling tip for the storytelling corner."""

    title = models.CharField(max_length=120)
    body = models.TextField(help_text="A few sentences of Markdown.")
    position = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class Spotlight(models.Model):
    """The weekly pick of top stories and advocates, for the week starting `week_start` (a Monday).

    Picked by a beat task from last week's figures (most clicked posts, most points), only the best: it
    celebrates, it never ranks who shared least. Content managers may add a line in the admin.
    """

    week_start = models.DateField(unique=True)
    headline = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"Spotlight of the week of {self.week_start}"


class SpotlightItem(models.Model):
    class Kind(models.TextChoices):
        STORY = "story", "Story"
        ADVOCATE = "advocate", "Advocate"

    spotlight = models.ForeignKey(Spotlight, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    position = models.PositiveSmallIntegerField()
    post = models.ForeignKey(
        "campaigns.SuggestedPost", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    figure = models.PositiveIntegerField(help_text="Unique clicks (story) or points (advocate) that week.")

    class Meta:
        ordering = ["spotlight", "kind", "position"]
        constraints = [models.UniqueConstraint(fields=["spotlight", "kind", "position"], name="one_spotlight_place")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.position}"
