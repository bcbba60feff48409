"""Webhook fan-out benchmark: one drain of 10,000 buffered clicks on 2,000 links, announced to 3 endpoints.

Measures the fan-out: from the drain's announcement (`analytics.signals.clicks_counted`, sent once its batches
committed) to the last signed `clicks.counted` request received by 3 local receivers (bench/webhooks/receiver.py,
a separate process that verifies every signature with the Standard Webhooks reference library); goal under 10 s.
Also the drain itself (Redis stream → database) and both together. Ends with one JSON line of every figure.

Production-shaped: PostgreSQL, Redis, DEBUG off, deliveries sent through infra.outbound_http by BENCH_WORKERS
(default 4) threads calling what the Celery task calls (webhooks.services.delivery_send), fed by the same
after-commit queueing the task uses. Loopback http is allowed for the run only (the receivers are local).

`fanout_bench()` runs on an already configured Django (e.g. from `make bench-api`); `main()` makes its own
database first (BENCH_DATABASE_URL, default adv_webhooks_bench, dropped and created anew) and uses
BENCH_REDIS_URL (default redis://127.0.0.1:6379/13), where only the click stream's keys are touched.
"""

import json
import os
import queue
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

CLICKS = int(os.environ.get("BENCH_CLICKS", "10000"))
LINKS = int(os.environ.get("BENCH_LINKS", "2000"))
ENDPOINTS = 3
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
GOAL_S = 10.0
CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Receivers:
    """bench/webhooks/receiver.py in a child process: one local server per endpoint secret."""

    def __init__(self, secrets_: list[str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("receiver.py")), *secrets_],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ports = [int(port) for port in self.proc.stdout.readline().split()]

    def count(self) -> dict:
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def wait_for(self, requests: int, timeout: float = 60.0) -> dict:
        deadline = time.time() + timeout
        while True:
            state = self.count()
            if state["requests"] - state["duplicates"] >= requests or time.time() > deadline:
                return state
            time.sleep(0.02)

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def _seed(run: str) -> list[int]:
    """LINKS short links (users × posts on one network) of a campaign of the run's own."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import User
    from campaigns.models import Campaign, PostStatus, SuggestedPost
    from shortlinks.models import ShortLink

    now = timezone.now()
    owner = User.objects.create(email=f"owner-{run}@bench.example", password="!")
    campaign = Campaign.objects.create(
        name=f"Webhook bench {run}",
        narrative="Bench",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=30),
        utm_campaign=f"webhook-bench-{run}",
        owner=owner,
        launched_at=now,
    )
    posts = SuggestedPost.objects.bulk_create(
        SuggestedPost(
            campaign=campaign, title=f"Post {i}", target_url="https://example.com/", status=PostStatus.PUBLISHED
        )
        for i in range(10)
    )
    users = User.objects.bulk_create(
        User(email=f"e{i}-{run}@bench.example", password="!") for i in range(max(1, LINKS // len(posts)))
    )
    links = ShortLink.objects.bulk_create(
        ShortLink(user=user, post=post, network="linkedin", target_url="https://example.com/?utm_source=linkedin")
        for user in users
        for post in posts
    )
    return [link.pk for link in links[:LINKS]]


def _buffer_clicks(client, link_ids: list[int], run: str) -> None:
    from shortlinks.buffer import STREAM, RawClick

    at_ms = int(time.time() * 1000)
    pipe = client.pipeline(transaction=False)
    for i in range(CLICKS):
        click = RawClick(
            event_id=f"b-{run}-{i}",
            link_id=link_ids[i % len(link_ids)],
            at_ms=at_ms + i,
            ip=f"198.51.{(i // 250) % 250}.{i % 250}",
            user_agent=CHROME,
        )
        pipe.execute_command("XADD", STREAM, "*", *click.field_args())
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()


def fanout_bench() -> dict:
    """One drain of CLICKS clicks on LINKS links, fanned out to 3 local endpoints; returns the figures.

    Needs a configured Django on PostgreSQL with migrations applied and SHORTLINK_REDIS_URL set; writes rows
    of its own (people, a campaign, links, clicks, webhook endpoints and deliveries) and leaves them.
    """
    from django.conf import settings
    from django.db import connection

    from analytics import services as analytics_services
    from analytics.services import clicks_drain
    from shortlinks import buffer
    from webhooks import services
    from webhooks.models import Delivery, Endpoint, Event, EventType

    settings.OUTBOUND_HTTP_ALLOW_HTTP = True
    settings.OUTBOUND_HTTP_ALLOW_LOOPBACK = True
    run = secrets.token_hex(4)
    Endpoint.objects.update(is_active=False)  # only this run's endpoints listen
    link_ids = _seed(run)
    keys = [services.secret_generate() for _ in range(ENDPOINTS)]
    announce = analytics_services._announce_counted
    receivers = Receivers(keys)
    try:
        for port, key in zip(receivers.ports, keys, strict=True):
            endpoint = services.endpoint_create(
                url=f"http://127.0.0.1:{port}/hook", events=[EventType.CLICKS_COUNTED], owner=None
            )
            Endpoint.objects.filter(pk=endpoint.pk).update(secret=key)  # the receiver verifies with it
        client = buffer.get_client(ignore_breaker=True)
        buffer.stream_ensure_group(client)
        _buffer_clicks(client, link_ids, run)
        log(f"{CLICKS} clicks buffered on {len(link_ids)} links; draining")

        # The workers: what a Celery worker with WORKERS threads does with delivery_send_task.
        ids: queue.Queue[int | None] = queue.Queue()
        services._enqueue = lambda delivery_ids: [ids.put(i) for i in delivery_ids]  # type: ignore[assignment]

        def work() -> None:
            while (delivery_id := ids.get()) is not None:
                services.delivery_send(delivery_id=delivery_id)
            connection.close()

        announced: list[float] = []

        def announce_timed(counted):
            announced.append(time.time())
            announce(counted)

        analytics_services._announce_counted = announce_timed
        threads = [threading.Thread(target=work) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        started = time.time()
        handled = clicks_drain(max_batches=1000)
        drained = time.time()
        events = Event.objects.filter(type=EventType.CLICKS_COUNTED, deliveries__endpoint__url__contains="127.0.0.1")
        expected = Delivery.objects.filter(event__in=events.distinct()).count()
        state = receivers.wait_for(expected)
        for _ in threads:
            ids.put(None)
        for thread in threads:
            thread.join()
        delivered = Delivery.objects.filter(event__in=events.distinct(), status=Delivery.Status.DELIVERED).count()
    finally:
        analytics_services._announce_counted = announce
        receivers.stop()
    fanout = state["last"] - announced[0] if state["requests"] and announced else None
    total = state["last"] - started if state["requests"] else None
    return {
        "clicks": handled,
        "links": len(link_ids),
        "endpoints": ENDPOINTS,
        "events": expected // ENDPOINTS,
        "requests": state["requests"],
        "verified": state["verified"],
        "duplicates": state["duplicates"],
        "links_received": state["links"],
        "delivered": delivered,
        "workers": WORKERS,
        "drain_s": round(drained - started, 3),
        # from the drain's announcement to the last request received: events, outbox rows, signed requests
        "fanout_s": round(fanout, 3) if fanout is not None else None,
        # from the start of the drain (reading 10,000 clicks from Redis, storing them) to the last request
        "drain_and_fanout_s": round(total, 3) if total is not None else None,
        "goal_s": GOAL_S,
        "goal_met": bool(fanout is not None and fanout < GOAL_S and delivered == expected),
    }


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/adv_webhooks_bench"
    )
    os.environ["DATABASE_URL"] = database_url
    os.environ["SHORTLINK_REDIS_URL"] = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    os.environ.pop("REDIS_URL", None)  # Celery and the cache stay local: only the click buffer is in Redis
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    if not os.environ.get("TOKEN_ENCRYPTION_KEYS"):
        from cryptography.fernet import Fernet

        os.environ["TOKEN_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocacy.settings")
    recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    from shortlinks import buffer

    call_command("migrate", verbosity=0)
    client = buffer.get_client(ignore_breaker=True)
    client.delete(buffer.STREAM)
    try:
        figures = fanout_bench()
    finally:
        client.delete(buffer.STREAM)
    figures = {"bench": "webhooks", **figures, "load_avg": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
