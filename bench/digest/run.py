"""Digest benchmark: render and deliver every employee's digest to a local SMTP sink (aiosmtpd).

10,000 employees in 50 teams, 3 offices and 7 languages (campaign audiences by team, office and
language), 200 live posts, a year of unique clicks on their links scaled up from the demo's traffic
(hourly rollups, COPY), weekly points. Measures emails per second, total time, and queries per
email at 1,000 and at 10,000 employees (the run's few set-up queries reported apart). Ends with one
JSON line of every figure.

Production-shaped: DEBUG off; the SMTP sink in its own process (bench/digest/sink.py); the run fanned
out as the beat task does it (digest.tasks.send_due_digests: one batch of user ids per task) and the
batches run by BENCH_WORKERS (default 2) forked worker processes calling the function the batch task
calls (digest.services.sending.digest_batch_run). A multiprocessing pool rather than a Celery worker:
Celery's prefork pool is the same fork-and-call model, and the pool lets each worker count its queries
exactly, with no broker start-up in the figures. Total time runs from the beat's first query (who is due)
to the sink's receipt of the last message.

Uses its own database (BENCH_DATABASE_URL, default adv_digest_bench, dropped and created anew).
"""

import json
import multiprocessing
import os
import random
import secrets
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/adv_digest_bench")
EMPLOYEES = int(os.environ.get("BENCH_EMPLOYEES", "10000"))
POSTS = int(os.environ.get("BENCH_POSTS", "200"))
CLICK_ROLLUPS = int(os.environ.get("BENCH_CLICK_ROLLUPS", "400000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
GOAL_S = 120.0

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.pop("REDIS_URL", None)
os.environ["DEBUG"] = "0"  # as in production: no query log, no debug-only checks
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
if not os.environ.get("TOKEN_ENCRYPTION_KEYS"):
    from cryptography.fernet import Fernet

    os.environ["TOKEN_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class SinkProcess:
    """bench/digest/sink.py in a child process, asked for its count over a pipe."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("sink.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self.proc.stdout.readline())

    def ask(self, command: str) -> str:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def reset(self) -> None:
        self.ask("reset")

    def count(self) -> tuple[int, float]:
        count, last = self.ask("count").split()
        return int(count), float(last)

    def wait_for(self, expected: int, timeout: float = 30.0) -> tuple[int, float]:
        deadline = time.time() + timeout
        while True:
            count, last = self.count()
            if count >= expected or time.time() > deadline:
                return count, last
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


# --- Worker processes (forked: they inherit the configured Django, not its DB connections) ---------
_worker_queries = {"n": 0, "setup": 0, "in_setup": False}


def _worker_init() -> None:
    from django.db import connection

    from digest.services import sending

    original = sending.run_facts

    def run_facts_counted(**kwargs):  # the run's set-up, paid once per worker per run: reported apart
        _worker_queries["in_setup"] = True
        try:
            return original(**kwargs)
        finally:
            _worker_queries["in_setup"] = False

    sending.run_facts = run_facts_counted

    def counter(execute, sql, params, many, context):
        _worker_queries["setup" if _worker_queries["in_setup"] else "n"] += 1
        return execute(sql, params, many, context)

    connection.execute_wrappers.append(counter)


def _worker_batch(args: tuple[list[int], str]) -> tuple[dict, int, int]:
    """What the batch task does (digest.tasks.send_digest_batch), returning its counts and this batch's queries."""
    import datetime as dt
    from dataclasses import asdict

    from digest.services.sending import digest_batch_run

    user_ids, now = args
    before_n, before_setup = _worker_queries["n"], _worker_queries["setup"]
    result = digest_batch_run(user_ids=user_ids, now=dt.datetime.fromisoformat(now))
    return asdict(result), _worker_queries["n"] - before_n, _worker_queries["setup"] - before_setup


def seed_people(cursor, first: int, last: int, teams: list[int], locations: list[tuple[int, str]], now) -> None:
    rng = random.Random(first)
    languages = ["en", "en", "en", "de", "fr", "es", "nl"]
    with cursor.copy(
        "COPY accounts_user (id, password, is_superuser, first_name, last_name, is_staff, is_active,"
        " date_joined, email) FROM STDIN"
    ) as copy:
        for i in range(first, last + 1):
            copy.write_row((i, "!", False, f"First{i}", f"Last{i}", False, True, now, f"e{i}@bench.example"))
    with cursor.copy(
        "COPY accounts_employeeprofile (user_id, team_id, location_id, job_title, language, time_zone,"
        " digest_opt_in, digest_hour, digest_minute, digest_days, digest_networks, undeliverable_email,"
        " undeliverable_reason, leaderboard_opt_out, leaderboard_excluded, approval_emails_opt_in) FROM STDIN"
    ) as copy:
        for i in range(first, last + 1):
            location_id, zone = locations[i % len(locations)]
            local = now.astimezone(zoneinfo.ZoneInfo(zone))  # everyone is due now, in their own zone
            copy.write_row(
                (
                    i,
                    teams[i % len(teams)],
                    location_id,
                    "",
                    rng.choice(languages),
                    zone,
                    True,
                    local.hour,
                    local.minute // 15 * 15,
                    "[0, 1, 2, 3, 4, 5, 6]",
                    "[]",
                    "",
                    "",
                    rng.random() < 0.02,
                    False,
                    True,
                )
            )
    cursor.execute("SELECT setval('accounts_user_id_seq', %s)", [last])


def main() -> None:
    started = time.perf_counter()
    recreate_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from accounts.models import Location, Team
    from campaigns.models import Campaign, PostStatus, PostVariant, SuggestedPost
    from digest.models import DigestSend
    from digest.services.sending import digest_batches_due
    from leaderboard.services import rebuild

    call_command("migrate", verbosity=0)
    sink = SinkProcess()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
    settings.DIGEST_SMTP_RETRY_DELAYS = (0.1,)

    # --- Seed ------------------------------------------------------------------------
    t0 = time.perf_counter()
    now = timezone.now().replace(minute=5, second=0, microsecond=0)
    Team.objects.bulk_create([Team(name=f"Team {i:02d}") for i in range(50)])
    teams = list(Team.objects.values_list("id", flat=True))
    zones = {"Berlin": "Europe/Berlin", "London": "Europe/London", "New York": "America/New_York"}
    Location.objects.bulk_create([Location(name=n, time_zone=z) for n, z in zones.items()])
    locations = list(Location.objects.values_list("id", "time_zone"))
    with connection.cursor() as cursor:
        seed_people(cursor, 1, 1000, teams, locations, now)
    owner_id = 1
    rng = random.Random(11)
    import datetime as dt

    campaigns = []
    for c in range(20):
        campaigns.append(
            Campaign(
                name=f"Campaign {c}",
                narrative="Bench",
                starts_at=now - dt.timedelta(days=30),
                ends_at=now + dt.timedelta(days=30),
                utm_campaign=f"bench-{c}",
                owner_id=owner_id,
                launched_at=now - dt.timedelta(days=30),
                audience_languages=(["en"] if c % 5 == 4 else []),
            )
        )
    Campaign.objects.bulk_create(campaigns)
    campaigns = list(Campaign.objects.order_by("pk"))
    for c, campaign in enumerate(campaigns):
        if c % 4 == 1:
            campaign.audience_teams.set(rng.sample(teams, 10))
        if c % 4 == 2:
            campaign.audience_locations.set([locations[c % 3][0]])
    posts = [
        SuggestedPost(
            campaign=campaigns[i % len(campaigns)],
            title=f"Bench post {i}",
            target_url=f"https://example.com/p/{i}",
            publish_at=now - dt.timedelta(hours=1 + i),
            expires_at=now + dt.timedelta(hours=6 + i * 3),
            status=PostStatus.APPROVED,
            is_featured=i % 25 == 0,
        )
        for i in range(POSTS)
    ]
    SuggestedPost.objects.bulk_create(posts)
    PostVariant.objects.bulk_create(
        [
            PostVariant(post=p, network=n, text=f"{p.title}: worth a read.")
            for p in posts
            for n in ("linkedin", "x", "generic")
        ]
    )
    seed_s = time.perf_counter() - t0
    log(f"seeded 1,000 employees, {POSTS} posts in {seed_s:.1f} s")

    queries = {"n": 0}

    def counter(execute, sql, params, many, context):
        queries["n"] += 1
        return execute(sql, params, many, context)

    def send_all(label: str, user_count: int) -> dict:
        DigestSend.objects.all().delete()
        sink.reset()
        connections.close_all()  # the workers are forked: each opens its own connection
        context = multiprocessing.get_context("fork")
        with context.Pool(WORKERS, initializer=_worker_init) as pool:
            pool.map(int, range(WORKERS))  # the workers are up before the beat fires, as in production
            queries["n"] = 0
            with connection.execute_wrapper(counter):
                t = time.time()
                # The beat task: who is due, cut into batches of ids, one task each.
                batches = digest_batches_due(now=now)
                plan_q = queries["n"]
                outcomes = pool.map(_worker_batch, [(ids, now.isoformat()) for ids in batches], chunksize=1)
            sent = sum(o[0]["sent"] for o in outcomes)
            received, last = sink.wait_for(sent)
            elapsed = (last if received else time.time()) - t
        skipped = sum(o[0]["skipped"] for o in outcomes)
        retry = sum(o[0]["retry"] for o in outcomes)
        batch_q = sum(o[1] for o in outcomes)
        worker_setup_q = sum(o[2] for o in outcomes)
        # The run's set-up (who is due, the beat's query; the posts, audiences and weekly board, once per
        # worker process) is paid once per run and reported apart; every batch's own queries count per email.
        setup_q = plan_q + worker_setup_q
        total_q = setup_q + batch_q
        log(
            f"{label}: {len(batches)} batches on {WORKERS} workers, {sent} sent, {skipped} skipped, {retry} retry,"
            f" {received} received, {elapsed:.1f} s, {sent / elapsed:.1f} emails/s, {total_q} queries"
            f" ({setup_q} set-up)"
        )
        return {
            "sent": sent,
            "received": received,
            "seconds": elapsed,
            "queries": total_q,
            "setup_queries": setup_q,
            "queries_per_email": round(batch_q / max(sent, 1), 3),
        }

    small = send_all("1,000 employees", 1000)

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        seed_people(cursor, 1001, EMPLOYEES, teams, locations, now)
        # A year of clicks on people's links, scaled from the demo's traffic: hourly rollups of unique clicks.
        cursor.execute(
            """
            INSERT INTO shortlinks_shortlink (code, user_id, post_id, network, target_url, created_at)
            SELECT substr(md5(u || '-' || p.id || n), 1, 12), u, p.id, n, 'https://example.com/', %(now)s
            FROM generate_series(1, %(employees)s) u
            CROSS JOIN LATERAL (SELECT id FROM campaigns_suggestedpost ORDER BY random() + u * 0 LIMIT 2) p
            CROSS JOIN (VALUES ('linkedin'), ('x')) AS v(n)
            ON CONFLICT DO NOTHING
            """,
            {"now": now, "employees": EMPLOYEES},
        )
        cursor.execute(
            """
            INSERT INTO analytics_clickrollup (link_id, hour, clicks, unique_clicks, self_clicks, previews, filtered)
            SELECT l.id, date_trunc('hour', %(now)s - random() * interval '365 days'), c, c, 0, 0, 0
            FROM shortlinks_shortlink l
            CROSS JOIN LATERAL (
              SELECT 1 + floor(random() * 4)::int AS c FROM generate_series(1, %(per_link)s)
              WHERE random() < 0.7 + l.id * 0
            ) g
            ON CONFLICT DO NOTHING
            """,
            {"now": now, "per_link": max(1, CLICK_ROLLUPS // (4 * EMPLOYEES) * 2)},
        )
        cursor.execute(
            """
            INSERT INTO leaderboard_pointentry (user_id, action, points, source_type, source_id, step, quantity,
                network, reason, occurred_at, created_at)
            SELECT 1 + floor(power(random(), 2) * %(employees)s)::int, 'unique_click', 2, 'bench', g, 0, 1, 'x',
                   'bench', %(now)s - random() * interval '6 days', %(now)s
            FROM generate_series(1, 200000) g
            """,
            {"now": now, "employees": EMPLOYEES},
        )
        cursor.execute("ANALYZE")
    rebuild.period_scores_rebuild()
    log(
        f"grew to {EMPLOYEES:,} employees, links, {CLICK_ROLLUPS:,} click rollups, points"
        f" in {time.perf_counter() - t0:.1f} s"
    )

    big = send_all(f"{EMPLOYEES:,} employees", EMPLOYEES)
    sink.stop()

    load = os.getloadavg()
    figures = {
        "employees": EMPLOYEES,
        "posts": POSTS,
        "emails_sent": big["sent"],
        "emails_received": big["received"],
        "emails_per_s": round(big["sent"] / big["seconds"], 1),
        "total_s": round(big["seconds"], 1),
        "goal_total_s": GOAL_S,
        "goal_met": big["seconds"] < GOAL_S and big["received"] == big["sent"],
        "queries_per_email_1k": small["queries_per_email"],
        "queries_per_email_10k": big["queries_per_email"],
        "setup_queries_1k": small["setup_queries"],
        "setup_queries_10k": big["setup_queries"],
        "emails_per_s_1k": round(small["sent"] / small["seconds"], 1),
        "batch_size": settings.DIGEST_BATCH_SIZE,
        "workers": WORKERS,
        "debug": settings.DEBUG,
        "load_avg_1m": round(load[0], 2),
        "load_avg_5m": round(load[1], 2),
        "bench_total_s": round(time.perf_counter() - started, 1),
    }
    log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
