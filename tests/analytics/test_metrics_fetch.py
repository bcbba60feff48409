"""The metrics pull against fake networks: real response shapes, and every kind of failure."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from analytics import metrics
from analytics.engagement import EngagementSnapshot, ShareMetrics
from analytics.metrics_ratelimit import RateLimiter
from leaderboard.models import Action, PointEntry
from networks.models import ConnectedAccount, Share
from tests.factories import UserFactory, make_account, make_share
from tests.fakes.bluesky import FakeBluesky
from tests.fakes.linkedin import FakeLinkedIn
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.x import FakeX

from .metrics_helpers import fresh_rate_limits  # noqa: F401

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@dataclass
class Fakes:
    """The same per-network fakes the publishing tests use, on one server."""

    x: FakeX
    bluesky: FakeBluesky
    linkedin: FakeLinkedIn
    mastodon: FakeMastodon


@pytest.fixture
def fake(httpserver, settings):
    # Mastodon answers at the server's root (the instance is host:port): register it last.
    fakes = Fakes(
        x=FakeX(httpserver), bluesky=FakeBluesky(httpserver), linkedin=FakeLinkedIn(httpserver), mastodon=None
    )
    fakes.mastodon = FakeMastodon(httpserver)
    fakes.mastodon.grant("token")
    fakes.linkedin.tokens.add("token")
    settings.X_API_BASE = fakes.x.url()
    settings.X_BEARER_TOKEN = fakes.x.app_token
    settings.BLUESKY_APPVIEW_URL = fakes.bluesky.url()
    settings.LINKEDIN_API_BASE = fakes.linkedin.url()
    settings.MASTODON_SCHEME = "http"
    return fakes


def instance_of(httpserver) -> str:
    return f"{httpserver.host}:{httpserver.port}"


@time_machine.travel(NOW, tick=False)
def test_x_batch_records_latest_values_history_points_and_deleted_posts(fake):
    alive = make_share(network="x", external_id="1001")
    gone = make_share(network="x", external_id="1002")
    fake.x.tweet_metrics("1001", likes=4, retweets=1, replies=2, quotes=1, impressions=321, bookmarks=7)

    outcome = metrics.metrics_pull_batch(network="x", share_ids=[alive.id, gone.id])

    assert outcome.recorded == 2 and not outcome.deferred
    assert fake.x.lookups == [["1001", "1002"]]
    latest = ShareMetrics.objects.get(share=alive)
    assert latest.values() == {
        "likes": 4,
        "reposts": 1,
        "replies": 2,
        "quotes": 1,
        "impressions": 321,
        "bookmarks": 7,  # X's bookmark_count, stored with the other public metrics
    }
    assert (latest.state, latest.measured_at) == ("ok", NOW)
    assert EngagementSnapshot.objects.get(share=alive).bookmarks == 7
    gone.refresh_from_db()
    assert gone.status == Share.Status.DELETED
    assert ShareMetrics.objects.get(share=gone).state == "deleted"
    from leaderboard.services.awards import points_sync_engagement

    points_sync_engagement(since=NOW)  # the leaderboard pulls the growth analytics measured
    earned = dict(PointEntry.objects.filter(user=alive.user).values_list("action", "quantity"))
    assert earned == {Action.LIKE: 4, Action.REPOST: 2, Action.COMMENT: 2}


@time_machine.travel(NOW, tick=False)
def test_x_lookups_never_carry_more_than_100_ids(fake, django_capture_on_commit_callbacks):
    for i in range(150):
        make_share(network="x", external_id=str(5000 + i), published_at=NOW - dt.timedelta(hours=2))
        fake.x.tweet_metrics(str(5000 + i), likes=1)

    with django_capture_on_commit_callbacks(execute=True):
        batches = metrics.metrics_enqueue_due(now=NOW)

    assert batches == 2
    assert sorted(len(ids) for ids in fake.x.lookups) == [50, 100]
    assert ShareMetrics.objects.filter(state="ok", likes=1).count() == 150


@time_machine.travel(NOW, tick=False)
def test_bluesky_getposts_takes_25_uris_and_missing_ones_are_deleted(fake, django_capture_on_commit_callbacks):
    uris = [f"at://did:plc:alice/app.bsky.feed.post/3k{i:03d}" for i in range(30)]
    for uri in uris:
        make_share(network="bluesky", external_id=uri, published_at=NOW - dt.timedelta(hours=3))
    for uri in uris[:-1]:
        fake.bluesky.post_metrics(uri, likes=2, reposts=1, replies=0, quotes=3)

    with django_capture_on_commit_callbacks(execute=True):
        metrics.metrics_enqueue_due(now=NOW)

    assert sorted(len(r) for r in fake.bluesky.lookups) == [5, 25]
    assert ShareMetrics.objects.filter(state="ok", impressions=None, quotes=3).count() == 29
    assert Share.objects.get(external_id=uris[-1]).status == Share.Status.DELETED


@time_machine.travel(NOW, tick=False)
def test_mastodon_one_status_per_request_404_marks_deleted_and_the_rest_go_on(fake, httpserver):
    user = UserFactory()
    account = make_account(user=user, network="mastodon", instance=instance_of(httpserver))
    kept = make_share(network="mastodon", user=user, account=account, external_id="111")
    deleted = make_share(network="mastodon", user=user, account=account, external_id="112", post=None)
    fake.mastodon.status_metrics("111", favourites=7, reblogs=2, replies=1)

    for share in (deleted, kept):
        metrics.metrics_pull_batch(network="mastodon", share_ids=[share.id])

    assert fake.mastodon.lookups == ["112", "111"]
    assert ShareMetrics.objects.get(share=kept).values() == {
        "likes": 7,
        "reposts": 2,
        "replies": 1,
        "quotes": None,
        "impressions": None,
        "bookmarks": None,
    }
    deleted.refresh_from_db()
    assert deleted.status == Share.Status.DELETED


@time_machine.travel(NOW, tick=False)
def test_revoked_token_flags_the_account_stops_pulling_and_the_batch_goes_on(fake, httpserver):
    alice, bob = UserFactory(), UserFactory()
    revoked = make_account(user=alice, network="mastodon", instance=instance_of(httpserver), token="revoked")
    fine = make_account(user=bob, network="mastodon", instance=instance_of(httpserver))
    alice_share = make_share(network="mastodon", user=alice, account=revoked, external_id="201")
    bob_share = make_share(network="mastodon", user=bob, account=fine, external_id="202")
    fake.mastodon.status_metrics("201", favourites=1)
    fake.mastodon.status_metrics("202", favourites=3)

    outcome = metrics.metrics_pull_batch(network="mastodon", share_ids=[alice_share.id, bob_share.id])

    assert outcome.recorded == 1
    revoked.refresh_from_db()
    assert revoked.health == ConnectedAccount.Health.NEEDS_RECONNECT
    assert "access token is invalid" in revoked.health_reason
    assert ShareMetrics.objects.get(share=alice_share).state == "reconnect"
    assert ShareMetrics.objects.get(share=bob_share).likes == 3
    later = NOW + dt.timedelta(hours=2)
    assert alice_share.id not in metrics.shares_due_for_metrics(now=later).values_list("id", flat=True)
    assert bob_share.id in metrics.shares_due_for_metrics(now=later).values_list("id", flat=True)


@time_machine.travel(NOW, tick=False)
def test_x_401_with_the_app_token_marks_the_batch_without_crashing(fake, settings):
    settings.X_BEARER_TOKEN = "wrong"
    share = make_share(network="x", external_id="1")
    outcome = metrics.metrics_pull_batch(network="x", share_ids=[share.id])
    assert outcome.recorded == 0
    assert ShareMetrics.objects.get(share=share).state == "error"


def _previously_measured(share, likes=5):
    metrics.metrics_record(
        share_id=share.id,
        counts=__import__("networks.providers.base", fromlist=["EngagementCounts"]).EngagementCounts(likes=likes),
        now=NOW - dt.timedelta(hours=2),
    )


@time_machine.travel(NOW, tick=False)
def test_403_is_recorded_and_waits_for_the_next_turn_of_the_schedule(httpserver, fake, settings):
    httpserver.clear()
    httpserver.expect_request("/x/2/tweets").respond_with_json(
        {"title": "Forbidden", "detail": "You are not permitted to use this endpoint.", "status": 403}, status=403
    )
    share = make_share(network="x", external_id="77", published_at=NOW - dt.timedelta(hours=5))
    _previously_measured(share)

    outcome = metrics.metrics_pull_batch(network="x", share_ids=[share.id])

    row = ShareMetrics.objects.get(share=share)
    assert outcome.recorded == 0
    assert (row.likes, row.state, row.failures) == (5, "ok", 1)  # the last good values stay
    assert "not permitted" in row.last_error
    assert row.attempted_at == NOW and row.claimed_until is None


@time_machine.travel(NOW, tick=False)
def test_429_with_retry_after_defers_the_batch_and_blocks_every_worker(httpserver, fake):
    httpserver.clear()
    httpserver.expect_request("/x/2/tweets").respond_with_json(
        {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
        status=429,
        headers={"Retry-After": "120"},
    )
    share = make_share(network="x", external_id="88")
    _previously_measured(share)

    outcome = metrics.metrics_pull_batch(network="x", share_ids=[share.id])

    assert outcome.deferred == [share.id]
    assert outcome.retry_in == pytest.approx(120, abs=1)
    assert 100 < RateLimiter.for_network("x").acquire() <= 120  # nobody knocks again before Retry-After
    row = ShareMetrics.objects.get(share=share)
    assert row.likes == 5 and row.failures == 0
    assert row.claimed_until > NOW + dt.timedelta(seconds=120)


@time_machine.travel(NOW, tick=False)
def test_deferred_batch_is_enqueued_again_and_gives_up_to_the_schedule(httpserver, fake):
    from analytics import tasks_metrics

    httpserver.clear()
    httpserver.expect_request("/x/2/tweets").respond_with_json({"title": "Too Many Requests"}, status=429)
    share = make_share(network="x", external_id="89")
    # Eager tasks run the re-enqueued attempts at once: the limiter refuses them until the cap.
    tasks_metrics.fetch_metrics_batch.delay("x", [share.id]).get()
    row = ShareMetrics.objects.get(share=share)
    assert row.claimed_until is None  # given back to the schedule, not lost
    assert len(httpserver.log) == 1


@pytest.mark.parametrize(
    "respond",
    [
        lambda r: r.respond_with_json({"title": "Service Unavailable"}, status=500),
        lambda r: r.respond_with_data("<html>oops", status=200, content_type="application/json"),
        lambda r: r.respond_with_json({"data": "not a list"}),
    ],
    ids=["500", "malformed-json", "unexpected-shape"],
)
@time_machine.travel(NOW, tick=False)
def test_server_errors_and_garbage_retry_later_without_losing_values(httpserver, fake, respond):
    httpserver.clear()
    respond(httpserver.expect_request("/x/2/tweets"))
    share = make_share(network="x", external_id="99", published_at=NOW - dt.timedelta(hours=5))
    _previously_measured(share, likes=9)
    attempted_before = ShareMetrics.objects.get(share=share).attempted_at

    outcome = metrics.metrics_pull_batch(network="x", share_ids=[share.id])

    row = ShareMetrics.objects.get(share=share)
    assert outcome.recorded == 0
    assert (row.likes, row.state, row.failures) == (9, "ok", 1)
    assert row.attempted_at == attempted_before  # not counted as a pull: due again soon
    assert row.claimed_until == NOW + dt.timedelta(minutes=10)  # backoff before the retry
    assert share.id in metrics.shares_due_for_metrics(now=NOW + dt.timedelta(minutes=11)).values_list("id", flat=True)
    assert EngagementSnapshot.objects.filter(share=share).count() == 1


@time_machine.travel(NOW, tick=False)
def test_linkedin_is_unavailable_without_the_analytics_scope(fake, settings, httpserver):
    settings.LINKEDIN_POST_ANALYTICS = False
    user = UserFactory()
    account = make_account(user=user, network="linkedin")
    share = make_share(network="linkedin", user=user, account=account, external_id="urn:li:share:1")

    metrics.metrics_pull_batch(network="linkedin", share_ids=[share.id])

    row = ShareMetrics.objects.get(share=share)
    assert row.state == "unavailable" and row.values() == dict.fromkeys(row.values())
    assert fake.linkedin.analytics_requests == []


@time_machine.travel(NOW, tick=False)
def test_linkedin_with_the_analytics_scope(fake, settings):
    settings.LINKEDIN_POST_ANALYTICS = True
    user = UserFactory()
    account = make_account(user=user, network="linkedin")
    share = make_share(network="linkedin", user=user, account=account, external_id="urn:li:share:7")
    fake.linkedin.post_analytics_for("urn:li:share:7", reactions=12, comments=3, reshares=2, impressions=900)

    metrics.metrics_pull_batch(network="linkedin", share_ids=[share.id])

    assert ShareMetrics.objects.get(share=share).values() == {
        "likes": 12,
        "reposts": 2,
        "replies": 3,
        "quotes": None,
        "impressions": 900,
        "bookmarks": None,
    }
    assert fake.linkedin.analytics_requests[0] == "(share:urn:li:share:7)"


@time_machine.travel(NOW, tick=False)
def test_a_retried_pull_awards_engagement_points_once(fake):
    share = make_share(network="x", external_id="4242")
    fake.x.tweet_metrics("4242", likes=6, retweets=2, replies=1)
    from analytics import tasks_metrics
    from leaderboard.services.awards import points_sync_engagement

    tasks_metrics.fetch_metrics_batch.delay("x", [share.id]).get()
    points_sync_engagement(since=NOW)
    tasks_metrics.fetch_metrics_batch.delay("x", [share.id]).get()  # the broker redelivered it
    points_sync_engagement(since=NOW)
    fake.x.tweet_metrics("4242", likes=9, retweets=2, replies=1)
    tasks_metrics.fetch_metrics_batch.delay("x", [share.id]).get()
    points_sync_engagement(since=NOW)

    likes = PointEntry.objects.filter(action=Action.LIKE, source_id=share.id)
    assert sorted(likes.values_list("quantity", flat=True)) == [3, 6]
    assert PointEntry.objects.filter(action=Action.REPOST).count() == 1
    assert EngagementSnapshot.objects.filter(share=share).count() == 2


@time_machine.travel(NOW, tick=False)
def test_beat_task_pulls_due_shares_end_to_end(fake, django_capture_on_commit_callbacks):
    from analytics import tasks_metrics

    share = make_share(network="x", external_id="5151", published_at=NOW - dt.timedelta(minutes=30))
    fake.x.tweet_metrics("5151", likes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks_metrics.enqueue_due_metrics.delay().get() == 1
    assert ShareMetrics.objects.get(share=share).likes == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks_metrics.enqueue_due_metrics.delay().get() == 0  # pulled a moment ago: not due


@time_machine.travel(NOW, tick=False)
def test_linkedin_posts_cost_four_requests_each_against_the_limit(fake, settings):
    settings.LINKEDIN_POST_ANALYTICS = True
    settings.METRICS_BUDGET_OVERRIDES = {**settings.METRICS_BUDGET_OVERRIDES, "linkedin": 6}
    user = UserFactory()
    account = make_account(user=user, network="linkedin")
    first = make_share(network="linkedin", user=user, account=account, external_id="urn:li:share:8")
    second = make_share(network="linkedin", user=user, account=account, external_id="urn:li:share:9", post=None)
    fake.linkedin.post_analytics_for("urn:li:share:8", reactions=1)
    fake.linkedin.post_analytics_for("urn:li:share:9", reactions=1)

    done = metrics.metrics_pull_batch(network="linkedin", share_ids=[first.id])
    held = metrics.metrics_pull_batch(network="linkedin", share_ids=[second.id])

    assert done.recorded == 1 and len(fake.linkedin.analytics_requests) == 4
    assert held.deferred == [second.id] and held.retry_in > 3500


@time_machine.travel(NOW, tick=False)
def test_a_bad_app_token_does_not_flag_the_employees_accounts(fake, settings):
    settings.X_BEARER_TOKEN = "revoked-app-token"
    user = UserFactory()
    account = make_account(user=user, network="x")
    share = make_share(network="x", user=user, account=account, external_id="31")

    metrics.metrics_pull_batch(network="x", share_ids=[share.id])

    account.refresh_from_db()
    assert account.health == ConnectedAccount.Health.OK
    row = ShareMetrics.objects.get(share=share)
    assert (row.state, row.last_error) == ("error", "X: Unauthorized")


@time_machine.travel(NOW, tick=False)
def test_x_with_the_employees_token_flags_that_account_on_401(fake, settings):
    settings.X_BEARER_TOKEN = ""
    user = UserFactory()
    account = make_account(user=user, network="x", token="expired")
    share = make_share(network="x", user=user, account=account, external_id="32")

    metrics.metrics_pull_batch(network="x", share_ids=[share.id])

    account.refresh_from_db()
    assert account.health == ConnectedAccount.Health.NEEDS_RECONNECT
