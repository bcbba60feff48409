"""Each counting rule, through the real redirect, with clicks written directly and through the buffer."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from analytics.models import Click, ClickRollup, DailyVisitor, FilteredHit, VisitorSalt
from analytics.selectors import click_totals, clicks_counting
from analytics.services import click_privacy_purge, click_reclassify
from tests.factories import ShortLinkFactory
from tests.shortlinks import helpers
from tests.shortlinks.helpers import IPHONE, visit

# Fixtures shared with tests/shortlinks (direct and buffered capture; fresh caches).
capture_mode = helpers.capture_mode
fresh_link_caches = helpers.fresh_link_caches

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def link(employee):
    return ShortLinkFactory(user=employee)


def test_a_human_click_is_counted_with_its_details(client, link, capture_mode):
    with time_machine.travel(NOON, tick=False):
        visit(client, link, ua=IPHONE, HTTP_REFERER="https://www.linkedin.com/feed/?trk=abc")
    capture_mode.drain()
    click = Click.objects.get()
    assert click.link == link
    assert click.clicked_at == NOON
    assert click.is_unique and not click.is_self_click
    assert click.referrer_host == "www.linkedin.com"
    assert (click.device_class, click.browser_family, click.os_family) == ("mobile", "Mobile Safari", "iOS")
    assert list(clicks_counting()) == [click]


def test_bot_click_is_not_counted_but_kept_with_a_reason(client, link, capture_mode):
    visit(client, link, ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    visit(client, link, ua="python-requests/2.32.3")
    visit(client, link, ua="")
    capture_mode.drain()
    assert Click.objects.count() == 0
    assert sorted(FilteredHit.objects.values_list("reason", flat=True)) == ["bot", "bot", "bot"]
    assert "Googlebot" in FilteredHit.objects.values_list("agent", flat=True)
    assert click_totals(link_ids=[link.pk])["filtered"] == 3


@pytest.mark.parametrize(
    ("ua", "agent"),
    [
        ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", "LinkedInBot"),
        ("Twitterbot/1.0", "Twitterbot"),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "facebookexternalhit"),
        ("http.rb/5.2.0 (Mastodon/4.3.2; +https://mastodon.social/)", "Mastodon"),
        ("Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)", "Bluesky cardyb"),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "Slackbot"),
    ],
)
def test_network_link_previews_are_counted_apart_not_as_clicks(client, link, capture_mode, ua, agent):
    visit(client, link, ua=ua)
    capture_mode.drain()
    assert Click.objects.count() == 0
    hit = FilteredHit.objects.get()
    assert (hit.reason, hit.agent) == ("preview", agent)
    assert click_totals(link_ids=[link.pk]) == {
        "clicks": 0,
        "unique_clicks": 0,
        "self_clicks": 0,
        "previews": 1,
        "filtered": 0,
    }


def test_head_request_is_not_counted(client, link, capture_mode):
    visit(client, link, method="head")
    capture_mode.drain()
    assert Click.objects.count() == 0
    assert FilteredHit.objects.get().reason == "head"


@pytest.mark.parametrize(
    "header",
    [
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_X_MOZ": "prefetch"},
        {"HTTP_X_PURPOSE": "preview"},
    ],
)
def test_prefetch_is_not_counted(client, link, capture_mode, header):
    visit(client, link, **header)
    capture_mode.drain()
    assert Click.objects.count() == 0
    assert FilteredHit.objects.get().reason == "prefetch"


def test_the_owners_own_click_is_a_self_click_and_does_not_count(client, link, employee, capture_mode):
    client.force_login(employee)
    visit(client, link)
    capture_mode.drain()
    click = Click.objects.get()
    assert click.is_self_click
    assert not clicks_counting().exists()
    assert click_totals(link_ids=[link.pk])["self_clicks"] == 1
    assert click_totals(link_ids=[link.pk])["clicks"] == 0


def test_a_signed_in_colleagues_click_counts(client, link, colleague, capture_mode):
    client.force_login(colleague)
    visit(client, link)
    capture_mode.drain()
    assert clicks_counting().count() == 1


def test_a_forged_session_cookie_is_an_anonymous_visitor(client, link, capture_mode):
    client.cookies["sessionid"] = "forgedforgedforgedforgedforged12"
    visit(client, link)
    capture_mode.drain()
    assert clicks_counting().count() == 1


def test_a_visitor_is_unique_once_per_link_and_day(client, link, employee, capture_mode):
    other_link = ShortLinkFactory(user=employee, post=link.post, network="x")
    with time_machine.travel(NOON, tick=False):
        visit(client, link)
        visit(client, link)  # same visitor: a repeat
        visit(client, link, ip="198.51.100.9")  # another address: another visitor
        visit(client, link, ua=IPHONE)  # another browser: another visitor
        visit(client, other_link)  # same visitor, another link: unique there
    capture_mode.drain()
    assert list(Click.objects.filter(link=link).order_by("clicked_at", "id").values_list("is_unique", flat=True)) == [
        True,
        False,
        True,
        True,
    ]
    assert Click.objects.get(link=other_link).is_unique
    rollup = ClickRollup.objects.get(link=link, hour=NOON)
    assert (rollup.clicks, rollup.unique_clicks) == (4, 3)


def test_the_same_visitor_is_unique_again_the_next_day_with_a_new_salt(client, link, capture_mode):
    with time_machine.travel(NOON, tick=False):
        visit(client, link)
        capture_mode.drain()
    with time_machine.travel(NOON + dt.timedelta(days=1), tick=False):
        visit(client, link)
        visit(client, link)
        capture_mode.drain()
    assert list(Click.objects.order_by("clicked_at", "id").values_list("is_unique", flat=True)) == [True, True, False]
    salts = list(VisitorSalt.objects.order_by("day").values_list("secret", flat=True))
    assert len(salts) == 2 and salts[0] != salts[1]
    hashes = list(DailyVisitor.objects.order_by("day").values_list("visitor_hash", flat=True))
    assert len(hashes) == 2 and hashes[0] != hashes[1]  # no way to tell it is the same person


def test_purge_forgets_old_salts_and_visitor_hashes(client, link, capture_mode):
    for days in (0, 1, 2):
        with time_machine.travel(NOON + dt.timedelta(days=days), tick=False):
            visit(client, link)
            capture_mode.drain()
    click_privacy_purge(now=NOON + dt.timedelta(days=2))
    kept = {NOON.date() + dt.timedelta(days=1), NOON.date() + dt.timedelta(days=2)}
    assert set(VisitorSalt.objects.values_list("day", flat=True)) == kept
    assert set(DailyVisitor.objects.values_list("day", flat=True)) == kept
    assert Click.objects.count() == 3  # the clicks themselves stay


def test_no_raw_ip_reaches_the_database(client, link, capture_mode):
    ip = "192.0.2.123"
    visit(client, link, ip=ip)
    visit(client, link, ip=ip, ua="Twitterbot/1.0")
    capture_mode.drain()
    from django.db import connection

    with connection.cursor() as cursor:
        for model in (Click, FilteredHit, DailyVisitor, ClickRollup, VisitorSalt):
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            for row in cursor.fetchall():
                assert ip not in " ".join(map(str, row))


def test_rollups_split_clicks_by_hour(client, link, capture_mode):
    for minutes in (0, 30, 61):
        with time_machine.travel(NOON + dt.timedelta(minutes=minutes), tick=False):
            visit(client, link, ip=f"198.51.100.{minutes}")
    capture_mode.drain()
    hours = dict(ClickRollup.objects.values_list("hour", "clicks"))
    assert hours == {NOON: 2, NOON + dt.timedelta(hours=1): 1}


def test_reclassifying_a_click_as_self_or_bot_drops_it_from_the_counting_set(client, link, capture_mode):
    visit(client, link)
    visit(client, link, ip="198.51.100.1")
    capture_mode.drain()
    first, second = Click.objects.order_by("id")
    assert click_reclassify(click_id=first.pk, to="self")
    assert not click_reclassify(click_id=first.pk, to="self")  # idempotent
    assert click_reclassify(click_id=second.pk, to="bot", agent="ClickFarm")
    assert not clicks_counting().exists()
    assert FilteredHit.objects.get().agent == "ClickFarm"
    assert click_totals(link_ids=[link.pk]) == {
        "clicks": 0,
        "unique_clicks": 0,
        "self_clicks": 1,
        "previews": 0,
        "filtered": 1,
    }
    with pytest.raises(ValueError, match="use 'self' or 'bot'"):
        click_reclassify(click_id=first.pk, to="human")


def test_clicks_counting_filters_by_time(client, link, capture_mode):
    with time_machine.travel(NOON, tick=False):
        visit(client, link)
    capture_mode.drain()
    assert clicks_counting(since=NOON).count() == 1
    assert clicks_counting(since=NOON + dt.timedelta(seconds=1)).count() == 0
    assert clicks_counting(until=NOON).count() == 0
    assert timezone.is_aware(Click.objects.get().clicked_at)


@pytest.mark.django_db(transaction=True)
def test_concurrent_direct_writes_of_the_same_visitor_count_one_unique(settings):
    """The redirect's fallback path under concurrency: the unique index, not the code, decides who is first."""
    import threading

    from django.db import connection

    from analytics.services import clicks_ingest
    from shortlinks.buffer import RawClick

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL (DATABASE_URL)")
    link = ShortLinkFactory()
    at_ms = int(NOON.timestamp() * 1000)
    barrier = threading.Barrier(6)
    errors = []

    def click(n: int):
        try:
            barrier.wait()
            event = RawClick(event_id=f"d-{n}", link_id=link.pk, at_ms=at_ms, ip="198.51.100.5", user_agent=IPHONE)
            clicks_ingest(events=[event])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Click.objects.count() == 6
    assert Click.objects.filter(is_unique=True).count() == 1
    rollup = ClickRollup.objects.get(link=link)
    assert (rollup.clicks, rollup.unique_clicks) == (6, 1)
