"""The dashboards: who sees what, bad filters, honest labels, CSV, and rollups only (never a Click row)."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import ADVOCACY_ADMIN, CONTENT_MANAGER
from analytics.metrics import metrics_record
from analytics.models import EarnedMediaRate
from analytics.rollups import rollup_shares_sync
from analytics.services import clicks_ingest
from networks.models import Share
from networks.providers.base import EngagementCounts
from shortlinks.buffer import RawClick
from shortlinks.services import link_get_or_create
from tests.factories import CampaignFactory, SuggestedPostFactory, TeamFactory, UserFactory, make_share

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
_events = itertools.count(1)


def clicks(link_id: int, n: int, *, at: dt.datetime | None = None) -> None:
    at = at or timezone.now() - dt.timedelta(minutes=5)
    clicks_ingest(
        events=[
            RawClick(
                event_id=f"t-{next(_events)}",
                link_id=link_id,
                at_ms=int(at.timestamp() * 1000),
                ip=f"203.0.113.{k % 250}",
                user_agent=BROWSER,
            )
            for k in range(n)
        ]
    )


def dialog_share(user, post, network="facebook") -> Share:
    link = link_get_or_create(user=user, post=post, network=network)
    return Share.objects.create(
        user=user,
        post=post,
        network=network,
        short_link=link,
        route=Share.Route.INTENT,
        status=Share.Status.OPENED,
        text="t",
    )


@pytest.fixture
def world(db):
    sales, support = TeamFactory(name="Sales"), TeamFactory(name="Support")
    alice = UserFactory(first_name="Alice", last_name="Ahlberg")
    bob = UserFactory(first_name="Bob", last_name="Brandt")
    carol = UserFactory(first_name="Carol", last_name="Cole")  # in the audience, has not shared
    for person, team in ((alice, sales), (bob, support), (carol, sales)):
        person.profile.team = team
        person.profile.save()
    campaign = CampaignFactory(name="Spring launch", goal_target=100)
    post = SuggestedPostFactory(campaign=campaign, title="We launched")
    alice_share = make_share(user=alice, post=post, network="x")
    bob_share = dialog_share(bob, post)
    clicks(alice_share.short_link_id, 7)
    clicks(bob_share.short_link_id, 3)
    metrics_record(share_id=alice_share.pk, counts=EngagementCounts(likes=4, reposts=1, replies=0, impressions=500))
    rollup_shares_sync()
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "campaign": campaign,
        "post": post,
        "sales": sales,
        "alice_share": alice_share,
        "bob_share": bob_share,
    }


def programme_urls(world) -> list[str]:
    return [
        "/programme/",
        f"/programme/campaigns/{world['campaign'].pk}/",
        f"/programme/posts/{world['post'].pk}/",
        f"/programme/teams/{world['sales'].pk}/",
    ]


# --- Permissions ---------------------------------------------------------------------------------------------


def test_my_impact_shows_only_my_own_figures_whatever_ids_the_request_carries(client, world):
    client.force_login(world["bob"])
    response = client.get("/me/impact/", {"user": world["alice"].pk, "user_id": world["alice"].pk})
    assert response.status_code == 200
    totals = {f.label: f.value for f in response.context["figures"]}
    assert totals["Unique clicks"] == 3 and totals["Shares"] == 1  # Bob's, not Alice's 7
    assert b"Alice" not in response.content
    csv = b"".join(client.get("/me/impact/", {"export": "networks", "user": world["alice"].pk}).streaming_content)
    assert b"Facebook,1,3," in csv and b"X," not in csv


def test_an_employee_sees_no_programme_analytics_not_even_by_id(client, world):
    client.force_login(world["alice"])
    for url in programme_urls(world):
        assert client.get(url).status_code == 403, url
        assert client.get(url, {"export": "networks"}).status_code == 403, url


def test_the_anonymous_are_sent_to_log_in(client, world):
    for url in ["/me/impact/", *programme_urls(world)]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [CONTENT_MANAGER, ADVOCACY_ADMIN])
def test_content_managers_and_admins_see_every_campaign(client, world, role):
    other = CampaignFactory(name="Someone else's campaign", owner=UserFactory(role=ADVOCACY_ADMIN))
    client.force_login(UserFactory(role=role))
    for url in [*programme_urls(world), f"/programme/campaigns/{other.pk}/"]:
        assert client.get(url).status_code == 200, url
    overview = client.get("/programme/", {"period": "30d"})
    assert b"Someone else&#x27;s campaign" in overview.content and b"Spring launch" in overview.content


def test_unknown_objects_are_404_not_500(client, world):
    client.force_login(UserFactory(role=CONTENT_MANAGER))
    for url in ("/programme/campaigns/999999/", "/programme/posts/999999/", "/programme/teams/999999/"):
        assert client.get(url).status_code == 404
    assert client.get("/programme/", {"export": "no-such-table"}).status_code == 404


# --- Bad filters -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start": "2026-05-10", "end": "2026-05-01"}, "before it starts"),
        ({"team": "999999"}, "Select a valid choice"),
        ({"team": "sales"}, "Select a valid choice"),
        ({"start": "1900-01-01", "end": "2026-01-01"}, "at most"),
        ({"start": "yesterday", "end": "2026-01-01"}, "Enter a valid date"),
        ({"start": "2026-01-01"}, "both dates"),
        ({"period": "decade"}, "Select a valid choice"),
        ({"network": "myspace"}, "Select a valid choice"),
        ({"start": "99999-01-01", "end": "99999-02-01"}, "Enter a valid date"),
    ],
)
def test_bad_filters_answer_400_with_a_clear_message(client, world, params, message):
    client.force_login(UserFactory(role=CONTENT_MANAGER))
    for url in ("/programme/", f"/programme/teams/{world['sales'].pk}/", "/me/impact/"):
        if url != "/programme/" and ("team" in params or "network" in params):
            continue  # only the overview filters by team and network (elsewhere they are not parameters)
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)
        assert message in response.content.decode(), (url, params)


def test_a_custom_range_is_compared_with_the_same_length_before(client, world):
    client.force_login(world["alice"])
    response = client.get("/me/impact/", {"start": "2026-03-10", "end": "2026-03-16"})
    scope, previous = response.context["scope"], response.context["previous"]
    assert (previous.start, previous.end) == (dt.date(2026, 3, 3), dt.date(2026, 3, 9))
    assert scope.days == previous.days == 7


# --- Honest figures ----------------------------------------------------------------------------------------


def test_engagement_of_a_network_that_gives_none_is_unavailable_not_zero(client, world):
    client.force_login(UserFactory(role=CONTENT_MANAGER))
    response = client.get(f"/programme/campaigns/{world['campaign'].pk}/")
    variants = next(t for t in response.context["tables"] if t.slug == "variants")
    rows = {row[0]: row for row in variants.rows}
    assert rows["X"][5:8] == [4, 1, 0]  # likes, reposts, replies measured
    assert rows["Facebook"][5:] == [None, None, None, None, None]
    csv = b"".join(
        client.get(f"/programme/campaigns/{world['campaign'].pk}/", {"export": "variants"}).streaming_content
    ).decode()
    assert "Facebook,1,3,3.0,0,unavailable,unavailable,unavailable,unavailable,unavailable" in csv
    assert "Engagement is unavailable for" in response.content.decode()


def test_earned_media_value_is_an_estimate_from_the_admin_rates(client, world):
    client.force_login(UserFactory(role=ADVOCACY_ADMIN))
    emv = next(f for f in client.get("/programme/").context["headline"] if f.label == "Earned media value")
    assert emv.kind == "unavailable" and emv.value is None  # no rates yet: no made-up number
    EarnedMediaRate.objects.create(network="", cost_per_click=Decimal("1.50"), cost_per_mille=Decimal("10"))
    response = client.get("/programme/")
    emv = next(f for f in response.context["headline"] if f.label == "Earned media value")
    assert emv.kind == "estimate"
    assert emv.value == Decimal(round(10 * Decimal("1.50") + Decimal("500") / 1000 * 10))  # 10 clicks, 500 views
    assert "Estimate" in response.content.decode()


def test_the_campaign_page_shows_progress_funnel_and_who_has_not_shared(client, world):
    client.force_login(UserFactory(role=CONTENT_MANAGER))
    response = client.get(f"/programme/campaigns/{world['campaign'].pk}/")
    assert response.context["goal"]["reached"] == 10 and response.context["goal"]["target"] == 100
    funnel = {row[0]: row[1] for row in next(t for t in response.context["tables"] if t.slug == "funnel").rows}
    assert funnel["Opened"] == 2 and funnel["Shared"] == 2 and funnel["Clicked"] == 2
    waiting = [row[0] for row in next(t for t in response.context["tables"] if t.slug == "not-shared").rows]
    assert "Carol Cole" in waiting and "Alice Ahlberg" not in waiting and "Bob Brandt" not in waiting
    teams = {str(row[0]): row for row in next(t for t in response.context["tables"] if t.slug == "teams").rows}
    assert teams["Sales"][3] == 7 and teams["Support"][3] == 3


def test_a_new_campaign_without_shares_says_what_to_do_next(client, db):
    campaign = CampaignFactory(name="Brand new")
    client.force_login(UserFactory(role=CONTENT_MANAGER))
    response = client.get(f"/programme/campaigns/{campaign.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "No shares yet" in page and "Nudge the people below" in page


def test_my_impact_with_nothing_yet_points_to_today_and_says_not_enough_data(client, db):
    client.force_login(UserFactory())
    page = client.get("/me/impact/").content.decode()
    assert "Nothing shared in this period yet" in page and 'href="/today/"' in page
    assert "Not enough data yet" in page


def test_what_the_company_sees_follows_the_roles_real_permissions(client, world):
    client.force_login(world["alice"])
    rows = {row.what.split(":")[0]: row.who for row in client.get("/me/impact/").context["company_sees"]}
    assert rows["Each click on your links"] == [ADVOCACY_ADMIN, CONTENT_MANAGER]  # managers hold analytics.view_click
    assert rows["Your points ledger"] == [ADVOCACY_ADMIN]
    assert rows["Your connected accounts"] == [ADVOCACY_ADMIN]


def test_csv_exports_are_streamed_for_every_table_on_the_page(client, world):
    client.force_login(UserFactory(role=CONTENT_MANAGER))
    for url in programme_urls(world):
        for table in client.get(url).context["tables"]:
            response = client.get(url, {"export": table.slug})
            assert isinstance(response, StreamingHttpResponse), (url, table.slug)
            assert response["Content-Type"].startswith("text/csv")
            lines = b"".join(response.streaming_content).decode().splitlines()
            assert lines[0].split(",")[0] == table.columns[0] and len(lines) == len(table.rows) + 1


def test_csv_cells_cannot_become_spreadsheet_formulas(client, db):
    from dashboard.tables import Table, csv_response

    table = Table("t", "T", ["Name", "n"], rows=[['=HYPERLINK("x")', -3]])
    body = b"".join(csv_response(table, filename_prefix="x").streaming_content).decode()
    assert "'=HYPERLINK" in body and ",-3" in body


# --- Rollups only ------------------------------------------------------------------------------------------


def page_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_no_dashboard_page_reads_the_click_table(client, world):
    staff = UserFactory(role=CONTENT_MANAGER)
    for user, urls in ((world["alice"], ["/me/impact/", "/me/impact/?period=month"]), (staff, programme_urls(world))):
        client.force_login(user)
        for url in urls:
            touching = [
                sql
                for sql in page_queries(client, url)
                if 'analytics_click"' in sql or "analytics_click " in sql or "analytics_click." in sql
            ]
            assert touching == [], url


def test_query_count_stays_the_same_as_data_grows(client, world):
    staff = UserFactory(role=CONTENT_MANAGER)
    urls = {world["alice"]: ["/me/impact/"], staff: programme_urls(world)}
    before = {}
    for user, pages in urls.items():
        client.force_login(user)
        for url in pages:
            before[url] = len(page_queries(client, url))
    for n in range(6):  # more people, posts, shares, clicks, teams, campaigns
        person = UserFactory()
        person.profile.team = TeamFactory(name=f"Team {n}")
        person.profile.save()
        post = SuggestedPostFactory(campaign=world["campaign"] if n % 2 else CampaignFactory())
        share = make_share(user=person, post=post, network=["x", "bluesky", "mastodon"][n % 3])
        clicks(share.short_link_id, n + 1)
        dialog_share(world["alice"], post, network=["facebook", "linkedin", "threads"][n % 3])
    rollup_shares_sync()
    for user, pages in urls.items():
        client.force_login(user)
        for url in pages:
            assert len(page_queries(client, url)) == before[url], url


def test_dialog_shares_on_a_network_with_metrics_show_engagement_unavailable_not_zero(client, db):
    person = UserFactory()
    dialog_share(person, SuggestedPostFactory(), network="bluesky")  # Bluesky reports engagement, but not for this
    rollup_shares_sync()
    client.force_login(person)
    response = client.get("/me/impact/")
    figures = {f.label: f for f in response.context["figures"]}
    assert figures["Interactions"].kind == "unavailable" and figures["Interactions"].value is None
    networks = next(t for t in response.context["tables"] if t.slug == "networks")
    assert networks.rows[0][0] == "Bluesky" and networks.rows[0][5:] == [None] * 5
