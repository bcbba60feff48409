"""Feed import: RSS and Atom entries become draft posts, checked against a local HTTP server."""

from pathlib import Path

import pytest
from django.urls import reverse
from werkzeug import Response

from advocacy.celery import app as celery_app
from campaigns.models import PostStatus, SuggestedPost
from campaigns.networks import over_limit_message
from community import services
from community.models import Feed, FeedEntry
from community.tasks import feeds_check_task
from infra.outbound_http import REFUSED_MESSAGE
from tests.factories import CampaignFactory

SAMPLES = Path(__file__).parent / "feeds"
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=utf-8"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def serve(httpserver, path: str, name: str, content_type: str = RSS, **headers) -> str:
    httpserver.expect_request(path).respond_with_data(sample(name), content_type=content_type, headers=headers or None)
    return httpserver.url_for(path)


def make_feed(url: str, **kwargs) -> Feed:
    return Feed.objects.create(name=kwargs.pop("name", "Blog"), url=url, campaign=CampaignFactory(), **kwargs)


@pytest.fixture
def eager(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # put back as it was afterwards


# --- Entries become drafts ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_wordpress_rss_entries_become_draft_posts_with_a_variant_per_network_within_limits(httpserver):
    feed = make_feed(serve(httpserver, "/feed/", "wordpress.rss"))

    assert services.feed_check(feed) == 2

    feed.refresh_from_db()
    assert feed.last_error == "" and feed.last_new_count == 2 and feed.last_checked_at is not None
    posts = SuggestedPost.objects.filter(campaign=feed.campaign).order_by("target_url")
    assert [p.target_url for p in posts] == [
        "https://blog.acme.example/2026/11/03/hiring-sre/",
        "https://blog.acme.example/2026/11/10/faster-builds/",
    ]  # the entry without a link is skipped
    assert all(p.status == PostStatus.DRAFT for p in posts)
    builds = posts.get(target_url__endswith="faster-builds/")
    assert builds.title == "How we cut our build times in half – and what we learned"
    variants = {v.network: v for v in builds.variants.all()}
    assert set(variants) == {"generic", "linkedin", "x", "mastodon", "bluesky"}
    for variant in variants.values():
        assert over_limit_message(variant.network, variant.share_text()) is None
        assert "<p>" not in variant.text and "&#8220;" not in variant.text
    assert variants["linkedin"].text.startswith(
        "How we cut our build times in half – and what we learned\n\nOur CI pipeline used to take 42 minutes."
    )
    assert "“obvious in hindsight”" in variants["linkedin"].text
    # Too long for X and Bluesky: cut after a whole word, marked with an ellipsis.
    for network in ("x", "bluesky"):
        text = variants[network].text
        assert text.endswith("…") and len(text) < len(variants["linkedin"].text)
        assert variants["linkedin"].text.startswith(text[:-1])
        assert variants["linkedin"].text[len(text) - 1] in " \n"
    entry = FeedEntry.objects.get(guid="https://blog.acme.example/?p=4812")
    assert entry.post == builds and entry.published_at.year == 2026


@pytest.mark.django_db
def test_github_style_atom_feed_becomes_drafts(httpserver):
    feed = make_feed(serve(httpserver, "/releases.atom", "github_releases.atom", ATOM))

    assert services.feed_check(feed) == 2

    post = SuggestedPost.objects.get(target_url="https://github.com/acme/widget/releases/tag/v2.4.0")
    text = post.variant_for("mastodon").text
    assert text.startswith("v2.4.0\n\nWhat's Changed\nAdd Bluesky support by @octo\nFaster startup on ARM")
    assert FeedEntry.objects.filter(feed=feed, guid="tag:github.com,2008:Repository/123456789/v2.4.0").exists()


@pytest.mark.django_db
def test_a_second_check_creates_nothing_new(httpserver):
    feed = make_feed(serve(httpserver, "/feed/", "wordpress.rss"))
    services.feed_check(feed)

    assert services.feed_check(feed) == 0

    feed.refresh_from_db()
    assert feed.last_new_count == 0 and feed.last_error == ""
    assert SuggestedPost.objects.count() == 2 and FeedEntry.objects.count() == 2


@pytest.mark.django_db
def test_a_feed_document_read_from_a_file_imports_like_a_fetched_one():
    feed = make_feed("https://blog.example.com/feed/", is_active=False)

    assert services.feed_document_import(feed, sample("wordpress.rss")) == 2
    assert services.feed_document_import(feed, sample("wordpress.rss")) == 0
    assert services.feed_document_import(feed, sample("not_a_feed.html")) == 0

    feed.refresh_from_db()
    assert feed.last_error == "Not a valid RSS or Atom feed." and feed.etag == ""
    assert SuggestedPost.objects.filter(status=PostStatus.DRAFT, campaign=feed.campaign).count() == 2
    assert FeedEntry.objects.filter(feed=feed).count() == 2


@pytest.mark.django_db
def test_the_same_link_in_two_feeds_becomes_one_post(httpserver):
    blog = make_feed(serve(httpserver, "/feed/", "wordpress.rss"), name="Blog")
    careers = make_feed(serve(httpserver, "/careers/feed/", "wordpress.rss"), name="Careers")
    services.feed_check(blog)

    assert services.feed_check(careers) == 0

    assert SuggestedPost.objects.count() == 2
    assert not SuggestedPost.objects.filter(campaign=careers.campaign).exists()
    assert FeedEntry.objects.filter(feed=careers, post__isnull=True).count() == 2  # seen, not imported


@pytest.mark.django_db
def test_conditional_get_sends_etag_and_last_modified_and_a_304_creates_nothing(httpserver):
    modified = "Tue, 10 Nov 2026 09:12:44 GMT"
    feed = make_feed(serve(httpserver, "/feed/", "wordpress.rss", ETag='W/"abc123"', **{"Last-Modified": modified}))
    services.feed_check(feed)
    feed.refresh_from_db()
    assert (feed.etag, feed.last_modified) == ('W/"abc123"', modified)

    httpserver.clear()
    httpserver.expect_request(
        "/feed/", headers={"If-None-Match": 'W/"abc123"', "If-Modified-Since": modified}
    ).respond_with_response(Response(status=304))
    assert services.feed_check(feed) == 0

    httpserver.check_assertions()
    feed.refresh_from_db()
    assert feed.last_new_count == 0 and feed.last_error == "" and feed.etag == 'W/"abc123"'
    assert SuggestedPost.objects.count() == 2


@pytest.mark.django_db
def test_the_beat_task_checks_every_active_feed_and_is_idempotent(httpserver, eager):
    active = make_feed(serve(httpserver, "/feed/", "wordpress.rss"))
    make_feed(serve(httpserver, "/releases.atom", "github_releases.atom", ATOM), is_active=False)

    feeds_check_task.delay()
    feeds_check_task.delay()

    assert SuggestedPost.objects.count() == 2
    assert set(SuggestedPost.objects.values_list("campaign", flat=True)) == {active.campaign_id}
    assert "community.tasks.feeds_check_task" in {e["task"] for e in celery_app.conf.beat_schedule.values()}


# --- Bad feeds: a clear error, nothing stored ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["truncated.rss", "not_a_feed.html"])
def test_a_broken_feed_records_a_clear_error_and_stores_nothing(httpserver, name):
    content_type = "text/html; charset=UTF-8" if name.endswith("html") else RSS
    feed = make_feed(serve(httpserver, "/feed/", name, content_type))

    assert services.feed_check(feed) == 0

    feed.refresh_from_db()
    assert feed.last_error == "Not a valid RSS or Atom feed."
    assert feed.last_checked_at is not None and feed.etag == ""
    assert not FeedEntry.objects.exists() and not SuggestedPost.objects.exists()


@pytest.mark.django_db
def test_a_server_error_is_recorded(httpserver):
    httpserver.expect_request("/feed/").respond_with_data("oops", status=503)
    feed = make_feed(httpserver.url_for("/feed/"))

    services.feed_check(feed)

    feed.refresh_from_db()
    assert feed.last_error == "The feed's server answered HTTP 503."
    assert not SuggestedPost.objects.exists()


@pytest.mark.django_db
def test_a_feed_on_a_private_address_is_refused_and_nothing_is_stored(httpserver, settings):
    feed = make_feed(serve(httpserver, "/feed/", "wordpress.rss"))
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False

    assert services.feed_check(feed) == 0

    feed.refresh_from_db()
    assert feed.last_error == REFUSED_MESSAGE
    assert not httpserver.log  # never connected
    assert not FeedEntry.objects.exists() and not SuggestedPost.objects.exists()


# --- The admin ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_content_manager_adds_a_feed_and_checks_it_now(client, content_manager, httpserver):
    campaign = CampaignFactory()
    url = serve(httpserver, "/feed/", "wordpress.rss")
    client.force_login(content_manager)

    response = client.post(
        reverse("admin:community_feed_add"),
        {"name": "Acme blog", "url": url, "campaign": campaign.pk, "is_active": "on", **_no_entries()},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    feed = Feed.objects.get()
    assert feed.created_by == content_manager

    response = client.post(
        reverse("admin:community_feed_changelist"),
        {"action": "check_now", "_selected_action": [feed.pk]},
        follow=True,
    )
    assert "Acme blog: 2 new draft post(s)." in response.content.decode()
    listing = client.get(reverse("admin:community_feed_changelist")).content.decode()
    assert "Acme blog" in listing
    change = client.get(reverse("admin:community_feed_change", args=[feed.pk])).content.decode()
    assert "How we cut our build times in half" in change  # the entries, read-only


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a web address", "Enter a valid URL."),
        ("ftp://files.acme.example/feed.xml", "Enter a web address starting with http:// or https://"),
        ("http://10.0.0.5/feed/", REFUSED_MESSAGE),
    ],
)
def test_the_feed_form_refuses_a_bad_address_with_a_clear_error(client, advocacy_admin, settings, url, message):
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = False
    campaign = CampaignFactory()
    client.force_login(advocacy_admin)

    response = client.post(
        reverse("admin:community_feed_add"),
        {"name": "Press", "url": url, "campaign": campaign.pk, "is_active": "on", **_no_entries()},
    )

    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Feed.objects.exists()


@pytest.mark.django_db
def test_an_employee_cannot_reach_the_feed_admin(client, employee):
    feed = make_feed("https://blog.acme.example/feed/")
    client.force_login(employee)

    for name, args in (("changelist", []), ("add", []), ("change", [feed.pk])):
        response = client.get(reverse(f"admin:community_feed_{name}", args=args))
        assert response.status_code == 302 and "/login/" in response["Location"]


def _no_entries() -> dict:
    return {
        "entries-TOTAL_FORMS": "0",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "0",
    }
