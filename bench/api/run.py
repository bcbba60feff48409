"""API benchmark on the dashboard benchmark's data (2,000 employees, 200 campaigns, 5,000,000 clicks by default;
the same BENCH_* variables): p50/p95 of `GET /api/v1/today/` (employees, each with a personal token) and of the
campaign analytics endpoint (a content manager's token, the busiest campaign), server-side with Django's test
client in-process (authentication, throttling in the shared cache, ETag and rendering included).

Seeds with bench/dashboard's Seeder into its own PostgreSQL database (BENCH_DATABASE_URL, dropped and created
anew, default advocacy_bench_api; BENCH_REUSE_DATABASE=1 keeps one seeded by an earlier run). Runs as production
does: DEBUG off, and Redis (BENCH_REDIS_URL, default db 13, flushed) as the cache that the throttles count in.
Prints figures with the load average and ends with one JSON line, gathered from the functions in FIGURES: each
takes the shared context and returns its figures.
"""

import base64
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/advocacy_bench_api")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
REUSE = os.environ.get("BENCH_REUSE_DATABASE") == "1"
# Production's settings, not `make run`'s: DEBUG off (no query log), the cache in Redis.
os.environ.update(
    DEBUG="0",
    REDIS_URL=REDIS_URL,
    SECRET_KEY=secrets.token_urlsafe(64),
    TOKEN_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    SECURE_SSL_REDIRECT="0",
    ALLOWED_HOSTS="testserver",
)

from bench.dashboard.run import (  # noqa: E402 - after the database is chosen
    CAMPAIGNS,
    DATABASE_URL,
    REQUESTS,
    Seeder,
    log,
    percentile,
    recreate_database,
)

GOAL_P95_MS = 150.0


def _timed(client, url: str, headers_for: Callable[[int], dict], requests: int) -> list[float]:
    timings = []
    for n in range(requests):
        t0 = time.perf_counter()
        response = client.get(url, **headers_for(n))
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return timings


def api_latency(context: dict) -> dict:
    """p50/p95 of Today and of the campaign analytics endpoint, through personal tokens."""
    from django.db.models import Sum
    from django.test import Client

    from accounts.models import User
    from accounts.roles import CONTENT_MANAGER
    from accounts.services import user_set_role
    from analytics.models import DailyRollup
    from api.services import token_create

    client = Client()
    run = secrets.token_hex(4)  # tokens and the manager are new on each run, also on a reused database
    manager = User.objects.create_user(email=f"api-manager-{run}@bench.example", password="!")
    user_set_role(user=manager, role=CONTENT_MANAGER)
    manager_token = token_create(user=manager, name=f"bench {run}", scope="read").plain
    rng = random.Random(15)
    employees = rng.sample(list(User.objects.filter(email__startswith="e").values_list("pk", flat=True)), 40)
    tokens = [token_create(user=User.objects.get(pk=pk), name=f"bench {run}", scope="read").plain for pk in employees]
    busiest = (
        DailyRollup.objects.values("campaign_id").annotate(n=Sum("unique_clicks")).order_by("-n").first()["campaign_id"]
    )
    today_count = len(client.get("/api/v1/today/", HTTP_AUTHORIZATION=f"Bearer {tokens[0]}").json()["results"])
    figures: dict = {"today_posts_per_page": today_count, "campaign_id": busiest}
    runs = {
        "today": ("/api/v1/today/", lambda n: {"HTTP_AUTHORIZATION": f"Bearer {tokens[n % len(tokens)]}"}),
        "campaign_analytics": (
            f"/api/v1/analytics/campaigns/{busiest}/",
            lambda n: {"HTTP_AUTHORIZATION": f"Bearer {manager_token}"},
        ),
    }
    for name, (url, headers_for) in runs.items():
        timings = _timed(client, url, headers_for, REQUESTS)
        figures[f"{name}_p50_ms"] = round(statistics.median(timings), 1)
        figures[f"{name}_p95_ms"] = round(percentile(timings, 0.95), 1)
        log(f"{name:18} p50 {figures[f'{name}_p50_ms']:7.1f} ms  p95 {figures[f'{name}_p95_ms']:7.1f} ms ({REQUESTS})")
    worst = max(figures["today_p95_ms"], figures["campaign_analytics_p95_ms"])
    figures["api_p95_goal_ms"] = GOAL_P95_MS
    figures["api_p95_goal_met"] = worst < GOAL_P95_MS
    return figures


# Each function gets the context ({"now", "totals", "database_url"}) and returns figures for the JSON line.
FIGURES: list[Callable[[dict], dict]] = [api_latency]


def _seeded_totals() -> dict | None:
    """What an earlier run seeded into the database, or None when it holds nothing to reuse."""
    import psycopg

    try:
        with psycopg.connect(DATABASE_URL) as conn:
            employees = conn.execute("SELECT count(*) FROM accounts_user WHERE email LIKE 'e%'").fetchone()[0]
            campaigns = conn.execute("SELECT count(*) FROM campaigns_campaign").fetchone()[0]
            shares = conn.execute("SELECT count(*) FROM networks_share").fetchone()[0]
            clicks = conn.execute("SELECT count(*) FROM analytics_click").fetchone()[0]
    except psycopg.Error:
        return None
    if not clicks:
        return None
    return {"employees": employees, "campaigns": campaigns, "shares": shares, "clicks": clicks}


def main() -> None:
    started = time.perf_counter()
    reused = _seeded_totals() if REUSE else None
    if reused is None:
        recreate_database()
    import django
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    # Throttling stays on (it is part of each request's cost) but must not refuse the benchmark's own requests.
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"api_token": "1000000/min", "api_user": "1000000/min"}
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    api_settings.reload()
    SimpleRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    call_command("migrate", verbosity=0)
    now = timezone.now()
    t0 = time.perf_counter()
    if reused is not None:
        log(f"reusing the seeded database {reused}")
        run_figures(started, now, reused, seed_s=0.0)
        return
    seeder = Seeder(now)
    with connection.cursor() as cursor:
        seeder.reference(cursor)
        seeded = seeder.slice(cursor, part=(0.0, 1.0))
        seeder.rollups(cursor, first_link=seeded["first_link"], last_link=seeded["last_link"],
                       tz=settings.ORGANISATION_TIME_ZONE)  # fmt: skip
        for table in ("accounts_user", "campaigns_campaign", "campaigns_suggestedpost", "shortlinks_shortlink",
                      "networks_share"):  # fmt: skip
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("ANALYZE")
    seed_s = time.perf_counter() - t0
    totals = {key: seeded[key] for key in ("employees", "campaigns", "shares", "clicks")}
    log(f"seeded {totals} in {seed_s:.1f} s")
    run_figures(started, now, totals, seed_s=seed_s)


def run_figures(started: float, now, totals: dict, *, seed_s: float) -> None:
    context = {"now": now, "totals": totals, "database_url": DATABASE_URL}
    result: dict = {**totals, "campaigns_setting": CAMPAIGNS, "requests_per_endpoint": REQUESTS,
                    "client": "django.test.Client in-process", "settings": "DEBUG off, Redis cache",
                    "seed_s": round(seed_s, 1)}  # fmt: skip
    for figures in FIGURES:
        result.update(figures(context))
    result.update(
        load_average=[round(x, 2) for x in os.getloadavg()],
        cpus=os.cpu_count(),
        total_s=round(time.perf_counter() - started, 1),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
