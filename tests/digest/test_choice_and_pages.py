"""Who gets a digest, which posts, the preferences page, unsubscribing, and the admin's tools."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from accounts.models import EmployeeProfile, User
from digest.models import DigestSend
from digest.services.sending import digests_send_due
from networks.models import Share
from tests.factories import ShortLinkFactory

from .conftest import at, make_person, make_posts

pytestmark = pytest.mark.django_db
WEDNESDAY_0805 = at(2026, 3, 4, 8, 5)


def test_featured_and_expiring_soon_come_first_and_the_last_two_digests_do_not_repeat():
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        plain = make_posts(8)
        featured = make_posts(1, is_featured=True)[0]
        soon = make_posts(1, expires_at=WEDNESDAY_0805 + dt.timedelta(hours=20))[0]
        shared = plain[0]
        Share.objects.create(
            user=alice,
            post=shared,
            network="x",
            short_link=ShortLinkFactory(user=alice, post=shared, network="x"),
            route="intent",
            status="opened",
            text="t",
        )
        digests_send_due()
    first = DigestSend.objects.get(employee=alice).post_ids
    assert first[:2] == [featured.pk, soon.pk] and len(first) == 5 and shared.pk not in first
    with time_machine.travel(at(2026, 3, 5, 8, 5), tick=False):
        digests_send_due()
    second = DigestSend.objects.get(employee=alice, local_date="2026-03-05").post_ids
    assert second[0] == featured.pk  # featured may repeat
    assert not (set(second) - {featured.pk}) & set(first)
    with time_machine.travel(at(2026, 3, 6, 8, 5), tick=False):
        result = digests_send_due()
    third = DigestSend.objects.get(employee=alice, local_date="2026-03-06")
    assert third.post_ids == [featured.pk] or third.status == DigestSend.Status.SENT
    assert result.sent == 1


def test_nothing_new_means_no_email_and_a_skip_with_its_reason():
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        result = digests_send_due()
    assert result.skipped == 1 and not mail.outbox
    assert DigestSend.objects.get(employee=alice).reason == DigestSend.Reason.NOTHING_NEW


def test_nobody_deactivated_opted_out_or_undeliverable_gets_one():
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        make_posts(3)
        gone = make_person("gone@example.com")
        User.objects.filter(pk=gone.pk).update(is_active=False)
        make_person("off@example.com", digest_opt_in=False)
        make_person("bounced@example.com", undeliverable_email="bounced@example.com")
        make_person("fine@example.com")
        digests_send_due()
    assert [m.to for m in mail.outbox] == [["fine@example.com"]]


def test_preferences_save_and_refuse_an_invalid_hour_or_zone(client):
    alice = make_person("alice@example.com")
    client.force_login(alice)
    assert client.get("/digest/preferences/").status_code == 200
    good = {
        "digest_opt_in": "on",
        "digest_hour": "7",
        "digest_minute": "30",
        "digest_days": ["0", "2"],
        "digest_networks": ["linkedin"],
        "time_zone": "Asia/Tokyo",
    }
    assert client.post("/digest/preferences/", good).status_code == 302
    profile = EmployeeProfile.objects.get(user=alice)
    assert (
        profile.digest_hour,
        profile.digest_minute,
        profile.digest_days,
        profile.digest_networks,
        profile.time_zone,
    ) == (7, 30, [0, 2], ["linkedin"], "Asia/Tokyo")
    for bad in (
        {"digest_hour": "24"},
        {"digest_hour": "x"},
        {"time_zone": "Mars/Olympus"},
        {"digest_minute": "10"},
        {"digest_days": ["9"]},
        {"digest_networks": ["myspace"]},
        {"digest_days": []},
    ):
        response = client.post("/digest/preferences/", {**good, "time_zone": "Europe/Berlin", **bad})
        assert response.status_code == 400, bad
    assert EmployeeProfile.objects.get(user=alice).time_zone == "Asia/Tokyo"  # nothing changed


def test_unsubscribing_stops_the_digest_but_never_account_security_mail(client):
    from digest.tokens import unsubscribe_token_make

    alice = make_person("alice@example.com")
    path = f"/digest/unsubscribe/{unsubscribe_token_make(user_id=alice.pk)}/"
    assert client.get(path).status_code == 200 and EmployeeProfile.objects.get(user=alice).digest_opt_in  # GET asks
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200  # again: idempotent
    assert not EmployeeProfile.objects.get(user=alice).digest_opt_in
    assert client.post("/digest/unsubscribe/tampered/").status_code == 400
    client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert any("alice@example.com" in m.to for m in mail.outbox)  # the password reset still goes out


def test_bounce_list_command_and_admin_mark_addresses_undeliverable(client, advocacy_admin, tmp_path):
    alice = make_person("alice@example.com")
    bob = make_person("bob@example.com")
    bounces = tmp_path / "bounces.txt"
    bounces.write_text("Alice@Example.com\nnot-an-address\nnobody@example.com\n")
    call_command("digest_bounces", str(bounces))
    assert EmployeeProfile.objects.get(user=alice).undeliverable_email == "alice@example.com"
    client.force_login(advocacy_admin)
    response = client.post("/admin/digest/digestsend/bounces/", {"addresses": "bob@example.com", "reason": "550"})
    assert response.status_code == 302
    assert EmployeeProfile.objects.get(user=bob).undeliverable_email == "bob@example.com"


def test_admin_previews_anyones_digest_sends_a_test_and_shows_daily_figures(client, advocacy_admin):
    with time_machine.travel(WEDNESDAY_0805, tick=False):
        alice = make_person("alice@example.com")
        posts = make_posts(3)
        make_person("idle@example.com", days=[])
        client.force_login(advocacy_admin)
        preview = client.get("/admin/digest/digestsend/preview/", {"employee": alice.pk})
        assert preview.status_code == 200 and "3 posts to share today" in preview.content.decode()
        digests_send_due()
        assert (
            "would get no digest now"
            in client.get("/admin/digest/digestsend/preview/", {"employee": alice.pk}).content.decode()
        )
        mail.outbox.clear()
        logged = DigestSend.objects.count()
        assert client.post("/admin/digest/digestsend/test/").status_code == 302
        assert mail.outbox[0].to == [advocacy_admin.email] and mail.outbox[0].subject.startswith("[Test]")
        assert DigestSend.objects.count() == logged  # a test digest is not in the send log
        page = client.get("/admin/digest/digestsend/").content.decode()
    assert "digest-figures" in page and "2026-03-04" in page or "March 4, 2026" in page
    assert posts


def test_the_demo_has_employees_whose_digest_comes_at_the_next_quarter_hour():
    from demo.people import DIGEST_EARLY_BIRDS, next_quarter_hour

    when = at(2026, 3, 7, 13, 52)  # a Saturday
    assert next_quarter_hour(when, "Europe/Berlin") == (15, 0)
    assert next_quarter_hour(when, "America/New_York") == (9, 0)
    assert next_quarter_hour(at(2026, 3, 7, 13, 0), "Europe/London") == (13, 15)
    assert DIGEST_EARLY_BIRDS >= 2
