"""Reads for campaigns and suggested posts."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import EmployeeProfile
from accounts.services import profile_get

from .models import (
    OPEN_VERSION_STATUSES,
    Campaign,
    PostStatus,
    PostTransition,
    PostVariant,
    PostVersion,
    SuggestedPost,
    VersionStatus,
)
from .uploads import KEPT_UPLOAD_MAX_AGE, KEPT_UPLOAD_SALT, KEPT_UPLOADS_DIR


def campaign_targets(campaign: Campaign, profile: EmployeeProfile) -> bool:
    """Is the employee in the campaign's audience? Empty criteria mean everyone."""
    team_ids = {t.pk for t in campaign.audience_teams.all()}
    location_ids = {loc.pk for loc in campaign.audience_locations.all()}
    languages = set(campaign.audience_languages or [])
    return (
        (not team_ids or profile.team_id in team_ids)
        and (not location_ids or profile.location_id in location_ids)
        and (not languages or profile.language in languages)
    )


def campaign_ids_active_for(*, user, now=None) -> list[int]:
    """The active campaigns aimed at the user (`campaign_targets`), as ids: teams and locations are matched in
    the database, in one query; the few rows left are checked for language here (JSON lists have no portable
    "contains" lookup)."""
    profile = profile_get(user=user)
    teams = Campaign.audience_teams.through.objects.filter(campaign_id=OuterRef("pk"))
    locations = Campaign.audience_locations.through.objects.filter(campaign_id=OuterRef("pk"))
    team_rule, location_rule = Q(~Exists(teams)), Q(~Exists(locations))
    if profile.team_id is not None:
        team_rule |= Q(Exists(teams.filter(team_id=profile.team_id)))
    if profile.location_id is not None:
        location_rule |= Q(Exists(locations.filter(location_id=profile.location_id)))
    rows = Campaign.objects.active(now).filter(team_rule, location_rule).values_list("pk", "audience_languages")
    return [pk for pk, languages in rows if not languages or profile.language in languages]


def posts_for_today(*, user, now=None) -> QuerySet[SuggestedPost]:
    """Approved, current posts of active campaigns aimed at the user, featured first."""
    now = now or timezone.now()
    campaign_ids = campaign_ids_active_for(user=user, now=now)
    return (
        SuggestedPost.objects.current(now)
        .filter(campaign_id__in=campaign_ids)
        .select_related("campaign", "suggested_by")
        .prefetch_related(Prefetch("variants", queryset=PostVariant.objects.order_by("network")), "topics")
        .order_by("-is_featured", "-publish_at", "pk")
    )


# --- the admin's workflow: what this person may do with a post, who may approve it ---------------------------

APPROVE_PERMISSION = "campaigns.approve_suggestedpost"


@dataclass(frozen=True)
class PostAction:
    name: str  # URL segment of the admin's workflow view
    to: str  # the status it moves the post to
    label: str
    permission: str


POST_ACTIONS = (
    PostAction("submit", PostStatus.SUBMITTED, "Submit for approval", "campaigns.change_suggestedpost"),
    PostAction("approve", PostStatus.APPROVED, "Approve", APPROVE_PERMISSION),
    PostAction("reject", PostStatus.REJECTED, "Reject…", APPROVE_PERMISSION),
    PostAction("publish", PostStatus.PUBLISHED, "Publish now", "campaigns.publish_suggestedpost"),
    PostAction("archive", PostStatus.ARCHIVED, "Archive", "campaigns.change_suggestedpost"),
)
POST_ACTIONS_BY_NAME = {a.name: a for a in POST_ACTIONS}


def post_authors(*, post: SuggestedPost) -> set[int]:
    """Who wrote the post, for four-eyes approval: whoever created it and whoever submitted it."""
    submitters = post.transitions.filter(to_status=PostStatus.SUBMITTED, by__isnull=False).values_list("by", flat=True)
    return {pk for pk in [post.created_by_id, *submitters] if pk is not None}


def post_actions_for(*, post: SuggestedPost, user) -> list[PostAction]:
    """The workflow moves the workflow allows from here *and* this user may make (four-eyes included)."""
    allowed = []
    authors = post_authors(post=post) if settings.FOUR_EYES_APPROVAL else set()
    for action in POST_ACTIONS:
        if not post.can_move_to(action.to) or not user.has_perm(action.permission):
            continue
        if action.to == PostStatus.APPROVED and user.pk in authors:
            continue
        allowed.append(action)
    return allowed


def post_possible_reviewers() -> QuerySet:
    """Active staff holding the approval permission (through a role or as superusers)."""
    app_label, codename = APPROVE_PERMISSION.split(".")
    perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    holders = Q(is_superuser=True) | Q(groups__permissions=perm) | Q(user_permissions=perm)
    return get_user_model().objects.filter(holders, is_active=True, is_staff=True).distinct().order_by("pk")


def post_possible_approvers(*, post: SuggestedPost) -> QuerySet:
    """Active people who may approve this post: the approval permission, minus its authors under four-eyes."""
    people = post_possible_reviewers()
    if settings.FOUR_EYES_APPROVAL:
        people = people.exclude(pk__in=post_authors(post=post))
    return people.order_by("first_name", "email")


def posts_waiting_for(*, user) -> QuerySet[SuggestedPost]:
    """Submitted posts this person may approve (under four-eyes, not the ones they wrote or submitted)."""
    if not user.has_perm(APPROVE_PERMISSION):
        return SuggestedPost.objects.none()
    waiting = SuggestedPost.objects.filter(status=PostStatus.SUBMITTED)
    if settings.FOUR_EYES_APPROVAL:
        own_submissions = PostTransition.objects.filter(to_status=PostStatus.SUBMITTED, by=user).values("post_id")
        waiting = waiting.exclude(created_by=user).exclude(pk__in=own_submissions)
    return waiting


def with_submission(queryset: QuerySet[SuggestedPost]) -> QuerySet[SuggestedPost]:
    """Annotate each post with its latest submission: `submitted_at` and `submitted_by_email`."""
    last = PostTransition.objects.filter(post=OuterRef("pk"), to_status=PostStatus.SUBMITTED).order_by("-at", "-id")
    return queryset.annotate(
        submitted_at=Subquery(last.values("at")[:1]),
        submitted_by_name=Subquery(last.values("by__first_name")[:1]),
        submitted_by_email=Subquery(last.values("by__email")[:1]),
    )


# --- corrections of published posts (PostVersion) ------------------------------------------------------------

POST_VERSION_ACTIONS = (
    PostAction("submit", VersionStatus.SUBMITTED, "Submit correction for approval", "campaigns.change_postversion"),
    PostAction("approve", VersionStatus.LIVE, "Approve: make this copy live", APPROVE_PERMISSION),
    PostAction("reject", VersionStatus.REJECTED, "Reject…", APPROVE_PERMISSION),
    PostAction("withdraw", VersionStatus.WITHDRAWN, "Withdraw correction", "campaigns.change_postversion"),
)
POST_VERSION_ACTIONS_BY_NAME = {a.name: a for a in POST_VERSION_ACTIONS}


def post_version_authors(*, version: PostVersion) -> set[int]:
    """Who wrote the correction, for four-eyes approval: whoever started it and whoever submitted it."""
    return {pk for pk in (version.created_by_id, version.submitted_by_id) if pk is not None}


def post_version_actions_for(*, version: PostVersion, user) -> list[PostAction]:
    """The moves the version's state allows and this user may make (four-eyes: not approving one's own)."""
    authors = post_version_authors(version=version) if settings.FOUR_EYES_APPROVAL else set()
    allowed = []
    for action in POST_VERSION_ACTIONS:
        if not version.can_move_to(action.to) or not user.has_perm(action.permission):
            continue
        if action.to == VersionStatus.LIVE and user.pk in authors:
            continue
        allowed.append(action)
    return allowed


def post_version_open(*, post: SuggestedPost) -> PostVersion | None:
    """The correction being worked on (draft, submitted or rejected), if any."""
    return post.versions.filter(status__in=OPEN_VERSION_STATUSES).first()


def post_versions(*, post: SuggestedPost) -> QuerySet[PostVersion]:
    """Every version of the post's copy, oldest first, with its variants and the people involved."""
    return (
        post.versions.select_related("created_by", "submitted_by", "decided_by")
        .prefetch_related("variants")
        .order_by("number")
    )


def post_versions_waiting_for(*, user) -> QuerySet[PostVersion]:
    """Submitted corrections this person may approve (under four-eyes, not the ones they made or submitted)."""
    if not user.has_perm(APPROVE_PERMISSION):
        return PostVersion.objects.none()
    waiting = PostVersion.objects.filter(status=VersionStatus.SUBMITTED)
    if settings.FOUR_EYES_APPROVAL:
        waiting = waiting.exclude(created_by=user).exclude(submitted_by=user)
    return waiting


def posts_for_calendar(*, start, end, campaign_id: int | None = None) -> QuerySet[SuggestedPost]:
    """Posts (not archived) whose publish time falls in [start, end), earliest first, with their campaign."""
    posts = (
        SuggestedPost.objects.filter(publish_at__gte=start, publish_at__lt=end)
        .exclude(status=PostStatus.ARCHIVED)
        .select_related("campaign")
        .order_by("publish_at", "pk")
    )
    if campaign_id is not None:
        posts = posts.filter(campaign_id=campaign_id)
    return posts


def campaigns_for_choice() -> QuerySet[Campaign]:
    """Campaigns not archived, newest first: the calendar's campaign filter."""
    return Campaign.objects.filter(archived_at__isnull=True).order_by("-starts_at").only("pk", "name")


def kept_image_load(*, token: str):
    """The image a failed save kept (services.post_image_keep), as (file, original name), or None when the
    token is missing, forged, older than a day, or its file is gone."""
    if not token:
        return None
    try:
        kept = signing.loads(token, salt=KEPT_UPLOAD_SALT, max_age=KEPT_UPLOAD_MAX_AGE)
        path, name = str(kept["file"]), str(kept["name"])
    except (signing.BadSignature, KeyError, TypeError):
        return None
    if not path.startswith(f"{KEPT_UPLOADS_DIR}/") or ".." in path or not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as fh:
        data = fh.read()
    return ContentFile(data, name=name or path.rsplit("/", 1)[-1]), name


def featured_posts_live(*, now=None, within=None) -> list[tuple[SuggestedPost, datetime]]:
    """Featured posts on Today right now, each with when it first became shareable.

    A post goes live at the latest of its publish time, its campaign's start and its launch. `within`
    (a timedelta) keeps only posts that went live that recently.
    """
    now = now or timezone.now()
    posts = (
        SuggestedPost.objects.current(now)
        .filter(is_featured=True)
        .select_related("campaign")
        .prefetch_related("campaign__audience_teams", "campaign__audience_locations")
        .order_by("publish_at", "pk")
    )
    live = []
    for post in posts:
        campaign = post.campaign
        live_since = max(t for t in (post.publish_at, campaign.starts_at, campaign.launched_at) if t)
        if within is None or live_since >= now - within:
            live.append((post, live_since))
    return live
