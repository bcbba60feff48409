"""The drain from the Redis buffer: nothing lost, nothing counted twice, raw data gone after it."""

import datetime as dt
import os
import time

import pytest
import time_machine

from analytics import tasks
from analytics.models import Click, ClickRollup, DailyVisitor, FilteredHit, ParkedClick
from analytics.services import clicks_drain
from analytics.tasks import clicks_drain_task
from shortlinks import buffer
from tests.factories import ShortLinkFactory
from tests.shortlinks import helpers
from tests.shortlinks.helpers import visit

fresh_link_caches = helpers.fresh_link_caches  # shared autouse fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def buffered(redis_client, settings):
    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    buffer.reset()
    return redis_client


@pytest.fixture
def link(employee):
    return ShortLinkFactory(user=employee)


def _send(client, link, n: int, *, bots: int = 0) -> None:
    for i in range(n):
        visit(client, link, ip=f"198.51.100.{i % 200}")
    for _ in range(bots):
        visit(client, link, ua="Twitterbot/1.0")


def test_drain_stores_every_buffered_click_once_and_deletes_the_raw_entries(client, link, buffered):
    _send(client, link, 30, bots=5)
    assert buffered.xlen(buffer.STREAM) == 35
    assert clicks_drain(batch_size=7) == 35
    assert Click.objects.count() == 30
    assert FilteredHit.objects.count() == 5
    assert buffered.xlen(buffer.STREAM) == 0  # IPs and session keys are gone from Redis
    assert buffered.xpending(buffer.STREAM, buffer.GROUP)["pending"] == 0
    assert clicks_drain() == 0  # nothing left, nothing added
    assert Click.objects.count() == 30


def test_a_crash_between_commit_and_ack_neither_loses_nor_doubles_clicks(client, link, buffered, monkeypatch):
    _send(client, link, 12, bots=3)

    def die(*args, **kwargs):
        raise SystemExit("worker killed after the commit, before the ack")

    monkeypatch.setattr(buffer, "stream_ack", die)
    with pytest.raises(SystemExit):
        clicks_drain(batch_size=100)
    assert Click.objects.count() == 12  # committed
    assert buffered.xpending(buffer.STREAM, buffer.GROUP)["pending"] == 15  # but not acknowledged
    monkeypatch.undo()
    buffer.reset()
    _send(client, link, 2)  # new clicks arrive meanwhile
    assert clicks_drain() == 17
    assert Click.objects.count() == 14
    assert FilteredHit.objects.count() == 3
    assert sum(ClickRollup.objects.values_list("clicks", flat=True)) == 14
    assert sum(ClickRollup.objects.values_list("previews", flat=True)) == 3
    assert buffered.xlen(buffer.STREAM) == 0


def test_a_crash_before_commit_leaves_the_batch_for_the_next_drain(client, link, buffered, monkeypatch):
    _send(client, link, 10)

    def die(*args, **kwargs):
        raise SystemExit("worker killed while writing")

    monkeypatch.setattr("analytics.services._rollups_add", die)
    with pytest.raises(SystemExit):
        clicks_drain()
    assert Click.objects.count() == 0
    assert DailyVisitor.objects.count() == 0  # rolled back with the clicks: uniqueness is not used up
    monkeypatch.undo()
    assert clicks_drain() == 10
    assert Click.objects.count() == 10
    assert Click.objects.filter(is_unique=True).count() == 10


def test_malformed_buffer_entries_are_dropped_not_retried_forever(client, link, buffered):
    _send(client, link, 2)
    buffered.xadd(buffer.STREAM, {"garbage": "1"})
    buffered.xadd(buffer.STREAM, {"l": "not-a-number", "t": "x"})
    assert clicks_drain() == 4
    assert Click.objects.count() == 2
    assert buffered.xlen(buffer.STREAM) == 0


def test_clicks_for_a_link_deleted_before_the_drain_are_dropped(client, link, buffered):
    _send(client, link, 2)
    link.delete()
    assert clicks_drain() == 2
    assert Click.objects.count() == 0
    assert buffered.xlen(buffer.STREAM) == 0


def test_clicks_buffered_before_the_consumer_group_existed_are_drained(client, link, buffered):
    assert not buffered.exists(buffer.STREAM)
    _send(client, link, 3)  # XADD creates the stream; the group does not exist yet
    clicks_drain_task.delay()
    assert Click.objects.count() == 3


def test_drain_without_redis_is_a_quiet_no_op(settings):
    settings.SHORTLINK_REDIS_URL = ""
    buffer.reset()
    assert clicks_drain() == 0


def test_a_batch_read_by_a_drain_that_died_is_claimed_by_another(client, link, buffered, monkeypatch):
    _send(client, link, 8)
    monkeypatch.setattr(buffer, "CLAIM_IDLE_SECONDS", 1)
    buffer.stream_ensure_group(buffered)
    read_by_the_dead = buffer.stream_read(buffered, consumer="a-drain-that-died", count=3)  # never acknowledged
    assert len(read_by_the_dead) == 3
    assert clicks_drain() == 5  # the others at once…
    time.sleep(1.1)
    assert clicks_drain() == 3  # …its batch once it has been idle long enough
    assert Click.objects.count() == 8
    assert sum(ClickRollup.objects.values_list("clicks", flat=True)) == 8
    assert buffered.xlen(buffer.STREAM) == 0


@pytest.mark.django_db(transaction=True)
def test_two_drains_side_by_side_store_every_click_once(client, link, buffered):
    """Consumer groups: two drains share the stream, Redis giving each entry to one of them."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("two drains at once need a database that takes concurrent writers (PostgreSQL)")
    other_link = ShortLinkFactory(user=link.user)
    for i in range(240):  # 60 visitors, each four times, on two links
        visit(client, link if i % 2 else other_link, ip=f"198.51.100.{i % 60}")
    handled: list[list[int]] = [[], []]

    def drain(slot: int) -> None:
        try:
            while n := clicks_drain(batch_size=10, max_batches=1):
                handled[slot].append(n)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(map(sum, handled)) == 240
    assert handled[0] and handled[1]  # both took part
    assert Click.objects.count() == 240
    assert Click.objects.filter(is_unique=True).count() == 60  # each visitor unique once per link
    rollups = ClickRollup.objects.all()
    assert sum(r.clicks for r in rollups) == 240 and sum(r.unique_clicks for r in rollups) == 60
    assert buffered.xlen(buffer.STREAM) == 0


def test_clicks_parked_during_an_outage_leave_no_raw_ip_in_any_table(client, link, settings):
    """While Redis is down the redirect parks raw clicks; after the drain no table holds the IP or session key."""
    from django.apps import apps
    from django.db.models import CharField, Q, TextField

    settings.SHORTLINK_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    buffer.reset()
    client.cookies["sessionid"] = "a-session-key-that-is-personal"
    for _ in range(3):
        assert visit(client, link).status_code == 302
    assert visit(client, link, ua="Twitterbot/1.0").status_code == 302
    assert ParkedClick.objects.filter(ip=helpers.VISITOR_IP).count() == 4
    assert clicks_drain() == 4
    assert Click.objects.count() == 3 and FilteredHit.objects.count() == 1
    for model in apps.get_models():
        text_fields = [f.name for f in model._meta.concrete_fields if isinstance(f, CharField | TextField)]
        for secret in (helpers.VISITOR_IP, "a-session-key-that-is-personal"):
            matches = Q()
            for name in text_fields:
                matches |= Q(**{f"{name}__contains": secret})
            if text_fields:
                assert not model.objects.filter(matches).exists(), f"{secret} left in {model.__name__}"


def test_the_minute_task_queues_a_drain_every_two_seconds_until_the_next_tick(buffered, settings, monkeypatch):
    monkeypatch.setitem(clicks_drain_task.app.conf, "task_always_eager", False)
    queued = []
    monkeypatch.setattr(tasks.clicks_drain_once_task, "apply_async", lambda **options: queued.append(options))
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 30, 0, 300_000, tzinfo=dt.UTC), tick=False):
        clicks_drain_task()
    assert [o["countdown"] for o in queued] == list(range(2, 59, 2))
    assert all(o["expires"] == o["countdown"] + 2 for o in queued)  # a busy worker skips them, never piles them up
    queued.clear()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 31, 40, tzinfo=dt.UTC), tick=False):
        clicks_drain_task()  # a tick that ran late queues only up to the next one
    assert [o["countdown"] for o in queued] == list(range(2, 19, 2))


def test_the_minute_task_queues_nothing_without_a_buffer(settings, monkeypatch):
    settings.SHORTLINK_REDIS_URL = ""
    monkeypatch.setitem(clicks_drain_task.app.conf, "task_always_eager", False)
    queued = []
    monkeypatch.setattr(tasks.clicks_drain_once_task, "apply_async", lambda **options: queued.append(options))
    clicks_drain_task()
    assert queued == []
