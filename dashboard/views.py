"""Pages: Today, My impact (every employee, their own data only) and programme analytics (admins and
content managers): the overview, a campaign, a post, a team.

The dashboards parse the filters, gather from analytics.dashboards (rollups only: never a Click row) and
dashboard.selectors, and render; `?export=<table>` streams any table of the page as CSV.
"""

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.models import Team, User
from analytics import dashboards
from analytics.dashboards import ENGAGEMENT_FIELDS, Figure, Scope
from analytics.rollups import rollup_day
from campaigns.models import Campaign, GoalMetric, SuggestedPost
from campaigns.selectors import posts_for_today
from leaderboard.selectors import post_stats_for_posts
from networks.selectors import share_options_for_posts
from programme.selectors import survey_results, today_news

from . import charts, selectors
from .forms import PeriodForm, ProgrammeForm
from .services import links_for_today
from .tables import Link, Table, csv_response

ENGAGEMENT_LABELS = {
    "likes": "Likes",
    "reposts": "Reposts",
    "replies": "Replies",
    "quotes": "Quotes",
    "impressions": "Views",
}


def _today() -> dt.date:
    return rollup_day(timezone.now())


def _staff(request: HttpRequest) -> None:
    if not selectors.is_programme_staff(request.user):
        raise PermissionDenied("Programme analytics are for admins and content managers.")


def _export_or_render(request, template: str, context: dict, *, prefix: str, status: int = 200) -> HttpResponseBase:
    wanted = request.GET.get("export")
    if wanted:
        for table in context.get("tables", []):
            if table.slug == wanted:
                return csv_response(table, filename_prefix=prefix)
        raise Http404("No such table on this page.")
    # Every dashboard page ends with how fresh its figures are (not needed for a CSV).
    context = {**context, "freshness": _freshness(), "unavailable_networks": _unavailable_networks()}
    return render(request, template, context, status=status)


def _figures(current: dict, before: dict, *, engagement: bool = True) -> list[Figure]:
    figures = [
        Figure("Shares", current["shares"], previous=before["shares"]),
        Figure(
            "Unique clicks",
            current["unique_clicks"],
            previous=before["unique_clicks"],
            note="first visit of a reader that day; not the sharer's own",
        ),
        Figure(
            "Link previews",
            current["previews"],
            previous=before["previews"],
            note="networks fetching the link for a card",
        ),
    ]
    if engagement and dashboards.engagement_measured(current):
        figures += [
            Figure(
                "Interactions",
                current["interactions"],
                previous=before["interactions"],
                note="likes, reposts, replies and quotes the networks report (direct shares only)",
            ),
            Figure(
                "Views", current["impressions"], previous=before["impressions"], note="where the network reports them"
            ),
        ]
    elif engagement:
        note = "no direct share on a network that reports engagement in this period (share dialogs cannot be read)"
        figures += [
            Figure("Interactions", None, kind="unavailable", note=note),
            Figure("Views", None, kind="unavailable", note=note),
        ]
    return figures


def _route_figures(current: dict, before: dict) -> list[Figure]:
    return [
        Figure("Direct", current["shares_direct"], previous=before["shares_direct"]),
        Figure("Scheduled", current["shares_scheduled"], previous=before["shares_scheduled"]),
        Figure("Share dialog", current["shares_dialog"], previous=before["shares_dialog"]),
    ]


def _network_table(rows: list[dict], *, slug: str = "networks") -> Table:
    columns = ["Network", "Shares", "Unique clicks", "Clicks per share", "Previews", *ENGAGEMENT_LABELS.values()]
    table = Table(
        slug,
        "By network",
        columns,
        empty="No shares or clicks in this period.",
        note="Engagement is measured by the networks for direct shares; “unavailable” means the "
        "network does not give it (it is not zero).",
    )
    for row in rows:
        table.rows.append(
            [
                row["label"],
                row["shares"],
                row["unique_clicks"],
                row["clicks_per_share"],
                row["previews"],
                *[row[name] for name in ENGAGEMENT_FIELDS],
            ]
        )
    return table


def _daily_table(dates: list[dt.date], series: dict[str, list[int]], *, slug: str = "daily") -> Table:
    names = list(series)
    table = Table(
        slug, "Unique clicks per day, by network", ["Day", *names, "Total"], empty="No clicks in this period."
    )
    table.shown = len(dates)  # the chart's numbers: every row on the page
    if series:
        for n, day in enumerate(dates):
            values = [series[name][n] for name in names]
            table.rows.append([day.isoformat(), *values, sum(values)])
    return table


def _freshness() -> dict:
    refreshed = dashboards.last_refreshed()
    engagement = {key.split(":", 1)[1]: at for key, at in refreshed.items() if key.startswith("engagement:")}
    return {
        "clicks": refreshed.get("clicks"),
        "shares": refreshed.get("shares"),
        "engagement": engagement,
        "engagement_latest": max(engagement.values(), default=None),
    }


def _unavailable_networks() -> list[str]:
    engaged = dashboards.networks_with_engagement()
    from campaigns.networks import Network

    return [label for value, label in Network.choices if value not in engaged]


def _bucketed(dates: list[dt.date], series: dict[str, list[int]]) -> tuple[list[dt.date], dict[str, list[int]], str]:
    """Days for up to two months, weeks up to about a year, else 30-day steps: a chart stays readable (and
    quick to draw) whatever the range."""
    step, unit = (1, "day") if len(dates) <= 62 else (7, "week") if len(dates) <= 400 else (30, "30 days")
    if step == 1:
        return dates, series, unit
    starts = dates[::step]
    return (
        starts,
        {name: [sum(values[i : i + step]) for i in range(0, len(values), step)] for name, values in series.items()},
        unit,
    )


def _chart(scope: Scope, *, chart_id: str, title: str) -> tuple[object, Table]:
    dates, series, unit = _bucketed(*dashboards.series_by_network(scope))
    title = title.replace("per day", f"per {unit}")
    svg = charts.daily_lines(title=title, chart_id=chart_id, dates=dates, series=series) if series else None
    table = _daily_table(dates, series)
    if unit != "day":
        table.caption = f"Unique clicks per {unit}, by network"
        table.columns[0] = f"{unit.capitalize()} from" if unit == "week" else "From"
    return svg, table


# --- My impact ----------------------------------------------------------------------------------------------


@login_required
def my_impact(request: HttpRequest) -> HttpResponseBase:
    """The employee's own figures: always their own id, never one from the request."""
    user = cast(User, request.user)  # login_required
    form = PeriodForm(request.GET, today=_today())
    context: dict = {"form": form, "tables": []}
    if not form.is_valid():
        return render(request, "dashboard/my_impact.html", context, status=400)
    scope = form.scope(user_id=user.pk)
    facts = dashboards.Facts(scope)
    current, before = dashboards.totals_with_previous(scope, facts)
    networks = dashboards.by_network(scope, facts)
    chart, daily = _chart(scope, chart_id="impact-chart", title="My unique clicks per day, by network")
    top_posts = dashboards.top(scope, by="post_id", limit=5, facts=facts)
    post_ids = [row["post_id"] for row in top_posts]
    posts = SuggestedPost.objects.in_bulk(post_ids)
    links = dashboards.post_link_figures(user_id=user.pk, post_ids=post_ids)
    posts_table = Table(
        "posts",
        "My top posts",
        ["Post", "Network", "Short link", "Shares", "Unique clicks", "Interactions", "Views"],
        empty="No clicks yet in this period: share a post from Today and it shows up here.",
    )
    for row in top_posts:
        post = posts.get(row["post_id"])
        for link in links.get(row["post_id"], []):
            posts_table.rows.append(
                [
                    post.title if post else "Deleted post",
                    link["label"],
                    f"{settings.SHORTLINK_BASE_URL}/s/{link['link__code']}",
                    link["shares_direct"] + link["shares_scheduled"] + link["shares_dialog"],
                    link["unique_clicks"],
                    link["interactions"],
                    link["impressions"] if link["engagement_available"] else None,
                ]
            )
    posts_table.note = "All-time figures of each of your links for the post."
    profile = getattr(user, "profile", None)
    time_zone = getattr(profile, "time_zone", "") or settings.ORGANISATION_TIME_ZONE
    totals, _ = dashboards.totals_with_previous(Scope(start=dt.date(2000, 1, 1), end=_today(), user_id=user.pk))
    earned, next_badge = selectors.badges_and_next(
        user_id=user.pk, shares=totals["shares"], unique_clicks=totals["unique_clicks"]
    )
    previous = scope.previous()
    context.update(
        scope=scope,
        previous=previous,
        figures=_figures(current, before),
        routes=_route_figures(current, before),
        points=Figure(
            "Points",
            selectors.points_between(user_id=user.pk, start=scope.start, end=scope.end),
            previous=selectors.points_between(user_id=user.pk, start=previous.start, end=previous.end),
        ),
        ranks=selectors.ranks(user_id=user.pk),
        chart=chart,
        tables=[_network_table(networks), posts_table, daily],
        badges=earned,
        next_badge=next_badge,
        recommendation=dashboards.recommendation_for_user(user_id=user.pk, today=_today(), time_zone=time_zone),
        company_sees=selectors.company_sees(user=user),
        leaderboard_visibility=selectors.leaderboard_visibility(user=user),
        time_zone=time_zone,
        is_programme_staff=selectors.is_programme_staff(user),
    )
    return _export_or_render(request, "dashboard/my_impact.html", context, prefix="my-impact")


# --- Programme analytics ------------------------------------------------------------------------------------


@dataclass
class Named:
    label: str
    url: str


def _top_tables(scope: Scope, *, kinds: tuple[str, ...], facts: dashboards.Facts) -> list[Table]:
    """Top campaigns / posts / advocates / teams tables, with names (one query each, plus one per name kind)."""
    tables = []
    for kind in kinds:
        by = {"campaigns": "campaign_id", "posts": "post_id", "advocates": "user_id", "teams": "team_id"}[kind]
        found = dashboards.top(scope, by=by, facts=facts)
        ids = [row[by] for row in found]
        if kind == "campaigns":
            labels = {
                c.pk: Named(c.name, reverse("programme_campaign", args=[c.pk]))
                for c in Campaign.objects.filter(pk__in=ids)
            }
        elif kind == "posts":
            labels = {
                p.pk: Named(p.title, reverse("programme_post", args=[p.pk]))
                for p in SuggestedPost.objects.filter(pk__in=ids)
            }
        elif kind == "teams":
            labels = {
                pk: Named(name, reverse("programme_team", args=[pk]))
                for pk, name in selectors.team_names(team_ids=ids).items()
            }
        else:
            labels = {pk: Named(name, "") for pk, name in selectors.names(user_ids=ids).items()}
        title = {"campaigns": "Campaign", "posts": "Post", "advocates": "Advocate", "teams": "Team"}[kind]
        columns = [title, "Shares", "Unique clicks", "Interactions", "Views"]
        if kind != "advocates":
            columns.insert(1, "Advocates")
        table = Table(kind, f"Top {kind}", columns, empty=f"No {kind} with shares or clicks in this period yet.")
        for row in found:
            named = labels.get(row[by], Named("(deleted)", ""))
            first = Link(named.label, named.url) if named.url else named.label
            values = [row["shares"], row["unique_clicks"], row["interactions"], row["impressions"]]
            table.rows.append([first, *([row["advocates"]] if kind != "advocates" else []), *values])
        tables.append(table)
    return tables


def _emv_figure(networks: list[dict]) -> Figure:
    emv = dashboards.earned_media_value(networks)
    if emv.value is None:
        return Figure(
            "Earned media value",
            None,
            kind="unavailable",
            note="an admin has not set CPC/CPM rates yet (Admin → Analytics → Earned media rates)",
        )
    return Figure(
        "Earned media value",
        emv.value,
        kind="estimate",
        note=f"estimate in {emv.currency}: unique clicks × CPC + views ÷ 1000 × CPM at the admin-set rates",
    )


@login_required
def programme_overview(request: HttpRequest) -> HttpResponseBase:
    _staff(request)
    form = ProgrammeForm(request.GET, today=_today())
    context: dict = {"form": form, "tables": []}
    if not form.is_valid():
        return render(request, "dashboard/programme.html", context, status=400)
    filters = form.filters()
    scope = form.scope(**filters)
    facts = dashboards.Facts(scope)
    current, before = dashboards.totals_with_previous(scope, facts)
    people = selectors.audience(team_id=filters["team_id"], location_id=filters["location_id"]).count()
    networks = dashboards.by_network(scope, facts)
    chart, daily = _chart(scope, chart_id="programme-chart", title="Unique clicks per day, by network")
    participation = round(100 * current["advocates"] / people) if people else None
    context.update(
        scope=scope,
        previous=scope.previous(),
        people=people,
        headline=[
            Figure(
                "Active advocates",
                current["advocates"],
                previous=before["advocates"],
                note=f"people with at least one share, of {people} in the audience",
            ),
            Figure("Participation", participation, note="active advocates ÷ people in the audience, in %"),
            _emv_figure(networks),
        ],
        figures=_figures(current, before),
        routes=_route_figures(current, before),
        chart=chart,
        tables=[
            _network_table(networks),
            *_top_tables(scope, kinds=("campaigns", "posts", "advocates", "teams"), facts=facts),
            daily,
        ],
        campaigns=selectors.campaigns_for_staff()[:50],
    )
    return _export_or_render(request, "dashboard/programme.html", context, prefix="programme")


def _campaign_scope(campaign: Campaign) -> Scope:
    start = rollup_day(campaign.starts_at)
    end = max(start, min(_today(), rollup_day(campaign.ends_at)))
    return Scope(start=start, end=end, campaign_id=campaign.pk)


def _goal(campaign: Campaign, totals: dict) -> dict:
    reached = {
        GoalMetric.CLICKS: totals["unique_clicks"],
        GoalMetric.SHARES: totals["shares"],
        GoalMetric.ENGAGEMENT: totals["interactions"],
    }[GoalMetric(campaign.goal_metric)]
    target = campaign.goal_target
    percent = min(100, round(100 * reached / target)) if target else None
    now = timezone.now()
    elapsed = (min(now, campaign.ends_at) - campaign.starts_at) / (campaign.ends_at - campaign.starts_at)
    expected = round(target * max(0.0, min(1.0, elapsed))) if target else None
    return {
        "metric": GoalMetric(campaign.goal_metric).label.lower(),
        "reached": reached,
        "target": target,
        "percent": percent,
        "expected": expected,
        "behind": bool(target and reached < (expected or 0)),
    }


def _team_table(scope: Scope, facts: dashboards.Facts) -> Table:
    found = dashboards.top(scope, by="team_id", limit=50, exclude_null=False, facts=facts)
    labels = selectors.team_names(team_ids=[row["team_id"] for row in found if row["team_id"]])
    table = Table(
        "teams",
        "Shares and clicks by team",
        ["Team", "Advocates", "Shares", "Unique clicks"],
        empty="No team has shared yet.",
    )
    for row in found:
        name = labels.get(row["team_id"], "No team")
        first = Link(name, reverse("programme_team", args=[row["team_id"]])) if row["team_id"] else name
        table.rows.append([first, row["advocates"], row["shares"], row["unique_clicks"]])
    return table


def _not_shared_table(audience_ids: set[int], shared: set[int]) -> Table:
    waiting = sorted(audience_ids - shared)
    labels = selectors.names(user_ids=waiting)
    table = Table(
        "not-shared",
        "In the audience, not shared yet",
        ["Person"],
        empty="Everyone in the audience has shared. Well done.",
        note="For a friendly nudge; the list is not shown to employees.",
    )
    table.rows = [[labels[pk]] for pk in waiting if pk in labels]
    return table


@login_required
def programme_campaign(request: HttpRequest, campaign_id: int) -> HttpResponseBase:
    _staff(request)
    campaign = get_object_or_404(
        Campaign.objects.prefetch_related("audience_teams", "audience_locations"), pk=campaign_id
    )
    scope = _campaign_scope(campaign)
    facts = dashboards.Facts(scope)
    current, before = dashboards.totals_with_previous(scope, facts)
    networks = dashboards.by_network(scope, facts)
    chart, daily = _chart(scope, chart_id="campaign-chart", title=f"Unique clicks per day for {campaign.name}")
    audience_ids = set(selectors.campaign_audience(campaign=campaign).values_list("pk", flat=True))
    funnel = selectors.campaign_funnel(campaign=campaign, scope=scope, audience_ids=audience_ids)
    funnel_table = Table("funnel", "Funnel: suggested → opened → shared → clicked", ["Step", "People", "Meaning"])
    funnel_table.rows = [[step.label, step.people, step.note] for step in funnel]
    shared = dashboards.people_who_shared(scope)
    variants = _network_table(networks, slug="variants")
    variants.caption = "Per-network variants compared"
    tables = [
        variants,
        _team_table(scope, facts),
        *_top_tables(scope, kinds=("posts", "advocates"), facts=facts),
        funnel_table,
        _not_shared_table(audience_ids, shared),
        daily,
    ]
    context = {
        "campaign": campaign,
        "scope": scope,
        "goal": _goal(campaign, current),
        "figures": _figures(current, before),
        "routes": _route_figures(current, before),
        "chart": chart,
        "funnel_chart": charts.horizontal_bars(
            title="People at each step", chart_id="funnel-chart", rows=[(step.label, step.people) for step in funnel]
        ),
        "tables": tables,
        "has_activity": bool(current["shares"] or current["unique_clicks"]),
        "survey_results": survey_results(campaign=campaign, viewer=request.user),
    }
    return _export_or_render(request, "dashboard/campaign.html", context, prefix=f"campaign-{campaign.pk}")


@login_required
def programme_post(request: HttpRequest, post_id: int) -> HttpResponseBase:
    _staff(request)
    post = get_object_or_404(SuggestedPost.objects.select_related("campaign"), pk=post_id)
    start = rollup_day(min(post.publish_at, post.campaign.starts_at))
    scope = Scope(start=start, end=max(start, _today()), post_id=post.pk)
    facts = dashboards.Facts(scope)
    current, before = dashboards.totals_with_previous(scope, facts)
    networks = dashboards.by_network(scope, facts)
    chart, daily = _chart(scope, chart_id="post-chart", title=f"Unique clicks per day for {post.title}")
    variants = _network_table(networks, slug="variants")
    variants.caption = "Per-network variants compared"
    context = {
        "post": post,
        "scope": scope,
        "figures": _figures(current, before),
        "routes": _route_figures(current, before),
        "chart": chart,
        "tables": [variants, _team_table(scope, facts), *_top_tables(scope, kinds=("advocates",), facts=facts), daily],
        "has_activity": bool(current["shares"] or current["unique_clicks"]),
    }
    return _export_or_render(request, "dashboard/post.html", context, prefix=f"post-{post.pk}")


@login_required
def programme_team(request: HttpRequest, team_id: int) -> HttpResponseBase:
    _staff(request)
    team = get_object_or_404(Team, pk=team_id)
    form = PeriodForm(request.GET, today=_today(), default_period="30d")
    context: dict = {"form": form, "team": team, "tables": []}
    if not form.is_valid():
        return render(request, "dashboard/team.html", context, status=400)
    scope = form.scope(team_id=team.pk)
    facts = dashboards.Facts(scope)
    current, before = dashboards.totals_with_previous(scope, facts)
    members = set(selectors.audience(team_id=team.pk).values_list("pk", flat=True))
    networks = dashboards.by_network(scope, facts)
    chart, daily = _chart(scope, chart_id="team-chart", title=f"Unique clicks per day for {team.name}")
    participation = round(100 * current["advocates"] / len(members)) if members else None
    not_shared = _not_shared_table(members, dashboards.people_who_shared(scope))
    not_shared.caption = "Members who have not shared in this period"
    context.update(
        scope=scope,
        previous=scope.previous(),
        headline=[
            Figure(
                "Active advocates",
                current["advocates"],
                previous=before["advocates"],
                note=f"of {len(members)} members",
            ),
            Figure("Participation", participation, note="active advocates ÷ members, in %"),
        ],
        figures=_figures(current, before),
        routes=_route_figures(current, before),
        chart=chart,
        tables=[
            _network_table(networks),
            *_top_tables(scope, kinds=("campaigns", "posts", "advocates"), facts=facts),
            not_shared,
            daily,
        ],
    )
    return _export_or_render(request, "dashboard/team.html", context, prefix=f"team-{team.pk}")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("today")


@login_required
def today(request: HttpRequest) -> HttpResponse:
    posts = list(posts_for_today(user=request.user))
    context = {
        "posts": posts,
        # Batched per page, read by the partials each app includes on Today.
        "short_links": links_for_today(user=request.user, posts=posts),
        "post_stats": post_stats_for_posts(user=request.user, posts=posts),
        "share_options": share_options_for_posts(user=request.user, posts=posts),
        "is_programme_staff": selectors.is_programme_staff(request.user),
        "programme": today_news(user=request.user),
    }
    return render(request, "dashboard/today.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})
