import datetime as dt

import pytest
import time_machine

from campaigns import services
from campaigns.models import Campaign, CampaignStatus
from tests.factories import CampaignFactory, SuggestedPostFactory

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
END = dt.datetime(2026, 12, 31, 18, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "now, expected",
    [
        (START - dt.timedelta(days=1), CampaignStatus.SCHEDULED),
        (START, CampaignStatus.ACTIVE),
        (END - dt.timedelta(seconds=1), CampaignStatus.ACTIVE),
        (END, CampaignStatus.ENDED),
    ],
)
def test_status_follows_the_dates_and_the_filter_agrees(db, now, expected):
    campaign = CampaignFactory(starts_at=START, ends_at=END)
    with time_machine.travel(now, tick=False):
        assert campaign.status == expected
        assert list(Campaign.objects.with_status(expected)) == [campaign]


def test_unlaunched_campaign_is_a_draft_and_archived_wins(db, advocacy_admin):
    campaign = CampaignFactory(launched_at=None)
    assert campaign.status == CampaignStatus.DRAFT
    services.campaign_launch(campaign=campaign)
    assert campaign.status == CampaignStatus.ACTIVE
    post = SuggestedPostFactory(campaign=campaign)
    services.campaign_archive(campaign=campaign, by=advocacy_admin)
    assert campaign.status == CampaignStatus.ARCHIVED
    post.refresh_from_db()
    assert post.status == "archived"
    assert list(Campaign.objects.with_status(CampaignStatus.ARCHIVED)) == [campaign]


def test_campaign_duplicate_gets_a_fresh_utm_slug_and_draft_posts(db, advocacy_admin):
    campaign = CampaignFactory(utm_campaign="spring")
    SuggestedPostFactory(campaign=campaign, title="Hello")
    copy = services.campaign_duplicate(campaign=campaign, by=advocacy_admin)
    assert copy.utm_campaign == "spring-copy"
    assert copy.status == CampaignStatus.DRAFT
    assert list(copy.posts.values_list("title", "status")) == [("Hello", "draft")]
