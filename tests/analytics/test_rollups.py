"""Daily rollups: fed by the ingest, the metrics pull and the share sync; a rebuilt day gives the same numbers.

The property test drives the incremental path with random clicks (humans, bots, previews, repeats, batches
split anywhere, reclassifications), engagement answers and shares over three days, then rebuilds each day
from the raw rows and compares every daily and hourly row.
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.metrics import metrics_record
from analytics.models import Click, ClickRollup, DailyRollup
from analytics.rollup_models import ROLLUP_FIELDS
from analytics.rollups import rollup_day, rollup_day_rebuild, rollup_shares_sync
from analytics.services import click_reclassify, clicks_ingest
from networks.models import Share
from networks.providers.base import EngagementCounts
from shortlinks.buffer import RawClick
from tests.factories import SuggestedPostFactory, TeamFactory, UserFactory, make_share

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
PREVIEW = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
BOT = "Googlebot/2.1 (+http://www.google.com/bot.html)"
START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # Monday, 07:00 in Berlin: three whole local days below


def daily_rows() -> dict:
    return {
        (row["link_id"], row["day"]): tuple(row[name] for name in ROLLUP_FIELDS)
        for row in DailyRollup.objects.values("link_id", "day", *ROLLUP_FIELDS)
        if any(row[name] for name in ROLLUP_FIELDS)
    }


def hourly_rows() -> dict:
    names = ("clicks", "unique_clicks", "self_clicks", "previews", "filtered")
    return {
        (row["link_id"], row["hour"]): tuple(row[name] for name in names)
        for row in ClickRollup.objects.values("link_id", "hour", *names)
        if any(row[name] for name in names)
    }


@pytest.fixture
def world(db):
    team = TeamFactory(name="Sales")
    alice, bob = UserFactory(), UserFactory()
    alice.profile.team = team
    alice.profile.save()
    posts = [SuggestedPostFactory(), SuggestedPostFactory()]
    shares = [
        make_share(user=alice, post=posts[0], network="x", published_at=START),
        make_share(user=bob, post=posts[0], network="mastodon", published_at=START + dt.timedelta(hours=20)),
        make_share(user=alice, post=posts[1], network="bluesky", published_at=START + dt.timedelta(hours=40)),
    ]
    return {"team": team, "shares": shares, "links": [s.short_link_id for s in shares], "alice": alice}


click_events = st.lists(
    st.tuples(
        st.integers(0, 2),  # link
        st.integers(0, 3 * 24 * 60 - 1),  # minute after START
        st.integers(0, 4),  # visitor
        st.sampled_from(["human", "human", "human", "preview", "bot", "head"]),
    ),
    max_size=40,
)
metric_answers = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3 * 24 * 60 - 1), st.integers(0, 50), st.none() | st.integers(0, 900)),
    max_size=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    clicks=click_events, answers=metric_answers, cut=st.integers(1, 10), reclassify=st.lists(st.booleans(), max_size=4)
)
def test_rebuilding_each_day_gives_the_same_rollups_as_the_incremental_path(world, clicks, answers, cut, reclassify):
    with transaction.atomic():
        events = [
            RawClick(
                event_id=f"p-{n}",
                link_id=world["links"][link],
                at_ms=int((START + dt.timedelta(minutes=minute)).timestamp() * 1000),
                ip=f"198.51.100.{visitor}",
                user_agent={"preview": PREVIEW, "bot": BOT}.get(kind, BROWSER),
                method="HEAD" if kind == "head" else "GET",
            )
            for n, (link, minute, visitor, kind) in enumerate(clicks)
        ]
        for start in range(0, len(events), cut):  # batches split anywhere; a replayed batch adds nothing
            clicks_ingest(events=events[start : start + cut])
            clicks_ingest(events=events[start : start + cut])
        for click_id, to_self in zip(Click.objects.order_by("pk").values_list("pk", flat=True), reclassify):
            click_reclassify(click_id=click_id, to="self" if to_self else "bot")
        for share_index, minute, likes, views in sorted(answers, key=lambda a: a[1]):
            metrics_record(
                share_id=world["shares"][share_index].pk,
                counts=EngagementCounts(likes=likes, reposts=likes // 3, impressions=views),
                now=START + dt.timedelta(minutes=minute),
            )
        rollup_shares_sync()
        incremental_daily, incremental_hourly = daily_rows(), hourly_rows()

        for day in {rollup_day(START + dt.timedelta(days=n)) for n in range(4)}:
            rollup_day_rebuild(day=day)
            rollup_day_rebuild(day=day)  # idempotent
        assert daily_rows() == incremental_daily
        assert hourly_rows() == incremental_hourly
        transaction.set_rollback(True)


def test_a_click_reaches_the_daily_row_of_its_link_with_post_campaign_network_and_team(world):
    link_id = world["links"][0]
    at = START + dt.timedelta(hours=1)
    clicks_ingest(
        events=[
            RawClick(event_id="a", link_id=link_id, at_ms=int(at.timestamp() * 1000), ip="1.2.3.4", user_agent=BROWSER)
        ]
    )
    row = DailyRollup.objects.get(link_id=link_id)
    share = world["shares"][0]
    assert (row.day, row.user_id, row.post_id, row.campaign_id, row.network, row.team_id) == (
        rollup_day(at),
        share.user_id,
        share.post_id,
        share.post.campaign_id,
        "x",
        world["team"].pk,
    )
    assert (row.clicks, row.unique_clicks) == (1, 1)


def test_share_sync_counts_each_route_once_however_often_it_runs(world):
    alice = world["alice"]
    post = world["shares"][0].post
    Share.objects.create(
        user=alice,
        post=post,
        network="facebook",
        short_link=world["shares"][0].short_link,
        route=Share.Route.INTENT,
        status=Share.Status.OPENED,
        text="t",
    )
    scheduled = make_share(user=alice, post=SuggestedPostFactory(), network="x", published_at=START)
    Share.objects.filter(pk=scheduled.pk).update(scheduled_for=START)
    Share.objects.create(
        user=alice,
        post=post,
        network="linkedin",
        short_link=world["shares"][0].short_link,
        route=Share.Route.DIRECT,
        status=Share.Status.FAILED,
        text="t",
    )
    for _ in range(3):
        rollup_shares_sync()
    totals = {
        name: sum(DailyRollup.objects.values_list(name, flat=True))
        for name in ("shares_direct", "shares_scheduled", "shares_dialog")
    }
    assert totals == {"shares_direct": 3, "shares_scheduled": 1, "shares_dialog": 1}


def test_engagement_growth_is_added_on_the_day_it_was_measured(world):
    share = world["shares"][0]
    metrics_record(share_id=share.pk, counts=EngagementCounts(likes=5, impressions=None), now=START)
    metrics_record(share_id=share.pk, counts=EngagementCounts(likes=8), now=START + dt.timedelta(days=1))
    rows = dict(DailyRollup.objects.filter(link_id=share.short_link_id).values_list("day", "likes"))
    assert rows == {rollup_day(START): 5, rollup_day(START + dt.timedelta(days=1)): 3}


def test_rebuild_command_rebuilds_a_day_and_refuses_a_bad_date(world):
    out = io.StringIO()
    call_command("rollups_rebuild", "2026-03-02", "--days", "2", stdout=out)
    assert "Rebuilt 2 day(s) from 2026-03-02" in out.getvalue()
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("rollups_rebuild", "02/03/2026")
