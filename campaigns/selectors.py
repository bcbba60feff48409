"""Reads for campaigns and suggested posts."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import EmployeeProfile
from accounts.services import profile_get

from .models import Campaign, PostStatus, PostTransition, PostVariant, SuggestedPost


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


def campaigns_active_for(*, user, now=None) -> list[Campaign]:
    profile = profile_get(user=user)
    active = Campaign.objects.active(now).prefetch_related("audience_teams", "audience_locations")
    return [c for c in active if campaign_targets(c, profile)]


def posts_for_today(*, user, now=None) -> QuerySet[SuggestedPost]:
    """Approved, current posts of active campaigns aimed at the user, featured first."""
    now = now or timezone.now()
    campaign_ids = [c.pk for c in campaigns_active_for(user=user, now=now)]
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
