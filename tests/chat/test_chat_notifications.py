"""Slack and Teams channels hear about new featured posts and programme news, at most once an hour each."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from werkzeug import Response

from chat import services
from chat.models import ChatChannel, ChatItem, ChatMessage, MessageStatus
from chat.tasks import chat_notify_task
from tests.factories import CampaignFactory, SuggestedPostFactory, TeamFactory

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def slack_channel(httpserver, path="/services/T1/B1/secret", **kwargs):
    kwargs.setdefault("name", "#advocacy")
    return ChatChannel.objects.create(kind="slack", webhook_url=httpserver.url_for(path), **kwargs)


def received(httpserver, path=None):
    return [json.loads(r.data) for r, _ in httpserver.log if path is None or r.path == path]


def featured_post(**kwargs):
    kwargs.setdefault("publish_at", NOW)
    return SuggestedPostFactory(is_featured=True, **kwargs)


@pytest.mark.django_db
def test_a_new_featured_post_is_told_once_with_a_share_button_to_today(httpserver, settings):
    httpserver.expect_request("/services/T1/B1/secret", method="POST").respond_with_data("ok")
    channel = slack_channel(httpserver)
    post = featured_post(title="Our new release is out")
    SuggestedPostFactory(title="Not featured", publish_at=NOW)

    chat_notify_task()
    chat_notify_task()

    (message,) = received(httpserver)
    assert message["blocks"][0]["text"]["text"] == "New featured posts to share"
    section = message["blocks"][1]
    assert "*Our new release is out*" in section["text"]["text"]
    assert section["accessory"]["text"]["text"] == "Share"
    assert section["accessory"]["url"] == f"{settings.SITE_URL}{reverse('today')}#post-{post.pk}"
    assert "Not featured" not in json.dumps(message)
    assert ChatMessage.objects.get().status == MessageStatus.SENT
    assert ChatChannel.objects.get(pk=channel.pk).last_sent_at == NOW


@pytest.mark.django_db
def test_news_within_the_quiet_hour_waits_and_goes_out_together(httpserver, frozen):
    httpserver.expect_request("/services/T1/B1/secret").respond_with_data("ok")
    slack_channel(httpserver)
    featured_post(title="First")
    chat_notify_task()

    frozen.shift(dt.timedelta(minutes=10))
    featured_post(title="Second", publish_at=NOW + dt.timedelta(minutes=10))
    frozen.shift(dt.timedelta(minutes=10))
    featured_post(title="Third", publish_at=NOW + dt.timedelta(minutes=20))
    chat_notify_task()
    assert len(received(httpserver)) == 1, "a second message inside the hour"

    frozen.shift(dt.timedelta(minutes=41))
    chat_notify_task()
    first, second = received(httpserver)
    assert "First" in json.dumps(first)
    assert second["blocks"][0]["text"]["text"] == "2 new featured posts to share"
    assert [b["text"]["text"].split("*")[1] for b in second["blocks"][1:]] == ["Second", "Third"]


@pytest.mark.django_db
def test_a_team_channel_hears_only_news_its_whole_team_can_share(httpserver):
    httpserver.expect_request("/sales").respond_with_data("ok")
    httpserver.expect_request("/support").respond_with_data("ok")
    httpserver.expect_request("/everyone").respond_with_data("ok")
    sales, support = TeamFactory(name="Sales"), TeamFactory(name="Support")
    slack_channel(httpserver, "/sales", team=sales)
    slack_channel(httpserver, "/support", team=support)
    slack_channel(httpserver, "/everyone")
    campaign = CampaignFactory()
    campaign.audience_teams.set([sales])
    featured_post(title="For sales", campaign=campaign)

    chat_notify_task()

    assert len(received(httpserver, "/sales")) == 1
    assert received(httpserver, "/support") == []
    assert received(httpserver, "/everyone") == [], "the everyone-channel would invite people who cannot share it"


@pytest.mark.django_db
def test_posts_of_unlaunched_campaigns_and_older_posts_are_not_announced(httpserver):
    httpserver.expect_request("/services/T1/B1/secret").respond_with_data("ok")
    featured_post(
        title="Live before the channel existed",
        publish_at=NOW - dt.timedelta(hours=3),
        campaign=CampaignFactory(launched_at=NOW - dt.timedelta(days=1)),
    )
    featured_post(title="Unlaunched", campaign=CampaignFactory(launched_at=None))
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        slack_channel(httpserver)

    chat_notify_task()

    assert received(httpserver) == []


@pytest.mark.django_db
def test_slack_rate_limit_is_retried_after_its_retry_after_and_posted_once(httpserver, frozen):
    path = "/services/T1/B1/secret"
    httpserver.expect_ordered_request(path).respond_with_response(
        Response("rate_limited", status=429, headers={"Retry-After": "120"})
    )
    httpserver.expect_ordered_request(path).respond_with_data("ok")
    slack_channel(httpserver)
    featured_post()

    chat_notify_task()
    message = ChatMessage.objects.get()
    assert message.status == MessageStatus.WAITING
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=120)

    frozen.shift(dt.timedelta(seconds=60))
    chat_notify_task()
    assert len(httpserver.log) == 1, "retried before Slack's Retry-After"

    frozen.shift(dt.timedelta(seconds=61))
    chat_notify_task()
    chat_notify_task()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 2
    assert len(httpserver.log) == 2
    assert received(httpserver)[0] == received(httpserver)[1], "the same message, not a rebuilt one"


@pytest.mark.django_db
def test_a_lost_answer_is_never_repeated_on_its_own_and_an_admin_may_resend(httpserver, frozen, admin_client):
    path = "/services/T1/B1/secret"
    httpserver.expect_ordered_request(path).respond_with_data("rollup_error", status=500)
    httpserver.expect_ordered_request(path).respond_with_data("ok")
    slack_channel(httpserver)
    featured_post()

    chat_notify_task()
    for _ in range(3):
        frozen.shift(dt.timedelta(hours=2))
        chat_notify_task()
    message = ChatMessage.objects.get()
    assert message.status == MessageStatus.UNKNOWN
    assert len(httpserver.log) == 1

    response = admin_client.post(
        reverse("admin:chat_chatmessage_changelist"),
        {"action": "resend", "_selected_action": [message.pk]},
        follow=True,
    )
    assert "1 sent again" in response.content.decode()
    message.refresh_from_db()
    assert (message.status, message.attempts, len(httpserver.log)) == (MessageStatus.SENT, 2, 2)


@pytest.mark.django_db
def test_a_deleted_slack_webhook_switches_the_channel_off_with_the_reason(httpserver, frozen):
    httpserver.expect_request("/services/T1/B1/secret").respond_with_data("channel_not_found", status=404)
    channel = slack_channel(httpserver)
    featured_post()

    chat_notify_task()
    frozen.shift(dt.timedelta(hours=2))
    featured_post(title="Later", publish_at=NOW + dt.timedelta(hours=2))
    chat_notify_task()

    channel.refresh_from_db()
    assert not channel.is_active
    assert "404 channel_not_found" in channel.last_error
    assert ChatMessage.objects.get().status == MessageStatus.FAILED
    assert len(httpserver.log) == 1


@pytest.mark.django_db
def test_teams_gets_an_adaptive_card_and_its_200_failure_body_is_not_taken_as_delivered(httpserver):
    httpserver.expect_ordered_request("/workflows/ok").respond_with_data("", status=202)
    httpserver.expect_ordered_request("/webhookb2/legacy").respond_with_data(
        "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400 with "
        "ContextId MS-CV=abc.0.."
    )
    ChatChannel.objects.create(name="Workflows", kind="teams", webhook_url=httpserver.url_for("/workflows/ok"))
    ChatChannel.objects.create(name="Legacy", kind="teams", webhook_url=httpserver.url_for("/webhookb2/legacy"))
    featured_post(title="Teams post")

    chat_notify_task()

    payload = received(httpserver, "/workflows/ok")[0]
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][-1]["actions"][0] == {
        "type": "Action.OpenUrl",
        "title": "Share",
        "url": card["body"][-1]["actions"][0]["url"],
    }
    statuses = dict(ChatMessage.objects.values_list("channel__name", "status"))
    assert statuses == {"Workflows": MessageStatus.SENT, "Legacy": MessageStatus.FAILED}
    assert "delivery failed" in ChatChannel.objects.get(name="Legacy").last_error


@pytest.mark.django_db
def test_programme_news_reaches_programme_channels_with_an_open_button(httpserver, settings):
    httpserver.expect_request("/news").respond_with_data("ok")
    httpserver.expect_request("/posts-only").respond_with_data("ok")
    slack_channel(httpserver, "/news", featured_posts=False)
    slack_channel(httpserver, "/posts-only", programme_news=False)

    services.programme_news_enqueue(
        kind="challenge_result",
        source_key="challenge:7",
        title="Spring challenge: Sales wins",
        text="112 shares",
        url="/programme/challenges/7/",
    )
    services.programme_news_enqueue(
        kind="challenge_result",
        source_key="challenge:7",
        title="told twice",
        text="",
        url="/x/",
    )
    chat_notify_task()

    (message,) = received(httpserver, "/news")
    assert message["blocks"][0]["text"]["text"] == "Challenge results"
    assert message["blocks"][1]["accessory"] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Open"},
        "url": f"{settings.SITE_URL}/programme/challenges/7/",
    }
    assert received(httpserver, "/posts-only") == []


@pytest.mark.django_db
def test_a_send_whose_worker_died_becomes_unknown_not_a_second_post(httpserver, frozen):
    httpserver.expect_request("/services/T1/B1/secret").respond_with_data("ok")
    channel = slack_channel(httpserver)
    featured_post()
    services.featured_posts_enqueue()
    claimed = services._claim(channel_id=channel.pk, now=NOW)  # the worker dies here, before sending
    assert claimed.status == MessageStatus.SENDING

    frozen.shift(dt.timedelta(minutes=11))
    chat_notify_task()

    claimed.refresh_from_db()
    assert claimed.status == MessageStatus.UNKNOWN
    assert httpserver.log == []
    assert not ChatItem.objects.filter(message__isnull=True).exists()


@pytest.mark.django_db
def test_the_webhook_url_is_encrypted_at_rest_and_never_shown_again(admin_client, httpserver):
    url = httpserver.url_for("/services/T1/B1/very-secret")
    response = admin_client.post(
        reverse("admin:chat_chatchannel_add"),
        {"name": "#news", "kind": "slack", "webhook_url": url, "featured_posts": "on", "is_active": "on"},
    )
    assert response.status_code == 302
    channel = ChatChannel.objects.get()
    assert channel.webhook_url == url
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_url FROM chat_chatchannel")
        assert "very-secret" not in cursor.fetchone()[0]
    page = admin_client.get(reverse("admin:chat_chatchannel_change", args=[channel.pk])).content.decode()
    assert "very-secret" not in page

    response = admin_client.post(
        reverse("admin:chat_chatchannel_change", args=[channel.pk]),
        {"name": "#news-renamed", "kind": "slack", "webhook_url": "", "featured_posts": "on", "is_active": "on"},
    )
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.webhook_url) == ("#news-renamed", url)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"webhook_url": "http://10.0.0.5/hook"}, "only public https addresses"),
        ({"webhook_url": "not a url"}, "Enter a valid URL"),
        ({"webhook_url": ""}, "Paste the channel"),
        ({"featured_posts": "", "programme_news": ""}, "at least one kind of news"),
        ({"kind": "discord"}, "Select a valid choice"),
    ],
)
def test_bad_channels_are_refused_clearly_and_nothing_is_stored(admin_client, settings, fields, error):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    data = {
        "name": "#news",
        "kind": "slack",
        "webhook_url": "https://hooks.slack.com/services/T/B/x",
        "featured_posts": "on",
        "is_active": "on",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v}
    response = admin_client.post(reverse("admin:chat_chatchannel_add"), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ChatChannel.objects.exists()


@pytest.mark.django_db
def test_a_channel_on_a_private_address_is_switched_off_without_a_request(httpserver, settings):
    channel = slack_channel(httpserver)
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    featured_post()

    chat_notify_task()

    channel.refresh_from_db()
    assert not channel.is_active
    assert "only public https addresses" in channel.last_error
    assert httpserver.log == []


@pytest.mark.django_db(transaction=True)
def test_a_frozen_challenge_and_the_weekly_spotlight_reach_the_programme_channels(httpserver, frozen):
    from programme.models import Challenge
    from programme.services import challenge_freeze

    httpserver.expect_request("/news").respond_with_data("ok")
    slack_channel(httpserver, "/news", featured_posts=False)
    challenge = Challenge.objects.create(
        name="Spring sprint",
        starts_at=NOW - dt.timedelta(days=7),
        ends_at=NOW - dt.timedelta(hours=1),
        campaign=CampaignFactory(),
        prize="Lunch with the CEO",
    )

    challenge_freeze(challenge_id=challenge.pk, now=NOW)
    chat_notify_task()

    (message,) = received(httpserver, "/news")
    assert message["blocks"][0]["text"]["text"] == "Challenge results"
    assert "Challenge results: Spring sprint" in message["blocks"][1]["text"]["text"]
    assert message["blocks"][1]["accessory"]["url"].endswith(reverse("programme:challenge", args=[challenge.pk]))
