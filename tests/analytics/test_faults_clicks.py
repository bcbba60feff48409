"""Issue 9, section 7, for clicks: nothing lost and nothing doubled when a drain is killed, or Redis
goes away and comes back while clicks keep coming.

The kill tests run the drain in a real process and SIGKILL it (no `finally`, no lock release), so
they need a database that another process can see: PostgreSQL. The restart test brings its own
redis-server (appendonly, as production must run it).
"""

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from analytics.models import Click, ClickRollup, FilteredHit
from analytics.services import clicks_drain
from shortlinks import buffer
from shortlinks.buffer import RawClick, click_id
from tests.factories import ShortLinkFactory
from tests.shortlinks import helpers
from tests.shortlinks.helpers import visit

fresh_link_caches = helpers.fresh_link_caches  # shared autouse fixture
private_redis = helpers.private_redis

ROOT = Path(__file__).resolve().parents[2]


def _needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        if os.environ.get("ADVOCACY_REQUIRE_SERVICES") == "1":
            pytest.fail("ADVOCACY_REQUIRE_SERVICES=1 but the database is not PostgreSQL")
        pytest.skip("a drain in another process needs a shared database (PostgreSQL)")


def _buffer_clicks(client, link, n: int, *, bots: int = 0) -> None:
    for i in range(n + bots):
        at_ms = int(time.time() * 1000)
        ua = "Twitterbot/1.0" if i >= n else helpers.CHROME
        event = RawClick(
            event_id=click_id(at_ms), link_id=link.pk, at_ms=at_ms, ip=f"198.51.100.{i % 250}", user_agent=ua
        )
        client.xadd(buffer.STREAM, event.to_fields())


# What the killed worker runs: the real drain, in small batches, which SIGKILLs itself at `point`.
DRAIN_TO_BE_KILLED = textwrap.dedent(
    """
    import os, signal, sys
    import django
    django.setup()
    from analytics import services
    from shortlinks import buffer

    point, after = sys.argv[1], int(sys.argv[2])
    seen = [0]

    def killer(real):
        def wrapped(*args, **kwargs):
            seen[0] += 1
            if point == "before-commit" and seen[0] > after:
                os.kill(os.getpid(), signal.SIGKILL)  # inside the batch's transaction
            result = real(*args, **kwargs)
            if point == "after-commit" and seen[0] > after:
                os.kill(os.getpid(), signal.SIGKILL)  # committed, not acknowledged
            return result
        return wrapped

    if point == "before-commit":
        services._rollups_add = killer(services._rollups_add)
    else:
        services.clicks_ingest = killer(services.clicks_ingest)
    services.clicks_drain(batch_size=25)
    sys.exit("the drain was not killed")
    """
)


def _drain_in_a_process_and_kill_it(point: str, after: int) -> subprocess.CompletedProcess:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": django_settings.SHORTLINK_REDIS_URL,
        "PYTEST_XDIST_WORKER": "gw0",  # our Redis URL is already this worker's database
    }
    return subprocess.run(
        [sys.executable, "-c", DRAIN_TO_BE_KILLED, point, str(after)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", ["before-commit", "after-commit"])
def test_a_drain_killed_mid_work_is_replaced_within_seconds_and_loses_and_doubles_nothing(
    redis_client, settings, employee, point, monkeypatch
):
    _needs_postgresql()
    monkeypatch.setattr(buffer, "CLAIM_IDLE_SECONDS", 3)  # production: 10
    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    buffer.reset()
    link = ShortLinkFactory(user=employee)
    _buffer_clicks(redis_client, link, 90, bots=10)

    killed = _drain_in_a_process_and_kill_it(point, after=2)
    assert killed.returncode == -9, killed.stderr
    stored_by_the_dead = Click.objects.count() + FilteredHit.objects.count()
    assert stored_by_the_dead == (50 if point == "before-commit" else 75)  # batches of 25 committed before it died
    # The entries it never read are drained at once by the next drain; the batch it read and never
    # acknowledged is claimed once it has been idle for CLAIM_IDLE_SECONDS (stored again only if it was not).
    assert clicks_drain() == 25
    time.sleep(buffer.CLAIM_IDLE_SECONDS + 0.1)
    assert clicks_drain() == 25
    assert Click.objects.count() == 90
    assert FilteredHit.objects.count() == 10
    rollups = ClickRollup.objects.all()
    assert sum(r.clicks for r in rollups) == 90 and sum(r.previews for r in rollups) == 10
    assert redis_client.xlen(buffer.STREAM) == 0


@pytest.mark.django_db
def test_redis_restarted_while_clicks_keep_coming_loses_and_doubles_nothing(
    client, employee, private_redis, monkeypatch
):
    """A restart under load; drains keep running (and failing) as the worker's would."""
    link = ShortLinkFactory(user=employee)
    buffered = []  # each click's way: True into the stream, False straight to the database
    real_append = buffer.buffer_append

    def append_and_note(click):
        buffered.append(real_append(click))
        return buffered[-1]

    monkeypatch.setattr(buffer, "buffer_append", append_and_note)
    restart = threading.Timer(0.5, private_redis.restart, kwargs={"down_for": 0.5})
    restart.start()
    sent = drain_failures = 0
    deadline = time.monotonic() + 3.0
    try:
        while time.monotonic() < deadline:
            assert visit(client, link, ip=f"198.51.100.{sent % 250}").status_code == 302
            sent += 1
            if sent % 40 == 0:
                try:
                    clicks_drain(batch_size=30)
                except Exception:  # noqa: BLE001 (Redis went away mid-drain: the task fails, the next one goes on)
                    drain_failures += 1
    finally:
        restart.join()
    redis_after = private_redis.client()
    # A drain that Redis left mid-batch left its entries pending under its own name: the next drain
    # in this process reads them first.
    deadline = time.monotonic() + 5
    while clicks_drain() or redis_after.xlen(buffer.STREAM):
        assert time.monotonic() < deadline, "the buffer was not drained"
        time.sleep(0.2)
    assert Click.objects.count() == sent
    assert sum(ClickRollup.objects.values_list("clicks", flat=True)) == sent
    assert len(buffered) == sent
    first_direct = buffered.index(False)  # some clicks met the outage…
    assert buffered[-1] and True in buffered[first_direct:]  # …and the buffer took clicks again once Redis was back
