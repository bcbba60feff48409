from django.contrib.auth.models import Group
from django.db import transaction

from .models import EmployeeProfile, Location, Team, User
from .roles import EMPLOYEE, ROLES, STAFF_ROLES
from .signals import board_membership_changed


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
    return user


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
