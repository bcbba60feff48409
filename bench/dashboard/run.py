"""Dashboards benchmark: 2,000 employees, 200 campaigns, 5,000,000 clicks and a year of shares and engagement.

Seeds in two steps (1/10 of everything, then the other 9/10) into its own PostgreSQL database
(BENCH_DATABASE_URL, dropped and created anew): people, campaigns, posts, short links and shares with COPY;
the raw clicks and engagement snapshots generated inside PostgreSQL (INSERT … SELECT over generate_series, no
round trips); the hourly and daily rollups built from them in SQL. Then measures, server-side, with Django's
test client in-process (the whole Django stack without a socket or a WSGI server):

* p50/p95 of the programme overview (last 30 days), a campaign page and My impact, 1,000 requests each;
* the query count of each page at 1/10 of the data and at full size (they must be equal);
* the time to rebuild one day of rollups from the raw rows (the real code path: analytics.rollups), and that
  the rebuilt day equals the seeded one;
* table and index sizes (for docs/dashboards.md's "100×" answer).

Prints figures with the load average and ends with one JSON line.
"""

import datetime as dt
import itertools
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

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/advocacy_bench_dashboard"
)
EMPLOYEES = int(os.environ.get("BENCH_EMPLOYEES", "2000"))
CAMPAIGNS = int(os.environ.get("BENCH_CAMPAIGNS", "200"))
POSTS_PER_CAMPAIGN = 5
CLICKS = int(os.environ.get("BENCH_CLICKS", "5000000"))
SHARES_PER_EMPLOYEE = int(os.environ.get("BENCH_SHARES_PER_EMPLOYEE", "50"))  # a year: about one a week
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))
TEAMS, LOCATIONS = 20, 8
GOAL_P95_MS = 300.0
NETWORKS = ("linkedin", "x", "mastodon", "bluesky", "facebook", "whatsapp")

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")


def log(message: str) -> None:
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"[load {load}] {message}", file=sys.stderr, flush=True)


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
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def copy_rows(cursor, model, rows) -> int:
    """COPY rows (dicts of attname → value) into the model's table; unset columns get the field's default."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk or pk.attname in first]
    columns = ", ".join(f.column for f in fields)
    defaults = {}
    for f in fields:
        if f.has_default():
            defaults[f.attname] = f.get_default()
        elif f.null:
            defaults[f.attname] = None
        else:
            defaults[f.attname] = "" if f.get_internal_type() in ("CharField", "TextField", "URLField") else None
    n = 0
    with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in itertools.chain([first], rows):
            values = []
            for f in fields:
                value = row.get(f.attname, defaults[f.attname])
                if f.get_internal_type() == "JSONField" and value is not None:
                    value = json.dumps(value)
                values.append(value)
            copy.write_row(values)
            n += 1
    return n


class Seeder:
    """Seeds the slice [lo, hi) of every kind of row; slices never overlap, so the second call adds the rest."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.year_ago = now - dt.timedelta(days=365)

    def reference(self, cursor) -> None:
        from accounts.models import Location, Team

        copy_rows(cursor, Team, ({"id": i, "name": f"Team {i:02d}"} for i in range(1, TEAMS + 1)))
        copy_rows(
            cursor,
            Location,
            ({"id": i, "name": f"Office {i}", "time_zone": "Europe/Berlin"} for i in range(1, LOCATIONS + 1)),
        )

    def slice(self, cursor, *, part: tuple[float, float]) -> dict[str, int]:
        from accounts.models import EmployeeProfile, User
        from campaigns.models import Campaign, PostStatus, SuggestedPost
        from networks.models import Share
        from shortlinks.models import ShortLink

        lo, hi = part
        users = range(1 + int(EMPLOYEES * lo), 1 + int(EMPLOYEES * hi))
        campaigns = range(1 + int(CAMPAIGNS * lo), 1 + int(CAMPAIGNS * hi))
        rng = random.Random(int(lo * 1000))
        now = self.now
        copy_rows(
            cursor,
            User,
            (
                {
                    "id": i,
                    "password": "!",
                    "first_name": f"First{i}",
                    "last_name": f"Last{i}",
                    "is_active": True,
                    "is_staff": False,
                    "is_superuser": False,
                    "date_joined": now,
                    "email": f"e{i}@bench.example",
                }
                for i in users
            ),
        )
        copy_rows(
            cursor,
            EmployeeProfile,
            (
                {
                    "user_id": i,
                    "team_id": 1 + i % TEAMS,
                    "location_id": 1 + i % LOCATIONS,
                    "language": "en",
                    "time_zone": "Europe/Berlin",
                }
                for i in users
            ),
        )
        campaign_rows, post_rows = [], []
        for c in campaigns:
            # Spread over the year in any slice: the first tenth of the campaigns is not the first tenth of the year.
            starts = self.year_ago + dt.timedelta(days=(c * 7919) % 330)
            campaign_rows.append(
                {
                    "id": c,
                    "name": f"Campaign {c}",
                    "narrative": "Bench",
                    "goal_metric": "clicks",
                    "goal_target": 20000,
                    "starts_at": starts,
                    "ends_at": starts + dt.timedelta(days=45),
                    "audience_languages": [],
                    "utm_campaign": f"bench-{c}",
                    "owner_id": 1,
                    "launched_at": starts,
                    "created_at": starts,
                    "updated_at": starts,
                }
            )
            for k in range(POSTS_PER_CAMPAIGN):
                pid = (c - 1) * POSTS_PER_CAMPAIGN + k + 1
                post_rows.append(
                    {
                        "id": pid,
                        "campaign_id": c,
                        "title": f"Post {pid}",
                        "image": "",
                        "target_url": f"https://example.com/p/{pid}",
                        "publish_at": starts,
                        "expires_at": starts + dt.timedelta(days=45),
                        "status": PostStatus.APPROVED,
                        "created_at": starts,
                        "updated_at": starts,
                    }
                )
        copy_rows(cursor, Campaign, campaign_rows)
        copy_rows(cursor, SuggestedPost, post_rows)
        posts = {row["id"]: row for row in post_rows}
        post_ids = sorted(posts)
        # A year of shares: each employee about one a week, on posts of campaigns running then.
        link_rows, share_rows = [], []
        seen: set[tuple[int, int, str]] = set()
        link_id = 1 + int(EMPLOYEES * SHARES_PER_EMPLOYEE * lo)
        for user in users:
            activity = rng.choice((0.2, 0.6, 1.0, 1.0, 1.6))  # some share much more than others
            for _ in range(int(SHARES_PER_EMPLOYEE * activity)):
                post = posts[rng.choice(post_ids)]
                network = rng.choice(NETWORKS)
                if (user, post["id"], network) in seen:
                    continue
                seen.add((user, post["id"], network))
                at = post["publish_at"] + dt.timedelta(hours=rng.uniform(1, 40 * 24))
                if at > now:
                    at = now - dt.timedelta(hours=rng.uniform(1, 48))
                link_rows.append(
                    {
                        "id": link_id,
                        "code": f"b{link_id:09d}",
                        "user_id": user,
                        "post_id": post["id"],
                        "network": network,
                        "target_url": post["target_url"],
                        "created_at": at,
                    }
                )
                route = "intent" if network in ("facebook", "whatsapp") or rng.random() < 0.4 else "direct"
                scheduled = route == "direct" and rng.random() < 0.25
                share_rows.append(
                    {
                        "user_id": user,
                        "post_id": post["id"],
                        "network": network,
                        "short_link_id": link_id,
                        "route": route,
                        "status": "opened" if route == "intent" else "published",
                        "text": "Bench share",
                        "scheduled_for": at if scheduled else None,
                        "published_at": at if route == "direct" else None,
                        "external_id": f"x{link_id}" if route == "direct" else "",
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                link_id += 1
        copy_rows(cursor, ShortLink, link_rows)
        copy_rows(cursor, Share, share_rows)
        first_link, last_link = link_rows[0]["id"], link_rows[-1]["id"]
        # The click table's indexes are dropped for the bulk insert and built again after it (the sizes measured
        # are those of the real indexes): maintaining them row by row would double the seed time.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'analytics_click' AND indexname NOT LIKE "
            "'%%_pkey'"
        )
        click_indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'analytics_click'::regclass AND contype = 'u'"
        )
        unique = [name for (name,) in cursor.fetchall()]
        for name in unique:
            cursor.execute(f'ALTER TABLE analytics_click DROP CONSTRAINT "{name}"')
        for name, _ in click_indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        # Raw clicks, in PostgreSQL: a skewed choice of link (a few links get most clicks), within 6 days of
        # the link's share, 80 % unique, 1 % the owner's own.
        clicks = int(CLICKS * (hi - lo))
        cursor.execute(
            """
            INSERT INTO analytics_click (link_id, event_id, clicked_at, is_unique, is_self_click, referrer_host,
                                         device_class, browser_family, os_family)
            SELECT l.id, 'b-' || %(lo)s || '-' || g.n,
                   least(l.created_at + g.r3 * interval '6 days', %(now)s - interval '1 minute'),
                   g.r2 < 0.8, g.r2 > 0.99, 'www.linkedin.com', 'desktop', 'Chrome', 'Windows'
            FROM (SELECT n, random() AS r1, random() AS r2, random() AS r3
                  FROM generate_series(1, %(clicks)s) AS n) AS g
            JOIN shortlinks_shortlink l
              ON l.id = %(first)s + floor(power(g.r1, 2.0) * (%(last)s - %(first)s + 1))::int
            """,
            {"lo": int(lo * 1000), "now": now, "clicks": clicks, "first": first_link, "last": last_link},
        )
        for name, definition in click_indexes:
            if name not in unique:
                cursor.execute(definition)
        for name in unique:
            cursor.execute(f'ALTER TABLE analytics_click ADD CONSTRAINT "{name}" UNIQUE (event_id)')
        # Engagement history for direct shares: three answers each (day 0, 1 and 3), growing.
        cursor.execute(
            """
            INSERT INTO analytics_engagementsnapshot (share_id, measured_at, likes, reposts, replies, quotes,
                                                      impressions)
            SELECT s.id, least(s.published_at + k.after, %(now)s - interval '1 minute'),
                   (k.f * (5 + (s.id %% 40)))::bigint, (k.f * (s.id %% 7))::bigint, (k.f * (s.id %% 5))::bigint,
                   CASE WHEN s.network = 'linkedin' THEN NULL ELSE (k.f * (s.id %% 3))::bigint END,
                   CASE WHEN s.network IN ('x', 'linkedin') THEN (k.f * (200 + s.id %% 900))::bigint END
            FROM networks_share s
            CROSS JOIN (VALUES (interval '1 hour', 0.4), (interval '1 day', 0.8), (interval '3 days', 1.0))
                AS k(after, f)
            WHERE s.route = 'direct' AND s.short_link_id BETWEEN %(first)s AND %(last)s
            """,
            {"now": now, "first": first_link, "last": last_link},
        )
        return {
            "employees": len(users),
            "campaigns": len(campaigns),
            "links": len(link_rows),
            "shares": len(share_rows),
            "clicks": clicks,
            "first_link": first_link,
            "last_link": last_link,
        }

    def rollups(self, cursor, *, first_link: int, last_link: int, tz: str) -> None:
        """The hourly and daily rollups of the slice's links, from the raw rows, in SQL (what the ingest and the
        metrics pull would have written one event at a time). Daily rows go in day order, as they do in production
        where each day's rows are written that day: the table is then physically ordered by day, which is what
        makes a month's scan cheap (and what a BRIN index on `day` relies on)."""
        params = {"first": first_link, "last": last_link, "tz": tz}
        cursor.execute(
            """
            INSERT INTO analytics_clickrollup (link_id, hour, clicks, unique_clicks, self_clicks, previews, filtered)
            SELECT link_id, date_trunc('hour', clicked_at),
                   count(*) FILTER (WHERE NOT is_self_click),
                   count(*) FILTER (WHERE NOT is_self_click AND is_unique),
                   count(*) FILTER (WHERE is_self_click), 0, 0
            FROM analytics_click WHERE link_id BETWEEN %(first)s AND %(last)s GROUP BY 1, 2
            """,
            params,
        )
        dims = """l.user_id, l.post_id, p.campaign_id, l.network, pr.team_id, pr.location_id"""
        joins = """JOIN shortlinks_shortlink l ON l.id = d.link_id JOIN campaigns_suggestedpost p ON p.id = l.post_id
                   LEFT JOIN accounts_employeeprofile pr ON pr.user_id = l.user_id"""
        cursor.execute(
            f"""
            INSERT INTO analytics_dailyrollup (day, link_id, user_id, post_id, campaign_id, network, team_id,
                location_id, clicks, unique_clicks, self_clicks, previews, filtered, shares_direct, shares_scheduled,
                shares_dialog, likes, reposts, replies, quotes, impressions)
            SELECT d.day, d.link_id, {dims}, d.clicks, d.unique_clicks, d.self_clicks, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            FROM (SELECT link_id, (hour AT TIME ZONE %(tz)s)::date AS day, sum(clicks) AS clicks,
                         sum(unique_clicks) AS unique_clicks, sum(self_clicks) AS self_clicks
                  FROM analytics_clickrollup WHERE link_id BETWEEN %(first)s AND %(last)s GROUP BY 1, 2) d
            {joins}
            ORDER BY d.day
            """,
            params,
        )
        cursor.execute(
            f"""
            INSERT INTO analytics_dailyrollup AS t (day, link_id, user_id, post_id, campaign_id, network, team_id,
                location_id, clicks, unique_clicks, self_clicks, previews, filtered, shares_direct, shares_scheduled,
                shares_dialog, likes, reposts, replies, quotes, impressions)
            SELECT d.day, d.link_id, {dims}, 0, 0, 0, 0, 0, d.direct, d.scheduled, d.dialog, 0, 0, 0, 0, 0
            FROM (SELECT short_link_id AS link_id,
                         (coalesce(published_at, created_at) AT TIME ZONE %(tz)s)::date AS day,
                         count(*) FILTER (WHERE route = 'direct' AND scheduled_for IS NULL) AS direct,
                         count(*) FILTER (WHERE route = 'direct' AND scheduled_for IS NOT NULL) AS scheduled,
                         count(*) FILTER (WHERE route = 'intent') AS dialog
                  FROM networks_share WHERE short_link_id BETWEEN %(first)s AND %(last)s GROUP BY 1, 2) d
            {joins}
            ON CONFLICT (link_id, day) DO UPDATE SET shares_direct = t.shares_direct + excluded.shares_direct,
                shares_scheduled = t.shares_scheduled + excluded.shares_scheduled,
                shares_dialog = t.shares_dialog + excluded.shares_dialog
            """,
            params,
        )
        growth = ", ".join(
            f"coalesce({m}, 0) - coalesce(lag({m}) OVER w, 0) AS {m}"
            for m in ("likes", "reposts", "replies", "quotes", "impressions")
        )
        cursor.execute(
            f"""
            INSERT INTO analytics_dailyrollup AS t (day, link_id, user_id, post_id, campaign_id, network, team_id,
                location_id, clicks, unique_clicks, self_clicks, previews, filtered, shares_direct, shares_scheduled,
                shares_dialog, likes, reposts, replies, quotes, impressions)
            SELECT d.day, d.link_id, {dims}, 0, 0, 0, 0, 0, 0, 0, 0, d.likes, d.reposts, d.replies, d.quotes,
                   d.impressions
            FROM (SELECT link_id, day, sum(likes) AS likes, sum(reposts) AS reposts, sum(replies) AS replies,
                         sum(quotes) AS quotes, sum(impressions) AS impressions
                  FROM (SELECT s.short_link_id AS link_id, (e.measured_at AT TIME ZONE %(tz)s)::date AS day, {growth}
                        FROM analytics_engagementsnapshot e JOIN networks_share s ON s.id = e.share_id
                        WHERE s.short_link_id BETWEEN %(first)s AND %(last)s
                        WINDOW w AS (PARTITION BY e.share_id ORDER BY e.measured_at, e.id)) steps
                  GROUP BY 1, 2) d
            {joins}
            ON CONFLICT (link_id, day) DO UPDATE SET likes = t.likes + excluded.likes,
                reposts = t.reposts + excluded.reposts, replies = t.replies + excluded.replies,
                quotes = t.quotes + excluded.quotes, impressions = t.impressions + excluded.impressions
            """,
            params,
        )


def query_count(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert not any('analytics_click"' in q["sql"] or "analytics_click " in q["sql"] for q in ctx.captured_queries)
    return len(ctx.captured_queries)


def main() -> None:
    started = time.perf_counter()
    recreate_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User
    from accounts.roles import CONTENT_MANAGER
    from accounts.services import user_set_role
    from analytics.models import DailyRollup
    from analytics.rollup_models import ROLLUP_FIELDS
    from analytics.rollups import rollup_day, rollup_day_rebuild

    call_command("migrate", verbosity=0)
    log(f"fresh database {urlsplit(DATABASE_URL).path.lstrip('/')} migrated")
    now = timezone.now()
    seeder = Seeder(now)
    tz = settings.ORGANISATION_TIME_ZONE
    client = Client()
    figures: dict = {}
    seed_s = 0.0
    counts: dict[str, dict[str, int]] = {}
    manager = None
    pages: dict[str, str] = {}
    totals = {"employees": 0, "campaigns": 0, "links": 0, "shares": 0, "clicks": 0}
    for label, part in (("small", (0.0, 0.1)), ("full", (0.1, 1.0))):
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            if label == "small":
                seeder.reference(cursor)
            seeded = seeder.slice(cursor, part=part)
            seeder.rollups(cursor, first_link=seeded["first_link"], last_link=seeded["last_link"], tz=tz)
            for table in (
                "accounts_user",
                "campaigns_campaign",
                "campaigns_suggestedpost",
                "shortlinks_shortlink",
                "networks_share",
            ):
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cursor.execute("ANALYZE")
        seed_s += time.perf_counter() - t0
        for key in totals:
            totals[key] += seeded[key]
        log(
            f"seeded {label}: {totals['employees']} employees, {totals['campaigns']} campaigns, {totals['shares']} "
            f"shares, {totals['clicks']} clicks, rollups ({time.perf_counter() - t0:.1f} s)"
        )
        if manager is None:
            with connection.cursor() as cursor:  # ids of the seeded people stay free for the second slice
                cursor.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), 1000000)")
            manager = User.objects.create_user(email="manager@bench.example", password="!")
            user_set_role(user=manager, role=CONTENT_MANAGER)
            busiest = DailyRollup.objects.filter(campaign_id__lte=CAMPAIGNS // 10).values("campaign_id")
            from django.db.models import Sum

            busiest = busiest.annotate(n=Sum("unique_clicks")).order_by("-n").first()["campaign_id"]
            pages = {
                "overview": "/programme/",
                "campaign": f"/programme/campaigns/{busiest}/",
                "my_impact": "/me/impact/?period=month",
            }
        client.force_login(manager)
        counts[label] = {name: query_count(client, url) for name, url in pages.items() if name != "my_impact"}
        client.force_login(User.objects.get(pk=1))
        counts[label]["my_impact"] = query_count(client, pages["my_impact"])
        log(f"queries per page at {label} size: {counts[label]}")

    # --- Latency ---------------------------------------------------------------------------------------------
    employees = list(
        User.objects.filter(email__endswith="@bench.example").exclude(pk=manager.pk).values_list("pk", flat=True)
    )
    rng = random.Random(12)
    for name, url in pages.items():
        timings = []
        if name != "my_impact":
            client.force_login(manager)
        for n in range(REQUESTS):
            if name == "my_impact" and n % 50 == 0:  # many people, not one warm cache
                client.force_login(User.objects.get(pk=rng.choice(employees)))
            t0 = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        figures[f"{name}_p50_ms"] = round(statistics.median(timings), 1)
        figures[f"{name}_p95_ms"] = round(percentile(timings, 0.95), 1)
        log(
            f"{name:9} p50 {figures[f'{name}_p50_ms']:7.1f} ms  p95 {figures[f'{name}_p95_ms']:7.1f} ms "
            f"({REQUESTS} requests)"
        )
    # A wider range: the overview over the whole year (fewer requests).
    client.force_login(manager)
    year = f"/programme/?start={(now - dt.timedelta(days=364)).date()}&end={now.date()}"
    timings = []
    for _ in range(max(10, REQUESTS // 50)):
        t0 = time.perf_counter()
        assert client.get(year).status_code == 200
        timings.append((time.perf_counter() - t0) * 1000)
    figures["overview_year_p50_ms"] = round(statistics.median(timings), 1)
    figures["overview_year_p95_ms"] = round(percentile(timings, 0.95), 1)
    log(f"overview over a year: p50 {figures['overview_year_p50_ms']} ms, p95 {figures['overview_year_p95_ms']} ms")

    # --- Rebuild one day -------------------------------------------------------------------------------------
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (clicked_at AT TIME ZONE %s)::date, count(*) FROM analytics_click "
            "WHERE clicked_at > now() - interval '60 days' GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
            [tz],
        )
        day, day_clicks = cursor.fetchone()
    before = {
        row["link_id"]: tuple(row[f] for f in ROLLUP_FIELDS)
        for row in DailyRollup.objects.filter(day=day).values("link_id", *ROLLUP_FIELDS)
    }
    t0 = time.perf_counter()
    rebuilt_rows = rollup_day_rebuild(day=day)
    rebuild_s = time.perf_counter() - t0
    after = {
        row["link_id"]: tuple(row[f] for f in ROLLUP_FIELDS)
        for row in DailyRollup.objects.filter(day=day).values("link_id", *ROLLUP_FIELDS)
    }
    before = {k: v for k, v in before.items() if any(v)}
    log(
        f"rebuilt {day} ({day_clicks} clicks, {rebuilt_rows} daily rows) in {rebuild_s:.2f} s; "
        f"same as seeded: {before == after}"
    )
    assert rollup_day(now) >= day

    # --- Sizes -----------------------------------------------------------------------------------------------
    sizes = {}
    with connection.cursor() as cursor:
        for table in (
            "analytics_click",
            "analytics_clickrollup",
            "analytics_dailyrollup",
            "networks_share",
            "analytics_engagementsnapshot",
        ):
            cursor.execute(
                "SELECT pg_table_size(%s), pg_indexes_size(%s), (SELECT reltuples FROM pg_class WHERE relname = %s)",
                [table, table, table],
            )
            data, indexes, rows = cursor.fetchone()
            sizes[table] = {
                "rows": int(rows),
                "table_mb": round(data / 2**20, 1),
                "indexes_mb": round(indexes / 2**20, 1),
            }
            log(f"{table:30} {int(rows):>10} rows  table {data / 2**20:8.1f} MB  indexes {indexes / 2**20:8.1f} MB")

    worst = max(figures["overview_p95_ms"], figures["campaign_p95_ms"], figures["my_impact_p95_ms"])
    result = {
        "employees": totals["employees"],
        "campaigns": totals["campaigns"],
        "shares": totals["shares"],
        "clicks": totals["clicks"],
        "requests_per_page": REQUESTS,
        "client": "django.test.Client in-process",
        "seed_s": round(seed_s, 1),
        **figures,
        **{f"queries_{name}_{label}": counts[label][name] for label in ("small", "full") for name in counts[label]},
        "query_counts_equal": counts["small"] == counts["full"],
        "rollup_day_rebuild_s": round(rebuild_s, 2),
        "rollup_day_clicks": day_clicks,
        "rollup_day_rebuild_matches_seed": before == after,
        **{f"{table}_{key}": value for table, figs in sizes.items() for key, value in figs.items()},
        "p95_goal_ms": GOAL_P95_MS,
        "p95_goal_met": worst < GOAL_P95_MS,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "total_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
