"""Awards from several workers at once: the cap and idempotency hold (real transactions, threads)."""

import datetime as dt
import threading

import pytest
from django.db import connection

from leaderboard.models import Action, PeriodScore, PointEntry, PointRule
from leaderboard.services import awards
from tests.factories import ShortLinkFactory, UserFactory, make_click, make_share


def _run_in_threads(functions):
    errors = []
    start = threading.Barrier(len(functions))

    def run(fn):
        try:
            start.wait()
            fn()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_daily_cap_holds_when_workers_award_clicks_at_once():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers anyway; the row lock matters on PostgreSQL")
    PointRule.objects.create(action=Action.UNIQUE_CLICK, points=2, daily_cap_per_share=3)
    link = ShortLinkFactory(user=UserFactory())
    clicks = [make_click(link=link) for _ in range(8)]

    _run_in_threads([lambda c=c: awards.points_award_click(click_id=c.id) for c in clicks])

    paid = PointEntry.objects.filter(action=Action.UNIQUE_CLICK, points__gt=0).count()
    assert paid == 3
    assert PointEntry.objects.filter(action=Action.UNIQUE_CLICK).count() == 8


@pytest.mark.django_db(transaction=True)
def test_the_same_share_awarded_by_several_workers_at_once_counts_once():
    if connection.vendor == "sqlite":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    share = make_share(published_at=dt.datetime(2026, 11, 25, tzinfo=dt.UTC))

    _run_in_threads([lambda: awards.points_award_share(share_id=share.id) for _ in range(6)])

    assert PointEntry.objects.filter(action=Action.SHARE).count() == 1
    assert PeriodScore.objects.get(user=share.user, period="all").points == 10


@pytest.mark.django_db(transaction=True)
def test_engagement_synced_by_several_workers_at_once_is_paid_once():
    if connection.vendor == "sqlite":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    from analytics.metrics import metrics_record
    from networks.providers.base import EngagementCounts

    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    share = make_share(published_at=now - dt.timedelta(days=1))
    metrics_record(share_id=share.id, counts=EngagementCounts(likes=3, reposts=1), now=now - dt.timedelta(hours=1))
    metrics_record(share_id=share.id, counts=EngagementCounts(likes=7, reposts=1), now=now)
    since = now - dt.timedelta(days=1)

    _run_in_threads([lambda: awards.points_sync_engagement(since=since) for _ in range(6)])

    likes = PointEntry.objects.filter(action=Action.LIKE).order_by("step")
    assert [(e.step, e.quantity) for e in likes] == [(3, 3), (7, 4)]
    assert PointEntry.objects.filter(action=Action.REPOST).count() == 1
    assert PeriodScore.objects.get(user=share.user, period="all").points == 7 + 3
