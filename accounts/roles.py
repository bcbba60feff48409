"""The three roles, as Django groups with real permissions.

- Advocacy admin: everything (people, roles, campaigns, rules, schedules).
- Content manager: campaigns, posts, approval; can look up teams and people, cannot change roles.
- Employee: everyone else; browses and shares, never enters the admin.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

ADVOCACY_ADMIN = "Advocacy admin"
CONTENT_MANAGER = "Content manager"
EMPLOYEE = "Employee"
ROLES = (ADVOCACY_ADMIN, CONTENT_MANAGER, EMPLOYEE)
STAFF_ROLES = {ADVOCACY_ADMIN, CONTENT_MANAGER}

# Apps whose every permission the admin role holds.
ADMIN_APPS = (
    "accounts",
    "auth",
    "campaigns",
    "shortlinks",
    "networks",
    "analytics",
    "leaderboard",
    "community",
    "digest",
    "dashboard",
    "chat",
    "webhooks",
    "programme",
    "django_celery_beat",
    "account",
    "socialaccount",
    "sites",
)

CONTENT_MANAGER_PERMISSIONS = (
    "campaigns.add_campaign",
    "campaigns.change_campaign",
    "campaigns.delete_campaign",
    "campaigns.view_campaign",
    "campaigns.add_suggestedpost",
    "campaigns.change_suggestedpost",
    "campaigns.delete_suggestedpost",
    "campaigns.view_suggestedpost",
    "campaigns.approve_suggestedpost",
    "campaigns.publish_suggestedpost",
    "campaigns.add_postvariant",
    "campaigns.change_postvariant",
    "campaigns.delete_postvariant",
    "campaigns.view_postvariant",
    "campaigns.view_posttransition",
    "campaigns.add_postversion",
    "campaigns.change_postversion",
    "campaigns.view_postversion",
    "campaigns.add_postversionvariant",
    "campaigns.change_postversionvariant",
    "campaigns.delete_postversionvariant",
    "campaigns.view_postversionvariant",
    "campaigns.add_topic",
    "campaigns.change_topic",
    "campaigns.view_topic",
    "accounts.view_team",
    "accounts.view_location",
    "accounts.view_user",
    "analytics.view_click",
    "digest.view_digestsend",
    "community.view_suggestion",
    "community.change_suggestion",
    "community.view_amplifyrequest",
    "community.change_amplifyrequest",
    "community.view_engagement",
    # The programme: challenges, surveys, guidelines, tips and the spotlight's headline.
    *(
        f"programme.{verb}_{model}"
        for model in ("challenge", "survey", "surveyquestion", "guidelinespage", "storytip")
        for verb in ("add", "change", "delete", "view")
    ),
    "programme.change_spotlight",
    "programme.view_spotlight",
    "programme.view_challengeresult",
    "programme.view_surveyinvite",
    "programme.view_surveyresponse",
    "community.add_feed",
    "community.change_feed",
    "community.delete_feed",
    "community.view_feed",
    "community.view_feedentry",
)


def _permissions(codes) -> list[Permission]:
    found = []
    for code in codes:
        app_label, codename = code.split(".", 1)
        found.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


@transaction.atomic
def sync_roles() -> None:
    """Create the role groups and set their permissions. Idempotent."""
    admin, _ = Group.objects.get_or_create(name=ADVOCACY_ADMIN)
    admin.permissions.set(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    manager, _ = Group.objects.get_or_create(name=CONTENT_MANAGER)
    manager.permissions.set(_permissions(CONTENT_MANAGER_PERMISSIONS))
    Group.objects.get_or_create(name=EMPLOYEE)


def sync_roles_after_migrate(**kwargs) -> None:
    sync_roles()
