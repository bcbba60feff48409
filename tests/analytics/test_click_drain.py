"""The drain from the Redis buffer: nothing lost, nothing counted twice, raw data gone after it."""

import os

import pytest

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
