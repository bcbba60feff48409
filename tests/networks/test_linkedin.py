import datetime as dt

import pytest
import time_machine
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.urls import reverse
from django.utils import timezone

from networks.models import ConnectedAccount, Share
from networks.providers.linkedin import escape_little_text, little_text, parse_scopes
from networks.services.connections import accounts_refresh_due
from networks.services.publishing import MAX_ATTEMPTS, share_publish, shares_publish_due
from networks.services.sharing import share_direct_create
from tests.factories import allauth_connection
from tests.networks.budgets import window_passes
from tests.networks.helpers import assert_encrypted_at_rest


@pytest.fixture
def li_account(client, employee, linkedin):
    allauth_connection(
        employee,
        provider="linkedin",
        uid="AbC123xyz",
        token="li-token",
        expires_in=dt.timedelta(days=60),
        extra={"sub": "AbC123xyz", "name": "Alice Example", "email": "alice@example.com"},
    )
    client.force_login(employee)
    client.get(reverse("networks:accounts"))
    return ConnectedAccount.objects.get(user=employee, network="linkedin")


def test_connection_uses_the_userinfo_sub_as_author_and_is_not_refreshable(li_account):
    assert li_account.external_id == "urn:li:person:AbC123xyz"
    assert li_account.handle == "Alice Example"
    assert li_account.access_token == "li-token"
    assert not li_account.refreshable
    assert not SocialToken.objects.exists()


def test_publish_article_with_uploaded_thumbnail(li_account, employee, linkedin, post_with_image, settings):
    settings.LINKEDIN_VERSION = "202511"
    share = share_direct_create(user=employee, post=post_with_image, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    [sent] = linkedin.posts
    body = sent["body"]
    assert body["author"] == "urn:li:person:AbC123xyz"
    article = body["content"]["article"]
    assert article["source"] == share.short_link.short_url
    assert article["title"] == post_with_image.title
    [(image_id, image)] = linkedin.images.items()
    assert article["thumbnail"] == f"urn:li:image:{image_id}" and image["uploaded"]
    assert body["commentary"].endswith("{hashtag|\\#|employee}\n" + share.short_link.short_url)  # a real hashtag
    assert share.external_id == sent["urn"]
    assert share.external_url == f"https://www.linkedin.com/feed/update/{sent['urn']}/"


def test_revoked_token_fails_share_and_flags_account(li_account, employee, linkedin, post):
    linkedin.tokens.clear()
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    li_account.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "revoked" in share.error
    assert li_account.health == ConnectedAccount.Health.NEEDS_RECONNECT


def test_rejected_post_fails_with_linkedins_message(li_account, employee, linkedin, post):
    linkedin.fail("posts", 422, {"status": 422, "message": "/commentary :: content is duplicate"})
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert share.error == "LinkedIn: /commentary :: content is duplicate"


def test_429_without_headers_backs_off_and_retries_later(li_account, employee, linkedin, post):
    linkedin.fail("posts", 429, {"status": 429, "message": "Resource level throttle limit"})
    share = share_direct_create(user=employee, post=post, network="linkedin")
    now = timezone.now()
    share_publish(share_id=share.pk, now=now)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED
    assert share.scheduled_for >= now + dt.timedelta(seconds=30)
    assert linkedin.posts == []


def test_accounts_page_warns_before_the_60_days_run_out_and_offers_reconnect(client, li_account, employee):
    with time_machine.travel(timezone.now() + dt.timedelta(days=55)):
        client.force_login(employee)  # the session would have expired by then
        page = client.get(reverse("networks:accounts")).content.decode()
    assert "Expiring in 4 days" in page or "Expiring in 5 days" in page
    assert "Reconnect" in page


def test_daily_task_flags_an_expired_linkedin_token(client, li_account, employee, post):
    with time_machine.travel(timezone.now() + dt.timedelta(days=61)):
        counts = accounts_refresh_due()
        li_account.refresh_from_db()
        assert counts["flagged"] == 1
        assert li_account.health_at() == ConnectedAccount.Health.NEEDS_RECONNECT
        client.force_login(employee)
        page = client.get(reverse("networks:accounts")).content.decode()
    assert "Needs reconnection" in page


def test_disconnect_deletes_tokens_and_allauths_record(client, li_account):
    response = client.post(reverse("networks:account_disconnect", args=[li_account.pk]))
    assert response.status_code == 302
    assert not ConnectedAccount.objects.exists()
    assert not SocialAccount.objects.exists()


def test_a_colleague_cannot_disconnect_my_account(client, li_account, colleague):
    client.force_login(colleague)
    response = client.post(reverse("networks:account_disconnect", args=[li_account.pk]))
    assert response.status_code == 404
    assert ConnectedAccount.objects.filter(pk=li_account.pk).exists()


def test_little_text_reserved_characters_are_escaped():
    assert escape_little_text("Hi (team) #ad @you [x] <y> *z* _u_ ~v~ {w} a|b \\") == (
        "Hi \\(team\\) \\#ad \\@you \\[x\\] \\<y\\> \\*z\\* \\_u\\_ \\~v\\~ \\{w\\} a\\|b \\\\"
    )


@pytest.mark.parametrize(
    "text, commentary",
    [
        ("Launch day #product #Zürich2026", "Launch day {hashtag|\\#|product} {hashtag|\\#|Zürich2026}"),
        ("Hi (team) @you: #ad", "Hi \\(team\\) \\@you: {hashtag|\\#|ad}"),
        ("C# and #1 # alone", "C\\# and {hashtag|\\#|1} \\# alone"),  # not a tag inside a word, nor a bare '#'
        ("see https://go.example.com/s/a_b~c", "see https://go.example.com/s/a_b~c"),  # links stay links
        ("#a_b", "{hashtag|\\#|a\\_b}"),
    ],
)
def test_commentary_is_little_text_with_real_hashtags(text, commentary):
    assert little_text(text) == commentary


def _reconcile_later(capture, minutes=3):
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes)), capture(execute=True):
        shares_publish_due()  # retries what is due and reconciles what is unknown


def test_a_500_after_the_post_was_created_ends_published_with_its_urn(
    li_account, employee, linkedin, post, django_capture_on_commit_callbacks
):
    """Issue 10, fault 1: LinkedIn made the post, then answered 500."""
    linkedin.fail("posts", 500, {"status": 500, "message": "Internal Server Error"}, then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    _reconcile_later(django_capture_on_commit_callbacks)
    share.refresh_from_db()
    [sent] = linkedin.posts
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == sent["urn"]
    assert share.external_url == f"https://www.linkedin.com/feed/update/{sent['urn']}/"


def test_a_read_timeout_is_reconciled_by_resending_and_the_duplicate_names_the_post(
    li_account, employee, linkedin, post, django_capture_on_commit_callbacks
):
    """Issue 10, fault 2: the post exists; re-sending the same commentary earns 422 DUPLICATE_POST with its URN."""
    linkedin.fail("posts", 201, {}, sleep=1.0, then_succeed=True)  # created, the answer comes too late
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    _reconcile_later(django_capture_on_commit_callbacks)
    share.refresh_from_db()
    [sent] = linkedin.posts
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == sent["urn"]
    assert linkedin.count("posts") == 2


def test_a_read_timeout_before_creation_is_reconciled_by_resending_and_the_201_is_the_post(
    li_account, employee, linkedin, post, django_capture_on_commit_callbacks
):
    """Issue 10, fault 2: the post was not there; the re-send makes it (once) and its URN is kept."""
    linkedin.fail("posts", 500, {"status": 500, "message": "Internal Server Error"}, sleep=1.0)  # nothing made
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    assert linkedin.posts == []
    _reconcile_later(django_capture_on_commit_callbacks)
    share.refresh_from_db()
    [sent] = linkedin.posts
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == sent["urn"]
    _reconcile_later(django_capture_on_commit_callbacks, minutes=30)
    assert len(linkedin.posts) == 1


def test_answers_lost_on_every_resend_end_failed_with_advice(
    li_account, employee, linkedin, post, django_capture_on_commit_callbacks
):
    linkedin.fail("posts", 503, {"status": 503, "message": "Service Unavailable"}, times=MAX_ATTEMPTS)
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    for minutes in range(3, 3 * (MAX_ATTEMPTS + 1), 3):
        _reconcile_later(django_capture_on_commit_callbacks, minutes=minutes)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "Check your LinkedIn profile" in share.error
    assert linkedin.count("posts") == MAX_ATTEMPTS and linkedin.posts == []


def test_a_duplicate_refusal_after_our_own_earlier_attempt_takes_the_urn_it_names(
    li_account, employee, linkedin, post, django_capture_on_commit_callbacks
):
    linkedin.fail("posts", 429, {"status": 429, "message": "Resource level throttle limit"}, then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED
    window_passes()  # the limiter's clock does not travel with time_machine
    with (
        time_machine.travel(share.scheduled_for + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        shares_publish_due()
    share.refresh_from_db()
    [sent] = linkedin.posts
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == sent["urn"]


def test_a_duplicate_of_a_post_made_by_hand_fails_with_linkedins_words(li_account, employee, linkedin, post):
    share = share_direct_create(user=employee, post=post, network="linkedin")
    earlier = "urn:li:share:7000000000000000001"
    linkedin.posts.append({"urn": earlier, "body": {"author": linkedin.person, "commentary": little_text(share.text)}})
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert share.error == f"LinkedIn: Content is a duplicate of {earlier}"
    assert share.external_id == ""


def test_scopes_are_read_with_either_separator():
    assert parse_scopes("email,openid,profile,r_member_postAnalytics") == {
        "email",
        "openid",
        "profile",
        "r_member_postAnalytics",
    }
    assert parse_scopes("openid profile  w_member_social") == {"openid", "profile", "w_member_social"}
    assert parse_scopes("") == set()


def test_connect_through_allauths_openid_connect_flow_against_the_fake(client, employee, linkedin):
    from allauth.socialaccount.models import SocialApp
    from django.contrib.sites.models import Site

    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="linkedin",
        name="LinkedIn",
        client_id=linkedin.client_id,
        secret=linkedin.client_secret,
        settings={
            "server_url": linkedin.url("/oauth"),
            "token_auth_method": "client_secret_post",
            "scope": ["openid", "profile", "email", "w_member_social"],
        },
    )
    app.sites.add(Site.objects.get_current())
    client.force_login(employee)
    next_url = reverse("networks:accounts")
    login_url = reverse("openid_connect_login", args=["linkedin"])
    response = client.post(login_url, {"process": "connect", "next": next_url})
    assert response.status_code == 302, response.content[:500]
    callback = linkedin.approve(response["Location"])
    response = client.get(reverse("openid_connect_callback", args=["linkedin"]), callback)
    assert response.status_code == 302
    assert response["Location"] == next_url
    # The callback itself stored the token, encrypted; no plaintext copy, before any page is opened.
    assert not SocialToken.objects.exists()
    stored = ConnectedAccount.objects.get(user=employee, network="linkedin")
    assert stored.access_token in linkedin.tokens
    assert_encrypted_at_rest(stored, stored.access_token)
    assert "Alice Example" in client.get(next_url).content.decode()
    account = ConnectedAccount.objects.get(user=employee, network="linkedin")
    assert account.external_id == linkedin.person
    assert account.access_token in linkedin.tokens
    assert 59 <= account.days_left() <= 60
    assert not SocialToken.objects.exists()


def test_post_analytics_switch_on_when_the_member_grants_them(client, employee, linkedin, post, settings):
    """Issue 10, fault 3: connect with LINKEDIN_POST_ANALYTICS on, publish, pull metrics: the numbers are stored."""
    from allauth.socialaccount.models import SocialApp
    from django.contrib.sites.models import Site

    from analytics.metrics import metrics_pull_batch
    from analytics.models import ShareMetrics

    settings.LINKEDIN_POST_ANALYTICS = True
    app = SocialApp.objects.create(
        provider="openid_connect",
        provider_id="linkedin",
        name="LinkedIn",
        client_id=linkedin.client_id,
        secret=linkedin.client_secret,
        settings={
            "server_url": linkedin.url("/oauth"),
            "token_auth_method": "client_secret_post",
            # What advocacy/settings.py asks for when LINKEDIN_POST_ANALYTICS is on.
            "scope": ["openid", "profile", "email", "w_member_social", "r_member_postAnalytics"],
        },
    )
    app.sites.add(Site.objects.get_current())
    client.force_login(employee)
    response = client.post(reverse("openid_connect_login", args=["linkedin"]), {"process": "connect"})
    callback = linkedin.approve(response["Location"])
    client.get(reverse("openid_connect_callback", args=["linkedin"]), callback)
    client.get(reverse("networks:accounts"))
    account = ConnectedAccount.objects.get(user=employee, network="linkedin")
    assert "r_member_postAnalytics" in account.scopes.split()  # LinkedIn said it comma-separated
    share = share_direct_create(user=employee, post=post, network="linkedin")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    linkedin.post_analytics_for(share.external_id, reactions=12, comments=3, reshares=2, impressions=900)

    metrics_pull_batch(network="linkedin", share_ids=[share.pk])

    stored = ShareMetrics.objects.get(share=share)
    assert stored.state == "ok"
    assert (stored.likes, stored.replies, stored.reposts, stored.impressions) == (12, 3, 2, 900)


def test_the_settings_ask_for_post_analytics_in_the_sign_in_when_switched_on(monkeypatch):
    import importlib

    import advocacy.settings as project_settings

    monkeypatch.setenv("LINKEDIN_CLIENT_ID", "li-client")
    monkeypatch.setenv("LINKEDIN_CLIENT_SECRET", "li-secret")
    monkeypatch.setenv("LINKEDIN_POST_ANALYTICS", "1")
    try:
        reloaded = importlib.reload(project_settings)
        [app] = reloaded.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
        assert "r_member_postAnalytics" in app["settings"]["scope"]
    finally:
        monkeypatch.undo()
        importlib.reload(project_settings)


def test_reconciling_by_resending_reuses_the_uploaded_image(
    li_account, employee, linkedin, post_with_image, django_capture_on_commit_callbacks
):
    linkedin.fail("posts", 502, {"status": 502, "message": "Bad Gateway"}, then_succeed=True)
    share = share_direct_create(user=employee, post=post_with_image, network="linkedin")
    share_publish(share_id=share.pk)
    _reconcile_later(django_capture_on_commit_callbacks)
    share.refresh_from_db()
    [sent] = linkedin.posts
    assert share.status == Share.Status.PUBLISHED and share.external_id == sent["urn"]
    assert linkedin.count("images_initialize") == 1 and len(linkedin.images) == 1
