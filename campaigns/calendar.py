"""The admin's post calendar: which days a month or week view shows, and posts placed on them by local date.

Pure date arithmetic in the organisation's time zone; the posts come from selectors.posts_for_calendar.
"""

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

VIEWS = ("month", "week")


@dataclass
class CalendarDay:
    date: dt.date
    in_range: bool  # False for the days of the neighbouring months that fill a month's first and last week
    is_today: bool
    posts: list = field(default_factory=list)


@dataclass
class CalendarPage:
    view: str
    anchor: dt.date
    title: str
    start: dt.datetime  # aware, the first shown day's midnight in the zone
    end: dt.datetime  # aware, exclusive
    weeks: list[list[CalendarDay]]
    previous: dt.date
    next: dt.date
    count: int = 0  # posts placed


def parse_anchor(value: str | None, today: dt.date) -> dt.date:
    """The date in ?date=YYYY-MM-DD, or today when it is missing, not a date, or out of any plan's reach."""
    try:
        anchor = dt.date.fromisoformat(value or "")
    except ValueError:
        return today
    return anchor if 1970 <= anchor.year <= 2999 else today


def calendar_page(*, view: str, anchor: dt.date, zone: str, today: dt.date) -> CalendarPage:
    """Days to show for `view` ("month" or "week", Monday first) around `anchor`, with the neighbours to page to."""
    view = view if view in VIEWS else "month"
    if view == "week":
        first = anchor - dt.timedelta(days=anchor.weekday())
        days = [first + dt.timedelta(days=i) for i in range(7)]
        in_range = set(days)
        end_label = days[-1]
        title = f"Week of {first:%-d %B %Y}" + (f" – {end_label:%-d %B}" if end_label.month != first.month else "")
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        month_start = anchor.replace(day=1)
        weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(month_start.year, month_start.month)
        days = [day for week in weeks for day in week]
        in_range = {d for d in days if d.month == month_start.month}
        title = f"{month_start:%B %Y}"
        previous = (month_start - dt.timedelta(days=1)).replace(day=1)
        following = (month_start + dt.timedelta(days=32)).replace(day=1)
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(days[0], dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    cells = [CalendarDay(date=d, in_range=d in in_range, is_today=d == today) for d in days]
    return CalendarPage(
        view=view,
        anchor=anchor,
        title=title,
        start=start,
        end=end,
        weeks=[cells[i : i + 7] for i in range(0, len(cells), 7)],
        previous=previous,
        next=following,
    )


def place_posts(page: CalendarPage, posts, zone: str) -> None:
    """Put each post on the day its publish time falls on in the zone."""
    tz = ZoneInfo(zone)
    by_date = {day.date: day for week in page.weeks for day in week}
    for post in posts:
        day = by_date.get(post.publish_at.astimezone(tz).date())
        if day is not None:
            day.posts.append(post)
            page.count += 1
