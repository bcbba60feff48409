import logging

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import EmployeeProfile, Location, PolicyAcknowledgement, PolicyDocument, Team, User
from .roles import EMPLOYEE, ROLES, STAFF_ROLES
from .selectors import policy_current
from .signals import board_membership_changed, employee_joined, personal_data_erase

logger = logging.getLogger(__name__)


def profile_get(*, user: User) -> EmployeeProfile:
    """The employee's profile, created with defaults on first need."""
    try:
        return user.profile
    except EmployeeProfile.DoesNotExist:
        profile, _ = EmployeeProfile.objects.get_or_create(user=user)
        return profile


@transaction.atomic
def user_set_role(*, user: User, role: str) -> None:
    """Put the user in exactly one role group; staff access follows the role."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}.")
    user.groups.remove(*Group.objects.filter(name__in=ROLES))
    user.groups.add(Group.objects.get(name=role))
    user.is_staff = role in STAFF_ROLES or user.is_superuser
    user.save(update_fields=["is_staff"])


@transaction.atomic
def employee_create(
    *,
    email: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    role: str = EMPLOYEE,
    team: Team | None = None,
    location: Location | None = None,
    **profile_fields,
) -> User:
    """Create a person with a profile and a role. Raises IntegrityError on a duplicate email."""
    user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
    EmployeeProfile.objects.create(user=user, team=team, location=location, **profile_fields)
    user_set_role(user=user, role=role)
    employee_joined_announce(user=user)
    return user


def employee_joined_announce(*, user: User) -> None:
    """Tell the apps above that a person joined (`accounts.signals.employee_joined`). Call it inside the
    transaction that created them, once per person."""
    for receiver, outcome in employee_joined.send_robust(sender=User, user_id=user.pk):
        if isinstance(outcome, Exception):  # the person is created all the same; only that news is lost
            logger.error("employee_joined receiver %r failed", receiver, exc_info=outcome)


def user_role(*, user: User) -> str:
    names = set(user.groups.values_list("name", flat=True))
    for role in ROLES:
        if role in names:
            return role
    return EMPLOYEE


# Profile fields that decide who appears on which leaderboard.
LEADERBOARD_FIELDS = {"team", "leaderboard_opt_out", "leaderboard_excluded"}


def profile_changed(*, changed_fields: set[str]) -> None:
    """Tell the leaderboards when a change moves someone between boards (team, opt-out, exclusion).

    Sends `accounts.signals.board_membership_changed`; the leaderboard app listens.
    """
    if changed_fields & LEADERBOARD_FIELDS:
        board_membership_changed.send(sender=EmployeeProfile, changed_fields=changed_fields & LEADERBOARD_FIELDS)


def site_sync_from_settings(*, using: str = "default") -> None:
    """Point django.contrib.sites' current Site at SITE_URL's host (domain and name). Idempotent.

    allauth's emails (password reset, verification) name the Site; left alone it says "example.com".
    """
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.sites.models import Site

    host = urlsplit(settings.SITE_URL).netloc or "localhost"
    Site.objects.using(using).update_or_create(pk=settings.SITE_ID, defaults={"domain": host, "name": host})


def after_migrate(*, using: str = "default") -> None:
    """What every `migrate` finishes with: the shared cache's table (when the cache is the
    database: login rate limits count there across processes) and the Site from SITE_URL."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
    site_sync_from_settings(using=using)


def erased_email(*, user: User) -> str:
    """The address an erased person's row carries: unique, undeliverable (.invalid), saying nothing."""
    return f"erased-{user.pk}@erased.invalid"


@transaction.atomic
def user_erase(*, user: User) -> User:
    """Erase a person's personal data; keep the anonymous shape of what they did.

    The user row stays as a tombstone ("Erased person #12"): email replaced, names and profile
    details cleared, no password, inactive, no roles, off every leaderboard. Rows that point at it
    keep counts and audit history without identity: each app anonymises its own rows in a receiver of
    `personal_data_erase` (short links and clicks stay as counts, shares lose their text and network
    ids, connected accounts are deleted and their tokens revoked after commit, ledger entries stay so
    totals stay consistent). allauth's email addresses and social logins are deleted.

    Transactional (all or nothing, except the best-effort revocations after commit) and idempotent:
    erasing an erased person again changes nothing and is harmless. Existing sessions end, since the
    password changes and the account is inactive.
    """
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    locked = User.objects.select_for_update().get(pk=user.pk)
    personal_data_erase.send(sender=User, user=locked)
    EmailAddress.objects.filter(user=locked).delete()
    SocialAccount.objects.filter(user=locked).delete()  # and their SocialTokens
    EmployeeProfile.objects.update_or_create(
        user=locked,
        defaults={
            "team": None,
            "location": None,
            "job_title": "",
            "digest_opt_in": False,
            "leaderboard_opt_out": True,
            "leaderboard_excluded": True,
            "stories_consent": False,
        },
    )
    locked.groups.clear()
    locked.user_permissions.clear()
    locked.email = erased_email(user=locked)
    locked.first_name = locked.last_name = ""
    locked.set_unusable_password()
    locked.is_active = locked.is_staff = locked.is_superuser = False
    locked.erased_at = locked.erased_at or timezone.now()
    locked.save()
    # Off the boards: the leaderboard rebuilds its Redis boards after commit.
    profile_changed(changed_fields={"team", "leaderboard_opt_out", "leaderboard_excluded"})
    user.refresh_from_db()
    return locked


def policy_publish(*, document: PolicyDocument, now=None) -> PolicyDocument:
    """Publish a policy version: from now on everyone acknowledges it before their next share.

    Raises ValidationError for a version already published, empty text, or a version not above the
    highest published one (people would be asked to accept an older text). Idempotent per document.
    """
    with transaction.atomic():
        locked = PolicyDocument.objects.select_for_update().get(pk=document.pk)
        if locked.published_at is not None:
            raise ValidationError(f"Version {locked.version} is already published.")
        if not locked.body.strip():
            raise ValidationError("The policy has no text yet.")
        newer = PolicyDocument.objects.filter(published_at__isnull=False, version__gte=locked.version).first()
        if newer is not None:
            raise ValidationError(
                f"Version {newer.version} is already published: give this text a higher version number."
            )
        locked.published_at = now or timezone.now()
        locked.save(update_fields=["published_at"])
    document.published_at = locked.published_at
    return locked


def policy_acknowledge(*, user: User, document: PolicyDocument, now=None) -> PolicyAcknowledgement:
    """Record that `user` accepted `document`, with the time. Idempotent: the first time is kept.

    Raises ValidationError when `document` is not the version in force (a stale page after a new version).
    """
    current = policy_current()
    if current is None or current.pk != document.pk:
        raise ValidationError("This version of the policy has been replaced: please read the current one.")
    ack, _ = PolicyAcknowledgement.objects.get_or_create(
        user=user, document=document, defaults={"acknowledged_at": now or timezone.now()}
    )
    return ack
@transaction.atomic
def employee_invite(
    *, email: str, first_name: str = "", last_name: str = "", role: str = EMPLOYEE, team=None, location=None
) -> User:
    """Add a person without a password: they sign in with single sign-on or set one with "Forgot password".

    Raises ValidationError for an address already in use (compared without case)."""
    from django.core.exceptions import ValidationError

    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "Someone with this address is already here."})
    return employee_create(
        email=email, first_name=first_name, last_name=last_name, role=role, team=team, location=location
    )


@transaction.atomic
def user_deactivate(*, user: User) -> bool:
    """Switch a person off: no sign-in, and none of their API tokens works. Idempotent;
    returns whether they were active. Their data and points stay (erasure is separate)."""
    changed = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False) == 1
    user.refresh_from_db()
    return changed


@transaction.atomic
def profile_place(*, user: User, team=..., location=...) -> EmployeeProfile:
    """Move a person to a team and/or location (pass None to clear); the leaderboards hear of a team change."""
    profile = profile_get(user=user)
    changed = set()
    if team is not ... and profile.team != team:
        profile.team = team
        changed.add("team")
    if location is not ... and profile.location != location:
        profile.location = location
        changed.add("location")
    if changed:
        profile.save(update_fields=sorted(changed))
        profile_changed(changed_fields=changed)
    return profile
