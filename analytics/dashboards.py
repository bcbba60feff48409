"""Reads for the dashboards (dashboards issue): every figure comes from `DailyRollup` (and, for the best
hour, the hourly `ClickRollup`), never from Click rows, in a fixed number of queries however much data
there is.

A `Scope` says which rows: a date range of the organisation's calendar and optional filters (employee,
campaign, post, team, location, network). Each building block is one query.
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import connection
from django.db.models import Aggregate, Count, Q, QuerySet, Sum

from campaigns.models import Campaign, GoalMetric
from campaigns.networks import Network
from networks.providers import get_provider

from .models import ClickRollup
from .rollup_models import ENGAGEMENT_FIELDS, SHARE_FIELDS, DailyRollup, EarnedMediaRate
from .rollups import organisation_tz, rollup_day, rollups_last_refreshed

TOTAL_FIELDS = ("unique_clicks", "clicks", "previews", *SHARE_FIELDS, *ENGAGEMENT_FIELDS)
INTERACTIONS = ("likes", "reposts", "replies", "quotes")
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class Scope:
    start: dt.date  # inclusive
    end: dt.date  # inclusive
    user_id: int | None = None
    campaign_id: int | None = None
    post_id: int | None = None
    team_id: int | None = None
    location_id: int | None = None
    network: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Scope":
        """The same length of time just before (the "change" each figure is compared with)."""
        return replace(self, start=self.start - dt.timedelta(days=self.days), end=self.start - dt.timedelta(days=1))

    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range(self.days)]


def campaign_scope(campaign: Campaign, *, today: dt.date) -> Scope:
    """The campaign's run up to `today` (its programme page and its API figures)."""
    start = rollup_day(campaign.starts_at)
    end = max(start, min(today, rollup_day(campaign.ends_at)))
    return Scope(start=start, end=end, campaign_id=campaign.pk)


@dataclass(frozen=True)
class CampaignGoal:
    metric: GoalMetric
    reached: int
    target: int
    percent: int | None  # of the target, at most 100; None without a target
    expected: int | None  # where a steady pace would be by now
    behind: bool


def campaign_goal(campaign: Campaign, totals: dict, *, now: dt.datetime) -> CampaignGoal:
    """How far the campaign is towards its goal, from its scope's totals, and whether it is behind a steady pace."""
    metric = GoalMetric(campaign.goal_metric)
    reached = {
        GoalMetric.CLICKS: totals["unique_clicks"],
        GoalMetric.SHARES: totals["shares"],
        GoalMetric.ENGAGEMENT: totals["interactions"],
    }[metric]
    target = campaign.goal_target
    elapsed = (min(now, campaign.ends_at) - campaign.starts_at) / (campaign.ends_at - campaign.starts_at)
    expected = round(target * max(0.0, min(1.0, elapsed))) if target else None
    return CampaignGoal(
        metric=metric,
        reached=reached,
        target=target,
        percent=min(100, round(100 * reached / target)) if target else None,
        expected=expected,
        behind=bool(target and reached < (expected or 0)),
    )


def _filter(scope: Scope, *, dates: bool = True) -> Q:
    q = Q(day__gte=scope.start, day__lte=scope.end) if dates else Q()
    for name in ("user_id", "campaign_id", "post_id", "team_id", "location_id", "network"):
        value = getattr(scope, name)
        if value is not None:
            q &= Q(**{name: value})
    return q


def rows(scope: Scope) -> QuerySet[DailyRollup]:
    return DailyRollup.objects.filter(_filter(scope))


# --- Figures and their honesty ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A number as shown, with where it comes from.

    kind: "measured" (our click counts, the networks' answers), "estimate" (earned media value), or
    "unavailable" (the network does not give it: shown as a dash with that label, never as 0).
    """

    label: str
    value: int | Decimal | None
    kind: str = "measured"
    previous: int | Decimal | None = None
    note: str = ""

    @property
    def available(self) -> bool:
        return self.kind != "unavailable" and self.value is not None

    @property
    def change(self) -> int | Decimal | None:
        if not self.available or self.previous is None:
            return None
        return self.value - self.previous  # type: ignore[operator]

    @property
    def change_percent(self) -> int | None:
        if self.change is None or not self.previous:
            return None
        return round(100 * self.change / self.previous)


def networks_with_engagement() -> set[str]:
    """Networks whose provider pulls engagement (the rest: "unavailable for that network")."""
    found = set()
    for network in Network.values:
        try:
            provider = get_provider(network)
        except (KeyError, LookupError):
            continue
        if provider.has_metrics:
            found.add(network)
    return found


def engagement_measured(row: dict) -> bool:
    """Engagement was measured for these rows: a direct share (only those are looked up on the network) or a
    measured change. Otherwise it is "unavailable", not 0: share dialogs leave no post we could read."""
    return bool(
        row.get("shares_direct") or row.get("shares_scheduled") or any(row.get(name) for name in ENGAGEMENT_FIELDS)
    )


GROUPINGS = ("network", "campaign_id", "post_id", "user_id", "team_id")
GROUP_LIMIT = 50  # the longest list a page shows (teams on a campaign page); the top lists show 10


class Facts:
    """The scope's totals and its groups (per network, and the top campaigns, posts, advocates and teams) in
    ONE statement: the scope's rows are read once (a CTE) and grouped five ways (UNION ALL), so a page scans
    the rollups once for all of its blocks, and only a few hundred summed rows leave the database."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self._groups: dict[str, list[dict]] | None = None

    def _load(self) -> dict[str, list[dict]]:
        dims = ("user_id", "post_id", "campaign_id", "team_id", "network")
        columns = (*dims, *TOTAL_FIELDS)
        # Summed per link first (a few thousand rows for a month of the whole programme), then grouped five ways.
        per_link = rows(self.scope).values_list(*dims).annotate(**{f"s_{name}": Sum(name) for name in TOTAL_FIELDS})
        inner_sql, params = per_link.order_by().query.sql_with_params()
        shares = "shares_direct + shares_scheduled + shares_dialog"
        sums = ", ".join(f"SUM({name})" for name in TOTAL_FIELDS)
        advocates = f"COUNT(DISTINCT CASE WHEN {shares} > 0 THEN user_id END)"
        posts = f"COUNT(DISTINCT CASE WHEN {shares} > 0 THEN post_id END)"
        measures = f"{sums}, {advocates}, {posts}, COUNT(DISTINCT user_id)"
        no_int, no_text = "CAST(NULL AS BIGINT)", "CAST(NULL AS VARCHAR(16))"  # one type per column in the union
        arms = [f"SELECT 'total', {no_int}, {no_text}, {measures} FROM r"]  # noqa: S608 (our names; values are params)
        for by in GROUPINGS:
            keys = f"{no_int}, {by}" if by == "network" else f"{by}, {no_text}"
            # people per group (the "advocates" column of top campaigns, posts, teams); not needed elsewhere
            people = "COUNT(DISTINCT user_id)" if by in ("campaign_id", "post_id", "team_id") else "0"
            grouped_measures = f"{sums}, 0, 0, {people}"
            order = f"SUM(unique_clicks) DESC, SUM({shares}) DESC, {by}"
            grouped = (
                f"SELECT '{by}', {keys}, {grouped_measures} FROM r GROUP BY {by} ORDER BY {order} LIMIT {GROUP_LIMIT}"  # noqa: S608
            )
            arms.append(f"SELECT * FROM ({grouped}) AS top_{by}")  # noqa: S608 (our names)
        sql = f"WITH r ({', '.join(columns)}) AS ({inner_sql}) " + " UNION ALL ".join(arms)
        groups: dict[str, list[dict]] = {"total": [], **{by: [] for by in GROUPINGS}}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for kind, key_int, key_text, *values in cursor.fetchall():
                row = dict(zip((*TOTAL_FIELDS, "advocates", "posts", "people"), (v or 0 for v in values), strict=True))
                row["shares"] = row["shares_direct"] + row["shares_scheduled"] + row["shares_dialog"]
                row["direct_shares"] = row["shares_direct"] + row["shares_scheduled"]
                row["interactions"] = row["likes"] + row["reposts"] + row["replies"] + row["quotes"]
                if kind != "total":
                    row[kind] = key_text if kind == "network" else key_int
                groups[kind].append(row)
        return groups

    def groups(self, kind: str) -> list[dict]:
        if self._groups is None:
            self._groups = self._load()
        return self._groups[kind]


def totals_with_previous(scope: Scope, facts: Facts | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """Summed figures (and active advocates) for the scope and for the period before. Two queries."""
    current = dict((facts or Facts(scope)).groups("total")[0])
    previous = scope.previous()
    shared = Q(shares_direct__gt=0) | Q(shares_scheduled__gt=0) | Q(shares_dialog__gt=0)
    aggregates: dict[str, Aggregate] = {f"sum_{name}": Sum(name) for name in TOTAL_FIELDS}  # no alias = a field
    aggregates["sum_advocates"] = Count("user_id", filter=shared, distinct=True)
    aggregates["sum_posts"] = Count("post_id", filter=shared, distinct=True)
    before = {key.removeprefix("sum_"): value or 0 for key, value in rows(previous).aggregate(**aggregates).items()}
    before["shares"] = sum(before[name] for name in SHARE_FIELDS)
    before["interactions"] = sum(before[name] for name in INTERACTIONS)
    return current, before


def by_network(scope: Scope, facts: Facts | None = None) -> list[dict]:
    """Per network: shares by route, clicks, engagement (None where nothing was measured or the network gives
    none). From the scope's facts."""
    engaged = networks_with_engagement()
    labels = dict(Network.choices)
    result = []
    for found in (facts or Facts(scope)).groups("network"):
        row = dict(found)
        row["label"] = labels.get(row["network"], row["network"])
        row["engagement_available"] = row["network"] in engaged and engagement_measured(row)
        if not row["engagement_available"]:
            row["interactions"] = None
            for name in ENGAGEMENT_FIELDS:
                row[name] = None
        row["clicks_per_share"] = round(row["unique_clicks"] / row["shares"], 1) if row["shares"] else None
        result.append(row)
    return result


def series_by_network(scope: Scope, *, field_name: str = "unique_clicks") -> tuple[list[dt.date], dict[str, list[int]]]:
    """Daily values per network over the scope's dates (zeros on days without rows: measured, none). One query."""
    dates = scope.dates()
    index = {day: n for n, day in enumerate(dates)}
    labels = dict(Network.choices)
    series: dict[str, list[int]] = {}
    found = rows(scope).values("day", "network").annotate(n=Sum(field_name)).order_by("network", "day")
    for row in found:
        if not row["n"]:
            continue
        values = series.setdefault(labels.get(row["network"], row["network"]), [0] * len(dates))
        values[index[row["day"]]] = row["n"]
    return dates, series


def top(scope: Scope, *, by: str, limit: int = 10, exclude_null: bool = True, facts: Facts | None = None) -> list[dict]:
    """Top `by` (campaign_id, post_id, user_id, team_id) by unique clicks, then shares, with shares, advocates,
    interactions and views (None when nothing was measured). From the scope's facts."""
    result = []
    for found in (facts or Facts(scope)).groups(by):
        if found[by] is None and exclude_null:
            continue
        row = dict(found)
        row["advocates"] = row["people"]
        if not (row["direct_shares"] or row["interactions"] or row["impressions"]):
            row["interactions"] = row["impressions"] = None  # nothing was measured: unavailable, not 0
        result.append(row)
    return result[:limit]


def per_user(scope: Scope) -> dict[int, dict]:
    """Shares and unique clicks of every employee with rows in the scope (a campaign's or a team's). One query."""
    found = (
        rows(scope)
        .values("user_id")
        .annotate(
            shares=Sum("shares_direct") + Sum("shares_scheduled") + Sum("shares_dialog"),
            unique_clicks=Sum("unique_clicks"),
        )
    )
    return {row["user_id"]: row for row in found}


def people_who_shared(scope: Scope) -> set[int]:
    return {user_id for user_id, row in per_user(scope).items() if row["shares"]}


def post_link_figures(*, user_id: int, post_ids: list[int]) -> dict[int, list[dict]]:
    """Per post, the employee's links (one per network) with their all-time clicks and engagement. One query."""
    found = (
        DailyRollup.objects.filter(user_id=user_id, post_id__in=post_ids)
        .values("post_id", "link_id", "link__code", "network")
        .annotate(**{name: Sum(name) for name in TOTAL_FIELDS})
        .order_by("post_id", "network")
    )
    engaged = networks_with_engagement()
    labels = dict(Network.choices)
    result: dict[int, list[dict]] = {post_id: [] for post_id in post_ids}
    for row in found:
        row["label"] = labels.get(row["network"], row["network"])
        row["engagement_available"] = row["network"] in engaged and engagement_measured(row)
        row["interactions"] = sum(row[name] for name in INTERACTIONS) if row["engagement_available"] else None
        result[row["post_id"]].append(row)
    return result


# --- Earned media value (an estimate) ---------------------------------------------------------------------


@dataclass(frozen=True)
class EarnedMedia:
    value: Decimal | None
    currency: str
    rates: list[EarnedMediaRate] = field(default_factory=list)


def earned_media_value(network_rows: list[dict]) -> EarnedMedia:
    """Unique clicks × CPC + views / 1000 × CPM per network, at the admin-set rates. One query.

    An estimate of what the same reach would have cost as advertising; None when no rate is set.
    """
    rates = list(EarnedMediaRate.objects.all())
    by_network = {rate.network: rate for rate in rates}
    default = by_network.get("")
    if not rates:
        return EarnedMedia(value=None, currency="", rates=[])
    total = Decimal(0)
    for row in network_rows:
        rate = by_network.get(row["network"], default)
        if rate is None:
            continue
        total += rate.cost_per_click * row["unique_clicks"]
        if row.get("impressions"):
            total += rate.cost_per_mille * Decimal(row["impressions"]) / 1000
    currency = (default or rates[0]).currency
    return EarnedMedia(value=total.quantize(Decimal("1")), currency=currency, rates=rates)


# --- A recommendation from the employee's own data ---------------------------------------------------------

MIN_SHARES = 3
MIN_CLICKS = 5
RECOMMENDATION_DAYS = 90


@dataclass(frozen=True)
class Recommendation:
    enough_data: bool
    best_network: str | None = None
    best_network_clicks_per_share: float | None = None
    best_hour: int | None = None  # local hour (0-23) in the employee's time zone
    topics: list[str] = field(default_factory=list)
    shares: int = 0
    unique_clicks: int = 0


def recommendation_for_user(*, user_id: int, today: dt.date, time_zone: str = "UTC") -> Recommendation:
    """Best network (unique clicks per share), best hour (when their links get clicked, in their time zone)
    and the topics that worked, from the last 90 days; `enough_data=False` below 3 shares or 5 unique clicks.

    Three queries. Meant to be the digest's recommendation too, so both say the same thing.
    """
    import zoneinfo

    scope = Scope(start=today - dt.timedelta(days=RECOMMENDATION_DAYS - 1), end=today, user_id=user_id)
    networks = by_network(scope)
    shares = sum(row["shares"] for row in networks)
    unique_clicks = sum(row["unique_clicks"] for row in networks)
    candidates = [row for row in networks if row["shares"] >= 1 and row["clicks_per_share"] is not None]
    best = max(candidates, key=lambda row: (row["clicks_per_share"], row["unique_clicks"]), default=None)
    since = dt.datetime.combine(scope.start, dt.time.min, tzinfo=organisation_tz())
    hours: dict[int, int] = {}
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    hourly = ClickRollup.objects.filter(link__user_id=user_id, hour__gte=since, unique_clicks__gt=0)
    for hour, n in hourly.values_list("hour", "unique_clicks"):
        local = hour.astimezone(zone).hour
        hours[local] = hours.get(local, 0) + n
    best_hour = max(hours, key=lambda h: (hours[h], -h)) if hours else None
    topics = list(
        rows(scope)
        .exclude(post__topics=None)
        .values("post__topics__name")
        .annotate(n=Sum("unique_clicks"))
        .filter(n__gt=0)
        .order_by("-n", "post__topics__name")[:3]
    )
    if shares < MIN_SHARES or unique_clicks < MIN_CLICKS:  # after the queries: the same count either way
        return Recommendation(enough_data=False, shares=shares, unique_clicks=unique_clicks)
    return Recommendation(
        enough_data=True,
        best_network=best["label"] if best else None,
        best_network_clicks_per_share=best["clicks_per_share"] if best else None,
        best_hour=best_hour,
        topics=[row["post__topics__name"] for row in topics],
        shares=shares,
        unique_clicks=unique_clicks,
    )


def last_refreshed() -> dict[str, dt.datetime]:
    return rollups_last_refreshed()
