"""Content managers and admins: the programme analytics the dashboard pages show (overview, campaign, post,
team), from the same rollups through the same analytics.dashboards readers, so the numbers are the same."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import Team
from analytics import dashboards
from analytics.dashboards import Scope
from analytics.rollups import rollup_day
from campaigns.models import Campaign, SuggestedPost
from campaigns.networks import Network
from dashboard import selectors
from dashboard.forms import ProgrammeForm

from ..conventions import ApiView
from ..permissions import ProgrammeStaff, SignedIn, TokenScope
from .me import IMPACT_PARAMETERS, NetworkRow, PeriodOut, _totals_serializer, network_rows, period_form, totals_out

STAFF = [SignedIn, TokenScope, ProgrammeStaff]


class TopRow(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    advocates = serializers.IntegerField(required=False)
    shares = serializers.IntegerField()
    unique_clicks = serializers.IntegerField()
    interactions = serializers.IntegerField(allow_null=True)
    impressions = serializers.IntegerField(allow_null=True)


TOP_KINDS = {"campaigns": "campaign_id", "posts": "post_id", "advocates": "user_id", "teams": "team_id"}


def _today() -> dt.date:
    return rollup_day(timezone.now())


def _names(kind: str, ids: list[int]) -> dict[int, str]:
    if kind == "campaigns":
        return dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))
    if kind == "posts":
        return dict(SuggestedPost.objects.filter(pk__in=ids).values_list("pk", "title"))
    if kind == "teams":
        return selectors.team_names(team_ids=[pk for pk in ids if pk])
    return selectors.names(user_ids=ids)


def _top(scope: Scope, facts: dashboards.Facts, kinds: tuple[str, ...], **kwargs) -> dict[str, list[dict]]:
    found = {}
    for kind in kinds:
        by = TOP_KINDS[kind]
        rows = dashboards.top(scope, by=by, facts=facts, **kwargs)
        names = _names(kind, [row[by] for row in rows])
        found[kind] = [
            {
                "id": row[by],
                "name": names.get(row[by], "No team" if kind == "teams" and not row[by] else "(deleted)"),
                **({"advocates": row["advocates"]} if kind != "advocates" else {}),
                "shares": row["shares"],
                "unique_clicks": row["unique_clicks"],
                "interactions": row["interactions"],
                "impressions": row["impressions"],
            }
            for row in rows
        ]
    return found


def _summary(scope: Scope) -> tuple[dashboards.Facts, dict, dict, list[dict]]:
    facts = dashboards.Facts(scope)
    current, before = dashboards.totals_with_previous(scope, facts)
    return facts, current, before, network_rows(dashboards.by_network(scope, facts))


def _tops(name: str, kinds: tuple[str, ...]):
    return inline_serializer(name, {kind: TopRow(many=True) for kind in kinds})


def _figures(name: str, extra: dict):
    return inline_serializer(
        name,
        {
            "period": PeriodOut(),
            "totals": _totals_serializer(f"{name}Totals"),
            "previous": _totals_serializer(f"{name}PreviousTotals"),
            "networks": NetworkRow(many=True),
            **extra,
        },
    )


class OverviewApi(ApiView):
    permission_classes = STAFF
    serializer_class = None

    @extend_schema(
        summary="Programme overview (as on the Programme page)",
        parameters=[
            *IMPACT_PARAMETERS,
            OpenApiParameter("team", OpenApiTypes.INT, description="Only this team's people."),
            OpenApiParameter("location", OpenApiTypes.INT, description="Only this location's people."),
            OpenApiParameter("network", OpenApiTypes.STR, enum=list(Network.values)),
        ],
        responses=_figures(
            "Overview",
            {
                "people": serializers.IntegerField(help_text="People in the audience."),
                "participation_percent": serializers.IntegerField(allow_null=True),
                "top": _tops("OverviewTop", ("campaigns", "posts", "advocates", "teams")),
            },
        ),
    )
    def get(self, request):
        form = ProgrammeForm(request.query_params, today=_today())
        if not form.is_valid():
            raise ValidationError({k if k != "__all__" else "non_field_errors": v for k, v in form.errors.items()})
        filters = form.filters()
        scope = form.scope(**filters)
        facts, current, before, networks = _summary(scope)
        people = selectors.audience(team_id=filters["team_id"], location_id=filters["location_id"]).count()
        return Response(
            {
                "period": {"start": scope.start, "end": scope.end},
                "totals": totals_out(current),
                "previous": totals_out(before),
                "networks": networks,
                "people": people,
                "participation_percent": round(100 * current["advocates"] / people) if people else None,
                "top": _top(scope, facts, ("campaigns", "posts", "advocates", "teams")),
            }
        )


def campaign_goal(campaign: Campaign, totals: dict) -> dict:
    goal = dashboards.campaign_goal(campaign, totals, now=timezone.now())
    return {"metric": goal.metric.value, "reached": goal.reached, "target": goal.target, "percent": goal.percent}


class CampaignAnalyticsApi(ApiView):
    permission_classes = STAFF
    serializer_class = None

    @extend_schema(
        summary="One campaign's figures (as on its programme page)",
        responses=_figures(
            "CampaignAnalytics",
            {
                "campaign": inline_serializer(
                    "CampaignRef", {"id": serializers.IntegerField(), "name": serializers.CharField()}
                ),
                "goal": inline_serializer(
                    "Goal",
                    {
                        "metric": serializers.CharField(),
                        "reached": serializers.IntegerField(),
                        "target": serializers.IntegerField(),
                        "percent": serializers.IntegerField(allow_null=True),
                    },
                ),
                "funnel": inline_serializer(
                    "FunnelStep",
                    {
                        "label": serializers.CharField(),
                        "people": serializers.IntegerField(),
                        "note": serializers.CharField(),
                    },
                    many=True,
                ),
                "top": _tops("CampaignTop", ("posts", "advocates", "teams")),
            },
        ),
    )
    def get(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        scope = dashboards.campaign_scope(campaign, today=_today())
        facts, current, before, networks = _summary(scope)
        audience_ids = set(selectors.campaign_audience(campaign=campaign).values_list("pk", flat=True))
        funnel = selectors.campaign_funnel(campaign=campaign, scope=scope, audience_ids=audience_ids)
        top = _top(scope, facts, ("posts", "advocates"))
        top.update(_top(scope, facts, ("teams",), limit=50, exclude_null=False))
        return Response(
            {
                "campaign": {"id": campaign.pk, "name": campaign.name},
                "period": {"start": scope.start, "end": scope.end},
                "totals": totals_out(current),
                "previous": totals_out(before),
                "networks": networks,
                "goal": campaign_goal(campaign, current),
                "funnel": [{"label": s.label, "people": s.people, "note": s.note} for s in funnel],
                "top": top,
            }
        )


class PostAnalyticsApi(ApiView):
    permission_classes = STAFF
    serializer_class = None

    @extend_schema(
        summary="One post's figures (as on its programme page)",
        responses=_figures("PostAnalytics", {"top": _tops("PostTop", ("advocates", "teams"))}),
    )
    def get(self, request, post_id: int):
        post = get_object_or_404(SuggestedPost.objects.select_related("campaign"), pk=post_id)
        start = rollup_day(min(post.publish_at, post.campaign.starts_at))
        scope = Scope(start=start, end=max(start, _today()), post_id=post.pk)
        facts, current, before, networks = _summary(scope)
        top = _top(scope, facts, ("advocates",))
        top.update(_top(scope, facts, ("teams",), limit=50, exclude_null=False))
        return Response(
            {
                "period": {"start": scope.start, "end": scope.end},
                "totals": totals_out(current),
                "previous": totals_out(before),
                "networks": networks,
                "top": top,
            }
        )


class TeamAnalyticsApi(ApiView):
    permission_classes = STAFF
    serializer_class = None

    @extend_schema(
        summary="One team's figures for a period (as on its programme page)",
        parameters=IMPACT_PARAMETERS,
        responses=_figures(
            "TeamAnalytics",
            {
                "members": serializers.IntegerField(),
                "participation_percent": serializers.IntegerField(allow_null=True),
                "top": _tops("TeamTop", ("campaigns", "posts", "advocates")),
            },
        ),
    )
    def get(self, request, team_id: int):
        team = get_object_or_404(Team, pk=team_id)
        form = period_form(request, default_period="30d")
        scope = form.scope(team_id=team.pk)
        facts, current, before, networks = _summary(scope)
        members = selectors.audience(team_id=team.pk).count()
        return Response(
            {
                "period": {"start": scope.start, "end": scope.end},
                "totals": totals_out(current),
                "previous": totals_out(before),
                "networks": networks,
                "members": members,
                "participation_percent": round(100 * current["advocates"] / members) if members else None,
                "top": _top(scope, facts, ("campaigns", "posts", "advocates")),
            }
        )
