"""A click is stored once, whichever way it reached the database and however often.

The click's id is made in the request and travels with it: into the stream entry, and into the
direct write when the XADD did not answer. Issue 9 found 5 clicks stored twice after Redis was
paused for 3 s: the timed-out XADD ran when Redis woke up, and the drain stored it under another id.
"""

import os
import threading
import time

import pytest
import redis

from analytics.models import Click, ClickRollup, FilteredHit, ParkedClick
from analytics.services import click_record_now, clicks_drain
from shortlinks import buffer
from shortlinks.buffer import RawClick, click_id
from tests.factories import ShortLinkFactory
from tests.shortlinks import helpers
from tests.shortlinks.helpers import CHROME, visit

fresh_link_caches = helpers.fresh_link_caches  # shared autouse fixture
private_redis = helpers.private_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(employee):
    return ShortLinkFactory(user=employee)


@pytest.fixture
def buffered(redis_client, settings):
    settings.SHORTLINK_REDIS_URL = os.environ["REDIS_URL"]
    buffer.reset()
    return redis_client


def _raw(link, *, ua=CHROME, ip="198.51.100.1") -> RawClick:
    at_ms = int(time.time() * 1000)
    return RawClick(event_id=click_id(at_ms), link_id=link.pk, at_ms=at_ms, ip=ip, user_agent=ua)


def test_click_ids_are_unique_time_ordered_and_fit_the_column():
    ids = [click_id(1_767_225_600_000 + i // 1000) for i in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert all(len(i) <= buffer.MAX_EVENT_ID for i in ids)
    assert ids[0][:14] < ids[-1][:14]  # the millisecond leads, so ids sort by time


def test_the_stream_entry_carries_the_requests_click_id(client, link, buffered):
    visit(client, link)
    [(entry_id, fields)] = buffered.xrange(buffer.STREAM)
    assert list(fields) == [b"c"]  # one packed field per click
    event = RawClick.from_fields(entry_id.decode(), fields)
    assert event.event_id.startswith("c-") and event.link_id == link.pk and event.user_agent == CHROME
    clicks_drain()
    assert Click.objects.get().event_id == event.event_id


@pytest.mark.parametrize("ua", [CHROME, "Twitterbot/1.0"], ids=["click", "preview"])
def test_a_click_both_buffered_and_written_directly_is_stored_once(link, buffered, ua):
    event = _raw(link, ua=ua)
    buffered.xadd(buffer.STREAM, event.to_fields())  # the XADD that ran after all
    click_record_now(event=event)  # the fallback, under the same id
    assert clicks_drain() == 1
    assert Click.objects.count() + FilteredHit.objects.count() == 1
    rollup = ClickRollup.objects.get()
    assert rollup.clicks + rollup.previews == 1
    assert buffered.xlen(buffer.STREAM) == 0


def test_the_direct_write_after_the_drain_stored_the_click_is_a_no_op(link, buffered):
    event = _raw(link)
    buffered.xadd(buffer.STREAM, event.to_fields())
    clicks_drain()
    click_record_now(event=event)
    assert Click.objects.count() == 1
    assert ClickRollup.objects.get().clicks == 1


def test_an_xadd_that_times_out_but_runs_is_counted_once(client, link, buffered, monkeypatch):
    visit(client, link)  # warm the caches and the hot connection
    real_hot_connection = buffer._hot_connection

    class SlowToAnswer:
        """Sends the XADD (Redis runs it), then gives up waiting for the reply, as when Redis is paused."""

        def __init__(self, connection):
            self.connection = connection

        def pack_commands(self, commands):
            return self.connection.pack_commands(commands)

        def send_packed_command(self, command, check_health=True):
            self.connection.send_packed_command(command, check_health)

        def read_response(self):
            raise redis.TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(buffer, "_hot_connection", lambda c: SlowToAnswer(real_hot_connection(c)))
    assert visit(client, link).status_code == 302
    assert ParkedClick.objects.count() == 1  # parked in the database…
    assert buffered.xlen(buffer.STREAM) == 2  # …and in the stream as well
    monkeypatch.undo()
    assert clicks_drain() == 3  # one parked, two in the stream
    assert Click.objects.count() == 2  # the first click, and the second once
    assert sum(ClickRollup.objects.values_list("clicks", flat=True)) == 2


def test_redis_paused_under_a_burst_loses_and_doubles_nothing(client, link, private_redis, monkeypatch):
    """The issue's SIGSTOP run, small: Redis paused for 1.5 s while clicks keep coming."""
    monkeypatch.setattr(buffer, "RETRY_AFTER_FAILURE", 0.2)  # let several clicks meet the paused Redis
    server = private_redis
    pause = threading.Timer(0.4, server.pause)
    resume = threading.Timer(1.9, server.resume)
    pause.start()
    resume.start()
    sent = 0
    deadline = time.monotonic() + 2.6
    try:
        while time.monotonic() < deadline:
            assert visit(client, link, ip=f"198.51.100.{sent % 250}").status_code == 302
            sent += 1
    finally:
        pause.cancel()
        resume.join()
    direct = set(ParkedClick.objects.values_list("event_id", flat=True))
    time.sleep(0.2)  # Redis runs the XADDs it received while stopped
    in_stream = {RawClick.from_fields(i.decode(), f).event_id for i, f in server.client().xrange(buffer.STREAM)}
    while clicks_drain():
        pass
    assert Click.objects.count() == sent
    assert sum(ClickRollup.objects.values_list("clicks", flat=True)) == sent
    assert direct & in_stream, "no XADD timed out and ran later: the run did not meet the fault"
