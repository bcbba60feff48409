"""Pages: Today, My impact (every employee, their own data only) and programme analytics (admins and
content managers): the overview, a campaign, a post, a team.

The dashboards parse the filters, gather from analytics.dashboards (rollups only: never a Click row) and
dashboard.selectors, and render; `?export=<table>` streams any table of the page as CSV.
"""

import datetime as dt
import hashlib
import zoneinfo
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.models import Team, User
from accounts.services import profile_get
from analytics import dashboards
from analytics.dashboards import ENGAGEMENT_FIELDS, Figure, Scope
from analytics.rollups import rollup_day
from analytics.selectors import ShareEngagement, engagement_for_shares, unique_clicks_for_links
from campaigns.models import Campaign, PostVariant, SuggestedPost
from campaigns.networks import Network
from campaigns.selectors import posts_for_today
from leaderboard.selectors import post_stats_for_posts
from networks.models import Share
from networks.providers.base import providers
from networks.selectors import (
    SharedMark,
    ShareRoute,
    accounts_by_update,
    my_shares_for_posts,
    near_duplicates_for_posts,
    network_order_for,
    personalised_share_count,
    share_networks_for_posts,
    share_options_for_posts,
    shares_for,
    variant_copies_for_posts,
)
from programme.selectors import survey_results, today_news

from . import charts, selectors
from .forms import PeriodForm, ProgrammeForm, TodayFilterForm
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


SHARES_SHOWN = 100


@dataclass(frozen=True)
class MyShareRow:
    """One card of My shares: the share with what the employee can learn and do about it."""

    share: Share
    when_label: str
    when: dt.datetime
    unique_clicks: int
    engagement: ShareEngagement | None  # None: a dialog share, whose post we cannot find on the network
    post_url: str  # the post's card on Today while it can be shared, else ""
    can_cancel: bool
    can_retry: bool
    can_reopen: bool


def _share_when(share: Share) -> tuple[str, dt.datetime]:
    status = Share.Status
    if share.status in (status.PUBLISHED, status.DELETED) and share.published_at:
        return "Published", share.published_at
    if share.status == status.SCHEDULED and share.scheduled_for:
        return "Scheduled for", share.scheduled_for
    if share.status == status.OPENED:
        return "Dialog opened", share.updated_at
    if share.status in (status.FAILED, status.CANCELLED):
        return share.get_status_display(), share.updated_at
    return "Started", share.created_at


@login_required
@require_GET
def my_shares(request: HttpRequest) -> HttpResponse:
    """My shares: each with its time in my zone, route, status, short link, unique clicks and engagement.

    A constant number of queries however many shares: the shares with their posts and links, then the
    engagement, the clicks and which posts can still be shared, each in one batch.
    """
    user = cast(User, request.user)
    shares = list(shares_for(user=user, limit=SHARES_SHOWN))
    share_ids = [s.pk for s in shares]
    engagement = engagement_for_shares(share_ids=[s.pk for s in shares if s.route == Share.Route.DIRECT])
    clicks = unique_clicks_for_links(link_ids=list({s.short_link_id for s in shares}))
    shareable = set(
        posts_for_today(user=user)
        .filter(pk__in={s.post_id for s in shares})
        .prefetch_related(None)
        .values_list("pk", flat=True)
    )
    today_url = reverse("today")
    rows = []
    for share in shares:
        when_label, when = _share_when(share)
        live = share.post_id in shareable
        rows.append(
            MyShareRow(
                share=share,
                when_label=when_label,
                when=when,
                unique_clicks=clicks.get(share.short_link_id, 0),
                engagement=engagement.get(share.pk),
                post_url=f"{today_url}#post-{share.post_id}" if live else "",
                can_cancel=share.status == Share.Status.SCHEDULED,
                can_retry=live and share.route == Share.Route.DIRECT and share.status == Share.Status.FAILED,
                can_reopen=live and share.status == Share.Status.OPENED,
            )
        )
    profile = getattr(user, "profile", None)
    time_zone = getattr(profile, "time_zone", "") or settings.ORGANISATION_TIME_ZONE
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with timezone.override(zone):
        return render(
            request,
            "dashboard/my_shares.html",
            {"rows": rows, "zone": zone.key, "shown": len(share_ids), "limit": SHARES_SHOWN},
        )


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


def _goal(campaign: Campaign, totals: dict) -> dict:
    goal = dashboards.campaign_goal(campaign, totals, now=timezone.now())
    return {
        "metric": goal.metric.label.lower(),
        "reached": goal.reached,
        "target": goal.target,
        "percent": goal.percent,
        "expected": goal.expected,
        "behind": goal.behind,
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


def _personalised_figure(count) -> Figure:
    share = f" ({count.percent} %)" if count.percent is not None else ""
    return Figure(
        "Personalised shares",
        count.personalised,
        note=f"of {count.direct} posted through the app{share}: the employee changed the suggested text",
    )


@login_required
def programme_campaign(request: HttpRequest, campaign_id: int) -> HttpResponseBase:
    _staff(request)
    campaign = get_object_or_404(
        Campaign.objects.prefetch_related("audience_teams", "audience_locations"), pk=campaign_id
    )
    scope = dashboards.campaign_scope(campaign, today=_today())
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
    post_titles = dict(SuggestedPost.objects.filter(campaign=campaign).values_list("pk", "title"))
    personalised = personalised_share_count(post_ids=list(post_titles))
    near_duplicates = [
        {"title": post_titles[post_id], "network": Network(network).label, "people": people}
        for (post_id, network), people in sorted(near_duplicates_for_posts(post_ids=list(post_titles)).items())
    ]
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
        "voices": [_personalised_figure(personalised)],
        "near_duplicates": near_duplicates,
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


@dataclass
class TodayCard:
    """One post on Today, prepared for the person looking."""

    post: SuggestedPost
    variants: list[PostVariant]  # in this person's order of networks; the first one is open
    quick_routes: list[ShareRoute]  # the closed variants' dialogs: one tap each, from the card itself
    shared: list[SharedMark]  # this person's shares of the post, newest first


def _today_filter(post: SuggestedPost, data: dict, shared: dict, networks: dict) -> bool:
    if data.get("campaign") and post.campaign_id != data["campaign"]:
        return False
    if data.get("network") and not any(data["network"] in served for served in networks[post.pk].values()):
        return False
    if data.get("not_shared") and post.pk in shared:
        return False
    return not (data.get("featured") and not post.is_featured)


def _variants_in_order(post: SuggestedPost, served: dict[str, list[str]], order: list[str]) -> list[PostVariant]:
    """The post's copies by the first network each serves in `order` (the person's own order)."""
    rank: dict[str, int] = {}
    for n, network in enumerate(order):
        rank.setdefault(network, n)

    def key(variant: PostVariant) -> int:
        return min((rank.get(net, len(rank)) for net in served.get(variant.network) or [variant.network]), default=0)

    return sorted(post.variants.all(), key=key)


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """What to share: the person's networks first, filters in the URL, what they already shared at the end.

    A constant number of queries however many posts (tests/dashboard/test_today.py counts them)."""
    user = cast(User, request.user)  # login_required
    everything = list(posts_for_today(user=user))
    served = share_networks_for_posts(posts=everything)
    campaigns = sorted({(p.campaign_id, p.campaign.name) for p in everything}, key=lambda c: (c[1].lower(), c[0]))
    networks = [(p.network, p.label) for p in providers()]
    form = TodayFilterForm(request.GET or None, campaigns=campaigns, networks=networks)
    valid = form.is_valid() if form.is_bound else True
    filters = form.cleaned_data if form.is_bound else {}
    shared = my_shares_for_posts(user=user, post_ids=[p.pk for p in everything])
    posts = [p for p in everything if _today_filter(p, filters, shared, served)]
    posts.sort(key=lambda p: p.pk in shared)  # stable: what I already shared sinks, in the same order
    # Every network a card offers gets its short link now (so "Copy text" carries it), and so does the sheet.
    wanted = {p.pk: {n for nets in served[p.pk].values() for n in nets} | {Network.SHEET} for p in posts}
    links = links_for_today(user=user, posts=posts, networks=wanted)
    accounts = accounts_by_update(user=user)
    options = share_options_for_posts(user=user, posts=posts, links=links, accounts=accounts)
    order = network_order_for(user=user, accounts=accounts)
    if filters.get("network"):
        order = [filters["network"], *order]
    cards = []
    for post in posts:
        variants = _variants_in_order(post, served[post.pk], order)
        quick = [route for v in variants[1:] for route in options[post.pk].get(v.network, [])]
        cards.append(TodayCard(post, variants, quick, shared.get(post.pk, [])))
    context = {
        "posts": posts,
        "cards": cards,
        "form": form,
        "filtered": bool(filters and any(filters.values())),
        "total": len(everything),
        # Batched per page, read by the partials each app includes on Today.
        "short_links": links,
        "post_stats": post_stats_for_posts(user=user, posts=posts),
        "share_options": options,
        "variant_copies": variant_copies_for_posts(posts=posts, links=links),
        "is_programme_staff": selectors.is_programme_staff(user),
        "programme": today_news(user=user),
    }
    # Dates on the page (shared at, share until) in the person's own time zone.
    with timezone.override(_user_zone(user)):
        return render(request, "dashboard/today.html", context, status=200 if valid else 400)


def _user_zone(user: User) -> zoneinfo.ZoneInfo:
    name = profile_get(user=user).time_zone or settings.ORGANISATION_TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


# --- The installable app: manifest and service worker -------------------------------------------------

APP_ICONS = (
    ("img/icons/icon-192.png", "192x192", "any"),
    ("img/icons/icon-512.png", "512x512", "any"),
    ("img/icons/icon-maskable-512.png", "512x512", "maskable"),
)
# What Today needs to render offline besides itself.
OFFLINE_ASSETS = ("css/app.css", "js/app.js", "img/favicon.svg", "img/icons/icon-192.png")


def web_manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest (public: browsers fetch it without cookies). Opens on Today."""
    today_url = reverse("today")
    manifest = {
        "id": today_url,
        "name": "Advocacy",
        "short_name": "Advocacy",
        "description": "What to share today, in one tap.",
        "start_url": today_url,
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7fb",
        "theme_color": "#1f5eff",
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in APP_ICONS
        ],
    }
    response = JsonResponse(manifest, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site's root so its scope is the whole site (public, no personal data)."""
    assets = [static(path) for path in OFFLINE_ASSETS]
    response = render(
        request,
        "dashboard/sw.js",
        {
            "assets": assets,
            # A new worker (and a fresh asset cache) whenever a static file's URL changes (hashed in production).
            "version": hashlib.sha256("|".join(assets).encode()).hexdigest()[:12],
            "today_url": reverse("today"),
            "static_prefix": static(""),
            "login_prefix": reverse("account_login"),
        },
        content_type="text/javascript",
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's): send them to the static one."""
    return redirect(staticfiles_storage.url("img/favicon.ico"))
