"""Content from everyone: posts employees suggest, and their own posts the brand asks colleagues to amplify.

Both are small state machines (`*_TRANSITIONS`); a database constraint backs each rule two reviewers acting at
once could break (one pending suggestion per person and address, one engagement per colleague and action).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from campaigns.images import validate_post_image
from campaigns.models import validate_http_url
from campaigns.networks import Network
from infra.outbound_http import OutboundError, check_url

TEXT_MAX = 3000
REASON_MIN = 5


class Review(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


SUGGESTION_TRANSITIONS: dict[str, set[str]] = {
    Review.PENDING: {Review.APPROVED, Review.DECLINED},
    Review.APPROVED: set(),
    Review.DECLINED: set(),
}


def check_review_transition(current: str, to: str, *, what: str) -> None:
    if to not in SUGGESTION_TRANSITIONS[current]:
        raise ValidationError(
            f"This {what} is already {Review(current).label.lower()}; it cannot be {Review(to).label.lower()} now.",
            code="transition",
        )


class Suggestion(models.Model):
    """A post an employee suggests: a link, or their own words (and an image). Reviewed by content managers."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suggestions")
    url = models.URLField("link", max_length=2000, blank=True, validators=[validate_http_url])
    text = models.TextField("your words", max_length=TEXT_MAX, blank=True)
    image = models.ImageField(upload_to="suggestions/%Y/%m/", blank=True, validators=[validate_post_image])
    image_alt = models.CharField("image description", max_length=1000, blank=True)
    status = models.CharField(max_length=16, choices=Review.choices, default=Review.PENDING, editable=False)
    decline_reason = models.TextField(blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    post = models.OneToOneField(
        "campaigns.SuggestedPost",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestion",
        editable=False,
        help_text="The draft post made from it when it was approved.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url="") | ~Q(text=""), name="suggestion_has_link_or_words"),
            models.CheckConstraint(condition=Q(status__in=Review.values), name="suggestion_status_known"),
            models.CheckConstraint(
                condition=~Q(status=Review.DECLINED) | ~Q(decline_reason=""), name="suggestion_declined_has_reason"
            ),
            models.UniqueConstraint(
                fields=["author", "url"],
                condition=Q(status=Review.PENDING) & ~Q(url=""),
                name="one_pending_suggestion_per_link",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        words = (self.text or self.url).strip().splitlines()[0] if (self.text or self.url).strip() else ""
        return words[:80] + ("…" if len(words) > 80 else "")

    def clean(self) -> None:
        if not (self.url or "").strip() and not (self.text or "").strip():
            raise ValidationError("Give a link, or write the post in your own words (or both).", code="empty")
        if self.image and not (self.image_alt or "").strip():
            raise ValidationError({"image_alt": "Describe the image for people who cannot see it."}, code="image_alt")


class AmplifyRequest(models.Model):
    """An employee's own post on a network, which a content manager may feature for colleagues to engage with."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        FEATURED = "featured", "Featured for colleagues"
        DECLINED = "declined", "Declined"
        ENDED = "ended", "No longer featured"

    TRANSITIONS: dict[str, set[str]] = {
        Status.PENDING: {Status.FEATURED, Status.DECLINED},
        Status.FEATURED: {Status.ENDED},
        Status.DECLINED: set(),
        Status.ENDED: set(),
    }

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="amplify_requests")
    network = models.CharField(max_length=16, choices=Network.choices)
    url = models.URLField("post address", max_length=2000, validators=[validate_http_url])
    note = models.CharField("a word for colleagues", max_length=280, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, editable=False)
    decline_reason = models.TextField(blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "featured", "declined", "ended"]), name="amplify_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""), name="amplify_declined_has_reason"
            ),
            models.UniqueConstraint(
                fields=["author", "url"],
                condition=Q(status__in=["pending", "featured"]),
                name="one_open_amplify_request_per_post",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} post by {self.author}"

    def check_transition(self, to: str) -> None:
        if to not in self.TRANSITIONS[self.status]:
            raise ValidationError(
                f"This request is {self.Status(self.status).label.lower()}; it cannot be "
                f"{self.Status(to).label.lower()} now.",
                code="transition",
            )


class Engagement(models.Model):
    """A colleague's like or repost of a featured post, made through their connected account.

    The row is the claim: it is stored (unique per request, colleague and action) before the network is called,
    so a second tap finds it instead of liking twice. A failed call can be tried again by the same row.
    """

    class Action(models.TextChoices):
        LIKE = "like", "Like"
        REPOST = "repost", "Repost"

    class Status(models.TextChoices):
        CLAIMED = "claimed", "In progress"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    request = models.ForeignKey(AmplifyRequest, on_delete=models.CASCADE, related_name="engagements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="engagements")
    action = models.CharField(max_length=8, choices=Action.choices)
    account = models.ForeignKey(
        "networks.ConnectedAccount", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLAIMED)
    idempotency_key = models.CharField(max_length=64, blank=True)
    external_id = models.CharField(max_length=500, blank=True, help_text="The like or repost on the network.")
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "user", "action"], name="one_engagement_per_action"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.user_id} on {self.request_id}"


# --- Feed import ---------------------------------------------------------------------------------------------


def validate_feed_url(value: str) -> None:
    """An http(s) address the safe client may fetch: a private or loopback host is refused here, not at 3 a.m."""
    validate_http_url(value)
    try:
        check_url(value, resolve=False)
    except OutboundError as exc:
        raise ValidationError(exc.message, code="refused") from exc


class Feed(models.Model):
    """An RSS or Atom feed (the company blog, careers, press) whose new entries become draft posts."""

    name = models.CharField(max_length=200)
    url = models.URLField("feed URL", max_length=2000, unique=True, validators=[validate_feed_url])
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.CASCADE,
        related_name="feeds",
        help_text="New entries become draft posts in this campaign, for review as usual.",
    )
    is_active = models.BooleanField("active", default=True, help_text="Checked every 30 minutes while active.")
    last_checked_at = models.DateTimeField("last checked", null=True, blank=True, editable=False)
    etag = models.CharField("ETag", max_length=500, blank=True, editable=False)
    last_modified = models.CharField("Last-Modified", max_length=100, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    last_new_count = models.PositiveIntegerField("new entries at last check", default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FeedEntry(models.Model):
    """One entry seen in a feed, kept so that it is never imported twice (by GUID, or by its link)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField("GUID", max_length=1000)
    url = models.URLField("link", max_length=2000, db_index=True)
    title = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField("published", null=True, blank=True)
    post = models.ForeignKey(
        "campaigns.SuggestedPost",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The draft post this entry became; empty when its link had already become a post.",
    )
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-seen_at"]
        verbose_name_plural = "feed entries"
        constraints = [models.UniqueConstraint(fields=["feed", "guid"], name="one_entry_per_feed_guid")]

    def __str__(self) -> str:
        return self.title or self.url
