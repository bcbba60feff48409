from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .images import validate_post_image
from .networks import VARIANT_NETWORK_CHOICES, compose_share_text, over_limit_message, short_link_placeholder

HASHTAG_MAX = 30


def validate_http_url(value: str) -> None:
    """Only http(s) URLs: no javascript:, data:, ftp: or other schemes."""
    scheme = urlsplit(value.strip()).scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError(
            "Enter a web address starting with http:// or https:// (got “%(scheme)s:”).",
            params={"scheme": scheme or "no scheme"},
            code="scheme",
        )
    URLValidator(schemes=["http", "https"])(value)


def normalise_hashtags(value: str) -> str:
    """'#a, b  #c' -> '#a #b #c'; raises ValidationError for tags that are not words."""
    tags = []
    for raw in value.replace(",", " ").split():
        tag = raw.lstrip("#")
        if not tag or not all(ch.isalnum() or ch == "_" for ch in tag):
            raise ValidationError("“%(tag)s” is not a hashtag: use letters, digits and _ only.", params={"tag": raw})
        if f"#{tag}" not in tags:
            tags.append(f"#{tag}")
    if len(tags) > HASHTAG_MAX:
        raise ValidationError(f"At most {HASHTAG_MAX} hashtags.")
    return " ".join(tags)


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"
    ARCHIVED = "archived", "Archived"


class CampaignQuerySet(models.QuerySet):
    def with_status(self, status: str, now=None):
        """Campaigns whose date-derived status is `status` now."""
        now = now or timezone.now()
        live = Q(archived_at__isnull=True, launched_at__isnull=False)
        condition = {
            CampaignStatus.DRAFT: Q(archived_at__isnull=True, launched_at__isnull=True),
            CampaignStatus.SCHEDULED: live & Q(starts_at__gt=now),
            CampaignStatus.ACTIVE: live & Q(starts_at__lte=now, ends_at__gt=now),
            CampaignStatus.ENDED: live & Q(ends_at__lte=now),
            CampaignStatus.ARCHIVED: Q(archived_at__isnull=False),
        }[CampaignStatus(status)]
        return self.filter(condition)

    def active(self, now=None):
        return self.with_status(CampaignStatus.ACTIVE, now)


class GoalMetric(models.TextChoices):
    CLICKS = "clicks", "Clicks"
    SHARES = "shares", "Shares"
    ENGAGEMENT = "engagement", "Engagement"


class Campaign(models.Model):
    """A story the organisation wants told, over a period, to an audience of employees.

    The status is never stored: it follows from launch, dates and archiving, so it cannot drift.
    """

    name = models.CharField(max_length=200)
    narrative = models.TextField(help_text="The story employees should tell, in a few sentences.")
    goal_metric = models.CharField(max_length=16, choices=GoalMetric.choices, default=GoalMetric.CLICKS)
    goal_target = models.PositiveIntegerField(default=0, help_text="Target number for the goal metric.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    audience_teams = models.ManyToManyField("accounts.Team", blank=True, related_name="campaigns")
    audience_locations = models.ManyToManyField("accounts.Location", blank=True, related_name="campaigns")
    audience_languages = models.JSONField(default=list, blank=True, help_text="Language codes; empty = all.")
    hashtags = models.CharField(max_length=500, blank=True, help_text="Space separated, e.g. #ProductLaunch #Hiring")
    utm_campaign = models.SlugField(
        "UTM campaign", max_length=100, unique=True, help_text="Sent as utm_campaign on every short link."
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_campaigns")
    launched_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must be after the start."
        try:
            self.hashtags = normalise_hashtags(self.hashtags or "")
        except ValidationError as exc:
            errors["hashtags"] = exc.messages
        languages = dict(settings.LANGUAGES)
        unknown = [code for code in (self.audience_languages or []) if code not in languages]
        if not isinstance(self.audience_languages, list) or unknown:
            errors["audience_languages"] = f"Unknown language codes: {', '.join(map(str, unknown)) or 'not a list'}."
        if errors:
            raise ValidationError(errors)

    def status_at(self, now) -> str:
        if self.archived_at:
            return CampaignStatus.ARCHIVED
        if not self.launched_at:
            return CampaignStatus.DRAFT
        if now < self.starts_at:
            return CampaignStatus.SCHEDULED
        if now < self.ends_at:
            return CampaignStatus.ACTIVE
        return CampaignStatus.ENDED

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return CampaignStatus(self.status).label


class Topic(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


# The approval workflow: which status may follow which.
POST_TRANSITIONS: dict[str, set[str]] = {
    PostStatus.DRAFT: {PostStatus.SUBMITTED, PostStatus.ARCHIVED},
    PostStatus.SUBMITTED: {PostStatus.APPROVED, PostStatus.REJECTED, PostStatus.ARCHIVED},
    PostStatus.REJECTED: {PostStatus.SUBMITTED, PostStatus.ARCHIVED},
    PostStatus.APPROVED: {PostStatus.PUBLISHED, PostStatus.ARCHIVED},
    PostStatus.PUBLISHED: {PostStatus.ARCHIVED},
    PostStatus.ARCHIVED: set(),
}

# Posts employees may see and share once their publish time has come.
SHAREABLE_STATUSES = (PostStatus.APPROVED, PostStatus.PUBLISHED)


def copy_problem(network: str, text: str, disclaimer: str) -> str | None:
    """The over-limit message for a copy's full text (copy, disclaimer, a short link), or None when it fits."""
    return over_limit_message(network, compose_share_text(text, disclaimer=disclaimer, link=short_link_placeholder()))


def copy_problems(variants, disclaimer: str) -> list[str]:
    """Every variant's over-limit message, in order: empty when every one fits."""
    return [m for m in (copy_problem(v.network, v.text, disclaimer) for v in variants) if m]


class SuggestedPostQuerySet(models.QuerySet):
    def current(self, now=None):
        """Approved or published, past their publish time, not expired, in an active campaign."""
        now = now or timezone.now()
        return self.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now),
            status__in=SHAREABLE_STATUSES,
            publish_at__lte=now,
            campaign__in=Campaign.objects.active(now),
        )


class SuggestedPost(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="posts")
    title = models.CharField(max_length=200)
    target_url = models.URLField(
        "target URL", max_length=2000, validators=[validate_http_url], help_text="The page the post points to."
    )
    image = models.ImageField(upload_to="posts/%Y/%m/", blank=True, validators=[validate_post_image])
    image_alt = models.CharField("image description", max_length=1000, blank=True)
    publish_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=PostStatus.choices, default=PostStatus.DRAFT, editable=False)
    rejection_reason = models.TextField(blank=True, editable=False)
    employees_may_edit = models.BooleanField("employees may edit the text", default=False)
    disclaimer = models.CharField(
        max_length=300,
        blank=True,
        help_text="Always appended to the shared text; employees cannot remove it (e.g. #ad, #employee).",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="posts")
    is_featured = models.BooleanField("featured", default=False)
    # Which approved version of the copy (variants and disclaimer) is live; a correction is a PostVersion.
    copy_version = models.PositiveIntegerField("copy version", default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The employee whose suggestion this post comes from (credited on the post).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SuggestedPostQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at"]
        permissions = [
            ("approve_suggestedpost", "Can approve or reject suggested posts"),
            ("publish_suggestedpost", "Can publish suggested posts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("publish_at")),
                name="post_expires_after_publish",
            ),
            models.CheckConstraint(condition=Q(status__in=PostStatus.values), name="post_status_known"),
        ]
        indexes = [models.Index(fields=["status", "publish_at"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.publish_at and self.expires_at and self.expires_at <= self.publish_at:
            raise ValidationError({"expires_at": "The expiry must be after the publish time."})

    def can_move_to(self, status: str) -> bool:
        return status in POST_TRANSITIONS[self.status]

    def check_transition(self, status: str) -> None:
        """Refuse a move the workflow does not allow, with a message saying why."""
        if not self.can_move_to(status):
            allowed = ", ".join(PostStatus(s).label.lower() for s in sorted(POST_TRANSITIONS[self.status])) or "none"
            raise ValidationError(
                {
                    "status": f"A post that is {PostStatus(self.status).label.lower()} cannot be "
                    f"{PostStatus(status).label.lower()} (allowed next: {allowed})."
                },
                code="transition",
            )

    def copy_problems(self) -> list[str]:
        """What is too long: each variant's full text (copy, this post's disclaimer, a short link) checked
        against its network's limit. Empty when every variant fits."""
        return copy_problems(self.variants.all(), self.disclaimer)

    def variant_for(self, network: str):
        variants = {v.network: v for v in self.variants.all()}
        return variants.get(network) or variants.get("generic")


class PostVariant(models.Model):
    """The copy of a post for one network, checked against that network's limit."""

    post = models.ForeignKey(SuggestedPost, on_delete=models.CASCADE, related_name="variants")
    network = models.CharField(max_length=16, choices=VARIANT_NETWORK_CHOICES)
    text = models.TextField()

    class Meta:
        ordering = ["post", "network"]
        constraints = [models.UniqueConstraint(fields=["post", "network"], name="one_variant_per_network")]

    def __str__(self) -> str:
        return f"{self.post} ({self.get_network_display()})"

    def share_text(self, link: str | None = None) -> str:
        post = self.post
        return compose_share_text(
            self.text, disclaimer=post.disclaimer, link=link if link is not None else short_link_placeholder()
        )

    def clean(self) -> None:
        if not self.text or not self.text.strip():
            raise ValidationError({"text": "The copy cannot be empty."})
        # The post as the form has it (a new one has no id yet but carries its disclaimer): never the copy alone.
        has_post = self.post_id is not None or PostVariant.post.is_cached(self)
        disclaimer = self.post.disclaimer if has_post else ""
        message = copy_problem(self.network, self.text, disclaimer)
        if message:
            raise ValidationError({"text": message})


class PostTransition(models.Model):
    """One step of a post through the approval workflow: who, when, from, to, why."""

    post = models.ForeignKey(SuggestedPost, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=16, choices=PostStatus.choices)
    to_status = models.CharField(max_length=16, choices=PostStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.post}: {self.from_status} → {self.to_status}"


class PostImageRendition(models.Model):
    """The post's image resized and re-encoded for one network's card or attachment."""

    post = models.ForeignKey(SuggestedPost, on_delete=models.CASCADE, related_name="renditions")
    network = models.CharField(max_length=16)
    image = models.ImageField(upload_to="renditions/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "network"], name="one_rendition_per_network")]

    def __str__(self) -> str:
        return f"{self.post} for {self.network} ({self.width}×{self.height})"


class ReviewReminder(models.Model):
    """The daily "posts wait for you" email, claimed (this row) before it is sent: at most one per person and day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    waiting = models.PositiveIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_review_reminder_per_day")]

    def __str__(self) -> str:
        return f"{self.user} on {self.day}: {self.waiting} waiting"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted for approval"
    REJECTED = "rejected", "Rejected"
    LIVE = "live", "Live"
    SUPERSEDED = "superseded", "Replaced by a later version"
    WITHDRAWN = "withdrawn", "Withdrawn"


# A correction of a published post's copy: edited, then approved on its own; only approval makes it live.
VERSION_TRANSITIONS: dict[str, set[str]] = {
    VersionStatus.DRAFT: {VersionStatus.SUBMITTED, VersionStatus.WITHDRAWN},
    VersionStatus.SUBMITTED: {VersionStatus.LIVE, VersionStatus.REJECTED, VersionStatus.WITHDRAWN},
    VersionStatus.REJECTED: {VersionStatus.SUBMITTED, VersionStatus.WITHDRAWN},
    VersionStatus.LIVE: {VersionStatus.SUPERSEDED},
    VersionStatus.SUPERSEDED: set(),
    VersionStatus.WITHDRAWN: set(),
}
# A version still being worked on: its copy may be edited, and a post has at most one.
OPEN_VERSION_STATUSES = (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.REJECTED)
EDITABLE_VERSION_STATUSES = (VersionStatus.DRAFT, VersionStatus.REJECTED)


class PostVersion(models.Model):
    """One version of a published post's copy (its variants and disclaimer).

    Version 1 is the copy the post was published with, recorded when the first correction starts. A
    correction is a new version with its own approval; until it is approved the live copy (the post's
    PostVariant rows) does not change, and approving it writes its copy there and supersedes the old one.
    """

    post = models.ForeignKey(SuggestedPost, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(editable=False)
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT, editable=False)
    disclaimer = models.CharField(
        max_length=300, blank=True, help_text="Always appended to the shared text (e.g. #ad, #employee)."
    )
    note = models.CharField("what changed", max_length=300, blank=True, help_text="For the reviewer and the history.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    rejection_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["post", "number"]
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="one_version_number_per_post"),
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(status__in=["draft", "submitted", "rejected"]),
                name="one_open_version_per_post",
            ),
            models.UniqueConstraint(fields=["post"], condition=Q(status="live"), name="one_live_version_per_post"),
            models.CheckConstraint(condition=Q(status__in=VersionStatus.values), name="post_version_status_known"),
        ]

    def __str__(self) -> str:
        return f"{self.post} — version {self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_VERSION_STATUSES

    def can_move_to(self, status: str) -> bool:
        return status in VERSION_TRANSITIONS[self.status]

    def check_transition(self, status: str) -> None:
        if not self.can_move_to(status):
            raise ValidationError(
                {
                    "status": f"Version {self.number} is {VersionStatus(self.status).label.lower()}: it cannot "
                    f"become {VersionStatus(status).label.lower()}."
                },
                code="transition",
            )

    def copy_problems(self) -> list[str]:
        """Like SuggestedPost.copy_problems, for this version's copy and disclaimer."""
        return copy_problems(self.variants.all(), self.disclaimer)


class PostVersionVariant(models.Model):
    """One network's copy in a version, checked like PostVariant (with the version's disclaimer)."""

    version = models.ForeignKey(PostVersion, on_delete=models.CASCADE, related_name="variants")
    network = models.CharField(max_length=16, choices=VARIANT_NETWORK_CHOICES)
    text = models.TextField()

    class Meta:
        ordering = ["version", "network"]
        constraints = [models.UniqueConstraint(fields=["version", "network"], name="one_variant_per_version_network")]

    def __str__(self) -> str:
        return f"{self.version} ({self.get_network_display()})"

    def clean(self) -> None:
        if not self.text or not self.text.strip():
            raise ValidationError({"text": "The copy cannot be empty."})
        has_version = self.version_id is not None or PostVersionVariant.version.is_cached(self)
        disclaimer = self.version.disclaimer if has_version else ""
        message = copy_problem(self.network, self.text, disclaimer)
        if message:
            raise ValidationError({"text": message})
