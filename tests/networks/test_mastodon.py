import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from networks.models import ConnectedAccount, MastodonApp, Share
from networks.services.publishing import share_publish


def connect(client, mastodon):
    """Walk the real flow: our connect view → instance authorize page (approved by the fake) → our callback."""
    response = client.post(reverse("networks:mastodon_connect"), {"instance": f"http://{mastodon.instance}/"})
    assert response.status_code == 302
    authorize = response["Location"]
    assert authorize.startswith(f"http://{mastodon.instance}/oauth/authorize?")
    callback = mastodon.approve(authorize)
    return client.get(reverse("networks:mastodon_callback"), callback)


def test_connect_registers_app_once_runs_pkce_and_stores_encrypted_token(client, employee, mastodon):
    client.force_login(employee)
    response = connect(client, mastodon)
    assert response.status_code == 302
    account = ConnectedAccount.objects.get(user=employee, network="mastodon")
    assert account.instance == mastodon.instance
    assert account.external_id == "109876"
    assert account.handle == f"@alice@{mastodon.instance}"
    assert account.access_token in mastodon.tokens
    assert account.health_at() == ConnectedAccount.Health.OK

    connect(client, mastodon)  # reconnecting reuses the registered app
    assert mastodon.count("apps") == 1
    assert MastodonApp.objects.count() == 1
    assert ConnectedAccount.objects.filter(user=employee).count() == 1


def test_connect_without_pkce_support_still_works(client, employee, mastodon):
    mastodon.pkce = False
    client.force_login(employee)
    connect(client, mastodon)
    assert ConnectedAccount.objects.filter(user=employee, network="mastodon").exists()


@pytest.mark.parametrize(
    "instance, message",
    [
        ("not a host", "is not an instance name"),
        ("https://evil.example/path?x=1", "is not an instance name"),
        ("", "This field is required"),
    ],
)
def test_connect_refuses_instance_names_that_are_not_hosts(client, employee, instance, message):
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": instance})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MastodonApp.objects.exists()


def test_connect_to_an_instance_that_does_not_answer_says_so(client, employee):
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": "127.0.0.1:9"})
    assert response.status_code == 400
    assert "did not answer as a Mastodon server" in response.content.decode()
    assert not MastodonApp.objects.exists()


def test_callback_with_a_forged_state_connects_nothing(client, employee, mastodon):
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": mastodon.instance})
    callback = mastodon.approve(response["Location"])
    response = client.get(reverse("networks:mastodon_callback"), {"code": callback["code"], "state": "forged"})
    assert response.status_code == 302
    assert not ConnectedAccount.objects.exists()


def test_share_now_publishes_with_image_after_media_processing(
    client, employee, mastodon, post_with_image, django_capture_on_commit_callbacks
):
    mastodon.media_processing_polls = 1
    client.force_login(employee)
    connect(client, mastodon)
    url = reverse("networks:share", args=[post_with_image.pk, "mastodon"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "action": "now",
                "text": "Our new release is out. 🎉\n\n#employee",
                "include_image": "on",
                "skip_personal_line": "on",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    share = Share.objects.get(user=employee)
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.route == Share.Route.DIRECT
    [sent] = mastodon.statuses
    assert share.external_id == sent["status"]["id"]
    assert share.external_url == sent["status"]["url"]
    assert share.short_link.short_url in sent["text"]
    assert sent["text"].endswith(share.short_link.short_url)
    assert "#employee" in sent["text"]
    assert sent["idempotency_key"] == share.idempotency_key
    [media] = mastodon.media.values()
    assert b"SecretCamera" not in media["bytes"]  # EXIF stripped
    assert mastodon.count("media_get") == 2  # 206 while processing, then 200


def test_retried_publish_with_same_key_does_not_post_twice(employee, mastodon, post, client):
    client.force_login(employee)
    connect(client, mastodon)
    from networks.services.sharing import share_direct_create

    # The first attempt reaches the server but the answer is lost (read timeout).
    mastodon.fail("statuses", 200, {}, sleep=1.0, then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="mastodon")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED  # idempotent network: retried with the same key
    Share.objects.filter(pk=share.pk).update(status=Share.Status.QUEUED)
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    assert len(mastodon.statuses) == 1
    assert share.external_id == mastodon.statuses[0]["status"]["id"]
    assert mastodon.count("statuses") == 2


def test_rate_limit_reschedules_at_the_iso_reset_time(employee, mastodon, post, client):
    client.force_login(employee)
    connect(client, mastodon)
    from networks.services.sharing import share_direct_create

    now = timezone.now()
    reset = (now + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    mastodon.fail("statuses", 429, {"error": "Too many requests"}, headers={"X-RateLimit-Reset": reset})
    share = share_direct_create(user=employee, post=post, network="mastodon")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED
    assert share.scheduled_for >= now + dt.timedelta(minutes=4, seconds=55)
    assert "Too many requests" in share.error
    assert mastodon.statuses == []


def test_revoked_token_fails_the_share_and_flags_the_account(employee, mastodon, post, client):
    client.force_login(employee)
    connect(client, mastodon)
    from networks.services.sharing import share_direct_create

    share = share_direct_create(user=employee, post=post, network="mastodon")
    mastodon.tokens.clear()
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    account = ConnectedAccount.objects.get(user=employee)
    assert share.status == Share.Status.FAILED
    assert "Reconnect" in share.error
    assert account.health == ConnectedAccount.Health.NEEDS_RECONNECT
    assert "Reconnect the account" in share.next_step
    page = client.get(reverse("networks:accounts"))
    assert "Needs reconnection" in page.content.decode()


def test_scheduled_share_is_published_at_its_time(client, employee, mastodon, post, django_capture_on_commit_callbacks):
    from networks.services.publishing import shares_publish_due

    client.force_login(employee)
    connect(client, mastodon)
    when = timezone.localtime(timezone.now() + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    response = client.post(
        reverse("networks:share", args=[post.pk, "mastodon"]),
        {
            "action": "schedule",
            "skip_personal_line": "on",
            "scheduled_for": when.strftime("%Y-%m-%dT%H:%M"),
            "text": "Our new release is out. 🎉\n\n#employee",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    share = Share.objects.get(user=employee)
    assert share.status == Share.Status.SCHEDULED
    with django_capture_on_commit_callbacks(execute=True):
        assert shares_publish_due() == 0
    assert mastodon.statuses == []
    with time_machine.travel(when + dt.timedelta(minutes=1)), django_capture_on_commit_callbacks(execute=True):
        assert shares_publish_due() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    assert len(mastodon.statuses) == 1
    assert urlsplit(share.external_url).path.startswith("/@alice/")


def test_disconnect_revokes_the_token_on_the_instance(client, employee, mastodon):
    client.force_login(employee)
    connect(client, mastodon)
    account = ConnectedAccount.objects.get(user=employee)
    token = account.access_token
    response = client.post(reverse("networks:account_disconnect", args=[account.pk]))
    assert response.status_code == 302
    assert token not in mastodon.tokens
    assert not ConnectedAccount.objects.exists()


def test_disconnect_works_even_when_the_instance_is_down(client, employee, mastodon):
    client.force_login(employee)
    connect(client, mastodon)
    account = ConnectedAccount.objects.get(user=employee)
    mastodon.fail("revoke", 503, {"error": "down"})
    client.post(reverse("networks:account_disconnect", args=[account.pk]))
    assert not ConnectedAccount.objects.exists()


def test_answers_lost_on_every_try_end_unknown_then_failed_with_advice_after_a_day(
    employee, mastodon, post, client, django_capture_on_commit_callbacks
):
    """Mastodon cannot be asked whether a status exists: after the last lost answer the share is
    UNKNOWN (not "gave up"), and after a day it fails with advice to check the profile."""
    from networks.services.publishing import MAX_ATTEMPTS, shares_publish_due, shares_reconcile_unknown
    from networks.services.sharing import share_direct_create

    client.force_login(employee)
    connect(client, mastodon)
    mastodon.fail("statuses", 502, {"error": "Bad Gateway"}, times=MAX_ATTEMPTS)
    share = share_direct_create(user=employee, post=post, network="mastodon")
    share_publish(share_id=share.pk)
    for _ in range(MAX_ATTEMPTS - 1):
        share.refresh_from_db()
        with (
            time_machine.travel(share.scheduled_for + dt.timedelta(seconds=1)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            shares_publish_due()
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        assert shares_reconcile_unknown() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert shares_reconcile_unknown() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "Check your Mastodon profile" in share.error
