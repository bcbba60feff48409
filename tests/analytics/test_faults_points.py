"""Issue 9, section 7, for points: an award run killed half-way, then run again, pays each share and
each click exactly once, and the period totals agree with the ledger.

The SIGKILL variant runs the real periodic pull in another process (PostgreSQL only); the
in-process variant stops it with SystemExit at the same points and runs everywhere.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from leaderboard.models import Action, PeriodScore, PointEntry
from leaderboard.services import awards, ledger
from tests.factories import UserFactory, make_click, make_share

ROOT = Path(__file__).resolve().parents[2]


def _some_work() -> tuple[int, int]:
    """Two employees, three shares, twelve unique clicks on their links (under the daily cap)."""
    alice, bob = UserFactory(), UserFactory()
    shares = [make_share(user=alice), make_share(user=alice, network="linkedin"), make_share(user=bob)]
    for share in shares:
        for _ in range(4):
            make_click(link=share.short_link)
    return len(shares), 12


def _assert_paid_once(shares: int, clicks: int) -> None:
    for action, expected in ((Action.SHARE, shares), (Action.UNIQUE_CLICK, clicks)):
        entries = PointEntry.objects.filter(action=action)
        assert entries.count() == expected, action
        assert entries.values("source_id").distinct().count() == expected, action
    for user_id, total in PointEntry.objects.values_list("user_id").annotate(total=Sum("points")):
        assert PeriodScore.objects.get(user_id=user_id, period="all").points == total


@pytest.mark.django_db
@pytest.mark.parametrize("point", ["inside-a-transaction", "between-awards"])
def test_an_award_run_stopped_half_way_and_run_again_pays_once(monkeypatch, point):
    shares, clicks = _some_work()
    calls = [0]

    def stop_at_the_fifth(real):
        def wrapped(**kwargs):
            calls[0] += 1
            if point == "inside-a-transaction" and calls[0] == 5:
                raise SystemExit("killed with the entry written, the totals not yet")
            result = real(**kwargs)
            if point == "between-awards" and calls[0] == 5:
                raise SystemExit("killed after an award committed")
            return result

        return wrapped

    target = (ledger, "_period_scores_add") if point == "inside-a-transaction" else (awards, "points_award_click")
    monkeypatch.setattr(*target, stop_at_the_fifth(getattr(*target)))
    with pytest.raises(SystemExit):
        awards.points_award_recent()
    monkeypatch.undo()
    awards.points_award_recent()
    awards.points_award_recent()  # and once more: nothing new
    _assert_paid_once(shares, clicks)


AWARDS_TO_BE_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    import django
    django.setup()
    from leaderboard.services import awards, ledger

    point, calls = sys.argv[1], [0]
    module, name = (ledger, "_period_scores_add") if point == "inside-a-transaction" else (awards, "points_award_click")
    real = getattr(module, name)

    def wrapped(**kwargs):
        calls[0] += 1
        if point == "inside-a-transaction" and calls[0] == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(**kwargs)
        if point == "between-awards" and calls[0] == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(module, name, wrapped)
    awards.points_award_recent()
    sys.exit("the award run was not killed")
    """
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", ["inside-a-transaction", "between-awards"])
def test_an_award_run_sigkilled_half_way_and_run_again_pays_once(point):
    if connection.vendor != "postgresql":
        if os.environ.get("ADVOCACY_REQUIRE_SERVICES") == "1":
            pytest.fail("ADVOCACY_REQUIRE_SERVICES=1 but the database is not PostgreSQL")
        pytest.skip("an award run in another process needs a shared database (PostgreSQL)")
    shares, clicks = _some_work()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "LEADERBOARD_BACKEND": "sql",  # the ledger and totals are what must hold; Redis boards are rebuilt from them
    }
    killed = subprocess.run(
        [sys.executable, "-c", AWARDS_TO_BE_KILLED, point],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -9, killed.stderr
    assert 0 < PointEntry.objects.count() < shares + clicks  # it died half-way
    awards.points_award_recent()
    _assert_paid_once(shares, clicks)
