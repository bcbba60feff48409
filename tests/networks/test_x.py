import datetime as dt

import pytest
import time_machine
from allauth.socialaccount.models import SocialToken
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from networks.models import ConnectedAccount, Share
from networks.services.connections import account_refresh
from networks.services.publishing import MAX_ATTEMPTS, share_publish, shares_publish_due, shares_reconcile_unknown
from networks.services.sharing import share_direct_create
from tests.networks.budgets import window_passes
from tests.networks.helpers import assert_encrypted_at_rest


def test_connecting_moves_tokens_out_of_allauth_into_encrypted_storage(x_account):
    assert x_account.handle == "alice_x"
    assert x_account.access_token == "x-access-1"
    assert x_account.refresh_token == "x-refresh-1"
    assert x_account.refreshable
    assert not SocialToken.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM networks_connectedaccount")
        stored = cursor.fetchone()
    assert "x-access-1" not in stored[0] and "x-refresh-1" not in stored[1]


def test_direct_posting_to_x_is_off_by_default_and_offers_the_intent(client, employee, x_account, post, settings):
    settings.X_DIRECT_POSTING = False
    page = client.get(reverse("today")).content.decode()
    assert reverse("networks:share_intent", args=[post.pk, "x"]) in page
    assert 'data-route="direct" data-network="x"' not in page
    response = client.post(reverse("networks:share", args=[post.pk, "x"]), {"action": "now"})
    assert response.status_code == 400
    assert "not available" in response.content.decode()
    assert not Share.objects.exists()


def test_publish_text_and_image(x_account, employee, x_api, post_with_image):
    share = share_direct_create(user=employee, post=post_with_image, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    [tweet] = x_api.tweets
    assert tweet["body"]["text"].endswith(share.short_link.short_url)
    assert tweet["body"]["media"]["media_ids"] == list(x_api.media)
    assert share.external_id == tweet["id"]
    assert share.external_url == f"https://x.com/alice_x/status/{tweet['id']}"


def test_expired_access_token_is_refreshed_and_the_new_refresh_token_kept(x_account, employee, x_api, post):
    share = share_direct_create(user=employee, post=post, network="x")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        share_publish(share_id=share.pk)
    share.refresh_from_db()
    x_account.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert x_api.spent_refresh == {"x-refresh-1"}
    assert x_account.refresh_token in x_api.refresh
    assert x_account.access_token in x_api.access


def test_a_refresh_token_is_never_spent_twice(x_account, x_api):
    later = timezone.now() + dt.timedelta(hours=3)
    with time_machine.travel(later):
        account_refresh(account_id=x_account.pk, force=True)
        account_refresh(account_id=x_account.pk, force=True)  # a second worker, after the first released the lock
    x_account.refresh_from_db()
    assert x_api.count("token") == 1
    assert x_account.health == ConnectedAccount.Health.OK


def test_refused_refresh_fails_share_and_asks_to_reconnect(x_account, employee, x_api, post):
    x_api.refresh.clear()  # revoked
    share = share_direct_create(user=employee, post=post, network="x")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=3)):
        share_publish(share_id=share.pk)
    share.refresh_from_db()
    x_account.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "Reconnect" in share.error
    assert x_account.health == ConnectedAccount.Health.NEEDS_RECONNECT
    assert x_api.tweets == []


def test_usage_capped_is_a_quota_stop_not_a_retry(x_account, employee, x_api, post):
    x_api.fail(
        "tweets",
        429,
        {
            "title": "UsageCapExceeded",
            "type": "https://api.twitter.com/2/problems/usage-capped",
            "detail": "Usage cap exceeded: Monthly product cap",
        },
    )
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "usage cap" in share.error
    assert "share dialog" in share.error


def test_rate_limit_waits_for_x_rate_limit_reset(x_account, employee, x_api, post):
    now = timezone.now()
    reset = int((now + dt.timedelta(minutes=12)).timestamp())
    x_api.fail(
        "tweets",
        429,
        {"title": "Too Many Requests", "type": "about:blank", "status": 429, "detail": "Too Many Requests"},
        headers={"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
    )
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk, now=now)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED
    assert share.scheduled_for >= now + dt.timedelta(minutes=11)
    assert x_api.tweets == []


def test_server_errors_before_posting_retry_with_backoff_then_give_up(
    x_account, employee, x_api, post_with_image, django_capture_on_commit_callbacks
):
    # The media upload creates no post: its 5xx is retried with backoff, and given up after MAX_ATTEMPTS.
    x_api.fail(
        "media_upload", 503, {"title": "Service Unavailable", "detail": "Service Unavailable"}, times=MAX_ATTEMPTS
    )
    share = share_direct_create(user=employee, post=post_with_image, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    first_retry = share.scheduled_for
    assert share.status == Share.Status.SCHEDULED
    for _ in range(MAX_ATTEMPTS - 1):
        share.refresh_from_db()
        with (
            time_machine.travel(share.scheduled_for + dt.timedelta(seconds=1)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            shares_publish_due()
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert share.attempts == MAX_ATTEMPTS
    assert "gave up" in share.error
    assert first_retry is not None
    assert x_api.tweets == [] and x_api.count("tweets") == 0


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_to_the_create_call_is_a_lost_answer_never_a_blind_retry(
    x_account, employee, x_api, post, django_capture_on_commit_callbacks, status
):
    x_api.fail("tweets", status, {"title": "Service Unavailable", "detail": "Service Unavailable"})  # nothing made
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    with django_capture_on_commit_callbacks(execute=True):
        shares_publish_due()
    assert x_api.count("tweets") == 1  # not sent again
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=25)):
        assert shares_reconcile_unknown() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED and "was not posted" in share.error


def test_a_500_after_the_tweet_was_created_ends_published_with_its_id(
    x_account, employee, x_api, post, django_capture_on_commit_callbacks
):
    """Issue 10, fault 1: X made the tweet, then answered 500."""
    x_api.fail("tweets", 500, {"title": "Internal Server Error"}, then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(minutes=3)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        shares_publish_due()  # retries what is due and reconciles what is unknown
    share.refresh_from_db()
    [tweet] = x_api.tweets
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == tweet["id"]
    assert share.external_url == f"https://x.com/alice_x/status/{tweet['id']}"
    assert x_api.count("tweets") == 1


def test_a_duplicate_refusal_after_our_own_earlier_attempt_is_taken_as_published(
    x_account, employee, x_api, post, django_capture_on_commit_callbacks
):
    # X made the tweet but answered 429; the retry meets "duplicate content", which is our own tweet.
    x_api.fail("tweets", 429, {"title": "Too Many Requests", "detail": "Too Many Requests"}, then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="x")
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
    [tweet] = x_api.tweets
    assert share.status == Share.Status.PUBLISHED, share.error
    assert share.external_id == tweet["id"]
    assert x_api.count("tweets") == 2 and x_api.count("user_tweets") == 1


def test_a_duplicate_of_a_tweet_posted_by_hand_fails_with_xs_words(x_account, employee, x_api, post):
    share = share_direct_create(user=employee, post=post, network="x")
    x_api.tweets.append({"id": "1", "body": {"text": share.text}, "links": [], "created_at": dt.datetime.now(dt.UTC)})
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert share.error == "X: You are not allowed to create a Tweet with duplicate content."
    assert share.external_id == ""


def test_timeout_after_sending_marks_unknown_and_is_not_sent_again(
    x_account, employee, x_api, post, django_capture_on_commit_callbacks
):
    x_api.fail("tweets", 201, {}, sleep=1.0, then_succeed=True)  # the tweet is created, the answer comes too late
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    assert "checking" in share.next_step.lower()
    # A duplicated task and the periodic pass leave it alone.
    assert share_publish(share_id=share.pk) is None
    with django_capture_on_commit_callbacks(execute=True):
        shares_publish_due()
    assert len(x_api.tweets) == 1
    assert x_api.count("tweets") == 1


def test_garbled_success_body_is_unknown_not_retried(x_account, employee, x_api, post):
    x_api.fail("tweets", 201, raw="<html>oops", then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    assert len(x_api.tweets) == 1


def test_rejection_fails_with_the_network_message(x_account, employee, x_api, post):
    x_api.fail(
        "tweets",
        403,
        {
            "title": "Forbidden",
            "status": 403,
            "detail": "You are not allowed to create a Tweet with duplicate content.",
        },
    )
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert share.error == "X: You are not allowed to create a Tweet with duplicate content."


def test_weighted_length_with_emoji_and_cjk_is_checked_the_x_way(x_account, employee, post):
    # 125 CJK characters weigh 250; with the disclaimer and the short link (23) X counts 285.
    text = "新" * 125 + "\n\n#employee"
    with pytest.raises(ValidationError) as exc:
        share_direct_create(user=employee, post=post, network="x", text=text)
    assert "X allows 280 weighted characters" in str(exc.value)
    assert not Share.objects.exists()
    # The same number of Latin letters fits.
    share_direct_create(user=employee, post=post, network="x", text="a" * 125 + "\n\n#employee")


def test_unknown_outcome_is_reconciled_by_finding_the_post_on_x(x_account, employee, x_api, post):
    x_api.fail("tweets", 201, {}, sleep=1.0, then_succeed=True)
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert shares_reconcile_unknown() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED
    assert share.external_id == x_api.tweets[0]["id"]
    assert len(x_api.tweets) == 1


def test_unknown_outcome_not_found_on_x_fails_after_a_while_so_it_can_be_shared_again(x_account, employee, x_api, post):
    x_api.fail("tweets", 503, {}, sleep=1.0)  # late answer, and nothing was created
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.UNKNOWN
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert shares_reconcile_unknown() == 0  # too early to conclude
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=25)):
        assert shares_reconcile_unknown() == 1
    share.refresh_from_db()
    assert share.status == Share.Status.FAILED
    assert "was not posted" in share.error
    share_direct_create(user=employee, post=post, network="x")  # allowed again


def test_connect_through_allauths_oauth2_pkce_flow_against_the_fake(client, employee, x_api, monkeypatch):
    from allauth.socialaccount.models import SocialApp
    from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
    from django.contrib.sites.models import Site

    monkeypatch.setattr(TwitterOAuth2Adapter, "authorize_url", x_api.url("/i/oauth2/authorize"))
    monkeypatch.setattr(TwitterOAuth2Adapter, "access_token_url", x_api.url("/2/oauth2/token"))
    monkeypatch.setattr(TwitterOAuth2Adapter, "profile_url", x_api.url("/2/users/me"))
    app = SocialApp.objects.create(
        provider="twitter_oauth2", name="X", client_id=x_api.client_id, secret=x_api.client_secret
    )
    app.sites.add(Site.objects.get_current())
    client.force_login(employee)
    next_url = reverse("networks:accounts")
    response = client.post(reverse("twitter_oauth2_login"), {"process": "connect", "next": next_url})
    assert response.status_code == 302
    callback = x_api.approve(response["Location"])
    response = client.get(reverse("twitter_oauth2_callback"), callback)
    assert response.status_code == 302
    assert response["Location"] == next_url
    # The callback itself stored the tokens, encrypted; no plaintext copy, before any page is opened.
    assert not SocialToken.objects.exists()
    stored = ConnectedAccount.objects.get(user=employee, network="x")
    assert stored.access_token in x_api.access and stored.refresh_token in x_api.refresh
    assert_encrypted_at_rest(stored, stored.access_token)
    assert_encrypted_at_rest(stored, stored.refresh_token, column="refresh_token")
    page = client.get(next_url)
    assert "alice_x" in page.content.decode()
    account = ConnectedAccount.objects.get(user=employee, network="x")
    assert account.external_id == "2244994945"
    assert account.access_token in x_api.access
    assert account.refresh_token in x_api.refresh
    assert account.refreshable and account.token_expires_at is not None
    assert not SocialToken.objects.exists()


def test_reconnecting_x_renews_the_encrypted_tokens_in_the_callback(client, employee, x_api, monkeypatch):
    """A second connect of the same X account (allauth's social_account_updated) leaves no plaintext either."""
    from allauth.socialaccount.models import SocialAccount, SocialApp
    from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
    from django.contrib.sites.models import Site

    monkeypatch.setattr(TwitterOAuth2Adapter, "authorize_url", x_api.url("/i/oauth2/authorize"))
    monkeypatch.setattr(TwitterOAuth2Adapter, "access_token_url", x_api.url("/2/oauth2/token"))
    monkeypatch.setattr(TwitterOAuth2Adapter, "profile_url", x_api.url("/2/users/me"))
    app = SocialApp.objects.create(
        provider="twitter_oauth2", name="X", client_id=x_api.client_id, secret=x_api.client_secret
    )
    app.sites.add(Site.objects.get_current())
    client.force_login(employee)

    def connect() -> ConnectedAccount:
        response = client.post(reverse("twitter_oauth2_login"), {"process": "connect"})
        response = client.get(reverse("twitter_oauth2_callback"), x_api.approve(response["Location"]))
        assert response.status_code == 302
        assert not SocialToken.objects.exists()
        return ConnectedAccount.objects.get(user=employee, network="x")

    first = connect()
    second = connect()
    assert second.pk == first.pk and SocialAccount.objects.filter(user=employee).count() == 1
    assert second.access_token != first.access_token and second.access_token in x_api.access
    assert_encrypted_at_rest(second, second.access_token)


def test_the_daily_pass_does_not_exchange_x_tokens(x_account, x_api):
    """Issue 10, fault 4: X access tokens live two hours; the daily pass used to renew every one of them."""
    from networks.services.connections import accounts_refresh_due

    for later in (dt.timedelta(minutes=30), dt.timedelta(days=1), dt.timedelta(days=3)):
        with time_machine.travel(timezone.now() + later):
            accounts_refresh_due()
    x_account.refresh_from_db()
    assert x_api.count("token") == 0
    assert x_account.refresh_token == "x-refresh-1"
    assert x_account.health == ConnectedAccount.Health.OK


def test_an_x_token_is_renewed_shortly_before_it_expires_when_used(x_account, employee, x_api, post):
    share = share_direct_create(user=employee, post=post, network="x")
    with time_machine.travel(x_account.token_expires_at - dt.timedelta(minutes=3)):
        share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert x_api.spent_refresh == {"x-refresh-1"}


def test_an_x_token_refused_before_our_clock_says_so_is_renewed_once_lazily(x_account, employee, x_api, post):
    x_api.access.discard("x-access-1")  # X retired it early: 401
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert x_api.count("token") == 1


def test_a_401_after_another_worker_renewed_the_token_does_not_renew_again(x_account, x_api):
    """Two workers meet a 401 with the same token: the second finds it renewed ("someone else already
    refreshed it") and does not spend the rotated refresh token."""
    first = account_refresh(account_id=x_account.pk, stale_token="x-access-1")
    second = account_refresh(account_id=x_account.pk, stale_token="x-access-1")
    assert x_api.count("token") == 1
    assert first.access_token == second.access_token != "x-access-1"
    assert second.refresh_token in x_api.refresh


def test_a_revoked_x_token_asks_to_reconnect_with_the_refresh_refusal(x_account, employee, x_api, post):
    """Issue 10, fault 6: the reason is X's refusal to renew, not the post's "Unauthorized"."""
    x_api.access.clear()
    x_api.refresh.clear()  # the employee revoked the app on x.com
    share = share_direct_create(user=employee, post=post, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    x_account.refresh_from_db()
    assert x_account.health == ConnectedAccount.Health.NEEDS_RECONNECT
    assert x_account.health_reason.startswith("X refused to renew the sign-in")
    assert "Unauthorized" not in x_account.health_reason
    assert share.status == Share.Status.FAILED
    assert "X refused to renew the sign-in" in share.error
    assert x_api.tweets == []


def test_a_retried_publish_reuses_the_uploaded_image(
    x_account, employee, x_api, post_with_image, django_capture_on_commit_callbacks
):
    """Issue 9 §5: a retry used to upload the image again and leave the first upload orphaned."""
    x_api.fail("tweets", 429, {"title": "Too Many Requests", "detail": "Too Many Requests"})
    share = share_direct_create(user=employee, post=post_with_image, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    assert share.status == Share.Status.SCHEDULED and share.media_ref in x_api.media
    window_passes()  # the limiter's clock does not travel with time_machine
    with (
        time_machine.travel(share.scheduled_for + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        shares_publish_due()
    share.refresh_from_db()
    [tweet] = x_api.tweets
    assert share.status == Share.Status.PUBLISHED, share.error
    assert x_api.count("media_upload") == 1
    assert tweet["body"]["media"]["media_ids"] == [share.media_ref]


def test_an_upload_older_than_the_networks_media_window_is_made_again(
    x_account, employee, x_api, post_with_image, django_capture_on_commit_callbacks
):
    x_api.fail("tweets", 429, {"title": "Too Many Requests"}, headers={"x-rate-limit-reset": "0", "Retry-After": "0"})
    share = share_direct_create(user=employee, post=post_with_image, network="x")
    share_publish(share_id=share.pk)
    share.refresh_from_db()
    first = share.media_ref
    window_passes()  # the limiter's clock does not travel with time_machine
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=1)),  # X dropped the unattached media
        django_capture_on_commit_callbacks(execute=True),
    ):
        shares_publish_due()
    share.refresh_from_db()
    assert share.status == Share.Status.PUBLISHED, share.error
    assert x_api.count("media_upload") == 2 and share.media_ref != first


@pytest.fixture
def second_post(db):
    from tests.factories import SuggestedPostFactory

    return SuggestedPostFactory(disclaimer="#employee", variants={"x": "And a second one!"})


def test_a_burst_beyond_the_publish_budget_is_rescheduled_not_failed(
    x_account, employee, x_api, post, second_post, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 9 §5 Rate budget: the shared limiter is asked before each post."""
    from networks.providers.x import XProvider

    monkeypatch.setattr(XProvider, "publish_budget_per_window", 1)
    now = timezone.now()
    first = share_direct_create(user=employee, post=post, network="x")
    second = share_direct_create(user=employee, post=second_post, network="x")
    share_publish(share_id=first.pk, now=now)
    share_publish(share_id=second.pk, now=now)
    second.refresh_from_db()
    assert second.status == Share.Status.SCHEDULED
    assert second.attempts == 0  # waiting for room is not a failed try
    assert now < second.scheduled_for <= now + dt.timedelta(minutes=15, seconds=10)
    assert "posting limit" in second.error
    assert x_api.count("tweets") == 1
    window_passes()  # the limiter's clock does not travel with time_machine
    with (
        time_machine.travel(second.scheduled_for + dt.timedelta(seconds=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        shares_publish_due()
    second.refresh_from_db()
    assert second.status == Share.Status.PUBLISHED, second.error
    assert x_api.count("tweets") == 2


def test_a_429_holds_every_post_of_the_account_until_the_reset(x_account, employee, x_api, post, second_post):
    now = timezone.now()
    reset = int((now + dt.timedelta(minutes=12)).timestamp())
    x_api.fail("tweets", 429, {"title": "Too Many Requests"}, headers={"x-rate-limit-reset": str(reset)})
    first = share_direct_create(user=employee, post=post, network="x")
    second = share_direct_create(user=employee, post=second_post, network="x")
    share_publish(share_id=first.pk, now=now)
    share_publish(share_id=second.pk, now=now)  # another worker, a moment later
    second.refresh_from_db()
    assert second.status == Share.Status.SCHEDULED and second.attempts == 0
    assert second.scheduled_for >= now + dt.timedelta(minutes=11)
    assert x_api.count("tweets") == 1  # the second post did not earn a second 429
