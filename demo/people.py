"""The organisation: offices, teams and people, with their roles and verified addresses."""

import datetime as dt
import zoneinfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Location, Team, User
from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER, EMPLOYEE
from accounts.services import employee_create

from .data import organisation
from .result import ProgressCallback, SeedResult


def organisation_seed(*, result: SeedResult) -> tuple[dict[str, Team], dict[str, Location]]:
    org = organisation()
    teams = {}
    for name in org.teams:
        teams[name], created = Team.objects.get_or_create(name=name)
        result.add("teams", int(created))
    locations = {}
    for name, time_zone in org.locations.items():
        locations[name], created = Location.objects.get_or_create(name=name, defaults={"time_zone": time_zone})
        result.add("locations", int(created))
    return teams, locations


def people_plan() -> list[dict]:
    """Every demo person as the keyword arguments of employee_create (without team/location objects)."""
    org = organisation()
    plan = []
    title_counters = dict.fromkeys(org.teams, 0)
    cycle_position = 0
    for index, spec in enumerate(org.people):
        if spec.team:
            team = spec.team
        else:
            team = org.team_cycle[cycle_position % len(org.team_cycle)]
            cycle_position += 1
        titles = org.team_titles[team]
        job_title = spec.job_title or titles[title_counters[team] % len(titles)]
        title_counters[team] += 1
        plan.append(
            {
                "email": org.email(spec),
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "role": spec.role,
                "team": team,
                "location": spec.location,
                "job_title": job_title,
                "language": spec.language,
                "time_zone": org.locations[spec.location],
                "digest_opt_in": index % 7 != 6,
                "digest_hour": org.digest_hours[index % len(org.digest_hours)],
                "leaderboard_opt_out": index % 13 == 12,
            }
        )
    return plan


# These first employees (the demo logins among them) get their digest at the next quarter hour after the first
# seeding, every day of the week, so someone trying the demo sees one arrive in var/mail/ within 15 minutes.
DIGEST_EARLY_BIRDS = 3


def next_quarter_hour(now: dt.datetime, time_zone: str) -> tuple[int, int]:
    """(hour, minute) of the next quarter hour on the local clock of `time_zone`."""
    local = now.astimezone(zoneinfo.ZoneInfo(time_zone)) + dt.timedelta(minutes=15)
    return local.hour, local.minute // 15 * 15


def people_seed(
    *,
    teams: dict[str, Team],
    locations: dict[str, Location],
    result: SeedResult,
    progress: ProgressCallback,
    now: dt.datetime | None = None,
) -> None:
    now = now or timezone.now()
    plan = people_plan()
    early = [p["email"] for p in plan if p["role"] == EMPLOYEE][:DIGEST_EARLY_BIRDS]
    for person in plan:
        if person["email"] in early:
            hour, minute = next_quarter_hour(now, person["time_zone"])
            person.update(digest_opt_in=True, digest_hour=hour, digest_minute=minute, digest_days=list(range(7)))
    existing = set(User.objects.filter(email__in=[p["email"] for p in plan]).values_list("email", flat=True))
    # Hashing the password once, not sixty times, keeps the seed at seconds instead of half a minute.
    # Demo accounts share one password anyway, so sharing its salt costs nothing.
    password_hash = make_password(organisation().password) if len(existing) < len(plan) else ""
    created = 0
    for done, person in enumerate(plan, start=1):
        if person["email"] not in existing:
            with transaction.atomic():
                user = employee_create(
                    **{**person, "team": teams[person["team"]], "location": locations[person["location"]]},
                    password=None,
                )
                User.objects.filter(pk=user.pk).update(password=password_hash)
            created += 1
        progress("People", done, len(plan))
    verified_emails_seed(emails=[p["email"] for p in plan])
    result.add("people", created)


def verified_emails_seed(*, emails: list[str]) -> None:
    """Mark the demo addresses verified in allauth, so logging in asks for no confirmation. Idempotent."""
    have = set(EmailAddress.objects.filter(email__in=emails).values_list("email", flat=True))
    EmailAddress.objects.bulk_create(
        EmailAddress(user_id=pk, email=email, verified=True, primary=True)
        for pk, email in User.objects.filter(email__in=emails).values_list("pk", "email")
        if email not in have
    )


def staff_users() -> list[User]:
    """The admin and the content managers, in the order the data lists them (the admin first)."""
    org = organisation()
    return [User.objects.get(email=org.email(p)) for p in org.people if p.role != EMPLOYEE]


def demo_logins() -> list[tuple[str, str]]:
    """(who, email) for the command's closing message: an admin, a content manager, two employees."""
    org = organisation()
    staff = [p for p in org.people if p.role != EMPLOYEE]
    admin = next(p for p in staff if p.role == ADVOCACY_ADMIN)
    manager = next(p for p in staff if p.role == CONTENT_MANAGER)
    plan = {p["email"]: p for p in people_plan()}
    employees = [p for p in org.people if p.role == EMPLOYEE][:2]
    logins = [
        (f"Advocacy admin ({admin.location})", org.email(admin)),
        (f"Content manager ({manager.location})", org.email(manager)),
    ]
    for person in employees:
        email = org.email(person)
        logins.append((f"Employee, {plan[email]['team']} ({person.location})", email))
    return logins
