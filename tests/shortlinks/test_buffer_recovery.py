"""The click buffer after Redis restarts or refuses: back to the stream as soon as Redis answers.

Issue 9: right after a restart each worker's first XADD, on its old connection, failed and
tripped the 5 s breaker although Redis was back; 1,223 of 1,235 clicks went to the database.
"""

import time

import pytest

from analytics.models import Click, ParkedClick
from analytics.services import clicks_drain
from shortlinks import buffer
from tests.factories import ShortLinkFactory
from tests.shortlinks.helpers import visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(employee):
    return ShortLinkFactory(user=employee)


def test_the_first_click_after_a_restart_goes_to_the_stream(client, link, private_redis):
    visit(client, link)  # buffered: this thread now holds a connection to the old Redis process
    private_redis.restart()
    assert visit(client, link).status_code == 302
    assert Click.objects.count() == 0  # nothing went to the database…
    assert private_redis.client().xlen(buffer.STREAM) == 2  # …both are in the stream (appendonly kept the first)
    assert buffer._state["down_until"] == 0.0  # and the breaker was never tripped
    assert clicks_drain() == 2


def test_a_refused_connection_is_tried_again_after_a_second_not_five(client, link, private_redis):
    visit(client, link)
    private_redis.stop()
    assert visit(client, link).status_code == 302  # refused (twice: old connection, fresh one)
    assert ParkedClick.objects.count() == 1
    assert buffer._state["down_until"] - time.monotonic() <= buffer.RETRY_AFTER_REFUSED <= 1.0
    private_redis.start()
    time.sleep(buffer.RETRY_AFTER_REFUSED + 0.05)
    visit(client, link)
    assert ParkedClick.objects.count() == 1  # Redis answers again: the click is buffered
    assert private_redis.client().xlen(buffer.STREAM) == 2
    assert clicks_drain() == 3


def test_a_timeout_keeps_redis_out_of_the_redirect_for_longer(client, link, private_redis):
    visit(client, link)
    private_redis.pause()
    try:
        started = time.monotonic()
        assert visit(client, link).status_code == 302
        assert time.monotonic() - started < 1.5  # one socket timeout, not two: a timeout is not retried
        assert buffer._state["down_until"] - time.monotonic() > buffer.RETRY_AFTER_REFUSED
        started = time.monotonic()
        visit(client, link)  # the breaker is open: straight to the database, no wait
        assert time.monotonic() - started < 0.4
    finally:
        private_redis.resume()
    assert ParkedClick.objects.count() == 2
    assert clicks_drain() == 4  # two parked; two in the stream, one of them the timed-out XADD that ran
    assert Click.objects.count() == 3


def test_clicks_go_back_to_the_stream_within_a_second_of_redis_answering(client, link, private_redis):
    """No redis-py retry with backoff against a stopped server, no stale connection: a refused click costs
    milliseconds, and the clicks after the restart are buffered again within a second."""
    visit(client, link)
    sent = 1
    private_redis.stop()
    for _ in range(5):
        started = time.monotonic()
        assert visit(client, link).status_code == 302
        sent += 1
        assert time.monotonic() - started < 0.2  # parked at once, no multi-second backoff
    private_redis.start()
    answering_since = time.monotonic()
    stream = private_redis.client()
    in_stream_before = stream.xlen(buffer.STREAM)
    while stream.xlen(buffer.STREAM) == in_stream_before:
        assert time.monotonic() - answering_since < 1.0, "still on the slow path a second after Redis came back"
        visit(client, link)
        sent += 1
        time.sleep(0.01)
    while clicks_drain():
        pass
    assert Click.objects.count() == sent
    assert not ParkedClick.objects.exists()
