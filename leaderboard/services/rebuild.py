"""Who is on which board, and rebuilding period totals and Redis boards from the ledger."""

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncWeek
from django.utils import timezone

from accounts.models import EmployeeProfile, User
from accounts.services import profile_get

from .. import redis_boards
from ..models import Period, PeriodScore, PointEntry
from ..periods import ALL_TIME_START, organisation_tz, period_starts


def leaderboard_opt_out_set(*, user: User, opt_out: bool) -> None:
    """Hide (or show) the employee on public boards; their own rank stays visible to them."""
    profile = profile_get(user=user)
    if profile.leaderboard_opt_out == opt_out:
        return
    profile.leaderboard_opt_out = opt_out
    profile.save(update_fields=["leaderboard_opt_out"])
    leaderboard_membership_changed()


def leaderboard_membership_changed() -> None:
    """Call after an employee's opt-out, exclusion or team changed: Redis boards are rebuilt after commit.

    (SQL boards read the flags live.) The rebuild is a queued task of about a second for 10,000 people.
    """
    if redis_boards.enabled():
        from ..tasks import rebuild_redis_boards

        transaction.on_commit(lambda: rebuild_redis_boards.delay())


TRUNCS = {Period.WEEK: TruncWeek, Period.MONTH: TruncMonth, Period.QUARTER: TruncQuarter}


def period_scores_rebuild() -> int:
    """Recompute every PeriodScore from the ledger, in one transaction. Returns the number of totals."""
    tz_name = str(organisation_tz())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # New awards wait (readers do not) until the totals match the ledger again.
                cursor.execute("LOCK TABLE leaderboard_pointentry IN EXCLUSIVE MODE")
                # One pass over the ledger for every period kind (GROUPING SETS), in the organisation's zone.
                cursor.execute("DROP TABLE IF EXISTS leaderboard_rebuild")
                cursor.execute(
                    """
                    CREATE TEMPORARY TABLE leaderboard_rebuild ON COMMIT DROP AS
                    SELECT user_id,
                           CASE WHEN GROUPING(w) = 0 THEN 'week' WHEN GROUPING(m) = 0 THEN 'month'
                                WHEN GROUPING(q) = 0 THEN 'quarter' ELSE 'all' END::varchar(8) AS period,
                           COALESCE(w, m, q, %s::date) AS start,
                           SUM(points)::integer AS points
                    FROM (SELECT user_id, points,
                                 date_trunc('week', occurred_at AT TIME ZONE %s)::date AS w,
                                 date_trunc('month', occurred_at AT TIME ZONE %s)::date AS m,
                                 date_trunc('quarter', occurred_at AT TIME ZONE %s)::date AS q
                          FROM leaderboard_pointentry) AS e
                    GROUP BY GROUPING SETS ((user_id, w), (user_id, m), (user_id, q), (user_id))
                    """,
                    [ALL_TIME_START, tz_name, tz_name, tz_name],
                )
                total = cursor.rowcount
                cursor.execute("ANALYZE leaderboard_rebuild")
                # Write only what differs: the nightly run over unchanged totals then touches nothing.
                cursor.execute(
                    "DELETE FROM leaderboard_periodscore s WHERE NOT EXISTS (SELECT 1 FROM leaderboard_rebuild r "
                    "WHERE r.user_id = s.user_id AND r.period = s.period AND r.start = s.start)"
                )
                cursor.execute(
                    "INSERT INTO leaderboard_periodscore (user_id, period, start, points) "
                    "SELECT user_id, period, start, points FROM leaderboard_rebuild "
                    "ON CONFLICT ON CONSTRAINT one_score_per_user_period DO UPDATE SET points = EXCLUDED.points "
                    "WHERE leaderboard_periodscore.points <> EXCLUDED.points"
                )
                cursor.execute("DROP TABLE leaderboard_rebuild")
                return total
        PeriodScore.objects.all().delete()
        rows = []
        tz = organisation_tz()
        for period, trunc in TRUNCS.items():
            grouped = (
                PointEntry.objects.annotate(start=trunc("occurred_at", tzinfo=tz))
                .values("user_id", "start")
                .annotate(total=Sum("points"))
            )
            for row in grouped:
                start = row["start"].date() if isinstance(row["start"], dt.datetime) else row["start"]
                rows.append(PeriodScore(user_id=row["user_id"], period=period, start=start, points=row["total"]))
        for row in PointEntry.objects.values("user_id").annotate(total=Sum("points")):
            rows.append(
                PeriodScore(user_id=row["user_id"], period=Period.ALL, start=ALL_TIME_START, points=row["total"])
            )
        PeriodScore.objects.bulk_create(rows, batch_size=5000)
        return len(rows)


def leaderboard_redis_rebuild(*, now: dt.datetime | None = None) -> int:
    """Rebuild the current period boards in Redis from `PeriodScore`; each key swaps in atomically."""
    now = now or timezone.now()
    profiles = {
        row["user_id"]: row
        for row in EmployeeProfile.objects.values("user_id", "leaderboard_excluded", "leaderboard_opt_out", "team_id")
    }
    client = redis_boards.client()
    written = 0
    for period, start in period_starts(now).items():
        boards: dict[str, dict[str, float]] = defaultdict(dict)
        teams: dict[str, float] = defaultdict(float)
        scores = PeriodScore.objects.filter(period=period, start=start).values_list("user_id", "points")
        for user_id, points in scores.iterator(chunk_size=10_000):
            profile = profiles.get(user_id)
            excluded, opted_out, team_id = (
                (profile["leaderboard_excluded"], profile["leaderboard_opt_out"], profile["team_id"])
                if profile
                else (False, False, None)
            )
            kind = redis_boards.kind_of(excluded=excluded, opted_out=opted_out)
            member = redis_boards.member(user_id)
            boards[redis_boards.board_key(period, start, kind=kind)][member] = -points
            if team_id is not None and not excluded:
                boards[redis_boards.board_key(period, start, team_id=team_id, kind=kind)][member] = -points
                teams[str(team_id)] += points
        if teams:
            boards[redis_boards.teams_key(period, start)] = dict(teams)
        # Drop boards of this period that would otherwise keep stale members, then swap the new ones in.
        old = set(client.scan_iter(match=f"{redis_boards.period_key(period, start)}:*", count=1000))
        pipe = client.pipeline(transaction=False)
        temp_keys = {}
        for key, mapping in boards.items():
            temp = f"{key}:rebuild"
            pipe.delete(temp)
            items = list(mapping.items())
            for i in range(0, len(items), 5000):
                pipe.zadd(temp, dict(items[i : i + 5000]))
            temp_keys[key] = temp
            written += len(mapping)
        pipe.execute()
        swap = client.pipeline(transaction=True)
        for key in old:
            name = key.decode() if isinstance(key, bytes) else key
            if name not in temp_keys and not name.endswith(":rebuild"):
                swap.delete(name)
        for key, temp in temp_keys.items():
            swap.rename(temp, key)
        swap.execute()
    return written


def leaderboards_rebuild(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Rebuild every leaderboard from the ledger: SQL period totals, then the Redis boards.

    Safe to run any time (nightly task, `manage.py rebuild_leaderboards`); awards arriving
    meanwhile wait for the SQL step and then update Redis as usual.
    """
    scores = period_scores_rebuild()
    members = leaderboard_redis_rebuild(now=now) if redis_boards.enabled() else 0
    return {"period_scores": scores, "redis_members": members}
