import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from analytics import metrics
from analytics.engagement import EngagementSnapshot, ShareMetrics
from networks.providers.base import POST_DELETED, EngagementCounts
from tests.factories import SuggestedPostFactory, make_click, make_share

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_history_is_stored_only_when_a_value_changed(employee):
    share = make_share(user=employee)
    for minutes, likes in ((0, 3), (60, 3), (120, 5), (180, 5)):
        metrics.metrics_record(
            share_id=share.id, counts=EngagementCounts(likes=likes, reposts=0), now=NOW + dt.timedelta(minutes=minutes)
        )
    history = list(EngagementSnapshot.objects.filter(share=share).values_list("measured_at", "likes"))
    assert history == [(NOW, 3), (NOW + dt.timedelta(minutes=120), 5)]
    latest = ShareMetrics.objects.get(share=share)
    assert (latest.likes, latest.measured_at, latest.changed_at) == (
        5,
        NOW + dt.timedelta(minutes=180),
        NOW + dt.timedelta(minutes=120),
    )


def test_an_older_answer_arriving_late_does_not_overwrite_a_newer_one(employee):
    share = make_share(user=employee)
    metrics.metrics_record(share_id=share.id, counts=EngagementCounts(likes=10), now=NOW)
    metrics.metrics_record(share_id=share.id, counts=EngagementCounts(likes=4), now=NOW - dt.timedelta(hours=1))
    assert ShareMetrics.objects.get(share=share).likes == 10
    assert EngagementSnapshot.objects.filter(share=share).count() == 1


def test_unavailable_is_not_zero(employee):
    share = make_share(user=employee)
    metrics.metrics_record(share_id=share.id, counts=None, now=NOW)
    row = ShareMetrics.objects.get(share=share)
    assert row.state == "unavailable"
    assert row.likes is None and row.measured_at is None
    assert not EngagementSnapshot.objects.exists()


def test_deleted_post_marks_the_share(employee):
    share = make_share(user=employee)
    metrics.metrics_record(share_id=share.id, counts=POST_DELETED, now=NOW)
    share.refresh_from_db()
    assert share.status == "deleted"


@time_machine.travel(NOW + dt.timedelta(hours=2), tick=False)
def test_today_shows_my_points_clicks_and_each_figure_measured_or_unavailable(client, employee, colleague):
    post = SuggestedPostFactory(publish_at=NOW - dt.timedelta(hours=3))
    share = make_share(user=employee, post=post, network="x")
    make_click(link=share.short_link)
    make_click(link=share.short_link, self_click=True)
    metrics.metrics_record(share_id=share.id, counts=EngagementCounts(likes=4, impressions=None), now=NOW)
    from leaderboard.services import awards

    awards.points_award_share(share_id=share.id)
    awards.points_sync_engagement(since=NOW)  # the leaderboard pulls the likes analytics measured
    client.force_login(employee)

    html = client.get(reverse("today")).content.decode()

    assert "<strong>14</strong> points from this post" in html  # 10 for the share + 4 likes
    assert "1 unique click " in html and "measured: our links, live" in html
    assert 'Likes: <strong>4</strong> <span class="muted">(measured by X, 2' in html
    assert 'Views: <span class="muted">unavailable on X</span>' in html

    client.force_login(colleague)
    theirs = client.get(reverse("today")).content.decode()
    assert "<strong>0</strong> points from this post" in theirs
    assert "Likes: <strong>4</strong>" not in theirs
