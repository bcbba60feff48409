"""Guidelines from sanitised Markdown, the storytelling corner (with consent), and the weekly spotlight."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from accounts.models import EmployeeProfile
from infra.markdown import markdown_to_html
from programme import services
from programme.models import GuidelinesPage, Spotlight, SpotlightItem, StoryTip
from programme.selectors import story_examples
from programme.signals import spotlight_published
from tests.factories import SuggestedPostFactory, award, make_click, make_share

from .conftest import person

pytestmark = pytest.mark.django_db

GUIDELINES = """## What to share
Posts you **believe in**, in [our blog](https://example.com/blog).

## What never to share
- customer names
- anything marked internal

<script>alert("x")</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))
"""


def test_markdown_keeps_formatting_and_drops_raw_html_and_script_links():
    html = str(markdown_to_html(GUIDELINES))
    assert "<h2>What to share</h2>" in html and "<strong>believe in</strong>" in html
    assert '<a href="https://example.com/blog" rel="noopener noreferrer nofollow">our blog</a>' in html
    assert "<li>customer names</li>" in html
    assert "<script" not in html and "<img" not in html and "javascript:" not in html
    assert "&lt;script&gt;" in html  # shown as text, so the writer sees what went wrong


def test_the_guidelines_page_renders_what_content_managers_wrote(client, employee):
    GuidelinesPage.objects.create(title="How we share", body=GUIDELINES)
    client.force_login(employee)
    page = client.get(reverse("programme:guidelines")).content.decode()
    assert "How we share" in page and "<h2>What never to share</h2>" in page
    assert "<script>alert" not in page


def test_without_guidelines_the_page_says_so(client, employee):
    client.force_login(employee)
    assert "have not been written yet" in client.get(reverse("programme:guidelines")).content.decode()


def test_content_managers_edit_the_guidelines_in_the_admin_and_employees_cannot(client, content_manager, employee):
    client.force_login(content_manager)
    response = client.post(reverse("admin:programme_guidelinespage_add"), {"title": "Guidelines", "body": "Be kind."})
    assert response.status_code == 302
    empty = client.post(reverse("admin:programme_guidelinespage_add"), {"title": "Guidelines", "body": ""})
    assert empty.status_code == 200 and "This field is required" in empty.content.decode()
    assert GuidelinesPage.objects.count() == 1
    client.force_login(employee)
    assert client.get(reverse("admin:programme_guidelinespage_add")).status_code == 302


def _published_share(user, clicks: int, *, days_ago: int = 3, url: str = "https://mastodon.example/@a/1"):
    from django.utils import timezone

    share = make_share(user=user, post=SuggestedPostFactory(), network="mastodon")
    share.published_at = timezone.now() - dt.timedelta(days=days_ago)
    share.external_url = url
    share.save()
    for _ in range(clicks):
        make_click(link=share.short_link)
    return share


def test_story_examples_are_the_best_shares_of_the_month_from_people_who_agreed(client):
    fan = person("fan@example.com", stories_consent=True)
    shy = person("shy@example.com")
    best = _published_share(fan, clicks=5, url="https://mastodon.example/@fan/1")
    _published_share(fan, clicks=2, url="https://mastodon.example/@fan/2")
    _published_share(shy, clicks=9, url="https://mastodon.example/@shy/1")  # no consent: never shown
    _published_share(fan, clicks=0, url="https://mastodon.example/@fan/3")  # nothing to show off
    examples = story_examples()
    assert [e.share.pk for e in examples][0] == best.pk
    assert [e.unique_clicks for e in examples] == [5, 2]
    StoryTip.objects.create(title="Start with why", body="Say *why* it matters to you.")
    client.force_login(shy)
    page = client.get(reverse("programme:stories")).content.decode()
    assert "Start with why" in page and "<em>why</em>" in page
    assert 'href="https://mastodon.example/@fan/1"' in page
    assert "@shy/1" not in page
    assert "Let yours appear here too" in page


def test_the_consent_is_a_setting_of_ones_own(client, employee):
    client.force_login(employee)
    page = client.get(reverse("my_settings")).content.decode()
    assert "show my best shares as examples" in page.lower()


# --- The spotlight ------------------------------------------------------------------------------------

MONDAY = dt.datetime(2026, 6, 8, 6, 0, tzinfo=dt.UTC)  # 08:00 in Berlin, the organisation's zone


def _last_week_activity():
    last_week = MONDAY - dt.timedelta(days=4)
    people = [person(f"p{i}@example.com") for i in range(5)]
    with time_machine.travel(last_week, tick=False):
        posts = [SuggestedPostFactory(title=f"Story {i}") for i in range(4)]
        for i, post in enumerate(posts):
            share = make_share(user=people[i], post=post)
            for _ in range(4 - i):
                make_click(link=share.short_link)
        for i, p in enumerate(people[:4]):
            award(p, 40 - 10 * i, last_week)
    return people, posts


def test_the_spotlight_celebrates_only_the_top_stories_and_advocates_once_a_week(django_capture_on_commit_callbacks):
    people, posts = _last_week_activity()
    heard = []

    def receiver(sender, spotlight_id, **kwargs):
        heard.append(spotlight_id)

    spotlight_published.connect(receiver)
    try:
        with time_machine.travel(MONDAY, tick=False), django_capture_on_commit_callbacks(execute=True):
            spotlight = services.spotlight_publish()
            assert services.spotlight_publish() is None  # one a week
    finally:
        spotlight_published.disconnect(receiver)
    assert heard == [spotlight.pk]
    stories = SpotlightItem.objects.filter(kind="story").order_by("position")
    assert [(i.post_id, i.figure) for i in stories] == [(posts[0].pk, 4), (posts[1].pk, 3), (posts[2].pk, 2)]
    advocates = SpotlightItem.objects.filter(kind="advocate").order_by("position")
    assert [(i.user_id, i.figure) for i in advocates] == [(people[0].pk, 40), (people[1].pk, 30), (people[2].pk, 20)]
    assert people[4].pk not in {i.user_id for i in advocates}  # never a list of who shared least


def test_a_quiet_week_publishes_no_spotlight():
    with time_machine.travel(MONDAY, tick=False):
        assert services.spotlight_publish() is None
    assert not Spotlight.objects.exists()


def test_the_week_so_far_can_be_celebrated_when_last_week_was_quiet():
    people, posts = _last_week_activity()  # on the Thursday before MONDAY
    that_sunday = MONDAY - dt.timedelta(days=1)  # the same week, late
    with time_machine.travel(that_sunday, tick=False):
        assert services.spotlight_publish() is None  # the week before had nothing
        spotlight = services.spotlight_publish(week_so_far=True)
    stories = SpotlightItem.objects.filter(spotlight=spotlight, kind="story").order_by("position")
    assert [i.post_id for i in stories] == [posts[0].pk, posts[1].pk, posts[2].pk]
    assert Spotlight.objects.count() == 1


def test_people_hidden_from_boards_are_not_put_in_the_spotlight():
    people, _ = _last_week_activity()
    EmployeeProfile.objects.filter(user=people[0]).update(leaderboard_opt_out=True)
    with time_machine.travel(MONDAY, tick=False):
        services.spotlight_publish()
    assert people[0].pk not in set(SpotlightItem.objects.values_list("user_id", flat=True))


def test_the_spotlight_is_on_today_and_in_the_digest(client, settings):
    from digest.services.sending import digests_send_due
    from tests.digest.conftest import make_person

    people, posts = _last_week_activity()
    with time_machine.travel(MONDAY, tick=False):
        services.spotlight_publish()
        reader = make_person("reader@example.com", hour=8, time_zone="Europe/Berlin")
        SuggestedPostFactory(campaign=posts[0].campaign, is_featured=True)
        client.force_login(reader)
        today = client.get(reverse("today")).content.decode()
        assert "Spotlight of the week" in today and "Story 0" in today and people[0].display_name in today
    with time_machine.travel(MONDAY + dt.timedelta(minutes=1), tick=False):
        digests_send_due(user_ids=[reader.pk])
    body = next(m.body for m in mail.outbox if m.to == [reader.email])
    assert "Spotlight of the week: “Story 0” (4 unique clicks)" in body
    assert "thank you " + people[0].display_name in body


def test_content_managers_add_a_headline_but_never_pick_by_hand(client, content_manager):
    _last_week_activity()
    with time_machine.travel(MONDAY, tick=False):
        spotlight = services.spotlight_publish()
    client.force_login(content_manager)
    assert client.get(reverse("admin:programme_spotlight_add")).status_code == 403
    response = client.post(
        reverse("admin:programme_spotlight_change", args=[spotlight.pk]),
        {"headline": "What a week!", "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    spotlight.refresh_from_db()
    assert spotlight.headline == "What a week!"


def test_chat_reads_the_spotlight_as_one_line():
    from programme.selectors import spotlight_news

    people, _ = _last_week_activity()
    with time_machine.travel(MONDAY, tick=False):
        spotlight = services.spotlight_publish()
    news = spotlight_news(spotlight_id=spotlight.pk)
    assert news.source_key == "spotlight:2026-06-08" and news.url == reverse("programme:stories")
    assert "“Story 0”" in news.text and people[0].display_name in news.text
