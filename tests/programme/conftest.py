import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import EmployeeProfile, Team
from campaigns.models import Campaign
from leaderboard.services.awards import points_award_click, points_award_share, points_reverse_click
from programme.models import Challenge, Survey, SurveyQuestion
from tests.factories import CampaignFactory, SuggestedPostFactory, UserFactory, make_click, make_share


@pytest.fixture(autouse=True)
def programme_settings(settings):
    settings.SITE_URL = "https://advocacy.example.com"
    settings.SHORTLINK_BASE_URL = "https://go.example.com"
    settings.X_DIRECT_POSTING = False
    settings.SHARE_FETCH_OPEN_GRAPH = False
    return settings


def person(email: str, *, team: Team | None = None, **profile):
    user = UserFactory(email=email, first_name=email.split("@")[0].title(), last_name="Test")
    EmployeeProfile.objects.filter(user=user).update(team=team, **profile)
    user.refresh_from_db()
    return user


def shared(user, post, *, network: str = "x", at: dt.datetime | None = None):
    """A published share of `post` by `user`, with its share points in the ledger (as the 5-minute pull does)."""
    share = make_share(user=user, post=post, network=network, published_at=at or timezone.now())
    points_award_share(share_id=share.pk)
    return share


def clicked(share, *, n: int = 1, at: dt.datetime | None = None) -> list:
    entries = []
    for _ in range(n):
        click = make_click(link=share.short_link, at=at or timezone.now())
        entries.append(points_award_click(click_id=click.pk))
    return entries


def reverse(entry) -> None:
    points_reverse_click(entry_id=entry.pk, why="bot")


def challenge(campaign: Campaign, **fields) -> Challenge:
    now = timezone.now()
    defaults = {
        "name": "Spring sprint",
        "starts_at": now - dt.timedelta(days=2),
        "ends_at": now + dt.timedelta(days=5),
        "campaign": campaign,
    }
    defaults.update(fields)
    return Challenge.objects.create(**defaults)


def survey_for(campaign: Campaign, *, anonymous: bool = True, kinds=("scale", "choice", "text")) -> Survey:
    survey = Survey.objects.create(campaign=campaign, anonymous=anonymous, intro="Three quick questions.")
    texts = {
        "scale": ("How useful were the suggested posts?", ""),
        "choice": ("Where did you share most?", "LinkedIn\nX\nMastodon"),
        "text": ("What should we do differently?", ""),
    }
    for i, kind in enumerate(kinds):
        text, choices = texts[kind]
        SurveyQuestion.objects.create(survey=survey, position=i, kind=kind, text=text, choices=choices)
    return survey


def ended_campaign(**fields) -> Campaign:
    now = timezone.now()
    return CampaignFactory(starts_at=now - dt.timedelta(days=20), ends_at=now - dt.timedelta(days=1), **fields)


__all__ = ["CampaignFactory", "SuggestedPostFactory"]
