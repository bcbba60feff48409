"""The drain from the Redis buffer: nothing lost, nothing counted twice, raw data gone after it."""

import datetime as dt
import logging
import os
import time

import pytest
import redis.lock
import time_machine

from analytics import services, tasks
from analytics.models import Click, ClickRollup, DailyVisitor, FilteredHit
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


def test_only_one_drain_runs_at_a_time(client, link, buffered):
    _send(client, link, 3)
    held = buffered.lock("adv:clicks:drain-lock", timeout=30)
    assert held.acquire(blocking=False)
    assert clicks_drain() == 0
    held.release()
    assert clicks_drain() == 3


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


def test_the_drain_lock_is_short_and_renewed_after_every_batch(client, link, buffered, monkeypatch):
    assert services.DRAIN_LOCK_SECONDS <= 10  # a dead drain is replaced within seconds (issue 9: 119 s)
    _send(client, link, 6)
    ttls = []
    real_ack = buffer.stream_ack

    def ack_and_look(client_, entry_ids):
        real_ack(client_, entry_ids)
        ttls.append(buffered.pttl(services.DRAIN_LOCK))

    monkeypatch.setattr(buffer, "stream_ack", ack_and_look)
    monkeypatch.setattr(services, "DRAIN_LOCK_SECONDS", 3)
    pause = 0.3
    real_ingest = services.clicks_ingest

    def slow_ingest(**kwargs):
        time.sleep(pause)
        return real_ingest(**kwargs)

    monkeypatch.setattr(services, "clicks_ingest", slow_ingest)
    assert clicks_drain(batch_size=2) == 6
    assert len(ttls) == 3
    assert all(0 < ttl <= 3000 for ttl in ttls)
    assert ttls[2] > 3000 - 2 * 1000 * pause  # renewed, not counting down from the start
    assert not buffered.exists(services.DRAIN_LOCK)  # released at the end


def test_a_drain_that_finds_the_lock_taken_says_so(client, link, buffered, caplog):
    _send(client, link, 1)
    held = buffered.lock(services.DRAIN_LOCK, timeout=services.DRAIN_LOCK_SECONDS)
    assert held.acquire(blocking=False)
    with caplog.at_level(logging.INFO, logger="analytics.services"):
        assert clicks_drain() == 0
    assert "Click drain skipped: another drain holds the lock" in caplog.text


def test_the_lock_of_a_dead_drain_lapses_within_seconds(client, link, buffered, monkeypatch):
    _send(client, link, 5)
    monkeypatch.setattr(services, "DRAIN_LOCK_SECONDS", 1)

    def die(*args, **kwargs):
        raise SystemExit("worker killed mid-drain")

    monkeypatch.setattr(buffer, "stream_ack", die)
    monkeypatch.setattr(redis.lock.Lock, "release", lambda self: None)  # killed: no `finally` runs
    with pytest.raises(SystemExit):
        clicks_drain()
    monkeypatch.undo()
    assert buffered.exists(services.DRAIN_LOCK)  # the dead drain's lock
    assert clicks_drain() == 0
    time.sleep(1.1)
    assert clicks_drain() == 5
    assert Click.objects.count() == 5
    assert sum(ClickRollup.objects.values_list("clicks", flat=True)) == 5


def test_a_drain_that_lost_its_lock_stops_after_the_batch_in_hand(client, link, buffered, monkeypatch):
    _send(client, link, 4)
    real_ack = buffer.stream_ack

    def ack_then_lose_the_lock(client_, entry_ids):
        real_ack(client_, entry_ids)
        buffered.delete(services.DRAIN_LOCK)  # it lapsed while the batch was written
        buffered.set(services.DRAIN_LOCK, "another drain")

    monkeypatch.setattr(buffer, "stream_ack", ack_then_lose_the_lock)
    assert clicks_drain(batch_size=2) == 2
    assert buffered.get(services.DRAIN_LOCK) == b"another drain"  # not released by the drain that lost it
    monkeypatch.undo()
    buffered.delete(services.DRAIN_LOCK)
    assert clicks_drain() == 2
    assert Click.objects.count() == 4


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
