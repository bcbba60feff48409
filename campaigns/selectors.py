"""Reads for campaigns and suggested posts."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import EmployeeProfile
from accounts.services import profile_get

from .models import Campaign, PostVariant, SuggestedPost


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
        .select_related("campaign")
        .prefetch_related(Prefetch("variants", queryset=PostVariant.objects.order_by("network")), "topics")
        .order_by("-is_featured", "-publish_at", "pk")
    )
