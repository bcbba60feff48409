"""Which news becomes which event, announced once, by the app that knows it (signals), never per click."""

import datetime as dt
import json
import os

import pytest
import time_machine
from django.utils import timezone

from accounts.roles import CONTENT_MANAGER
from accounts.services import employee_create
from analytics.models import CampaignGoalReached
from analytics.rollup_models import DailyRollup
from analytics.rollups import rollup_day
from analytics.services import LinkClickCounts, campaign_goals_check, clicks_drain
from analytics.signals import clicks_counted
from campaigns.models import PostStatus
from campaigns.services import post_publish, publish_due_posts
from networks.models import Share
from shortlinks import buffer
from tests.factories import (
    CampaignFactory,
    ShortLinkFactory,
    SuggestedPostFactory,
    TeamFactory,
    UserFactory,
    make_account,
    make_share,
)
from tests.shortlinks import helpers
from tests.shortlinks.helpers import visit
from webhooks import receivers
from webhooks.models import Delivery, Event, EventType
from webhooks.services import deliveries_send_due

from .conftest import bodies, make_endpoint, verified

fresh_link_caches = helpers.fresh_link_caches  # the click tests' shared autouse fixture

pytestmark = pytest.mark.django_db


def data_of(event_type: str) -> list[dict]:
    return [json.loads(event.body)["data"] for event in Event.objects.filter(type=event_type).order_by("pk")]


def test_a_share_that_fails_for_good_is_announced_with_the_networks_message(endpoint, receiver):
    user = UserFactory()
    share = make_share(user=user, account=make_account(user=user), status=Share.Status.PUBLISHING)
    Share.objects.move(share.pk, to=Share.Status.FAILED, error="The network refused the post: duplicate.")
    deliveries_send_due()
    (body,) = bodies(receiver)
    assert body["type"] == "share.failed"
    assert body["data"]["share"]["error"] == "The network refused the post: duplicate."
    assert Event.objects.get().ordering_key == f"share:{share.pk}"


def test_a_move_that_loses_the_race_announces_nothing(endpoint):
    user = UserFactory()
    share = make_share(user=user, account=make_account(user=user), status=Share.Status.PUBLISHING)
    assert Share.objects.move(share.pk, to=Share.Status.PUBLISHED, from_=[Share.Status.PUBLISHING])
    assert not Share.objects.move(share.pk, to=Share.Status.PUBLISHED, from_=[Share.Status.PUBLISHING])
    assert Event.objects.count() == 1


def test_a_failing_webhook_receiver_never_undoes_the_share_outcome(endpoint, monkeypatch):
    user = UserFactory()
    share = make_share(user=user, account=make_account(user=user), status=Share.Status.PUBLISHING)

    def broken(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(receivers, "events_record", broken)
    assert Share.objects.move(share.pk, to=Share.Status.PUBLISHED, from_=[Share.Status.PUBLISHING])
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED


def test_a_post_published_by_a_manager_or_on_schedule_is_announced_once(endpoint, content_manager):
    post = SuggestedPostFactory(title="Spring launch")
    post_publish(post=post, by=content_manager)
    SuggestedPostFactory(title="Due now", publish_at=timezone.now() - dt.timedelta(minutes=1))
    not_yet = SuggestedPostFactory(title="Tomorrow", publish_at=timezone.now() + dt.timedelta(days=1))
    assert publish_due_posts() == 1
    assert publish_due_posts() == 0
    published = data_of(EventType.POST_PUBLISHED)
    assert [item["post"]["title"] for item in published] == ["Spring launch", "Due now"]
    assert published[0]["post"]["campaign"]["name"] == post.campaign.name
    assert published[0]["post"]["networks"] == ["generic", "linkedin", "x"]
    not_yet.refresh_from_db()
    assert not_yet.status == PostStatus.APPROVED


def test_a_new_employee_is_announced_with_role_and_team(endpoint):
    team = TeamFactory(name="Sales")
    employee_create(email="erin@example.com", first_name="Erin", role=CONTENT_MANAGER, team=team)
    (joined,) = data_of(EventType.EMPLOYEE_JOINED)
    assert joined["employee"]["email"] == "erin@example.com"
    assert joined["employee"]["role"] == CONTENT_MANAGER and joined["employee"]["team"] == "Sales"


def test_a_person_added_in_the_admin_is_announced(endpoint, client, advocacy_admin):
    client.force_login(advocacy_admin)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "frank@example.com",
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-language": "en",
            "profile-0-time_zone": "UTC",
            "profile-0-digest_hour": "8",
            "profile-0-digest_minute": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    (joined,) = data_of(EventType.EMPLOYEE_JOINED)
    assert joined["employee"]["email"] == "frank@example.com"


def test_a_campaign_reaching_its_goal_is_announced_once(endpoint, receiver):
    campaign = CampaignFactory(name="Spring", goal_target=10)
    link = ShortLinkFactory(post=SuggestedPostFactory(campaign=campaign))
    other = CampaignFactory(goal_target=10)
    row = DailyRollup.objects.create(
        day=rollup_day(timezone.now()),
        link=link,
        user=link.user,
        post=link.post,
        campaign=campaign,
        network=link.network,
        unique_clicks=9,
        clicks=12,
    )
    assert campaign_goals_check() == []
    row.unique_clicks = 10
    row.save()
    assert campaign_goals_check() == [campaign.pk]
    assert campaign_goals_check() == []  # once
    assert CampaignGoalReached.objects.get().reached == 10
    deliveries_send_due()
    ((request, _),) = receiver.log
    body = verified(request, endpoint.secret)
    assert body["type"] == "campaign.goal_reached"
    assert body["data"]["goal"] == {
        "metric": "clicks",
        "target": 10,
        "reached": 10,
        "reached_at": body["data"]["goal"]["reached_at"],
    }
    assert other.pk not in CampaignGoalReached.objects.values_list("campaign_id", flat=True)


def test_clicks_counted_is_one_event_per_drain_with_counts_per_link(endpoint, receiver):
    links = [ShortLinkFactory() for _ in range(3)]
    clicks_counted.send(
        sender=None,
        counts={links[0].pk: LinkClickCounts(5, 3), links[2].pk: LinkClickCounts(1, 1)},
    )
    deliveries_send_due()
    (body,) = bodies(receiver)  # one request for the whole drain
    entries = body["data"]["links"]
    assert [(e["link"]["id"], e["clicks"], e["unique_clicks"]) for e in entries] == [
        (links[0].pk, 5, 3),
        (links[2].pk, 1, 1),
    ]
    assert entries[0]["link"]["short_url"].endswith(f"/s/{links[0].code}")


def test_a_drain_touching_many_links_is_split_into_a_few_bounded_events(endpoint, receiver):
    links = [ShortLinkFactory() for _ in range(receivers.CLICKS_LINKS_PER_EVENT + 1)]
    clicks_counted.send(sender=None, counts={link.pk: LinkClickCounts(2, 1) for link in links})
    assert Event.objects.filter(type=EventType.CLICKS_COUNTED).count() == 2
    assert set(Event.objects.values_list("ordering_key", flat=True)) == {"clicks"}  # in order per endpoint
    deliveries_send_due()
    assert len(receiver.log) == 2  # the events of one drain do not wait for each other


def test_the_next_drain_waits_for_the_previous_drains_events(
    endpoint, httpserver, receiver, django_capture_on_commit_callbacks
):
    link = ShortLinkFactory()
    httpserver.clear_all_handlers()
    httpserver.expect_oneshot_request("/hook").respond_with_data("", status=500)
    httpserver.expect_request("/hook").respond_with_data("", status=204)
    clicks_counted.send(sender=None, counts={link.pk: LinkClickCounts(1, 1)})
    clicks_counted.send(sender=None, counts={link.pk: LinkClickCounts(2, 2)})
    deliveries_send_due()  # the first drain's event fails; the second's waits behind it
    assert [body["data"]["links"][0]["clicks"] for body in bodies(httpserver)] == [1]
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=6)):
        with django_capture_on_commit_callbacks(execute=True):
            deliveries_send_due()
    assert [body["data"]["links"][0]["clicks"] for body in bodies(httpserver)] == [1, 1, 2]


@pytest.fixture
def buffered(redis_client, settings):
    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    buffer.reset()
    return redis_client


@pytest.mark.redis
def test_a_real_drain_of_many_clicks_sends_one_request_not_one_per_click(endpoint, receiver, client, buffered):
    first, second = ShortLinkFactory(), ShortLinkFactory()
    for i in range(40):
        visit(client, first, ip=f"198.51.100.{i % 20}")  # 40 clicks from 20 visitors
    for i in range(7):
        visit(client, second, ip=f"203.0.113.{i}")
    visit(client, second, ua="Twitterbot/1.0")  # a bot: filtered, not counted
    assert clicks_drain(batch_size=10) == 48  # five batches, one announcement
    deliveries_send_due()
    ((request, _),) = receiver.log
    entries = {e["link"]["id"]: e for e in verified(request, endpoint.secret)["data"]["links"]}
    assert (entries[first.pk]["clicks"], entries[first.pk]["unique_clicks"]) == (40, 20)
    assert (entries[second.pk]["clicks"], entries[second.pk]["unique_clicks"]) == (7, 7)
    assert entries[first.pk]["total_clicks"] == 40  # the link's totals after this drain
    assert clicks_drain() == 0
    assert Delivery.objects.count() == 1  # an empty drain announces nothing


def test_an_erased_person_leaves_no_webhook_bodies_behind(endpoint):
    from accounts.services import user_erase

    person = employee_create(email="gina@example.com")
    assert Event.objects.filter(subject_user_id=person.pk).count() == 1
    user_erase(user=person)
    assert not Event.objects.filter(body__contains="gina@example.com").exists()


def test_without_an_endpoint_no_news_is_stored(db):
    employee_create(email="hal@example.com")
    make_endpoint("https://example.org/hook", EventType.POST_PUBLISHED)
    employee_create(email="ida@example.com")
    assert Event.objects.count() == 0
