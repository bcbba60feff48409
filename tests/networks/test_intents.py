import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from networks.models import Share
from networks.providers import get_provider

LINK = "https://go.example.com/s/Ab3dEf9h"
TEXT = f"Ünïcode & 🎉 #launch 50% off?\n\n#employee\n{LINK}"


@pytest.mark.parametrize(
    "network, instance, expected",
    [
        (
            "linkedin",
            "",
            "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fgo.example.com%2Fs%2FAb3dEf9h",
        ),
        (
            "x",
            "",
            "https://x.com/intent/tweet?text=%C3%9Cn%C3%AFcode%20%26%20%F0%9F%8E%89%20%23launch%2050%25%20off%3F%0A%0A%23employee"
            "&url=https%3A%2F%2Fgo.example.com%2Fs%2FAb3dEf9h",
        ),
        ("facebook", "", "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fgo.example.com%2Fs%2FAb3dEf9h"),
        (
            "bluesky",
            "",
            "https://bsky.app/intent/compose?text=%C3%9Cn%C3%AFcode%20%26%20%F0%9F%8E%89%20%23launch%2050%25%20off%3F%0A%0A%23employee"
            "%0Ahttps%3A%2F%2Fgo.example.com%2Fs%2FAb3dEf9h",
        ),
        (
            "mastodon",
            "https://Fosstodon.org/",
            "https://fosstodon.org/share?text=%C3%9Cn%C3%AFcode%20%26%20%F0%9F%8E%89%20%23launch%2050%25%20off%3F%0A%0A%23employee"
            "%0Ahttps%3A%2F%2Fgo.example.com%2Fs%2FAb3dEf9h",
        ),
        (
            "threads",
            "",
            "https://www.threads.com/intent/post?text=%C3%9Cn%C3%AFcode%20%26%20%F0%9F%8E%89%20%23launch%2050%25%20off%3F%0A%0A%23employee"
            "&url=https%3A%2F%2Fgo.example.com%2Fs%2FAb3dEf9h",
        ),
        (
            "whatsapp",
            "",
            "https://wa.me/?text=%C3%9Cn%C3%AFcode%20%26%20%F0%9F%8E%89%20%23launch%2050%25%20off%3F%0A%0A%23employee"
            "%0Ahttps%3A%2F%2Fgo.example.com%2Fs%2FAb3dEf9h",
        ),
    ],
)
def test_intent_urls_have_exact_parameters_and_encoding(network, instance, expected):
    assert get_provider(network).intent_url(text=TEXT, link=LINK, instance=instance) == expected


def test_email_intent_puts_text_and_link_in_the_body():
    url = get_provider("email").intent_url(text=TEXT, link=LINK)
    assert url.startswith("mailto:?")
    query = parse_qs(urlsplit(url).query)
    assert query["body"] == [TEXT]
    assert query["subject"] == ["Ünïcode & 🎉 #launch 50% off?"]


@pytest.mark.parametrize("network", ["linkedin", "x", "facebook", "bluesky", "threads", "whatsapp", "email"])
def test_dialog_view_records_the_share_and_redirects_with_the_employees_short_link(client, employee, post, network):
    client.force_login(employee)
    response = client.post(reverse("networks:share_intent", args=[post.pk, network]))
    assert response.status_code == 302
    share = Share.objects.get(user=employee, network=network)
    assert share.route == Share.Route.INTENT
    assert share.status == Share.Status.OPENED
    location = response["Location"]
    assert share.short_link.code in location
    assert share.short_link.user == employee
    assert post.target_url not in location  # never the raw target: clicks must be counted


def test_mastodon_dialog_needs_a_valid_instance(client, employee, post):
    client.force_login(employee)
    response = client.post(
        reverse("networks:share_intent", args=[post.pk, "mastodon"]), {"instance": "javascript:alert(1)"}
    )
    assert response.status_code == 400
    assert "is not an instance name" in response.content.decode()
    assert not Share.objects.exists()
    response = client.post(
        reverse("networks:share_intent", args=[post.pk, "mastodon"]), {"instance": "mastodon.social"}
    )
    assert response["Location"].startswith("https://mastodon.social/share?text=")


def test_dialog_for_unknown_network_or_foreign_post_is_404(client, employee, post, colleague):
    client.force_login(employee)
    assert client.get(reverse("networks:share_intent", args=[post.pk, "myspace"])).status_code == 404
    assert client.get(reverse("networks:share_intent", args=[post.pk, "generic"])).status_code == 404
    post.expires_at = post.publish_at + dt.timedelta(seconds=1)
    post.save()
    assert client.get(reverse("networks:share_intent", args=[post.pk, "x"])).status_code == 404
    assert not Share.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client, post):
    response = client.get(reverse("networks:share_intent", args=[post.pk, "x"]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Issue 9 §2: the dialog is no open redirect, and a GET changes nothing ---------------------


@pytest.fixture
def csrf_client(client):
    client.handler.enforce_csrf_checks = True
    return client


def test_dialog_get_with_a_foreign_instance_redirects_nowhere_and_records_nothing(csrf_client, employee, post):
    """The issue's open redirect: GET …/mastodon/dialog/?instance=evil.example answered 302 https://evil.example/."""
    csrf_client.force_login(employee)
    response = csrf_client.get(
        reverse("networks:share_intent", args=[post.pk, "mastodon"]),
        {"instance": "evil.example"},
        HTTP_REFERER="https://evil.example/page",
    )
    assert response.status_code == 200
    assert "Location" not in response
    assert "evil.example" not in response.content.decode()  # the query string is not even suggested
    assert not Share.objects.exists()


@pytest.mark.parametrize(
    "network", ["linkedin", "x", "facebook", "bluesky", "mastodon", "threads", "whatsapp", "email"]
)
def test_a_cross_site_get_or_post_of_the_dialog_creates_no_share(csrf_client, employee, post, network):
    """A cross-site <img src=…/dialog/> (GET) or a forged form (POST without the CSRF token) records nothing."""
    csrf_client.force_login(employee)
    url = reverse("networks:share_intent", args=[post.pk, network])
    response = csrf_client.get(url, HTTP_REFERER="https://evil.example/")
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    forged = csrf_client.post(url, {"instance": "evil.example"}, HTTP_REFERER="https://evil.example/")
    assert forged.status_code == 403
    assert not Share.objects.exists()


def test_the_dialog_page_posts_with_its_csrf_token_and_then_records_the_share(csrf_client, employee, post):
    csrf_client.force_login(employee)
    url = reverse("networks:share_intent", args=[post.pk, "x"])
    page = csrf_client.get(url)
    token = page.context["csrf_token"]
    response = csrf_client.post(url, {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert response["Location"].startswith("https://x.com/intent/tweet?")
    assert Share.objects.filter(user=employee, network="x", status=Share.Status.OPENED).count() == 1


def test_mastodon_dialog_opens_on_the_connected_instance(client, employee, post):
    from networks.models import ConnectedAccount

    ConnectedAccount.objects.create(
        user=employee, network="mastodon", instance="fosstodon.org", external_id="1", access_token="t"
    )
    client.force_login(employee)
    url = reverse("networks:share_intent", args=[post.pk, "mastodon"])
    page = client.get(url).content.decode()
    assert 'value="fosstodon.org"' in page
    assert "You will leave for <strong>fosstodon.org</strong>" in page
    response = client.post(url)
    assert response["Location"].startswith("https://fosstodon.org/share?text=")


def test_mastodon_dialog_refuses_an_instance_on_our_own_network(client, employee, post, settings):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    client.force_login(employee)
    for instance in ("127.0.0.1", "169.254.169.254", "2130706433"):
        response = client.post(reverse("networks:share_intent", args=[post.pk, "mastodon"]), {"instance": instance})
        assert response.status_code == 400
    assert not Share.objects.exists()


@pytest.mark.parametrize("network", ["mastodon", "facebook"])
def test_the_share_page_get_creates_no_short_link(client, employee, post, network):
    from shortlinks.models import ShortLink

    client.force_login(employee)
    response = client.get(reverse("networks:share", args=[post.pk, network]), HTTP_REFERER="https://evil.example/")
    assert response.status_code == 200
    assert not ShortLink.objects.exists()
    assert not Share.objects.exists()
