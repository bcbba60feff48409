"""Reads for analytics.

Which clicks count
------------------
A short-link request becomes exactly one of:

* a ``FilteredHit`` (never counted): HEAD requests, prefetches (``Purpose``/``Sec-Purpose:
  prefetch``), known bots and crawlers (crawlerdetect), and link previews by networks
  (LinkedInBot, Twitterbot, facebookexternalhit, Mastodon, cardyb, Slackbot…, reason "preview");
* a ``Click``: a human visit. ``is_self_click`` is True when the link's own employee was signed
  in (session cookie resolved at drain time); ``is_unique`` is True for the first visit of a
  visitor (salted hash of IP + user agent, rotating daily) to the link that UTC day.

**A click counts (points, leaderboards, goals) iff ``is_unique and not is_self_click``**:
``Click.objects.counting()`` / ``clicks_counting()`` below. Classification is final when the
click is stored; the only later change is ``analytics.services.click_reclassify``, which may
turn a click into a self-click or delete it as a bot (then it drops out of ``counting()``; the
leaderboard's sync reverses what it earned).

Dashboards read the hourly ``ClickRollup`` rows rather than the clicks.
"""

import datetime as dt

from django.db.models import QuerySet, Sum

from .models import Click, ClickRollup


def clicks_counting(*, since: dt.datetime | None = None, until: dt.datetime | None = None) -> QuerySet[Click]:
    """Clicks that earn points: unique for the visitor and day, not the link owner's own."""
    qs = Click.objects.counting()
    if since is not None:
        qs = qs.filter(clicked_at__gte=since)
    if until is not None:
        qs = qs.filter(clicked_at__lt=until)
    return qs


def click_totals(*, link_ids: list[int] | None = None, user_id: int | None = None) -> dict[str, int]:
    """Summed rollups (clicks, unique_clicks, self_clicks, previews, filtered) for some links or one employee."""
    qs = ClickRollup.objects.all()
    if link_ids is not None:
        qs = qs.filter(link_id__in=link_ids)
    if user_id is not None:
        qs = qs.filter(link__user_id=user_id)
    names = ("clicks", "unique_clicks", "self_clicks", "previews", "filtered")
    totals = qs.aggregate(**{name: Sum(name) for name in names})
    return {name: totals[name] or 0 for name in names}


def link_click_totals(*, link_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per link: `clicks` (human, not self) and `unique_clicks`, from the hourly rollups."""
    rows = (
        ClickRollup.objects.filter(link_id__in=link_ids)
        .values("link_id")
        .annotate(clicks=Sum("clicks"), unique_clicks=Sum("unique_clicks"))
    )
    return {row["link_id"]: {"clicks": row["clicks"], "unique_clicks": row["unique_clicks"]} for row in rows}
