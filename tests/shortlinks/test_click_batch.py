"""The click batcher (SHORTLINK_CLICK_BATCH_MS): the redirect appends, a thread sends, nothing is lost."""

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
