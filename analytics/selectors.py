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
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from networks.models import Share

from .engagement import METRIC_FIELDS, ShareMetrics
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


# --- Engagement for pages (moved from analytics.metrics) ----------------------------------


@dataclass(frozen=True)
class Figure:
    """A number as shown: measured (with its source and time) or unavailable."""

    label: str
    value: int | None
    source: str  # "network" or "clicks"
    measured_at: dt.datetime | None

    @property
    def available(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class ShareStats:
    network: str
    network_label: str
    state: str
    state_label: str
    figures: list[Figure]


LABELS = {
    "likes": "Likes",
    "reposts": "Reposts",
    "replies": "Replies",
    "quotes": "Quotes",
    "impressions": "Views",
    "bookmarks": "Bookmarks",
}


def share_stats_for_posts(*, user_id: int, post_ids: list[int]) -> dict[int, list[ShareStats]]:
    """The employee's shares of each post with their latest engagement, each figure measured or unavailable.

    One query for any number of posts (the Today page asks for all of its posts at once).
    """
    shares = (
        Share.objects.filter(
            user_id=user_id, post_id__in=post_ids, status__in=[Share.Status.PUBLISHED, Share.Status.DELETED]
        )
        .select_related("metrics")
        .order_by("network", "id")
    )
    stats: dict[int, list[ShareStats]] = {post_id: [] for post_id in post_ids}
    for share in shares:
        metrics = getattr(share, "metrics", None)
        state = metrics.state if metrics else ShareMetrics.State.PENDING
        measured_at = metrics.measured_at if metrics else None
        figures = [
            Figure(
                label=LABELS[name],
                value=getattr(metrics, name) if metrics else None,
                source="network",
                measured_at=measured_at,
            )
            for name in METRIC_FIELDS
        ]
        stats[share.post_id].append(
            ShareStats(
                network=share.network,
                network_label=share.get_network_display(),
                state=state,
                state_label=ShareMetrics.State(state).label,
                figures=figures,
            )
        )
    return stats


def share_stats_for_post(*, user_id: int, post_id: int) -> list[ShareStats]:
    return share_stats_for_posts(user_id=user_id, post_ids=[post_id])[post_id]


def unique_clicks_for_posts(*, user_id: int, post_ids: list[int]) -> dict[int, int]:
    """Counted unique clicks on the employee's links, per post (measured by us, live). One query."""
    rows = (
        Click.objects.counting()
        .filter(link__user_id=user_id, link__post_id__in=post_ids)
        .values_list("link__post_id")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(post_ids, 0)
    counts.update(dict(rows))
    return counts


def unique_clicks_for_post(*, user_id: int, post_id: int) -> int:
    """Counted unique clicks on the employee's links for the post (measured by us, live)."""
    return Click.objects.counting().filter(link__user_id=user_id, link__post_id=post_id).count()


def link_click_totals(*, link_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per link: `clicks` (human, not self) and `unique_clicks`, from the hourly rollups."""
    rows = (
        ClickRollup.objects.filter(link_id__in=link_ids)
        .values("link_id")
        .annotate(clicks=Sum("clicks"), unique_clicks=Sum("unique_clicks"))
    )
    return {row["link_id"]: {"clicks": row["clicks"], "unique_clicks": row["unique_clicks"]} for row in rows}


@dataclass(frozen=True)
class ShareEngagement:
    """One share's latest engagement as a page shows it: each figure measured or unavailable, and how fresh."""

    state: str
    state_label: str
    figures: list[Figure]
    measured_at: dt.datetime | None

    @property
    def measured(self) -> bool:
        """The network answered at least once (figures it does not give stay unavailable, never 0)."""
        return self.measured_at is not None


def engagement_for_shares(*, share_ids: list[int]) -> dict[int, ShareEngagement]:
    """Per share id: its engagement from the network (a share never pulled is PENDING). One query."""
    found = {m.share_id: m for m in ShareMetrics.objects.filter(share_id__in=share_ids)}
    result: dict[int, ShareEngagement] = {}
    for share_id in share_ids:
        metrics = found.get(share_id)
        state = metrics.state if metrics else ShareMetrics.State.PENDING
        measured_at = metrics.measured_at if metrics else None
        figures = [
            Figure(LABELS[name], getattr(metrics, name) if metrics else None, "network", measured_at)
            for name in METRIC_FIELDS
        ]
        result[share_id] = ShareEngagement(state, ShareMetrics.State(state).label, figures, measured_at)
    return result


def unique_clicks_for_links(*, link_ids: list[int]) -> dict[int, int]:
    """Counted unique clicks per short link (measured by us, live; self-clicks excluded). One query."""
    rows = Click.objects.counting().filter(link_id__in=link_ids).values_list("link_id").annotate(n=Count("id"))
    counts = dict.fromkeys(link_ids, 0)
    counts.update(dict(rows))
    return counts
