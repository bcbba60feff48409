"""Leaderboard periods in the organisation's time zone: weeks start on Monday."""

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone

from .models import Period

ALL_TIME_START = dt.date(1970, 1, 1)


def organisation_tz() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.ORGANISATION_TIME_ZONE)


def local_date(when: dt.datetime) -> dt.date:
    return timezone.localtime(when, organisation_tz()).date()


def period_start(period: str, when: dt.datetime) -> dt.date:
    """First day of the period (in the organisation's time zone) that contains `when`."""
    day = local_date(when)
    if period == Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    if period == Period.QUARTER:
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if period == Period.ALL:
        return ALL_TIME_START
    raise ValueError(f"Unknown period {period!r}.")


def period_starts(when: dt.datetime) -> dict[str, dt.date]:
    """The start of every period kind that contains `when`."""
    return {p: period_start(p, when) for p in Period.values}


def day_bounds(when: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (exclusive) of the organisation's calendar day containing `when`."""
    tz = organisation_tz()
    day = local_date(when)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def week_bounds(week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = organisation_tz()
    start = dt.datetime.combine(week_start, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(week_start + dt.timedelta(days=7), dt.time.min, tzinfo=tz)
