"""The digest against a real SMTP server on loopback (aiosmtpd): what arrives, and how faults are handled."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client

from accounts.models import EmployeeProfile
from digest.models import DigestSend
from digest.services.sending import digests_send_due
from shortlinks.models import ShortLink
from tests.factories import ConnectedAccountFactory

from .conftest import at, make_person, make_posts

pytestmark = pytest.mark.django_db

WEDNESDAY_0805 = at(2026, 3, 4, 8, 5)


def _parts(message):
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def test_the_digest_arrives_with_both_parts_and_one_click_unsubscribe_headers(smtp):
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        posts = make_posts(3)
        result = digests_send_due()
    assert result.sent == 1
    [message] = smtp.to("alice@example.com")
    assert message["Subject"] == "3 posts to share today"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(
        r"<(https://advocacy\.example\.com/digest/unsubscribe/[^>]+/)>", message["List-Unsubscribe"].strip()
    )
    assert unsubscribe
    text, html = _parts(message)
    for post in posts:
        assert post.title in text and post.title in html
    assert unsubscribe.group(1) in text and unsubscribe.group(1) in html
    assert 'style="' in html  # css-inline put the styles on the elements
    assert "prefers-color-scheme: dark" in html
    log = DigestSend.objects.get(employee=alice)
    assert log.status == DigestSend.Status.SENT
    assert log.message_id == message["Message-ID"]
    assert sorted(log.post_ids) == sorted(p.pk for p in posts)


def test_every_share_link_carries_that_persons_short_link_for_that_network(smtp):
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        make_person("bob@example.com")
        make_posts(3)
        digests_send_due()
    [message] = smtp.to("alice@example.com")
    text, html = _parts(message)
    intents = {
        "linkedin": "https://www.linkedin.com/",
        "x": "https://x.com/",
        "bluesky": "https://bsky.app/",
        "facebook": "https://www.facebook.com/",
    }
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', html)]
    share_links = [h for h in hrefs if any(h.startswith(prefix) for prefix in intents.values())]
    assert len(share_links) == 3 * 4
    for href in share_links:
        network = next(n for n, prefix in intents.items() if href.startswith(prefix))
        codes = set(re.findall(r"go\.example\.com/s/([A-Za-z0-9]+)", str(parse_qs(urlsplit(href).query))))
        assert len(codes) == 1, href
        link = ShortLink.objects.get(code=codes.pop())
        assert (link.user_id, link.network) == (alice.pk, network)
        assert href in text.replace("&amp;", "&")  # the plain text carries the same links


def test_a_second_beat_run_the_same_local_day_sends_nothing(smtp):
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        make_person("alice@example.com")
        make_posts(3)
        digests_send_due()
    with time_machine.travel(at(2026, 3, 4, 8, 20), tick=False):
        assert digests_send_due().sent == 0
    with time_machine.travel(at(2026, 3, 4, 8, 35), tick=False):
        assert digests_send_due().sent == 0
    assert len(smtp.messages) == 1


def test_one_click_unsubscribe_works_from_a_bare_post(smtp):
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        make_posts(3)
        digests_send_due()
    url = re.search(r"<([^>]+)>", smtp.to("alice@example.com")[0]["List-Unsubscribe"]).group(1)
    client = Client(enforce_csrf_checks=True)  # a mail client: no cookie, no CSRF token
    response = client.post(
        urlsplit(url).path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not EmployeeProfile.objects.get(user=alice).digest_opt_in
    with time_machine.travel(at(2026, 3, 5, 8, 5), tick=False):
        assert digests_send_due().due == 0


def test_a_connected_account_gets_a_signed_confirmation_link_not_an_intent(smtp, settings):
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        ConnectedAccountFactory(user=alice, network="mastodon", instance="mastodon.example", access_token="tok")
        make_posts(3)
        digests_send_due()
    text, html = _parts(smtp.to("alice@example.com")[0])
    confirm = re.findall(r'href="(https://advocacy\.example\.com/digest/share/[^"]+/)"', html)
    assert len(confirm) == 3
    assert "Post to Mastodon" in html


def test_a_busy_server_is_retried_and_the_message_arrives_once(smtp):
    smtp.refuse["alice@example.com"] = ["451 4.7.1 Try again later"]
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        make_posts(3)
        result = digests_send_due(sleep=lambda s: None)
    assert result.sent == 1
    assert len(smtp.to("alice@example.com")) == 1
    log = DigestSend.objects.get(employee=alice)
    assert (log.status, log.attempts) == (DigestSend.Status.SENT, 2)


def test_a_permanent_refusal_marks_the_address_undeliverable_and_nothing_goes_there_again(smtp):
    smtp.refuse["alice@example.com"] = ["550 5.1.1 No such user"]
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        bob = make_person("bob@example.com")
        make_posts(3)
        result = digests_send_due(sleep=lambda s: None)
    assert result.sent == 1 and result.failed == 1
    assert DigestSend.objects.get(employee=alice).reason == DigestSend.Reason.UNDELIVERABLE
    assert EmployeeProfile.objects.get(user=alice).undeliverable_email == "alice@example.com"
    assert len(smtp.to("bob@example.com")) == 1
    with time_machine.travel(at(2026, 3, 5, 8, 5), tick=False):
        result = digests_send_due()
    assert result.due == 1 and bob.pk in DigestSend.objects.filter(local_date="2026-03-05").values_list(
        "employee", flat=True
    )


def test_a_server_down_at_send_time_leaves_retry_and_the_next_run_sends_once(smtp, settings):
    port = settings.EMAIL_PORT
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        make_posts(3)
        settings.EMAIL_PORT = 1  # nothing listens there
        result = digests_send_due(sleep=lambda s: None)
    assert result.retry == 1 and result.sent == 0
    assert DigestSend.objects.get(employee=alice).status == DigestSend.Status.RETRY
    settings.EMAIL_PORT = port
    with time_machine.travel(at(2026, 3, 4, 8, 20), tick=False):
        assert digests_send_due().sent == 1
    with time_machine.travel(at(2026, 3, 4, 8, 35), tick=False):
        assert digests_send_due().sent == 0
    assert len(smtp.to("alice@example.com")) == 1
    assert DigestSend.objects.get(employee=alice).status == DigestSend.Status.SENT
