import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from networks.models import ConnectedAccount, Share
from networks.providers.bluesky import link_facets
from networks.services.connections import accounts_refresh_due
from networks.services.publishing import MAX_ATTEMPTS, share_publish, shares_publish_due, shares_reconcile_unknown
from networks.services.sharing import share_direct_create
from tests.networks.budgets import window_passes


def connect(client, bluesky, **overrides):
    data = {"handle": "@Alice.Example.com", "app_password": bluesky.app_password} | overrides
    return client.post(reverse("networks:bluesky_connect"), data)


def test_connect_resolves_handle_to_did_and_pds_and_keeps_no_app_password(client, employee, bluesky):
    client.force_login(employee)
    response = connect(client, bluesky)
    assert response.status_code == 302
    account = ConnectedAccount.objects.get(user=employee, network="bluesky")
    assert account.external_id == bluesky.did
    assert account.service_url == bluesky.url()
    assert account.handle == "alice.example.com"
    assert account.access_token in bluesky.access
    assert account.refresh_token in bluesky.refresh
    assert account.refreshable
    assert bluesky.app_password not in str(ConnectedAccount.objects.values().get(pk=account.pk))


@pytest.mark.parametrize(
    "handle, message",
    [
        ("nobody.example.com", "does not resolve"),
        ("not a handle!", "is not a Bluesky handle"),
    ],
)
def test_connect_with_a_handle_that_does_not_resolve_says_so(client, employee, bluesky, handle, message):
    client.force_login(employee)
    response = connect(client, bluesky, handle=handle)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ConnectedAccount.objects.exists()


def test_connect_with_a_wrong_app_password_explains_app_passwords(client, employee, bluesky):
    client.force_login(employee)
    response = connect(client, bluesky, app_password="wrong-pass-word-here")
    assert response.status_code == 400
    assert "app password" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


def test_link_facet_uses_utf8_byte_offsets():
    link = "https://go.example.com/s/abc"
    text = f"Zürich 🎉 launch!\n{link}"
    [facet] = link_facets(text, link)
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode()[start:end].decode() == link
    assert start != text.index(link)  # characters and bytes differ here: the test can tell them apart


def test_publish_posts_record_with_facet_card_and_thumbnail(client, employee, bluesky, post_with_image):
    client.force_login(employee)
    connect(client, bluesky)
    share = share_direct_create(user=employee, post=post_with_image, network="bluesky")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    [record] = bluesky.records.values()
    value = record["value"]
    link = share.short_link.short_url
    assert value["text"].endswith(link)
    assert "🎉" in value["text"]
    assert value["facets"][0]["features"][0]["uri"] == link
    external = value["embed"]["external"]
    assert external["uri"] == link
    assert external["title"] == post_with_image.title
    assert external["thumb"]["size"] <= 1_000_000
    assert share.external_id == record["uri"]
    assert share.external_url.startswith("https://bsky.app/profile/alice.example.com/post/")


def _run_retries(share, capture):
    """Let the beat pass pick up the share's retries until it leaves SCHEDULED (at most MAX_ATTEMPTS)."""
    for _ in range(MAX_ATTEMPTS):
        share.refresh_from_db()
        if share.status != Share.Status.SCHEDULED:
            return
        window_passes()  # the limiter's clock does not travel with time_machine
        with time_machine.travel(share.scheduled_for + dt.timedelta(seconds=1)), capture(execute=True):
            shares_publish_due()


def test_a_lost_answer_is_settled_by_looking_the_record_up_under_its_key(client, employee, bluesky, post):
    client.force_login(employee)
    connect(client, bluesky)
    share = share_direct_create(user=employee, post=post, network="bluesky")
    bluesky.fail("create_record", 200, {}, sleep=1.0, then_succeed=True)  # written, answer lost
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    [(uri, record)] = bluesky.records.items()
    assert share.external_id == uri and uri.endswith(f"/{share.idempotency_key}")
    assert bluesky.count("create_record") == 1


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_after_the_record_was_written_is_published_without_a_retry(client, employee, bluesky, post, status):
    client.force_login(employee)
    connect(client, bluesky)
    share = share_direct_create(user=employee, post=post, network="bluesky")
    bluesky.fail("create_record", status, {"error": "InternalServerError"}, then_succeed=True)
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == next(iter(bluesky.records))
    assert share.attempts == 1


def test_a_retry_meeting_the_pds_500_for_its_used_record_key_ends_published_and_is_not_posted_again(
    client, employee, bluesky, post, django_capture_on_commit_callbacks
):
    """The real PDS answers a record key in use with 500 InternalServerError (atproto #3718, indigo #873)."""
    client.force_login(employee)
    connect(client, bluesky)
    share = share_direct_create(user=employee, post=post, network="bluesky")
    bluesky.fail("create_record", 200, {}, sleep=1.0, then_succeed=True)  # written, answer lost
    bluesky.fail("get_record", 503, {"error": "InternalServerError"})  # and the PDS could not say right then
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED  # same record key next time
    _run_retries(share, django_capture_on_commit_callbacks)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    [(uri, record)] = bluesky.records.items()
    assert share.external_id == uri
    assert bluesky.count("create_record") == 2  # the retry met the 500, then found the record
    with pytest.raises(ValidationError):
        share_direct_create(user=employee, post=post, network="bluesky")  # sharing again is refused…
    assert len(bluesky.records) == 1  # …so there is never a second post


@pytest.mark.parametrize(
    "answer", [(500, "InternalServerError"), (400, "RecordAlreadyExists"), (409, "RecordAlreadyExists")]
)
def test_every_way_a_pds_refuses_a_used_record_key_means_published(client, employee, bluesky, post, answer):
    """Today's 500, and the explicit RecordAlreadyExists of atproto PR #4728 (a 4xx)."""
    client.force_login(employee)
    connect(client, bluesky)
    bluesky.record_exists_answer = answer
    share = share_direct_create(user=employee, post=post, network="bluesky")
    uri = f"at://{bluesky.did}/app.bsky.feed.post/{share.idempotency_key}"
    bluesky.records[uri] = {"uri": uri, "cid": "bafyreiearlier", "value": {"text": share.text}}  # an earlier try
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == uri
    assert len(bluesky.records) == 1


def test_answers_lost_on_every_try_end_unknown_and_are_settled_by_the_record_key(
    client, employee, bluesky, post, django_capture_on_commit_callbacks
):
    client.force_login(employee)
    connect(client, bluesky)
    share = share_direct_create(user=employee, post=post, network="bluesky")
    bluesky.fail("create_record", 503, {"error": "InternalServerError"}, times=MAX_ATTEMPTS)  # nothing written
    share_publish(share_id=share.pk)
    _run_retries(share, django_capture_on_commit_callbacks)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN  # not FAILED: a late write would still be a post
    uri = f"at://{bluesky.did}/app.bsky.feed.post/{share.idempotency_key}"
    bluesky.records[uri] = {"uri": uri, "cid": "bafyreilate", "value": {"text": share.text}}
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert shares_reconcile_unknown() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED and share.external_id == uri


def test_text_over_300_graphemes_is_refused_before_anything_is_sent(client, employee, bluesky, post):
    client.force_login(employee)
    connect(client, bluesky)
    text = "👩‍👩‍👧‍👦" * 280 + "\n\n#employee"  # 280 graphemes, but 3,080 UTF-16 units
    with pytest.raises(ValidationError) as exc:
        share_direct_create(user=employee, post=post, network="bluesky", text=text)
    assert "Bluesky allows 300 graphemes" in str(exc.value)
    assert not Share.objects.exists()
    assert bluesky.records == {}


def test_image_too_large_for_bluesky_is_refused(client, employee, bluesky, post_with_image):
    client.force_login(employee)
    connect(client, bluesky)
    rendition = post_with_image.renditions.get(network="bluesky")
    rendition.image.save("big.jpg", ContentFile(b"\xff" * 1_200_000))
    with pytest.raises(ValidationError) as exc:
        share_direct_create(user=employee, post=post_with_image, network="bluesky")
    assert "Bluesky accepts at most 1,000,000" in str(exc.value)
    assert not Share.objects.exists()


def test_expired_session_is_refreshed_by_the_daily_task(client, employee, bluesky):
    client.force_login(employee)
    connect(client, bluesky)
    account = ConnectedAccount.objects.get(user=employee)
    old_refresh = account.refresh_token
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        counts = accounts_refresh_due()
    account.refresh_from_db()
    assert counts["refreshed"] == 1
    assert account.refresh_token != old_refresh
    assert account.refresh_token in bluesky.refresh
    assert old_refresh not in bluesky.refresh


def test_refresh_refused_flags_account_for_reconnection(client, employee, bluesky):
    client.force_login(employee)
    connect(client, bluesky)
    bluesky.refresh.clear()
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        counts = accounts_refresh_due()
    account = ConnectedAccount.objects.get(user=employee)
    assert counts["flagged"] == 1
    assert account.health == ConnectedAccount.Health.NEEDS_RECONNECT


def test_expired_access_token_is_refreshed_once_and_the_post_goes_out(client, employee, bluesky, post):
    client.force_login(employee)
    connect(client, bluesky)
    share = share_direct_create(user=employee, post=post, network="bluesky")
    bluesky.expire_access_tokens()  # the PDS answers 400 ExpiredToken
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert bluesky.count("refresh_session") == 1
    assert len(bluesky.records) == 1


def test_card_title_and_description_come_from_the_target_pages_open_graph_tags(
    client, employee, bluesky, post, httpserver, settings
):
    settings.SHARE_FETCH_OPEN_GRAPH = True
    httpserver.expect_request("/blog/launch").respond_with_data(
        '<html><head><meta property="og:title" content="Launch &amp; learn">'
        '<meta property="og:description" content="What we shipped, and why."></head></html>',
        content_type="text/html; charset=utf-8",
    )
    post.target_url = httpserver.url_for("/blog/launch")
    post.save()
    client.force_login(employee)
    connect(client, bluesky)
    share = share_direct_create(user=employee, post=post, network="bluesky")
    share_publish(share_id=share.pk)
    [record] = bluesky.records.values()
    external = record["value"]["embed"]["external"]
    assert external["title"] == "Launch & learn"
    assert external["description"] == "What we shipped, and why."
    assert external["uri"] == share.short_link.short_url


def test_a_retried_publish_reuses_the_uploaded_blob(
    client, employee, bluesky, post_with_image, django_capture_on_commit_callbacks
):
    client.force_login(employee)
    connect(client, bluesky)
    bluesky.fail("create_record", 429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
    share = share_direct_create(user=employee, post=post_with_image, network="bluesky")
    share_publish(share_id=share.pk)
    _run_retries(share, django_capture_on_commit_callbacks)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert bluesky.count("upload_blob") == 1
    [record] = bluesky.records.values()
    assert record["value"]["embed"]["external"]["thumb"]["ref"]["$link"] in bluesky.blobs


def test_a_bluesky_post_costs_three_points_of_the_accounts_write_budget(client, employee, bluesky, post, monkeypatch):
    from networks.providers.bluesky import BlueskyProvider
    from tests.factories import SuggestedPostFactory

    monkeypatch.setattr(BlueskyProvider, "publish_budget_per_window", 5)  # room for one create (3 points)
    client.force_login(employee)
    connect(client, bluesky)
    first = share_direct_create(user=employee, post=post, network="bluesky")
    second = share_direct_create(user=employee, post=SuggestedPostFactory(disclaimer="#employee"), network="bluesky")
    share_publish(share_id=first.pk)
    share_publish(share_id=second.pk)
    second.refresh_from_db()
    assert second.status == Share.Status.SCHEDULED and second.attempts == 0
    assert len(bluesky.records) == 1
