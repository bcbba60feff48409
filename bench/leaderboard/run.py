"""Leaderboard benchmark: 10,000 employees in 50 teams, 2,000,000 ledger entries over a year.

Measures top-50 + my rank per period from Redis and from SQL (PostgreSQL), p50/p99 over
1,000 queries each, and a full rebuild of every leaderboard from the ledger. Ends with
one JSON line of every figure.

Uses its own database (BENCH_DATABASE_URL, default adv_points_bench, dropped and created
anew) and Redis (BENCH_REDIS_URL); only keys under adv:lb: and adv:ratelimit: are touched there.
"""

import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/adv_points_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
EMPLOYEES = int(os.environ.get("BENCH_EMPLOYEES", "10000"))
TEAMS = int(os.environ.get("BENCH_TEAMS", "50"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "2000000"))
QUERIES = int(os.environ.get("BENCH_QUERIES", "1000"))
GOALS = {"redis_p99_ms": 10.0, "sql_p99_ms": 200.0, "rebuild_s": 60.0}

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["REDIS_URL"] = REDIS_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    started = time.perf_counter()
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Team
    from leaderboard import redis_boards, selectors
    from leaderboard.models import Period
    from leaderboard.services import rebuild

    call_command("migrate", verbosity=0)
    client = redis_boards.client()
    stale = list(client.scan_iter(match=f"{redis_boards.PREFIX}:*"))
    if stale:
        client.delete(*stale)

    # --- Seed -----------------------------------------------------------------------
    seed_started = time.perf_counter()
    Team.objects.bulk_create([Team(name=f"Team {i:02d}") for i in range(TEAMS)])
    team_ids = list(Team.objects.values_list("id", flat=True))
    rng = random.Random(5)
    now = timezone.now()
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY accounts_user (id, password, is_superuser, first_name, last_name, is_staff, is_active,"
            " date_joined, email) FROM STDIN"
        ) as copy:
            for i in range(1, EMPLOYEES + 1):
                copy.write_row((i, "!", False, f"First{i}", f"Last{i}", False, True, now, f"e{i}@bench.example"))
        with cursor.copy(
            "COPY accounts_employeeprofile (user_id, team_id, job_title, language, time_zone, digest_opt_in,"
            " digest_hour, digest_minute, digest_days, digest_networks, undeliverable_email, undeliverable_reason,"
            " approval_emails_opt_in, leaderboard_opt_out, leaderboard_excluded) FROM STDIN"
        ) as copy:
            for i in range(1, EMPLOYEES + 1):
                copy.write_row(
                    (i, team_ids[i % TEAMS], "", "en", "UTC", True, 8, 0, "[0, 1, 2, 3, 4]", "[]", "", "", True)
                    + (rng.random() < 0.02, rng.random() < 0.005)
                )
        cursor.execute("SELECT setval('accounts_user_id_seq', %s)", [EMPLOYEES])
        # Skewed activity (a few very active advocates), a mix of actions, spread over a year.
        cursor.execute(
            """
            INSERT INTO leaderboard_pointentry
                (user_id, action, points, source_type, source_id, step, quantity, network, reason,
                 occurred_at, created_at)
            SELECT 1 + floor(power(r1, 2.2) * %(employees)s)::int,
                   CASE WHEN r2 < 0.55 THEN 'unique_click' WHEN r2 < 0.9 THEN 'like' ELSE 'share' END,
                   CASE WHEN r2 < 0.55 THEN 2 WHEN r2 < 0.9 THEN 1 ELSE 10 END,
                   'bench', g, 0, 1, 'x', 'bench entry',
                   %(now)s - r3 * interval '365 days', %(now)s - r3 * interval '365 days'
            FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3
                  FROM generate_series(1, %(entries)s) AS g) AS s
            """,
            {"employees": EMPLOYEES, "entries": ENTRIES, "now": now},
        )
        cursor.execute("ANALYZE")
    seed_s = time.perf_counter() - seed_started
    log(f"seeded {EMPLOYEES} employees in {TEAMS} teams and {ENTRIES} entries in {seed_s:.1f} s")

    # --- Full rebuild ---------------------------------------------------------------
    t0 = time.perf_counter()
    scores = rebuild.period_scores_rebuild()
    t1 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE leaderboard_periodscore")
    members = rebuild.leaderboard_redis_rebuild(now=now)
    t2 = time.perf_counter()
    rebuild_sql_s, rebuild_redis_s = t1 - t0, t2 - t1
    log(f"rebuild: {scores} period totals in {rebuild_sql_s:.1f} s, {members} Redis entries in {rebuild_redis_s:.1f} s")
    # The nightly case: the same rebuild again when (almost) nothing changed.
    t3 = time.perf_counter()
    rebuild.leaderboards_rebuild(now=now)
    rebuild_again_s = time.perf_counter() - t3
    log(f"rebuild again over unchanged totals: {rebuild_again_s:.1f} s")

    # --- Queries ----------------------------------------------------------------------
    figures: dict[str, float | int | bool | str] = {}
    user_ids = list(range(1, EMPLOYEES + 1))
    answers_match = True
    for period in Period.values:
        for backend in ("redis", "sql"):
            timings = []
            qrng = random.Random(period)
            for _ in range(QUERIES):
                me = qrng.choice(user_ids)
                q0 = time.perf_counter()
                top = selectors.leaderboard_top(period=period, limit=50, now=now, backend=backend)
                position = selectors.leaderboard_position(user_id=me, period=period, now=now, backend=backend)
                timings.append((time.perf_counter() - q0) * 1000)
                assert len(top) == 50 and position.rank >= 1
            figures[f"{backend}_top50_my_rank_{period}_p50_ms"] = round(statistics.median(timings), 2)
            figures[f"{backend}_top50_my_rank_{period}_p99_ms"] = round(percentile(timings, 0.99), 2)
            log(
                f"{backend:5} {period:7} p50 {figures[f'{backend}_top50_my_rank_{period}_p50_ms']:7.2f} ms"
                f"  p99 {figures[f'{backend}_top50_my_rank_{period}_p99_ms']:7.2f} ms"
            )
        for me in random.Random(1).sample(user_ids, 50):
            kwargs = {"user_id": me, "period": period, "now": now}
            if selectors.leaderboard_position(backend="redis", **kwargs) != selectors.leaderboard_position(
                backend="sql", **kwargs
            ):
                answers_match = False
        if selectors.leaderboard_top(period=period, now=now, backend="redis") != selectors.leaderboard_top(
            period=period, now=now, backend="sql"
        ):
            answers_match = False

    team_timings = {"redis": [], "sql": []}
    for backend in team_timings:
        for _ in range(100):
            q0 = time.perf_counter()
            selectors.team_leaderboard(period="month", now=now, backend=backend)
            team_timings[backend].append((time.perf_counter() - q0) * 1000)

    redis_p99 = max(v for k, v in figures.items() if k.startswith("redis_") and k.endswith("_p99_ms"))
    sql_p99 = max(v for k, v in figures.items() if k.startswith("sql_") and k.endswith("_p99_ms"))
    rebuild_s = rebuild_sql_s + rebuild_redis_s
    result = {
        "employees": EMPLOYEES,
        "teams": TEAMS,
        "ledger_entries": ENTRIES,
        "queries_per_figure": QUERIES,
        "seed_s": round(seed_s, 1),
        **figures,
        "redis_teams_board_p99_ms": round(percentile(team_timings["redis"], 0.99), 2),
        "sql_teams_board_p99_ms": round(percentile(team_timings["sql"], 0.99), 2),
        "redis_worst_p99_ms": redis_p99,
        "sql_worst_p99_ms": sql_p99,
        "rebuild_period_totals_rows": scores,
        "rebuild_redis_members": members,
        "rebuild_sql_s": round(rebuild_sql_s, 2),
        "rebuild_redis_s": round(rebuild_redis_s, 2),
        "rebuild_s": round(rebuild_s, 2),
        "rebuild_unchanged_s": round(rebuild_again_s, 2),
        "redis_p99_vs_goal": round(redis_p99 / GOALS["redis_p99_ms"], 3),
        "sql_p99_vs_goal": round(sql_p99 / GOALS["sql_p99_ms"], 3),
        "rebuild_vs_goal": round(rebuild_s / GOALS["rebuild_s"], 3),
        "sql_vs_redis_p99": round(sql_p99 / redis_p99, 1) if redis_p99 else None,
        "redis_and_sql_answers_match": answers_match,
        "goals_met": (
            redis_p99 < GOALS["redis_p99_ms"] and sql_p99 < GOALS["sql_p99_ms"] and rebuild_s < GOALS["rebuild_s"]
        ),
        "total_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
