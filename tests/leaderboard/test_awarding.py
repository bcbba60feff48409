import datetime as dt

import pytest
import time_machine
from django.db.models import Sum
from django.utils import timezone

from leaderboard import tasks
from leaderboard.models import Action, PeriodScore, PointEntry, PointRule
from leaderboard.services import awards
from tests.factories import ShortLinkFactory, SuggestedPostFactory, UserFactory, make_click, make_share

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def points_of(user) -> int:
    return PointEntry.objects.filter(user=user).aggregate(t=Sum("points"))["t"] or 0


@time_machine.travel(NOW, tick=False)
def test_share_earns_points_once_even_when_the_task_is_retried(employee):
    share = make_share(user=employee)

    assert tasks.award_share_points.delay(share.id).get() == 1
    assert tasks.award_share_points.delay(share.id).get() == 0
    awards.points_award_recent()

    assert list(PointEntry.objects.filter(user=employee).values_list("action", "points")) == [("share", 10)]


@time_machine.travel(NOW, tick=False)
def test_sharing_the_same_post_again_on_the_same_network_earns_nothing_more(employee):
    post = SuggestedPostFactory()
    first = make_share(user=employee, post=post, network="x")
    awards.points_award_share(share_id=first.id)
    first.status = "deleted"  # deleted on X, then posted again: still one share of this post on X
    first.save()
    again = make_share(user=employee, post=post, network="x")
    elsewhere = make_share(user=employee, post=post, network="bluesky")

    for share in (again, elsewhere):
        awards.points_award_share(share_id=share.id)

    assert PointEntry.objects.filter(user=employee, action=Action.SHARE).count() == 2


@time_machine.travel(NOW, tick=False)
def test_featured_post_share_earns_the_bonus(employee):
    share = make_share(user=employee, post=SuggestedPostFactory(is_featured=True))
    awards.points_award_share(share_id=share.id)
    assert sorted(PointEntry.objects.filter(user=employee).values_list("action", flat=True)) == [
        "featured_share",
        "share",
    ]
    assert points_of(employee) == 15


def test_unpublished_share_earns_nothing(employee):
    share = make_share(user=employee, status="failed")
    assert awards.points_award_share(share_id=share.id) == []
    assert awards.points_award_share(share_id=999_999) == []
    assert points_of(employee) == 0


@time_machine.travel(NOW, tick=False)
def test_rule_change_affects_future_entries_only(employee):
    awards.points_award_share(share_id=make_share(user=employee).id)
    PointRule.objects.create(action=Action.SHARE, points=40)
    awards.points_award_share(share_id=make_share(user=employee).id)

    assert sorted(PointEntry.objects.filter(user=employee).values_list("points", flat=True)) == [10, 40]


@time_machine.travel(NOW, tick=False)
def test_unique_click_earns_points_and_self_and_repeat_clicks_earn_nothing(employee):
    link = ShortLinkFactory(user=employee)
    make_click(link=link)
    make_click(link=link, self_click=True)
    make_click(link=link, unique=False)

    result = awards.points_sync_clicks(since=NOW - dt.timedelta(days=1))

    assert result == {"awarded": 1, "reversed": 0}
    assert points_of(employee) == 2


@time_machine.travel(NOW, tick=False)
def test_click_points_are_capped_per_share_and_day(employee):
    PointRule.objects.create(action=Action.UNIQUE_CLICK, points=2, daily_cap_per_share=3)
    link = ShortLinkFactory(user=employee)
    other = ShortLinkFactory(user=employee, network="x", post=link.post)
    for _ in range(5):
        make_click(link=link)
    make_click(link=other)
    make_click(link=link, at=NOW + dt.timedelta(days=1))  # the next day has its own cap

    with time_machine.travel(NOW + dt.timedelta(days=1, hours=1), tick=False):
        awards.points_sync_clicks(since=NOW - dt.timedelta(days=1))

    entries = PointEntry.objects.filter(user=employee, action=Action.UNIQUE_CLICK)
    assert entries.count() == 7
    assert entries.filter(points=2).count() == 5  # 3 on the first link today, 1 on the other, 1 tomorrow
    capped = entries.filter(points=0)
    assert capped.count() == 2
    assert "daily cap of 3 reached" in capped.first().reason


@time_machine.travel(NOW, tick=False)
def test_reclassified_clicks_are_reversed_by_compensating_entries(employee):
    link = ShortLinkFactory(user=employee)
    becomes_self = make_click(link=link)
    becomes_bot = make_click(link=link)
    stays = make_click(link=link)
    awards.points_sync_clicks(since=NOW - dt.timedelta(days=1))
    assert points_of(employee) == 6
    original_ids = set(PointEntry.objects.values_list("id", "points"))

    becomes_self.is_self_click = True
    becomes_self.save()
    bot_id = becomes_bot.id
    becomes_bot.delete()  # moved out of the counted clicks as a bot
    result = awards.points_sync_clicks(since=NOW - dt.timedelta(days=1))
    again = awards.points_sync_clicks(since=NOW - dt.timedelta(days=1))

    assert result == {"awarded": 0, "reversed": 2}
    assert again == {"awarded": 0, "reversed": 0}
    assert points_of(employee) == 2
    # History is never edited: the original entries are all still there, unchanged.
    assert original_ids <= set(PointEntry.objects.values_list("id", "points"))
    reversals = PointEntry.objects.filter(action=Action.CLICK_REVERSAL)
    assert sorted(reversals.values_list("source_id", flat=True)) == sorted([becomes_self.id, bot_id])
    assert {r.occurred_at for r in reversals} == {NOW}
    assert stays.id not in reversals.values_list("source_id", flat=True)


@time_machine.travel(NOW, tick=False)
def test_engagement_growth_awards_only_the_increase_and_never_twice(employee):
    share = make_share(user=employee)

    awards.points_award_engagement(share_id=share.id, totals={"likes": 5, "reposts": 1, "replies": None})
    awards.points_award_engagement(share_id=share.id, totals={"likes": 5, "reposts": 1, "replies": None})
    awards.points_award_engagement(share_id=share.id, totals={"likes": 8, "reposts": 0, "quotes": 2})
    awards.points_award_engagement(share_id=share.id, totals={"likes": 7, "reposts": 0, "quotes": 2})

    likes = PointEntry.objects.filter(action=Action.LIKE).order_by("step")
    assert [(e.quantity, e.points) for e in likes] == [(5, 5), (3, 3)]
    reposts = PointEntry.objects.filter(action=Action.REPOST).order_by("step")
    assert [(e.step, e.quantity, e.points) for e in reposts] == [(1, 1, 3), (2, 1, 3)]
    assert not PointEntry.objects.filter(action=Action.COMMENT).exists()


def _measure(share, when: dt.datetime, **counts) -> None:
    """What the metrics pull leaves behind: analytics records the share's latest engagement."""
    from analytics.metrics import metrics_record
    from networks.providers.base import EngagementCounts

    metrics_record(share_id=share.id, counts=EngagementCounts(**counts), now=when)


@time_machine.travel(NOW, tick=False)
def test_engagement_sync_run_twice_awards_once(employee):
    share = make_share(user=employee)
    _measure(share, NOW - dt.timedelta(minutes=5), likes=4, reposts=1, replies=2, quotes=1)

    assert awards.points_sync_engagement(since=NOW - dt.timedelta(hours=1)) == 3
    assert awards.points_sync_engagement(since=NOW - dt.timedelta(hours=1)) == 0

    earned = dict(PointEntry.objects.filter(user=employee).values_list("action", "quantity"))
    assert earned == {Action.LIKE: 4, Action.REPOST: 2, Action.COMMENT: 2}
    assert points_of(employee) == 4 * 1 + 2 * 3 + 2 * 2
    # Dated when analytics saw the values change, not when the sync ran.
    assert set(PointEntry.objects.values_list("occurred_at", flat=True)) == {NOW - dt.timedelta(minutes=5)}


@time_machine.travel(NOW, tick=False)
def test_engagement_sync_awards_only_the_later_increase(employee):
    share = make_share(user=employee)
    _measure(share, NOW - dt.timedelta(hours=2), likes=5, reposts=1)
    awards.points_sync_engagement(since=NOW - dt.timedelta(days=1))
    _measure(share, NOW - dt.timedelta(hours=1), likes=8, reposts=1)
    _measure(share, NOW - dt.timedelta(minutes=30), likes=7, reposts=1)  # an unlike takes nothing away

    assert awards.points_sync_engagement(since=NOW - dt.timedelta(days=1)) == 1

    likes = PointEntry.objects.filter(action=Action.LIKE).order_by("step")
    assert [(e.step, e.quantity, e.points) for e in likes] == [(5, 5, 5), (8, 3, 3)]
    assert PointEntry.objects.filter(action=Action.REPOST).count() == 1
    # Only shares whose values changed since `since` are looked at.
    _measure(share, NOW - dt.timedelta(minutes=10), likes=9, reposts=1)
    assert awards.points_sync_engagement(since=NOW) == 0
    assert awards.points_sync_engagement(since=NOW - dt.timedelta(minutes=10)) == 1


@time_machine.travel(NOW, tick=False)
def test_the_periodic_award_job_pulls_engagement_too(employee):
    share = make_share(user=employee)
    awards.points_award_share(share_id=share.id)
    _measure(share, NOW - dt.timedelta(minutes=5), likes=3)

    assert tasks.award_recent_points.delay().get()["engagement"] == 1
    assert tasks.award_engagement_points.delay().get() == 0  # the catch-up finds nothing left
    assert points_of(employee) == 10 + 3


@time_machine.travel(NOW, tick=False)
def test_period_totals_follow_the_ledger(employee):
    awards.points_award_share(share_id=make_share(user=employee).id)
    link = ShortLinkFactory(user=employee)
    make_click(link=link, at=NOW - dt.timedelta(days=40))
    awards.points_sync_clicks(since=NOW - dt.timedelta(days=60))

    scores = {(s.period, s.start.isoformat()): s.points for s in PeriodScore.objects.filter(user=employee)}
    assert scores[("all", "1970-01-01")] == 12
    assert scores[("week", "2026-11-23")] == 10
    assert scores[("month", "2026-11-01")] == 10
    assert scores[("month", "2026-10-01")] == 2
    assert scores[("quarter", "2026-10-01")] == 12


def test_weeks_follow_the_organisation_time_zone(settings, employee):
    settings.ORGANISATION_TIME_ZONE = "Europe/Berlin"
    # Sunday 23:30 UTC is already Monday in Berlin: the points belong to the new week there.
    sunday_night = dt.datetime(2026, 11, 29, 23, 30, tzinfo=dt.UTC)
    with time_machine.travel(sunday_night, tick=False):
        awards.points_award_share(share_id=make_share(user=employee, published_at=sunday_night).id)
    week = PeriodScore.objects.get(user=employee, period="week")
    assert week.start == dt.date(2026, 11, 30)


def test_weekly_streak_needs_two_consecutive_weeks_and_is_awarded_once(employee, colleague):
    monday = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
    for i, week in enumerate(range(4)):
        at = monday - dt.timedelta(days=7 * week)
        with time_machine.travel(at, tick=False):
            awards.points_award_share(share_id=make_share(user=employee, published_at=at).id)
            if i == 0:
                awards.points_award_share(share_id=make_share(user=colleague, published_at=at).id)

    week_start = dt.date(2026, 11, 16)
    assert awards.points_award_streaks(week_start=week_start) == 1
    assert awards.points_award_streaks(week_start=week_start) == 0

    streaks = PointEntry.objects.filter(action=Action.WEEKLY_STREAK)
    assert list(streaks.values_list("user_id", "points")) == [(employee.id, 20)]
    assert employee.badges.filter(badge="streak_4").exists()
    assert not colleague.badges.filter(badge="streak_4").exists()


@time_machine.travel(NOW, tick=False)
def test_badges_are_awarded_once_with_the_date(employee):
    awards.points_award_share(share_id=make_share(user=employee).id)
    awards.points_award_share(share_id=make_share(user=employee).id)
    assert list(employee.badges.values_list("badge", "awarded_at")) == [("first_share", NOW)]

    for _ in range(8):
        awards.points_award_share(share_id=make_share(user=employee).id)  # a new post each time
    assert set(employee.badges.values_list("badge", flat=True)) == {"first_share", "shares_10"}
    assert employee.badges.count() == 2


@time_machine.travel(NOW, tick=False)
def test_unique_click_badge_counts_reversals(employee):
    link = ShortLinkFactory(user=employee)
    PointRule.objects.create(action=Action.UNIQUE_CLICK, points=1, daily_cap_per_share=10_000)
    clicks = [make_click(link=link) for _ in range(100)]
    clicks[0].delete()
    awards.points_sync_clicks(since=NOW - dt.timedelta(days=1))
    assert not employee.badges.filter(badge="clicks_100").exists()
    make_click(link=link)
    awards.points_sync_clicks(since=NOW - dt.timedelta(days=1))
    assert employee.badges.filter(badge="clicks_100").exists()


def test_ledger_rows_have_a_unique_key_per_rule_and_source(employee):
    from django.db import IntegrityError, transaction

    kwargs = dict(
        user=employee, action=Action.SHARE, points=10, source_type="link", source_id=1, occurred_at=timezone.now()
    )
    PointEntry.objects.create(reason="first", **kwargs)
    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(reason="again", **kwargs)


def test_colleagues_points_stay_their_own(employee, colleague):
    awards.points_award_share(share_id=make_share(user=employee).id)
    assert points_of(colleague) == 0
    assert UserFactory().point_entries.count() == 0


def test_periodic_tasks_award_and_rebuild(employee, django_capture_on_commit_callbacks):
    monday = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    for week in (1, 2):
        at = monday - dt.timedelta(days=7 * week)
        with time_machine.travel(at, tick=False):
            make_share(user=employee, published_at=at)
            assert tasks.award_recent_points.delay().get()["shares"] == 1
    with time_machine.travel(monday + dt.timedelta(days=1), tick=False):
        assert tasks.award_weekly_streaks.delay().get() == 1
        assert tasks.award_weekly_streaks.delay().get() == 0
        assert tasks.rebuild_leaderboards.delay().get()["period_scores"] > 0
    assert points_of(employee) == 40
