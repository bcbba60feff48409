"""The admin's posts calendar: month and week, by publish date in the organisation's time zone, linking to posts."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from campaigns.models import PostStatus
from tests.factories import CampaignFactory, SuggestedPostFactory

URL = "/admin/campaigns/suggestedpost/calendar/"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel("2026-11-18 10:00 +0000", tick=False):
        yield


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _day_cell(page: str, label: str) -> str:
    """The calendar cell whose date reads `label` (e.g. "1 Dec"), up to the next cell."""
    start = page.index(f"</span>{label}</div>")
    return page[start : page.index("</td>", start)]


def test_month_view_places_posts_on_their_local_day_with_links(client, content_manager):
    launch = CampaignFactory(name="Winter launch")
    late = SuggestedPostFactory(
        campaign=launch, title="Late-night teaser", publish_at=_at("2026-11-30T23:30:00+00:00"), expires_at=None
    )  # 00:30 on 1 December in Berlin
    morning = SuggestedPostFactory(
        campaign=launch, title="Morning news", publish_at=_at("2026-11-05T08:00:00+00:00"), expires_at=None
    )
    SuggestedPostFactory(title="Archived one", publish_at=_at("2026-11-06T08:00:00+00:00"), status=PostStatus.ARCHIVED)
    SuggestedPostFactory(title="Next year", publish_at=_at("2027-01-15T08:00:00+00:00"), expires_at=None)
    client.force_login(content_manager)

    page = client.get(URL).content.decode()

    assert "November 2026" in page
    assert "Times are in Europe/Berlin" in page
    morning_cell = _day_cell(page, "5 Nov")
    assert f'href="/admin/campaigns/suggestedpost/{morning.pk}/change/"' in morning_cell
    assert "09:00" in morning_cell and "Winter launch" in morning_cell
    # Shown in the last week's row, on Tuesday 1 December (a day of the next month), at 00:30 Berlin time.
    december_first = _day_cell(page, "1 Dec")
    assert "Late-night teaser" in december_first and "00:30" in december_first
    assert f"/admin/campaigns/suggestedpost/{late.pk}/change/" in december_first
    assert "Archived one" not in page
    assert "Next year" not in page
    assert "?view=month&amp;date=2026-10-01" in page  # previous
    assert "?view=month&amp;date=2026-12-01" in page  # next


def test_week_view_and_navigation(client, content_manager):
    post = SuggestedPostFactory(title="Thursday post", publish_at=_at("2026-11-19T14:00:00+00:00"), expires_at=None)
    SuggestedPostFactory(title="Following week", publish_at=_at("2026-11-24T14:00:00+00:00"), expires_at=None)
    client.force_login(content_manager)

    page = client.get(URL + "?view=week&date=2026-11-18").content.decode()

    assert "Week of 16 November 2026" in page
    assert "Thursday post" in page and f"/admin/campaigns/suggestedpost/{post.pk}/change/" in page
    assert "Following week" not in page
    assert "?view=week&amp;date=2026-11-09" in page and "?view=week&amp;date=2026-11-23" in page
    following = client.get(URL + "?view=week&date=2026-11-23").content.decode()
    assert "Following week" in following and "Thursday post" not in following


def test_the_campaign_filter_and_bad_parameters(client, content_manager):
    one, other = CampaignFactory(name="One"), CampaignFactory(name="Other")
    SuggestedPostFactory(campaign=one, title="Post of one", publish_at=timezone.now(), expires_at=None)
    SuggestedPostFactory(campaign=other, title="Post of other", publish_at=timezone.now(), expires_at=None)
    client.force_login(content_manager)

    page = client.get(URL + f"?campaign={one.pk}").content.decode()
    assert "Post of one" in page and "Post of other" not in page

    for query in (
        "?date=31-31-2026",
        "?view=year",
        "?campaign=abc",
        "?date=0000-01-01",
        "?date=9999-12-31",
        "?date=0001-01-01",
    ):
        response = client.get(URL + query)
        assert response.status_code == 200, query
        assert "November 2026" in response.content.decode()


def test_an_empty_month_says_so(client, content_manager):
    client.force_login(content_manager)
    assert "No posts are planned in this month." in client.get(URL + "?date=2030-02-01").content.decode()


def test_the_lists_link_to_the_calendar(client, content_manager):
    client.force_login(content_manager)
    for url in ("/admin/campaigns/campaign/", "/admin/campaigns/suggestedpost/"):
        assert f'href="{URL}"' in client.get(url).content.decode(), url


def test_employees_do_not_see_the_calendar(client, employee):
    client.force_login(employee)
    assert client.get(URL).status_code == 302
