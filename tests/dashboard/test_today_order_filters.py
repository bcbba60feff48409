"""Today shows me first what I will share: my networks' copy open, filters in the URL, what I already shared
marked (my time zone) and at the end; the installable app's manifest and service worker."""

import datetime as dt
import re

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import EmployeeProfile
from networks.models import Share
from shortlinks.services import link_get_or_create
from tests.factories import CampaignFactory, ConnectedAccountFactory, SuggestedPostFactory

EVERY_COPY = {
    "linkedin": "On LinkedIn",
    "x": "On X",
    "mastodon": "On Mastodon",
    "bluesky": "On Bluesky",
    "generic": "Everywhere else",
}


def _share(user, post, network, *, route=Share.Route.INTENT, status=Share.Status.OPENED, **fields) -> Share:
    return Share.objects.create(
        user=user,
        post=post,
        network=network,
        route=route,
        status=status,
        text="words",
        short_link=link_get_or_create(user=user, post=post, network=network),
        **fields,
    )


def _open_variant(response, post) -> str:
    card = next(c for c in response.context["cards"] if c.post.pk == post.pk)
    return card.variants[0].network


def _variant_order(response, post) -> list[str]:
    card = next(c for c in response.context["cards"] if c.post.pk == post.pk)
    return [v.network for v in card.variants]


def test_without_history_the_copies_follow_the_usual_order_not_the_alphabet(client, employee):
    post = SuggestedPostFactory(variants=EVERY_COPY)
    client.force_login(employee)
    assert _variant_order(client.get("/today/"), post) == ["linkedin", "x", "mastodon", "bluesky", "generic"]


def test_my_connected_network_opens_first_then_the_ones_i_share_to_most(client, employee):
    post = SuggestedPostFactory(variants=EVERY_COPY)
    for other in SuggestedPostFactory.create_batch(2):
        _share(employee, other, "whatsapp")  # served by the generic copy
    _share(employee, SuggestedPostFactory(), "x")
    ConnectedAccountFactory(user=employee, network="bluesky", instance="")
    client.force_login(employee)
    response = client.get("/today/")
    assert _variant_order(response, post) == ["bluesky", "generic", "x", "linkedin", "mastodon"]
    html = response.content.decode()
    assert html.index('data-network="bluesky"') < html.index('data-network="linkedin"')


def test_a_network_filter_shows_the_posts_for_it_with_its_copy_open(client, employee):
    post = SuggestedPostFactory(variants={"linkedin": "On LinkedIn", "generic": "Everywhere else"})
    x_only = SuggestedPostFactory(variants={"x": "On X"})
    client.force_login(employee)
    response = client.get("/today/?network=facebook")
    assert [p.pk for p in response.context["posts"]] == [post.pk]
    assert _open_variant(response, post) == "generic"
    assert [p.pk for p in client.get("/today/?network=x").context["posts"]] == [x_only.pk]


def test_filters_by_campaign_featured_and_not_yet_shared(client, employee):
    spring, autumn = CampaignFactory(name="Spring"), CampaignFactory(name="Autumn")
    plain = SuggestedPostFactory(campaign=spring, title="Plain")
    SuggestedPostFactory(campaign=spring, title="Featured", is_featured=True)
    shared = SuggestedPostFactory(campaign=spring, title="Shared")
    SuggestedPostFactory(campaign=autumn, title="Autumn")
    _share(employee, shared, "linkedin")
    client.force_login(employee)

    def titles(query: str) -> list[str]:
        response = client.get(f"/today/?{query}")
        assert response.status_code == 200
        return [p.title for p in response.context["posts"]]

    assert titles(f"campaign={spring.pk}") == ["Featured", "Plain", "Shared"]
    assert titles(f"campaign={spring.pk}&not_shared=on") == ["Featured", "Plain"]
    assert titles("featured=on") == ["Featured"]
    assert titles(f"campaign={autumn.pk}&featured=on") == []
    page = client.get(f"/today/?campaign={autumn.pk}&featured=on").content.decode()
    assert "No post matches these filters" in page and plain.title not in page
    # The form shows what is applied, so a reload or a shared URL gives the same page.
    page = client.get(f"/today/?campaign={spring.pk}&not_shared=on").content.decode()
    assert f'<option value="{spring.pk}" selected>Spring</option>' in page
    assert 'name="not_shared" id="id_not_shared" checked' in page
    assert "2 of 4 shown" in page


def test_bad_filter_values_are_a_clear_message_not_an_error(client, employee):
    SuggestedPostFactory(title="Still here")
    SuggestedPostFactory(title="Featured one", is_featured=True)
    gone = CampaignFactory(
        ends_at=timezone.now() - dt.timedelta(days=1), starts_at=timezone.now() - dt.timedelta(days=9)
    )
    client.force_login(employee)
    for query, message in [
        ("campaign=abc", "No current campaign of yours matches “abc”"),
        (f"campaign={gone.pk}", f"No current campaign of yours matches “{gone.pk}”"),
        ("campaign=99999999999999999999999", "No current campaign of yours matches"),
        ("network=myspace", "“myspace” is not a network you can share to here"),
        ("network=sheet", "“sheet” is not a network you can share to here"),
        ("network=generic", "“generic” is not a network you can share to here"),
    ]:
        response = client.get(f"/today/?{query}&featured=on")
        assert response.status_code == 400, query
        page = response.content.decode()
        assert message in page and 'role="alert"' in page, query
        assert [p.title for p in response.context["posts"]] == ["Featured one"], query  # the valid filter applies


def test_posts_i_shared_are_marked_with_when_and_where_in_my_zone_and_sink(client, employee):
    EmployeeProfile.objects.filter(user=employee).update(time_zone="America/New_York")
    first = SuggestedPostFactory(title="First", is_featured=True)
    second = SuggestedPostFactory(title="Second")
    with time_machine.travel(dt.datetime(2026, 11, 30, 15, 5, tzinfo=dt.UTC)):
        _share(employee, first, "linkedin")
    with time_machine.travel(dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)):
        _share(employee, first, "x")
    _share(employee, second, "mastodon", route=Share.Route.DIRECT, status=Share.Status.CANCELLED)
    client.force_login(employee)
    response = client.get("/today/")
    assert [p.title for p in response.context["posts"]] == ["Second", "First"]  # featured, but shared: last
    page = response.content.decode()
    text = re.sub(r"<[^>]+>", "", page)
    assert "Shared on X Mon 30 Nov, 11:00; on LinkedIn Mon 30 Nov, 10:05" in text  # New York time, newest first
    assert page.count('class="shared-mark"') == 1  # a cancelled share is not a share


def test_today_queries_stay_constant_with_shares_filters_and_accounts(client, employee):
    ConnectedAccountFactory(user=employee)

    def queries(query: str = "") -> int:
        client.get(f"/today/{query}")  # creates the links
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/today/{query}")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.force_login(employee)
    posts = [SuggestedPostFactory(variants=EVERY_COPY) for _ in range(2)]
    _share(employee, posts[0], "x")
    few, filtered = queries(), queries("?network=x&featured=")
    for _ in range(8):
        _share(employee, SuggestedPostFactory(variants=EVERY_COPY), "linkedin")
    assert queries() == few
    assert queries("?network=x&featured=") == filtered


def test_the_manifest_opens_today_standalone_with_our_own_icons(client, db):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/today/" and manifest["display"] == "standalone" and manifest["scope"] == "/"
    assert {(i["sizes"], i["purpose"]) for i in manifest["icons"]} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    from django.contrib.staticfiles import finders
    from PIL import Image

    for icon in manifest["icons"]:
        assert icon["src"].startswith("/static/")
        with Image.open(finders.find(icon["src"].removeprefix("/static/"))) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"] and image.format == "PNG"


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client, db):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert '"/today/"' in body and "/static/css/app.css" in body and "push" not in body.split("No push.")[1]
    assert 'addEventListener("fetch"' in body


def test_pages_link_the_manifest_and_signed_in_pages_register_the_worker(client, employee):
    assert 'rel="manifest" href="/manifest.webmanifest"' in client.get("/accounts/login/").content.decode()
    assert "data-service-worker" not in client.get("/accounts/login/").content.decode()
    client.force_login(employee)
    page = client.get("/today/").content.decode()
    assert 'data-service-worker="/sw.js"' in page and 'data-offline-page="/today/"' in page
    assert "data-logout" in page  # logging out clears the offline copy


def test_a_cards_results_line_has_no_separator_left_dangling_when_it_wraps(client, employee):
    SuggestedPostFactory(variants=EVERY_COPY)
    client.force_login(employee)
    html = client.get("/today/").content.decode()
    results = re.search(r'<section class="post-stats".*?</p>', html, re.S).group(0)
    assert "unique clicks" in results
    assert "·" not in results, "each figure wraps as a whole item, with no separator to start a line"
