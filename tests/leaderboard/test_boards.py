import datetime as dt
import os

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import EmployeeProfile
from leaderboard import redis_boards, selectors
from leaderboard.models import PeriodScore, PointEntry
from leaderboard.selectors import Position, Standing
from leaderboard.services import rebuild
from tests.factories import TeamFactory, UserFactory, award

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
PERIODS = ["week", "month", "quarter", "all"]


@pytest.fixture
def people(db):
    red, blue = TeamFactory(name="Red"), TeamFactory(name="Blue")
    users = [UserFactory(email=f"p{i}@example.com") for i in range(6)]
    for i, user in enumerate(users):
        EmployeeProfile.objects.filter(user=user).update(team=red if i < 3 else blue)
    return users


def _set(user, **flags):
    EmployeeProfile.objects.filter(user=user).update(**flags)


@time_machine.travel(NOW, tick=False)
def test_ties_share_a_rank_and_points_to_next_place(people):
    a, b, c, d, *_ = people
    award(a, 30, NOW)
    award(b, 20, NOW)
    award(c, 20, NOW)
    award(d, 5, NOW)

    top = selectors.leaderboard_top(period="week", backend="sql")
    assert top == [
        Standing(1, a.id, 30),
        Standing(2, b.id, 20),
        Standing(2, c.id, 20),
        Standing(4, d.id, 5),
    ]
    assert selectors.leaderboard_position(user_id=c.id, period="week", backend="sql") == Position(2, 20, 10, True)
    assert selectors.leaderboard_position(user_id=a.id, period="week", backend="sql") == Position(1, 30, None, True)
    assert selectors.leaderboard_position(user_id=people[5].id, period="week", backend="sql") == Position(
        5, 0, 5, False
    )


@time_machine.travel(NOW, tick=False)
def test_periods_count_only_their_own_points(people):
    a, b = people[:2]
    award(a, 10, NOW)
    award(b, 50, NOW - dt.timedelta(days=10))  # earlier this month, not this week
    award(b, 100, NOW - dt.timedelta(days=400))

    assert [s.user_id for s in selectors.leaderboard_top(period="week", backend="sql")] == [a.id]
    assert [(s.user_id, s.points) for s in selectors.leaderboard_top(period="month", backend="sql")] == [
        (b.id, 50),
        (a.id, 10),
    ]
    assert [(s.user_id, s.points) for s in selectors.leaderboard_top(period="all", backend="sql")] == [
        (b.id, 150),
        (a.id, 10),
    ]


@time_machine.travel(NOW, tick=False)
def test_opted_out_employee_is_hidden_but_sees_own_rank(people):
    a, b, c = people[:3]
    award(a, 30, NOW)
    award(b, 20, NOW)
    award(c, 10, NOW)
    _set(a, leaderboard_opt_out=True)

    top = selectors.leaderboard_top(period="week", backend="sql")
    assert [s.user_id for s in top] == [b.id, c.id]
    assert selectors.leaderboard_position(user_id=a.id, period="week", backend="sql") == Position(1, 30, None, False)
    assert selectors.leaderboard_position(user_id=c.id, period="week", backend="sql") == Position(2, 10, 10, True)


@time_machine.travel(NOW, tick=False)
def test_excluded_accounts_are_on_no_board_and_their_team_does_not_count_them(people):
    a, b = people[:2]
    award(a, 100, NOW)
    award(b, 10, NOW)
    _set(a, leaderboard_excluded=True)

    assert [s.user_id for s in selectors.leaderboard_top(period="week", backend="sql")] == [b.id]
    red = next(t for t in selectors.team_leaderboard(period="week", backend="sql") if t.name == "Red")
    assert (red.points, red.members) == (10, 2)


@time_machine.travel(NOW, tick=False)
def test_my_team_scope_and_teams_by_points_per_member(people):
    a, b, c, d, e, f = people
    award(a, 30, NOW)  # Red: 30 over 3 members = 10 each
    award(d, 20, NOW)
    award(e, 20, NOW)  # Blue: 40 over 3 = 13.33
    red_id = EmployeeProfile.objects.get(user=a).team_id

    team_top = selectors.leaderboard_top(period="week", team_id=red_id, backend="sql")
    assert [s.user_id for s in team_top] == [a.id]
    assert selectors.leaderboard_position(user_id=b.id, period="week", team_id=red_id, backend="sql").rank == 2

    teams = selectors.team_leaderboard(period="week", backend="sql")
    assert [(t.name, t.rank, t.per_member) for t in teams] == [("Blue", 1, 13.33), ("Red", 2, 10.0)]


# --- Redis and SQL give the same answers; rebuild equals incremental ----------------------


def _everything(users, team_ids, backend):
    boards = {}
    for period in PERIODS:
        for team_id in [None, *team_ids]:
            boards[(period, team_id, "top")] = selectors.leaderboard_top(
                period=period, team_id=team_id, limit=4, backend=backend
            )
            for user in users:
                boards[(period, team_id, user.id)] = selectors.leaderboard_position(
                    user_id=user.id, period=period, team_id=team_id, backend=backend
                )
        boards[(period, "teams")] = selectors.team_leaderboard(period=period, backend=backend)
    return boards


def _redis_snapshot(client):
    return {
        key: client.zrange(key, 0, -1, withscores=True)
        for key in sorted(client.scan_iter(match=f"{redis_boards.PREFIX}:*"))
    }


awards = st.lists(st.tuples(st.integers(0, 5), st.integers(-5, 40), st.integers(0, 120)), min_size=0, max_size=25)
flags = st.lists(st.sampled_from(["", "opt_out", "excluded"]), min_size=6, max_size=6)


@pytest.mark.redis
@hsettings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(awards=awards, flags=flags)
def test_redis_and_sql_boards_agree_and_rebuild_equals_incremental(
    redis_client, settings, people, django_capture_on_commit_callbacks, awards, flags
):
    settings.LEADERBOARD_BACKEND = "redis"
    settings.LEADERBOARD_REDIS_URL = os.environ["REDIS_URL"]
    redis_client.flushdb()
    PointEntry.objects.all().delete()
    PeriodScore.objects.all().delete()
    for user, flag in zip(people, flags, strict=True):
        _set(user, leaderboard_opt_out=flag == "opt_out", leaderboard_excluded=flag == "excluded")
    team_ids = sorted(set(EmployeeProfile.objects.values_list("team_id", flat=True)))

    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            for index, points, days_ago in awards:
                award(people[index], points, NOW - dt.timedelta(days=days_ago, hours=index))
        incremental_redis = _redis_snapshot(redis_client)
        incremental_sql = sorted(PeriodScore.objects.values_list("user_id", "period", "start", "points"))

        from_redis = _everything(people, team_ids, "redis")
        from_sql = _everything(people, team_ids, "sql")
        assert from_redis == from_sql

        rebuild.leaderboards_rebuild(now=NOW)
        rebuilt_sql = sorted(PeriodScore.objects.values_list("user_id", "period", "start", "points"))
        assert rebuilt_sql == incremental_sql
        # Rebuild covers the current periods (older boards only expire): compare those.
        current = _current_only(incremental_redis)
        rebuilt_redis = _current_only(_redis_snapshot(redis_client))
        assert rebuilt_redis == current
        assert _everything(people, team_ids, "redis") == from_sql


def _current_only(snapshot):
    from leaderboard.periods import period_starts

    prefixes = tuple(redis_boards.period_key(p, s).encode() + b":" for p, s in period_starts(NOW).items())
    return {k: v for k, v in snapshot.items() if k.startswith(prefixes) and v}


@time_machine.travel(NOW, tick=False)
def test_sql_rebuild_equals_incremental(people):
    a, b, c = people[:3]
    award(a, 10, NOW)
    award(b, 7, NOW - dt.timedelta(days=45))
    award(c, -3, NOW - dt.timedelta(days=200))
    award(a, 4, NOW - dt.timedelta(days=370))
    before = sorted(PeriodScore.objects.values_list("user_id", "period", "start", "points"))
    PeriodScore.objects.filter(user=a).update(points=999)  # drift

    result = rebuild.leaderboards_rebuild()

    assert sorted(PeriodScore.objects.values_list("user_id", "period", "start", "points")) == before
    assert result["period_scores"] == len(before)


@pytest.mark.redis
@time_machine.travel(NOW, tick=False)
def test_redis_boards_follow_awards_and_opt_out(redis_client, settings, people, django_capture_on_commit_callbacks):
    settings.LEADERBOARD_BACKEND = "redis"
    settings.LEADERBOARD_REDIS_URL = os.environ["REDIS_URL"]
    a, b = people[:2]
    with django_capture_on_commit_callbacks(execute=True):
        award(a, 10, NOW)
        award(b, 20, NOW)
    assert [s.user_id for s in selectors.leaderboard_top(period="week")] == [b.id, a.id]

    with django_capture_on_commit_callbacks(execute=True):
        rebuild.leaderboard_opt_out_set(user=b, opt_out=True)
    assert [s.user_id for s in selectors.leaderboard_top(period="week")] == [a.id]
    assert selectors.leaderboard_position(user_id=b.id, period="week") == Position(1, 20, None, False)


@pytest.mark.redis
@time_machine.travel(NOW, tick=False)
def test_a_team_change_in_accounts_moves_the_employee_between_redis_boards(
    redis_client, settings, people, django_capture_on_commit_callbacks
):
    """accounts only sends its signal (accounts.signals.board_membership_changed); leaderboard rebuilds."""
    from accounts.services import profile_changed

    settings.LEADERBOARD_BACKEND = "redis"
    settings.LEADERBOARD_REDIS_URL = os.environ["REDIS_URL"]
    a = people[0]
    red_id = EmployeeProfile.objects.get(user=a).team_id
    blue_id = EmployeeProfile.objects.get(user=people[3]).team_id
    with django_capture_on_commit_callbacks(execute=True):
        award(a, 10, NOW)
    assert [s.user_id for s in selectors.leaderboard_top(period="week", team_id=red_id)] == [a.id]

    with django_capture_on_commit_callbacks(execute=True):
        _set(a, team_id=blue_id)
        profile_changed(changed_fields={"team", "language"})

    assert selectors.leaderboard_top(period="week", team_id=red_id) == []
    assert [s.user_id for s in selectors.leaderboard_top(period="week", team_id=blue_id)] == [a.id]


def test_only_board_fields_send_the_membership_signal(db):
    from accounts.services import profile_changed
    from accounts.signals import board_membership_changed

    sent = []

    def receiver(sender, *, changed_fields, **kwargs):
        sent.append(changed_fields)

    board_membership_changed.connect(receiver)
    try:
        profile_changed(changed_fields={"language", "digest_hour"})
        profile_changed(changed_fields={"language", "leaderboard_excluded"})
    finally:
        board_membership_changed.disconnect(receiver)
    assert sent == [{"leaderboard_excluded"}]


def test_redis_outage_does_not_lose_the_award(settings, people, django_capture_on_commit_callbacks):
    settings.LEADERBOARD_BACKEND = "redis"
    settings.LEADERBOARD_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    with time_machine.travel(NOW, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            award(people[0], 10, NOW)
        assert PointEntry.objects.get().points == 10
        assert selectors.leaderboard_top(period="week", backend="sql")[0].points == 10
