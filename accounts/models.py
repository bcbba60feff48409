import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person in the organisation. The email address is the login."""

    username = None
    email = models.EmailField("email address", unique=True)
    # Set when the person's data was erased (accounts.services.user_erase): the row stays as an anonymous
    # tombstone, so counts, the ledger and audit records keep their shape without saying whose they were.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        if self.erased_at is not None:
            return f"Erased person #{self.pk}"
        return self.get_full_name() or self.email

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def display_name(self) -> str:
        if self.erased_at is not None:
            return "Erased person"
        return self.get_full_name() or self.email.split("@")[0]


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", help_text="Default time zone for people here.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        validate_time_zone_field(self.time_zone, "time_zone")


@lru_cache(maxsize=1)
def available_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError("“%(value)s” is not a known time zone (e.g. Europe/Berlin).", params={"value": value})


def validate_time_zone_field(value: str, field: str) -> None:
    try:
        validate_time_zone(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
DIGEST_MINUTES = (0, 15, 30, 45)  # the digest beat runs every quarter hour


def default_digest_days() -> list[int]:
    return [0, 1, 2, 3, 4]


def validate_digest_days(value) -> None:
    if not isinstance(value, list) or any(not isinstance(d, int) or not 0 <= d <= 6 for d in value):
        raise ValidationError("Digest days are weekday numbers from 0 (Monday) to 6 (Sunday).")


def validate_digest_networks(value) -> None:
    if not isinstance(value, list) or any(not isinstance(n, str) for n in value):
        raise ValidationError("Digest networks are a list of network names.")


class EmployeeProfile(models.Model):
    """What the platform knows about an employee beyond the login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    job_title = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    digest_opt_in = models.BooleanField("daily digest", default=True)
    digest_hour = models.PositiveSmallIntegerField(
        "digest hour", default=8, help_text="Local hour (0–23) at which the daily digest arrives."
    )
    digest_minute = models.PositiveSmallIntegerField(
        "digest minute", default=0, choices=[(m, f":{m:02d}") for m in DIGEST_MINUTES]
    )
    digest_days = models.JSONField(
        "digest days",
        default=default_digest_days,
        validators=[validate_digest_days],
        help_text="Weekdays (0 = Monday … 6 = Sunday) on which the digest comes.",
    )
    digest_networks = models.JSONField(
        "networks to suggest for",
        default=list,
        blank=True,
        validators=[validate_digest_networks],
        help_text="Empty: the connected accounts and the usual networks.",
    )
    # The address that bounced permanently: the flag holds only while the person still has that address,
    # so changing the address clears it. Account-security mail is still sent (it is not the digest's to stop).
    undeliverable_email = models.EmailField("undeliverable address", blank=True)
    undeliverable_reason = models.CharField(max_length=500, blank=True)
    undeliverable_at = models.DateTimeField(null=True, blank=True)
    approval_emails_opt_in = models.BooleanField(
        "approval emails",
        default=True,
        help_text="Email me when my post is approved or rejected, and (reviewers) once a day when posts wait for me.",
    )
    leaderboard_opt_out = models.BooleanField(
        "hide me from public leaderboards", default=False, help_text="I still see my own rank."
    )
    leaderboard_excluded = models.BooleanField(
        "excluded from leaderboards", default=False, help_text="Set by admins, e.g. for the comms team."
    )
    stories_consent = models.BooleanField(
        "show my best shares as examples",
        default=False,
        help_text="Colleagues may see my best-performing shares, with my name, in the storytelling corner.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(digest_hour__gte=0, digest_hour__lte=23), name="profile_digest_hour_0_23"
            ),
            models.CheckConstraint(
                condition=models.Q(digest_minute__in=DIGEST_MINUTES), name="profile_digest_minute_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    def email_undeliverable(self, email: str) -> bool:
        """Did `email` (the person's current address) bounce permanently?"""
        return bool(self.undeliverable_email) and self.undeliverable_email.lower() == email.lower()


class PolicyDocument(models.Model):
    """One version of the organisation's social media policy. Once published its text never changes:
    a new text is a new version, which everyone acknowledges again before their next share."""

    version = models.PositiveIntegerField(unique=True, help_text="1, 2, 3…: a new text is a new version.")
    title = models.CharField(max_length=200, default="Social media policy")
    body = models.TextField(help_text="Markdown: **bold**, lists, links, ## headings. Raw HTML is shown as text.")
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.CheckConstraint(condition=models.Q(version__gte=1), name="policy_version_from_1")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class PolicyAcknowledgement(models.Model):
    """That a person read and accepted one version of the policy, and when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acknowledgements")
    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="one_acknowledgement_per_version")]

    def __str__(self) -> str:
        return f"{self.user} acknowledged v{self.document.version}"
