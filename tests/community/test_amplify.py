"""Amplify my own post: employees submit their post, content managers feature it, colleagues like or repost it
through their own connected account where the network allows (Mastodon, Bluesky), or open it."""

import pytest
from django.urls import reverse

from community import services
from community.models import AmplifyRequest, Engagement
from networks.models import ConnectedAccount
from networks.providers import get_provider
from tests.factories import ConnectedAccountFactory

pytestmark = pytest.mark.django_db

MASTODON_POST = "https://social.example/@bob/113456789012345678"
BLUESKY_POST = "https://bsky.app/profile/alice.example.com/post/3lbxyz2abcd2k"


# --- The address of one's own post: shapes are network facts, on the providers ------------------


@pytest.mark.parametrize(
    ("url", "network", "author", "post_id"),
    [
        (
            "https://www.linkedin.com/posts/janedoe_lisbon-office-activity-7265012345678901234-AbCd?utm_source=share",
            "linkedin",
            "janedoe",
            "7265012345678901234",
        ),
        (
            "https://www.linkedin.com/feed/update/urn:li:activity:7265012345678901234/",
            "linkedin",
            "activity",
            "7265012345678901234",
        ),
        ("https://x.com/jane_doe/status/1861234567890123456?s=20", "x", "jane_doe", "1861234567890123456"),
        ("https://twitter.com/JaneDoe/status/1861234567890123456", "x", "JaneDoe", "1861234567890123456"),
        ("https://mastodon.social/@jane/113456789012345678", "mastodon", "jane", "113456789012345678"),
        (
            "https://hachyderm.io/@jane@mastodon.social/113456789012345678",
            "mastodon",
            "jane@mastodon.social",
            "113456789012345678",
        ),
        ("https://mastodon.social/users/jane/statuses/113456789012345678", "mastodon", "jane", "113456789012345678"),
        (
            "https://bsky.app/profile/jane.bsky.social/post/3lbxyz2abcd2k",
            "bluesky",
            "jane.bsky.social",
            "3lbxyz2abcd2k",
        ),
        (
            "https://bsky.app/profile/did:plc:ewvi7nxzyoun6zhxrhs64oiz/post/3lbxyz2abcd2k",
            "bluesky",
            "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
            "3lbxyz2abcd2k",
        ),
    ],
)
def test_a_post_address_names_its_network_author_and_id(url, network, author, post_id):
    ref = services.post_ref_from_url(url)
    assert (ref.network, ref.author, ref.post_id) == (network, author, post_id)
    assert "?" not in ref.url


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/janedoe/",  # a profile, not a post
        "https://x.com/jane_doe",  # a profile
        "https://x.com/jane_doe/status/abc",
        "https://mastodon.social/@jane",  # a profile
        "https://bsky.app/profile/jane.bsky.social",
        "https://bsky.app/profile/jane.bsky.social/post/NOT-A-TID",
        "https://example.com/blog/post-1",
        "http://x.com/jane/status/1",  # posts are https
    ],
)
def test_anything_but_one_post_is_refused_with_examples(client, employee, url):
    client.force_login(employee)
    response = client.post(reverse("community:amplify"), {"url": url})
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not the address of one post" in page and "bsky.app/profile/" in page
    assert not AmplifyRequest.objects.exists()


def test_the_patterns_live_on_the_providers():
    assert get_provider("bluesky").parse_post_url(BLUESKY_POST).post_id == "3lbxyz2abcd2k"
    assert get_provider("x").parse_post_url(BLUESKY_POST) is None
    assert get_provider("mastodon").engage_actions == ("like", "repost")
    assert get_provider("linkedin").engage_actions == () == get_provider("x").engage_actions


def test_employee_asks_and_content_manager_features(client, employee, content_manager):
    client.force_login(employee)
    response = client.post(reverse("community:amplify"), {"url": MASTODON_POST, "note": "Our Lisbon office!"})
    assert response.status_code == 302
    request = AmplifyRequest.objects.get()
    assert (request.network, request.status, request.author) == ("mastodon", "pending", employee)
    again = client.post(reverse("community:amplify"), {"url": MASTODON_POST})
    assert again.status_code == 400 and "You already asked for this post" in again.content.decode()
    assert AmplifyRequest.objects.count() == 1

    client.force_login(content_manager)
    assert "1 post to amplify" in client.get(reverse("admin:index")).content.decode()
    client.post(reverse("admin:community_amplifyrequest_do", args=[request.pk, "feature"]))
    request.refresh_from_db()
    assert request.status == "featured"


def test_decline_needs_a_reason_the_author_sees(client, employee, content_manager):
    request = services.amplify_request_create(author=employee, url=MASTODON_POST)
    client.force_login(content_manager)
    client.post(reverse("admin:community_amplifyrequest_do", args=[request.pk, "decline"]), {"reason": ""})
    request.refresh_from_db()
    assert request.status == "pending"
    client.post(
        reverse("admin:community_amplifyrequest_do", args=[request.pk, "decline"]),
        {"reason": "This one is off topic for us."},
    )
    client.force_login(employee)
    page = client.get(reverse("community:amplify")).content.decode()
    assert "Declined" in page and "This one is off topic for us." in page


def test_employees_cannot_feature(client, employee, colleague):
    request = services.amplify_request_create(author=colleague, url=MASTODON_POST)
    client.force_login(employee)
    response = client.post(reverse("admin:community_amplifyrequest_do", args=[request.pk, "feature"]))
    assert response.status_code == 302 and "/admin/login/" in response.url
    request.refresh_from_db()
    assert request.status == "pending"


def _featured(author, url, by):
    request = services.amplify_request_create(author=author, url=url)
    return services.amplify_request_move(request=request, to="featured", by=by)


# --- Engaging: Mastodon ------------------------------------------------------------------------


@pytest.fixture
def on_mastodon(mastodon, colleague):
    """The colleague's account on the fake instance, connected with favourites allowed."""
    account = ConnectedAccountFactory(
        user=colleague, instance=mastodon.instance, access_token="colleague-token", scopes="read write"
    )
    mastodon.grant_scopes("colleague-token", "read write")
    return account


def test_colleague_boosts_and_favourites_through_their_instance(
    client, mastodon, employee, colleague, content_manager, on_mastodon
):
    request = _featured(employee, MASTODON_POST, content_manager)
    status_id = mastodon.remote_status(MASTODON_POST)
    client.force_login(colleague)
    page = client.get(reverse("community:engage")).content.decode()
    assert "Like on Mastodon" in page and "Repost on Mastodon" in page

    client.post(reverse("community:engage_do", args=[request.pk, "like"]))
    client.post(reverse("community:engage_do", args=[request.pk, "repost"]))
    assert mastodon.remote[MASTODON_POST]["favourites_count"] == 1
    assert mastodon.remote[MASTODON_POST]["reblogs_count"] == 1
    assert mastodon.count("search") == 2 and mastodon.calls[-1] == ("reblog", f"/api/v1/statuses/{status_id}/reblog")
    done = Engagement.objects.filter(user=colleague, status="done")
    assert sorted(done.values_list("action", flat=True)) == ["like", "repost"]
    assert "Liked ✓" in client.get(reverse("community:engage")).content.decode()


def test_a_repeat_tap_does_not_call_the_network_again(
    client, mastodon, employee, colleague, content_manager, on_mastodon
):
    request = _featured(employee, MASTODON_POST, content_manager)
    mastodon.remote_status(MASTODON_POST)
    client.force_login(colleague)
    for _ in range(3):
        client.post(reverse("community:engage_do", args=[request.pk, "like"]))
    assert mastodon.count("favourite") == 1 and mastodon.count("search") == 1
    assert Engagement.objects.get().status == "done"


def test_without_the_favourites_scope_only_the_boost_is_offered(client, mastodon, employee, colleague, content_manager):
    ConnectedAccountFactory(
        user=colleague, instance=mastodon.instance, access_token="t2", scopes="read write:statuses write:media"
    )
    mastodon.grant_scopes("t2", "read write:statuses write:media")
    request = _featured(employee, MASTODON_POST, content_manager)
    mastodon.remote_status(MASTODON_POST)
    client.force_login(colleague)
    page = client.get(reverse("community:engage")).content.decode()
    assert "Repost on Mastodon" in page and "Like on Mastodon" not in page
    response = client.post(reverse("community:engage_do", args=[request.pk, "like"]), follow=True)
    assert "open the post and do it there" in response.content.decode()
    assert mastodon.count("favourite") == 0 and not Engagement.objects.exists()


def test_a_post_the_instance_cannot_find_fails_clearly_and_can_be_tried_again(
    client, mastodon, employee, colleague, content_manager, on_mastodon
):
    request = _featured(employee, MASTODON_POST, content_manager)
    client.force_login(colleague)
    response = client.post(reverse("community:engage_do", args=[request.pk, "repost"]), follow=True)
    assert "could not find that post" in response.content.decode()
    assert Engagement.objects.get().status == "failed"
    mastodon.remote_status(MASTODON_POST)  # federation caught up
    client.post(reverse("community:engage_do", args=[request.pk, "repost"]))
    engagement = Engagement.objects.get()
    assert engagement.status == "done" and mastodon.remote[MASTODON_POST]["reblogs_count"] == 1


def test_a_revoked_token_flags_the_account(client, mastodon, employee, colleague, content_manager, on_mastodon):
    request = _featured(employee, MASTODON_POST, content_manager)
    mastodon.tokens.clear()
    client.force_login(colleague)
    client.post(reverse("community:engage_do", args=[request.pk, "repost"]))
    on_mastodon.refresh_from_db()
    assert on_mastodon.health == ConnectedAccount.Health.NEEDS_RECONNECT
    assert Engagement.objects.get().status == "failed"


def test_the_author_cannot_engage_with_their_own_post(client, employee, content_manager, mastodon):
    ConnectedAccountFactory(user=employee, instance=mastodon.instance, scopes="read write")
    request = _featured(employee, MASTODON_POST, content_manager)
    client.force_login(employee)
    assert f"engage-{request.pk}" not in client.get(reverse("community:engage")).content.decode()
    response = client.post(reverse("community:engage_do", args=[request.pk, "like"]), follow=True)
    assert "your own post" in response.content.decode()
    assert not Engagement.objects.exists()


def test_a_post_no_longer_featured_cannot_be_engaged(client, employee, colleague, content_manager):
    request = _featured(employee, MASTODON_POST, content_manager)
    services.amplify_request_move(request=request, to="ended", by=content_manager)
    client.force_login(colleague)
    assert client.post(reverse("community:engage_do", args=[request.pk, "like"])).status_code == 404
    assert client.get(reverse("community:engage_do", args=[request.pk, "like"])).status_code == 405
    assert client.post(reverse("community:engage_do", args=[request.pk, "poke"])).status_code == 404


# --- Engaging: Bluesky -------------------------------------------------------------------------


@pytest.fixture
def on_bluesky(bluesky, colleague, settings):
    settings.BLUESKY_APPVIEW_URL = bluesky.url()
    session = bluesky._session()
    return ConnectedAccount.objects.create(
        user=colleague,
        network="bluesky",
        handle=bluesky.handle,
        external_id=bluesky.did,
        service_url=bluesky.url(),
        access_token=session["accessJwt"],
        refresh_token=session["refreshJwt"],
    )


@pytest.mark.parametrize(("action", "collection"), [("like", "app.bsky.feed.like"), ("repost", "app.bsky.feed.repost")])
def test_colleague_likes_or_reposts_on_bluesky_once(
    client, bluesky, employee, colleague, content_manager, on_bluesky, action, collection
):
    request = _featured(employee, BLUESKY_POST, content_manager)
    subject_uri = f"at://{bluesky.did}/app.bsky.feed.post/3lbxyz2abcd2k"
    bluesky.post_metrics(subject_uri)
    client.force_login(colleague)
    client.post(reverse("community:engage_do", args=[request.pk, action]))
    client.post(reverse("community:engage_do", args=[request.pk, action]))  # a second tap
    records = bluesky.engagements(collection)
    assert len(records) == 1
    assert records[0]["subject"]["uri"] == subject_uri and records[0]["subject"]["cid"].startswith("bafyrei")
    engagement = Engagement.objects.get()
    assert engagement.status == "done" and engagement.external_id.startswith(f"at://{bluesky.did}/{collection}/")
    assert engagement.external_id.endswith(engagement.idempotency_key)


def test_a_lost_bluesky_answer_is_settled_by_the_record_key(
    client, bluesky, employee, colleague, content_manager, on_bluesky
):
    request = _featured(employee, BLUESKY_POST, content_manager)
    bluesky.post_metrics(f"at://{bluesky.did}/app.bsky.feed.post/3lbxyz2abcd2k")
    bluesky.fail("create_record", 502, {"error": "UpstreamFailure"}, then_succeed=True)
    client.force_login(colleague)
    client.post(reverse("community:engage_do", args=[request.pk, "like"]))
    assert len(bluesky.engagements("app.bsky.feed.like")) == 1
    assert Engagement.objects.get().status == "done"


def test_a_deleted_bluesky_post_fails_clearly(client, bluesky, employee, colleague, content_manager, on_bluesky):
    request = _featured(employee, BLUESKY_POST, content_manager)
    client.force_login(colleague)
    response = client.post(reverse("community:engage_do", args=[request.pk, "like"]), follow=True)
    assert "could not find that post" in response.content.decode()
    assert not bluesky.engagements("app.bsky.feed.like")


# --- Networks without likes through the API: a link --------------------------------------------


def test_linkedin_and_x_posts_are_offered_as_a_link(client, employee, colleague, content_manager):
    li = "https://www.linkedin.com/posts/janedoe_lisbon-activity-7265012345678901234-AbCd"
    _featured(employee, li, content_manager)
    client.force_login(colleague)
    page = client.get(reverse("community:engage")).content.decode()
    assert f'href="{li}"' in page and "Like on" not in page and "Connect your" not in page


def test_without_an_account_the_colleague_is_told_to_connect(client, employee, colleague, content_manager):
    _featured(employee, BLUESKY_POST, content_manager)
    client.force_login(colleague)
    page = client.get(reverse("community:engage")).content.decode()
    assert "Connect your Bluesky account" in page and "Like on Bluesky" not in page
