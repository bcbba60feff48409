"""The click batcher (SHORTLINK_CLICK_BATCH_MS): the redirect appends, a thread sends, nothing is lost."""

import os
import time

import pytest

from analytics.models import Click, ParkedClick
from analytics.services import clicks_drain
from shortlinks import buffer
from tests.factories import ShortLinkFactory
from tests.shortlinks.helpers import visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_time]


@pytest.fixture
def link(employee):
    return ShortLinkFactory(user=employee)


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the batcher did not send in time"
        time.sleep(0.01)


def _buffered_clicks(stream) -> int:
    return sum(len(buffer.RawClick.from_entry(i.decode(), fields)) for i, fields in stream.xrange(buffer.STREAM))


def test_batched_clicks_reach_the_stream_within_milliseconds(client, link, private_redis, settings):
    settings.SHORTLINK_CLICK_BATCH_MS = 2
    stream = private_redis.client()
    for i in range(20):
        assert visit(client, link, ip=f"198.51.100.{i}").status_code == 302
    _wait_for(lambda: _buffered_clicks(stream) == 20)
    assert stream.xlen(buffer.STREAM) <= 20  # a batch shares one entry
    assert clicks_drain() == 20
    assert Click.objects.count() == 20


def test_batched_clicks_are_parked_in_the_database_while_redis_is_down(client, link, private_redis, settings):
    settings.SHORTLINK_CLICK_BATCH_MS = 2
    visit(client, link)
    private_redis.stop()
    for i in range(10):
        assert visit(client, link, ip=f"198.51.100.{i}").status_code == 302
    _wait_for(lambda: ParkedClick.objects.count() == 10)
    private_redis.start()
    _wait_for(lambda: buffer.batcher.queue == buffer.batcher.queue.__class__())
    while clicks_drain():
        pass
    assert Click.objects.count() == 11
    assert not ParkedClick.objects.exists()


def test_a_stopping_process_sends_its_batch_first(client, link, private_redis, settings):
    settings.SHORTLINK_CLICK_BATCH_MS = 10_000  # the thread would wait ten seconds
    for i in range(5):
        visit(client, link, ip=f"198.51.100.{i}")
    assert private_redis.client().xlen(buffer.STREAM) == 0
    buffer.batcher.stop()  # what atexit (and multiprocessing's exit) run
    stream = private_redis.client()
    assert stream.xlen(buffer.STREAM) == 1  # one XADD for the batch…
    assert _buffered_clicks(stream) == 5  # …that carries its five clicks
    assert clicks_drain() == 5
    assert Click.objects.filter(is_unique=True).count() == 5  # five visitors, each click kept apart


def test_an_entry_holding_more_clicks_than_a_drain_batch_is_stored_whole_then_deleted(
    client, link, private_redis, settings
):
    settings.SHORTLINK_CLICK_BATCH_MS = 10_000
    for i in range(30):
        visit(client, link, ip=f"198.51.100.{i}")
    buffer.batcher.stop()
    stream = private_redis.client()
    assert stream.xlen(buffer.STREAM) == 1
    assert clicks_drain(batch_size=7) == 30  # five transactions of up to 7 clicks, then one acknowledgement
    assert Click.objects.count() == 30
    assert stream.xlen(buffer.STREAM) == 0  # raw IPs gone from Redis


def test_clicks_whose_reply_is_lost_with_the_connection_are_parked_and_counted_once(
    client, link, private_redis, settings
):
    settings.SHORTLINK_CLICK_BATCH_MS = 10_000
    for i in range(3):
        visit(client, link, ip=f"198.51.100.{i}")
    buffer.batcher.flush()  # sent in one write; Redis's reply is read at the next tick
    stream = private_redis.client()
    _wait_for(lambda: _buffered_clicks(stream) == 3)
    buffer.batcher.connection.disconnect()  # the connection breaks before that tick
    buffer.batcher.flush()
    assert ParkedClick.objects.count() == 3  # whether Redis had them was unknown: the database took them too
    while clicks_drain():
        pass
    assert Click.objects.count() == 3  # each stored once, under the id it got in the request
    assert stream.xlen(buffer.STREAM) == 0


def test_a_forked_worker_starts_without_its_parents_clicks_or_connection(client, link, private_redis, settings):
    settings.SHORTLINK_CLICK_BATCH_MS = 10_000
    visit(client, link)
    buffer.batcher.flush()
    assert buffer.batcher.connection is not None
    visit(client, link)  # queued in this process
    child = os.fork()
    if child == 0:  # the child sends nothing of the parent's, on no socket of the parent's
        clean = not buffer.batcher.queue and buffer.batcher.connection is None and buffer.batcher.thread is None
        os._exit(0 if clean else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    buffer.batcher.stop()
    assert clicks_drain() == 2  # the parent's two clicks, once each
