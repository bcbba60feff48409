"""Each employee gets theirs at their own 08:00, exactly once, also on days the clocks change."""

import datetime as dt

import pytest
import time_machine

from digest.models import DigestSend
from digest.services.sending import digests_send_due

from .conftest import make_person, make_posts

pytestmark = pytest.mark.django_db


def _run_every_quarter_hour(start: dt.datetime, hours: int) -> list[tuple[dt.datetime, list[str]]]:
    """Beat every 15 minutes (a minute past, as a real beat lands), recording who got one when."""
    sent = []
    for step in range(hours * 4):
        when = start + dt.timedelta(minutes=15 * step + 1)
        with time_machine.travel(when, tick=False):
            before = set(DigestSend.objects.filter(status="sent").values_list("pk", flat=True))
            digests_send_due()
            new = DigestSend.objects.filter(status="sent").exclude(pk__in=before).select_related("employee")
            sent.extend((when, row.employee.email) for row in new)
    return sent


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 3, 8),  # Los Angeles springs forward (02:00 → 03:00)
        dt.date(2026, 11, 1),  # Los Angeles falls back (02:00 happens twice)
        dt.date(2026, 6, 10),  # an ordinary day
    ],
)
def test_tokyo_and_los_angeles_each_get_theirs_at_their_own_eight_once(day):
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12, 0), tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        make_person("tokyo@example.com", time_zone="Asia/Tokyo")
        make_person("la@example.com", time_zone="America/Los_Angeles")
        make_posts(10, expires_at=start + dt.timedelta(days=30))  # 5 new each day
    sent = _run_every_quarter_hour(start, hours=48)
    by_person: dict[str, list[dt.datetime]] = {}
    for when, email in sent:
        by_person.setdefault(email, []).append(when)
    for email, zone in (("tokyo@example.com", "Asia/Tokyo"), ("la@example.com", "America/Los_Angeles")):
        import zoneinfo

        local = [w.astimezone(zoneinfo.ZoneInfo(zone)) for w in by_person[email]]
        days = [t.date() for t in local]
        assert len(days) == len(set(days)), f"{email} got two on one day: {local}"
        assert all((t.hour, t.minute) == (8, 1) for t in local), local
    la_local_days = {
        w.astimezone(__import__("zoneinfo").ZoneInfo("America/Los_Angeles")).date() for w in by_person["la@example.com"]
    }
    assert day in la_local_days


def test_a_digest_time_inside_the_skipped_hour_still_comes_once_on_spring_forward():
    start = dt.datetime(2026, 3, 8, 8, 0, tzinfo=dt.UTC)  # 00:00 in Los Angeles
    with time_machine.travel(start, tick=False):
        make_person("la@example.com", time_zone="America/Los_Angeles", hour=2, minute=30)
        make_posts(3)
    sent = _run_every_quarter_hour(start, hours=6)
    assert len(sent) == 1


def test_a_digest_time_inside_the_repeated_hour_comes_once_on_fall_back():
    start = dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)  # 00:00 PDT
    with time_machine.travel(start, tick=False):
        make_person("la@example.com", time_zone="America/Los_Angeles", hour=1, minute=30)
        make_posts(3)
    sent = _run_every_quarter_hour(start, hours=6)
    assert len(sent) == 1


def test_no_digest_on_a_day_the_person_did_not_choose():
    saturday = dt.datetime(2026, 3, 7, 8, 5, tzinfo=dt.UTC)
    with time_machine.travel(saturday, tick=False):
        make_person("weekdays@example.com", days=[0, 1, 2, 3, 4])
        make_posts(3)
        assert digests_send_due().due == 0
