"""Reads for the dashboards that gather from several apps (people, campaigns, points, rollups).

Every figure about clicks, shares and engagement comes from analytics.dashboards (the daily rollups);
this module adds who is in an audience, points and ranks, badges, and what admins can see about a person.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db.models import QuerySet, Sum

from accounts.models import EmployeeProfile, Location, Team, User
from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER
from analytics import dashboards
from analytics.dashboards import Scope
from analytics.rollups import day_bounds
from campaigns.models import Campaign, SuggestedPost
from leaderboard.models import Badge, BadgeAward, Period, PointEntry
from leaderboard.selectors import leaderboard_position
from leaderboard.services.badges import CLICK_BADGES, SHARE_BADGES

STAFF_GROUPS = (ADVOCACY_ADMIN, CONTENT_MANAGER)


def is_programme_staff(user) -> bool:
    """Admins and content managers see programme analytics (superusers too)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=STAFF_GROUPS).exists()


# --- People and audiences ---------------------------------------------------------------------------------


def audience(*, team_id: int | None = None, location_id: int | None = None) -> QuerySet[User]:
    """Active, not erased people, optionally in one team or location."""
    qs = User.objects.filter(is_active=True, erased_at__isnull=True)
    if team_id is not None:
        qs = qs.filter(profile__team_id=team_id)
    if location_id is not None:
        qs = qs.filter(profile__location_id=location_id)
    return qs


def campaign_audience(*, campaign: Campaign) -> QuerySet[User]:
    """The people a campaign is aimed at (campaigns.selectors.campaign_targets, as one query)."""
    qs = audience()
    team_ids = [t.pk for t in campaign.audience_teams.all()]
    location_ids = [loc.pk for loc in campaign.audience_locations.all()]
    if team_ids:
        qs = qs.filter(profile__team_id__in=team_ids)
    if location_ids:
        qs = qs.filter(profile__location_id__in=location_ids)
    if campaign.audience_languages:
        qs = qs.filter(profile__language__in=campaign.audience_languages)
    return qs


def names(*, user_ids: list[int]) -> dict[int, str]:
    return {
        u.pk: u.display_name
        for u in User.objects.filter(pk__in=user_ids).only("pk", "email", "first_name", "last_name", "erased_at")
    }


def team_names(*, team_ids: list[int]) -> dict[int, str]:
    return dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))


def filter_choices() -> dict[str, list[tuple[int, str]]]:
    return {
        "teams": list(Team.objects.order_by("name").values_list("pk", "name")),
        "locations": list(Location.objects.order_by("name").values_list("pk", "name")),
    }


# --- Funnel --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    label: str
    people: int
    note: str


def campaign_funnel(*, campaign: Campaign, scope: Scope, audience_ids: set[int]) -> list[FunnelStep]:
    """suggested → opened → shared → clicked, in people. Two queries.

    opened: started a share (any route or status); shared: a share went out (published, or a dialog opened:
    we cannot see a dialog's post, so it counts once the dialog was used); clicked: their links brought a
    unique click.
    """
    from networks.models import Share

    opened = set(Share.objects.filter(post__campaign_id=campaign.pk).values_list("user_id", flat=True).distinct())
    per_user = dashboards.per_user(scope)
    shared = {user_id for user_id, row in per_user.items() if row["shares"]}
    clicked = {user_id for user_id, row in per_user.items() if row["unique_clicks"]}
    return [
        FunnelStep("Suggested", len(audience_ids), "people in the campaign's audience"),
        FunnelStep("Opened", len(opened), "started a share (dialog or direct)"),
        FunnelStep("Shared", len(shared), "a share went out"),
        FunnelStep("Clicked", len(clicked), "their links brought a unique click"),
    ]


# --- Points, rank, badges ---------------------------------------------------------------------------------


def points_between(*, user_id: int, start: dt.date, end: dt.date) -> int:
    """Points earned from the first day to the last (inclusive, organisation calendar). One query."""
    since, _ = day_bounds(start)
    _, until = day_bounds(end)
    total = PointEntry.objects.filter(user_id=user_id, occurred_at__gte=since, occurred_at__lt=until).aggregate(
        n=Sum("points")
    )["n"]
    return total or 0


def ranks(*, user_id: int) -> dict[str, object]:
    return {
        "week": leaderboard_position(user_id=user_id, period=Period.WEEK),
        "month": leaderboard_position(user_id=user_id, period=Period.MONTH),
    }


@dataclass(frozen=True)
class NextBadge:
    label: str
    missing: int
    unit: str


def badges_and_next(*, user_id: int, shares: int, unique_clicks: int) -> tuple[list[BadgeAward], NextBadge | None]:
    """Earned badges, and the closest one not earned yet (by how much is missing). One query."""
    earned = list(BadgeAward.objects.filter(user_id=user_id))
    have = {award.badge for award in earned}
    options = [
        NextBadge(Badge(badge).label, threshold - shares, "shares")
        for threshold, badge in SHARE_BADGES
        if badge not in have and threshold > shares
    ] + [
        NextBadge(Badge(badge).label, threshold - unique_clicks, "unique clicks")
        for threshold, badge in CLICK_BADGES
        if badge not in have and threshold > unique_clicks
    ]
    return earned, min(options, key=lambda option: option.missing, default=None)


# --- What the company sees about me ----------------------------------------------------------------------

# What each admin page shows about a person (kept next to the admin classes it describes; a test checks that
# every model here is registered in the admin).
PERSONAL_ADMIN_PAGES = (
    ("accounts", "user", "Your name, email address, roles, active flag, last login and join date"),
    (
        "accounts",
        "employeeprofile",
        "Your team, location, job title, language, time zone, digest and leaderboard "
        "choices (shown inside your person page)",
    ),
    (
        "networks",
        "share",
        "Each share: post, network, route, status, the text you posted, when, its link on the network",
    ),
    ("networks", "connectedaccount", "Your connected accounts: network, handle, instance, health (never the tokens)"),
    ("shortlinks", "shortlink", "Your short links: code, post, network, target address"),
    (
        "analytics",
        "click",
        "Each click on your links: time, whether unique or your own, referring site, device "
        "class, browser and OS family (no IP address, no visitor identity: those are never stored)",
    ),
    ("analytics", "sharemetrics", "Likes, reposts, replies, quotes and views the networks report for your shares"),
    ("leaderboard", "pointentry", "Your points ledger: every entry, its reason and date"),
    ("leaderboard", "badgeaward", "Your badges and when you earned them"),
)


@dataclass(frozen=True)
class VisibilityRow:
    what: str
    who: list[str]


def company_sees(*, user: User) -> list[VisibilityRow]:
    """Exactly which of the person's data each role can read, from the roles' real permissions. One query.

    Superusers (set up by whoever runs the server) can read everything in the admin; that is said on the page.
    """
    codenames = [f"view_{model}" for _, model, _ in PERSONAL_ADMIN_PAGES]
    grants = Group.objects.filter(name__in=STAFF_GROUPS, permissions__codename__in=codenames).values_list(
        "name", "permissions__content_type__app_label", "permissions__codename"
    )
    who: dict[tuple[str, str], set[str]] = {}
    for group, app_label, codename in grants:
        who.setdefault((app_label, codename.removeprefix("view_")), set()).add(group)
    profile_who = who.get(("accounts", "user"), set())  # the profile is edited inside the person's page
    rows = []
    for app_label, model, what in PERSONAL_ADMIN_PAGES:
        roles = who.get((app_label, model), set()) | (profile_who if model == "employeeprofile" else set())
        rows.append(VisibilityRow(what=what, who=sorted(roles)))
    rows.append(
        VisibilityRow(
            what="Programme analytics pages: your name with your shares and unique clicks in top advocates, in a "
            "team's or campaign's figures, and in a campaign's “not shared yet” list when you are in its audience",
            who=sorted(STAFF_GROUPS),
        )
    )
    return rows


def leaderboard_visibility(*, user: User) -> str:
    profile = EmployeeProfile.objects.filter(user=user).first()
    if profile is None or profile.leaderboard_excluded:
        return "You are not on the public leaderboard."
    if profile.leaderboard_opt_out:
        return "You opted out: colleagues do not see you on the leaderboard."
    return "Colleagues see your name and points on the leaderboard (you can opt out in My points)."


def campaigns_for_staff() -> QuerySet[Campaign]:
    return Campaign.objects.order_by("-starts_at")


def post_with_campaign(*, post_id: int) -> SuggestedPost | None:
    return SuggestedPost.objects.select_related("campaign").filter(pk=post_id).first()
