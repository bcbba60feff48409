import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from analytics import metrics
from analytics.engagement import ShareMetrics
from networks.models import ConnectedAccount
from tests.factories import UserFactory, make_account, make_share

from .metrics_helpers import fresh_rate_limits  # noqa: F401

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


def test_refresh_interval_by_age():
    assert metrics.refresh_interval(dt.timedelta(minutes=5)) == H
    assert metrics.refresh_interval(47 * H) == H
    assert metrics.refresh_interval(2 * D) == 6 * H
    assert metrics.refresh_interval(6 * D) == 6 * H
    assert metrics.refresh_interval(7 * D) == D
    assert metrics.refresh_interval(29 * D) == D
    assert metrics.refresh_interval(30 * D) is None
    assert metrics.refresh_interval(400 * D) is None


def _share(age, attempted_ago=None, **kwargs):
    share = make_share(published_at=NOW - age, **kwargs)
    if attempted_ago is not None:
        ShareMetrics.objects.create(share=share, attempted_at=NOW - attempted_ago, state="ok")
    return share


@time_machine.travel(NOW, tick=False)
def test_schedule_picks_the_right_shares_by_age():
    due = {
        "new, never pulled": _share(H),
        "1 day old, pulled 61 min ago": _share(D, 61 * H / 60),
        "1 day old, pulled 56 min ago (within the beat's slack)": _share(D, 56 * H / 60),
        "3 days old, pulled 7 h ago": _share(3 * D, 7 * H),
        "10 days old, pulled 25 h ago": _share(10 * D, 25 * H),
        "29 days old, never pulled": _share(29 * D),
    }
    not_due = {
        "1 day old, pulled 30 min ago": _share(D, H / 2),
        "3 days old, pulled 2 h ago": _share(3 * D, 2 * H),
        "10 days old, pulled 12 h ago": _share(10 * D, 12 * H),
        "31 days old, never pulled": _share(31 * D),
        "a year old": _share(365 * D, 400 * D),
        "not published": _share(H, status="failed"),
        "no id on the network": _share(H, external_id=""),
        "published in the future": _share(-H),
    }
    deleted = _share(H)
    ShareMetrics.objects.create(share=deleted, state=ShareMetrics.State.DELETED)
    claimed = _share(H)
    ShareMetrics.objects.create(share=claimed, claimed_until=NOW + H)
    user = UserFactory()
    account = make_account(user=user)
    account.health = ConnectedAccount.Health.NEEDS_RECONNECT
    account.save()
    reconnect = _share(H, user=user, account=account)

    picked = set(metrics.shares_due_for_metrics(now=NOW).values_list("id", flat=True))

    assert {name for name, s in due.items() if s.id in picked} == set(due)
    assert {name for name, s in not_due.items() if s.id in picked} == set()
    assert not picked & {deleted.id, claimed.id, reconnect.id}


@time_machine.travel(NOW, tick=False)
def test_cost_does_not_grow_with_history():
    for age_days in range(31, 200, 3):
        _share(age_days * D)
    assert metrics.shares_due_for_metrics(now=NOW).count() == 0


@time_machine.travel(NOW, tick=False)
def test_batches_are_as_large_as_each_network_allows(settings):
    settings.X_BEARER_TOKEN = "app-token"
    alice, bob = UserFactory(), UserFactory()
    alice_masto = make_account(user=alice, network="mastodon", instance="social.example")
    bob_masto = make_account(user=bob, network="mastodon", instance="other.example")
    shares = [make_share(network="x", published_at=NOW - H) for _ in range(230)]
    shares += [make_share(network="bluesky", external_id=f"at://did:plc:a/app.bsky.feed.post/{i}") for i in range(60)]
    shares += [make_share(network="mastodon", user=alice, account=alice_masto) for _ in range(2)]
    shares += [make_share(network="mastodon", user=bob, account=bob_masto)]

    batches = metrics.metrics_batches(shares=shares)

    sizes = {}
    for batch in batches:
        sizes.setdefault(batch.network, []).append(len(batch.share_ids))
    assert sizes["x"] == [100, 100, 30]
    assert sizes["bluesky"] == [25, 25, 10]
    assert sizes["mastodon"] == [1, 1, 1]
    assert {b.limiter_scope for b in batches if b.network == "mastodon"} == {"social.example", "other.example"}


@time_machine.travel(NOW, tick=False)
def test_x_without_an_app_token_batches_per_employee(settings):
    settings.X_BEARER_TOKEN = ""
    alice, bob = UserFactory(), UserFactory()
    a, b = make_account(user=alice), make_account(user=bob)
    shares = [make_share(user=alice, account=a), make_share(user=bob, account=b)]
    assert sorted(len(batch.share_ids) for batch in metrics.metrics_batches(shares=shares)) == [1, 1]


@time_machine.travel(NOW, tick=False)
def test_claims_keep_two_beats_from_pulling_the_same_share(django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # only count what would be enqueued
    from analytics import tasks_metrics

    sent = []
    original = tasks_metrics.fetch_metrics_batch.apply_async
    tasks_metrics.fetch_metrics_batch.apply_async = lambda args, **kw: sent.append((args, kw))
    try:
        for _ in range(3):
            _share(H)
        with django_capture_on_commit_callbacks(execute=True):
            first = metrics.metrics_enqueue_due(now=NOW)
        with django_capture_on_commit_callbacks(execute=True):
            second = metrics.metrics_enqueue_due(now=NOW + dt.timedelta(minutes=10))
    finally:
        tasks_metrics.fetch_metrics_batch.apply_async = original
    assert (first, second) == (1, 0)
    assert len(sent[0][0][1]) == 3
    assert ShareMetrics.objects.filter(claimed_until=NOW + metrics.CLAIM_FOR).count() == 3


@time_machine.travel(NOW, tick=False)
def test_enqueued_batches_are_spread_over_the_window(settings, django_capture_on_commit_callbacks):
    from analytics import tasks_metrics

    settings.X_BEARER_TOKEN = "app-token"
    settings.METRICS_BUDGET_OVERRIDES = {**settings.METRICS_BUDGET_OVERRIDES, "x": 300}
    sent = []
    original = tasks_metrics.fetch_metrics_batch.apply_async
    tasks_metrics.fetch_metrics_batch.apply_async = lambda args, **kw: sent.append(kw["countdown"])
    try:
        for _ in range(250):
            make_share(published_at=timezone.now() - H)
        with django_capture_on_commit_callbacks(execute=True):
            metrics.metrics_enqueue_due(now=NOW)
    finally:
        tasks_metrics.fetch_metrics_batch.apply_async = original
    assert sorted(sent) == [0.0, 3.0, 6.0]  # 900 s / 300 requests = one lookup every 3 s
