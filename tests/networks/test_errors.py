"""How answers from the networks become typed errors, and bad input that reaches a network."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import profile_get
from networks.models import ConnectedAccount, MastodonApp, Share
from networks.providers.base import retry_after_seconds
from networks.services.publishing import share_publish
from networks.services.sharing import share_direct_create

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("120", 120),  # Retry-After seconds
        ("Wed, 25 Nov 2026 12:02:00 GMT", 120),  # Retry-After HTTP date
        (str(int(NOW.timestamp()) + 90), 90),  # X x-rate-limit-reset / Bluesky RateLimit-Reset (epoch)
        ("2026-11-25T12:05:00.000Z", 300),  # Mastodon X-RateLimit-Reset (ISO)
        ("2026-11-25T11:00:00Z", 0),  # already past
        ("soon", None),
        ("", None),
    ],
)
def test_reset_headers_of_every_network_are_understood(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


def test_bluesky_rate_limit_waits_for_ratelimit_reset(client, employee, bluesky, post):
    client.force_login(employee)
    client.post(reverse("networks:bluesky_connect"), {"handle": bluesky.handle, "app_password": bluesky.app_password})
    now = timezone.now()
    bluesky.fail(
        "create_record",
        429,
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={
            "RateLimit-Limit": "5000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int(now.timestamp()) + 600),
        },
    )
    share = share_direct_create(user=employee, post=post, network="bluesky")
    share_publish(share_id=share.pk, now=now)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED
    assert share.scheduled_for >= now + dt.timedelta(seconds=590)
    assert "Rate Limit Exceeded" in share.error
    assert bluesky.records == {}


def test_a_server_that_is_not_mastodon_is_refused_clearly(client, employee, httpserver):
    httpserver.expect_request("/api/v1/apps", method="POST").respond_with_data("<h1>Not Found</h1>", status=404)
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": f"{httpserver.host}:{httpserver.port}"})
    assert response.status_code == 400
    assert "refused to register the app" in response.content.decode()
    assert not MastodonApp.objects.exists()


def test_a_garbled_token_answer_connects_nothing(client, employee, mastodon):
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": mastodon.instance})
    callback = mastodon.approve(response["Location"])
    mastodon.fail("token", 200, raw="<html>maintenance</html>")
    response = client.get(reverse("networks:mastodon_callback"), callback, follow=True)
    assert "refused the connection" in response.content.decode()
    assert not ConnectedAccount.objects.exists()


def test_mastodon_server_error_retries_and_validation_error_fails_with_its_message(client, employee, mastodon, post):
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": mastodon.instance})
    client.get(reverse("networks:mastodon_callback"), mastodon.approve(response["Location"]))
    mastodon.fail("statuses", 500, {"error": "Internal Server Error"})
    share = share_direct_create(user=employee, post=post, network="mastodon")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED
    Share.objects.filter(pk=share.pk).update(status=Share.Status.QUEUED)
    mastodon.fail("statuses", 422, {"error": "Validation failed: Text character limit of 500 exceeded"})
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert share.error == "Validation failed: Text character limit of 500 exceeded"


def test_schedule_time_is_read_in_the_employees_time_zone(client, employee, mastodon, post):
    profile = profile_get(user=employee)
    profile.time_zone = "Europe/Berlin"
    profile.save()
    client.force_login(employee)
    response = client.post(reverse("networks:mastodon_connect"), {"instance": mastodon.instance})
    client.get(reverse("networks:mastodon_callback"), mastodon.approve(response["Location"]))
    # Tomorrow at 15:30 in Berlin, on whatever day the suite runs (summer or winter time).
    berlin = ZoneInfo("Europe/Berlin")
    tomorrow = timezone.now().astimezone(berlin).date() + dt.timedelta(days=1)
    local = dt.datetime.combine(tomorrow, dt.time(15, 30), tzinfo=berlin)
    response = client.post(
        reverse("networks:share", args=[post.pk, "mastodon"]),
        {
            "action": "schedule",
            "skip_personal_line": "on",
            "scheduled_for": local.strftime("%Y-%m-%dT%H:%M"),
            "text": "Our new release is out. 🎉\n\n#employee",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Share.objects.get().scheduled_for == local.astimezone(dt.UTC)
