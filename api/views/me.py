"""Employees: posts for me, sharing, my shares, my links and clicks, my impact and points, leaderboards.

Every object is the caller's own: the querysets start from request.user, never from an id in the request."""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from analytics import dashboards
from analytics.models import Click
from analytics.rollups import rollup_day
from analytics.selectors import clicks_counting, link_click_totals
from campaigns.models import SuggestedPost
from campaigns.networks import VARIANT_NETWORK_CHOICES, Network
from campaigns.selectors import posts_for_today
from dashboard import selectors as dashboard_selectors
from dashboard.forms import PERIODS, PeriodForm
from leaderboard import selectors as board_selectors
from leaderboard.models import Period
from networks import selectors as share_selectors
from networks.models import Share
from networks.services import sharing
from shortlinks.models import ShortLink

from ..conventions import ApiView, StrictSerializer

SHARE_NETWORKS = [(value, label) for value, label in Network.choices if value != Network.GENERIC]


# --- Posts for me ---------------------------------------------------------------------------------------------


class TodayFilter(django_filters.FilterSet):
    network = django_filters.ChoiceFilter(
        choices=VARIANT_NETWORK_CHOICES, method="keep", help_text="Show only this network's copy of each post."
    )
    campaign = django_filters.NumberFilter(field_name="campaign_id", help_text="Posts of this campaign only.")
    featured = django_filters.BooleanFilter(field_name="is_featured", help_text="Featured posts only (or not).")
    topic = django_filters.CharFilter(field_name="topics__name", help_text="Posts with this topic.")

    class Meta:
        model = SuggestedPost
        fields = ["network", "campaign", "featured", "topic"]

    def keep(self, queryset, name, value):
        return queryset  # chooses the copy shown, not the posts


class VariantSerializer(serializers.Serializer):
    network = serializers.CharField()
    text = serializers.CharField()


class TodayPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    campaign = serializers.CharField(source="campaign.name")
    campaign_id = serializers.IntegerField()
    target_url = serializers.URLField()
    image = serializers.SerializerMethodField()
    publish_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    is_featured = serializers.BooleanField()
    disclaimer = serializers.CharField()
    employees_may_edit = serializers.BooleanField()
    variants = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_image(self, post) -> str | None:
        return self.context["request"].build_absolute_uri(post.image.url) if post.image else None

    @extend_schema_field(VariantSerializer(many=True))
    def get_variants(self, post) -> list[dict]:
        network = self.context.get("network")
        return [
            {"network": v.network, "text": v.text} for v in post.variants.all() if not network or v.network == network
        ]


class TodayPostsApi(mixins.ListModelMixin, ApiView):
    """The approved, current posts aimed at me (what my Today page shows), featured first."""

    serializer_class = TodayPostSerializer
    filterset_class = TodayFilter
    cursor_ordering = ("-is_featured", "-publish_at", "pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SuggestedPost.objects.none()
        return posts_for_today(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "network": self.request.query_params.get("network") or None}

    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


# --- Shares ---------------------------------------------------------------------------------------------------


class ShareSerializer(serializers.ModelSerializer):
    post_title = serializers.CharField(source="post.title", read_only=True)
    short_url = serializers.CharField(source="short_link.short_url", read_only=True)
    next_step = serializers.CharField(read_only=True)

    class Meta:
        model = Share
        fields = [
            "id", "post", "post_title", "network", "route", "status", "text", "with_image", "scheduled_for",
            "published_at", "external_url", "error", "next_step", "short_url", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class IntentShareSerializer(ShareSerializer):
    dialog_url = serializers.SerializerMethodField()

    class Meta(ShareSerializer.Meta):
        fields = [*ShareSerializer.Meta.fields, "dialog_url"]
        read_only_fields = fields

    def get_dialog_url(self, share) -> str:
        return self.context["dialog_url"]


class ShareInput(StrictSerializer):
    post = serializers.IntegerField(min_value=1, help_text="A post from /api/v1/today/.")
    network = serializers.ChoiceField(choices=SHARE_NETWORKS)
    route = serializers.ChoiceField(
        choices=["direct", "intent"],
        default="direct",
        help_text="direct: posted from your connected account (now, or at scheduled_for); intent: the network's "
        "share dialog (the answer carries its URL).",
    )
    text = serializers.CharField(required=False, max_length=5000, help_text="Your text, where the post allows.")
    scheduled_for = serializers.DateTimeField(required=False, help_text="Direct only: post at this time.")
    include_image = serializers.BooleanField(default=True)
    instance = serializers.CharField(required=False, max_length=255, help_text="Intent on Mastodon: your instance.")


class ShareFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Share.Status.choices)
    network = django_filters.ChoiceFilter(choices=SHARE_NETWORKS)
    route = django_filters.ChoiceFilter(choices=Share.Route.choices)
    post = django_filters.NumberFilter(field_name="post_id")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this time (for sync)."
    )

    class Meta:
        model = Share
        fields = ["status", "network", "route", "post", "updated_since"]


class SharesApi(mixins.ListModelMixin, ApiView):
    serializer_class = ShareSerializer
    filterset_class = ShareFilter
    cursor_ordering = ("-created_at", "-pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Share.objects.none()
        return Share.objects.filter(user=self.request.user).select_related("post", "short_link", "account")

    @extend_schema(summary="My shares, newest first")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        summary="Share a post: directly (now or scheduled) or through the network's share dialog",
        request=ShareInput,
        responses={201: IntentShareSerializer},
    )
    def post(self, request, *args, **kwargs):
        data = ShareInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        post = posts_for_today(user=request.user).filter(pk=values["post"]).first()
        if post is None:
            raise ValidationError(
                {"post": ["This post is not available to share (it may have expired or been withdrawn)."]}
            )
        if values["route"] == "intent":
            share, url = sharing.share_intent_create(
                user=request.user, post=post, network=values["network"], instance=values.get("instance", ""),
                source="api",
            )  # fmt: skip
            return Response(IntentShareSerializer(share, context={"dialog_url": url}).data, status=201)
        share = sharing.share_direct_create(
            user=request.user,
            post=post,
            network=values["network"],
            text=values.get("text") if post.employees_may_edit else None,
            scheduled_for=values.get("scheduled_for"),
            include_image=values["include_image"],
            source="api",
        )
        return Response(IntentShareSerializer(share, context={"dialog_url": ""}).data, status=201)


class ShareDetailApi(ApiView):
    serializer_class = ShareSerializer

    def get_object(self):
        return share_selectors.share_get_for_user(user=self.request.user, share_id=self.kwargs["share_id"])

    @extend_schema(summary="One of my shares")
    def get(self, request, share_id: int):
        return Response(ShareSerializer(self.get_object()).data)


class EmptyInput(StrictSerializer):
    """No fields."""


class ShareCancelApi(ApiView):
    serializer_class = ShareSerializer

    @extend_schema(
        summary="Cancel a scheduled share no worker has started", request=EmptyInput, responses=ShareSerializer
    )
    def post(self, request, share_id: int):
        EmptyInput(data=request.data).is_valid(raise_exception=True)
        share = share_selectors.share_get_for_user(user=request.user, share_id=share_id)
        if not sharing.share_cancel(share=share):
            raise ValidationError("Too late to cancel: it is already being posted or done.")
        share.refresh_from_db()
        return Response(ShareSerializer(share).data)


class ShareRetryApi(ApiView):
    serializer_class = ShareSerializer

    @extend_schema(
        summary="Try a failed direct share again (the same share, queued again with its idempotency key)",
        request=EmptyInput,
        responses={200: ShareSerializer},
    )
    def post(self, request, share_id: int):
        EmptyInput(data=request.data).is_valid(raise_exception=True)
        share = share_selectors.share_get_for_user(user=request.user, share_id=share_id)
        again = sharing.share_retry(share=share)
        return Response(ShareSerializer(again).data)


# --- Links and clicks -----------------------------------------------------------------------------------------


class LinkSerializer(serializers.ModelSerializer):
    short_url = serializers.CharField(read_only=True)
    post_title = serializers.SerializerMethodField()
    clicks = serializers.SerializerMethodField(help_text="Human clicks, not your own (from the hourly rollups).")
    unique_clicks = serializers.SerializerMethodField(help_text="First visit of a reader that day.")

    class Meta:
        model = ShortLink
        fields = ["id", "code", "short_url", "post", "post_title", "network", "target_url", "created_at",
                  "clicks", "unique_clicks"]  # fmt: skip
        read_only_fields = fields

    def get_post_title(self, link) -> str | None:
        return link.post.title if link.post else None

    def get_clicks(self, link) -> int:
        return (self.context["totals"].get(link.pk) or {}).get("clicks") or 0

    def get_unique_clicks(self, link) -> int:
        return (self.context["totals"].get(link.pk) or {}).get("unique_clicks") or 0


class LinkFilter(django_filters.FilterSet):
    network = django_filters.ChoiceFilter(choices=SHARE_NETWORKS)
    post = django_filters.NumberFilter(field_name="post_id")

    class Meta:
        model = ShortLink
        fields = ["network", "post"]


class LinksApi(ApiView):
    serializer_class = LinkSerializer
    filterset_class = LinkFilter
    cursor_ordering = ("-created_at", "-pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ShortLink.objects.none()
        return ShortLink.objects.filter(user=self.request.user).select_related("post")

    @extend_schema(summary="My short links with their click totals", responses=LinkSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        totals = link_click_totals(link_ids=[link.pk for link in page])
        return self.get_paginated_response(LinkSerializer(page, many=True, context={"totals": totals}).data)


class ClickSerializer(serializers.Serializer):
    clicked_at = serializers.DateTimeField()
    is_unique = serializers.BooleanField()
    referrer_host = serializers.CharField()
    device_class = serializers.CharField()


class ClickFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="clicked_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="clicked_at", lookup_expr="lt")

    class Meta:
        model = Click
        fields = ["since", "until"]


class LinkClicksApi(ApiView):
    """Counted clicks on one of my links (bots, previews and my own clicks are left out)."""

    serializer_class = ClickSerializer
    filterset_class = ClickFilter
    cursor_ordering = ("-clicked_at", "-pk")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Click.objects.none()
        link = get_object_or_404(ShortLink, pk=self.kwargs["link_id"], user=self.request.user)
        return clicks_counting().filter(link=link)

    @extend_schema(summary="Counted clicks on one of my links", responses=ClickSerializer(many=True))
    def get(self, request, link_id: int):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ClickSerializer(page, many=True).data)


# --- My impact and points -------------------------------------------------------------------------------------

TOTALS = ("shares", "shares_direct", "shares_scheduled", "shares_dialog", "unique_clicks", "clicks", "previews",
          "interactions", "impressions")  # fmt: skip


def _totals_serializer(name: str):
    return inline_serializer(name, {field: serializers.IntegerField(allow_null=True) for field in TOTALS})


class NetworkRow(serializers.Serializer):
    network = serializers.CharField()
    label = serializers.CharField()
    shares = serializers.IntegerField()
    unique_clicks = serializers.IntegerField()
    previews = serializers.IntegerField()
    clicks_per_share = serializers.FloatField(allow_null=True)
    likes = serializers.IntegerField(allow_null=True)
    reposts = serializers.IntegerField(allow_null=True)
    replies = serializers.IntegerField(allow_null=True)
    quotes = serializers.IntegerField(allow_null=True)
    impressions = serializers.IntegerField(allow_null=True)
    engagement_available = serializers.BooleanField()


class PeriodOut(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


IMPACT_PARAMETERS = [
    OpenApiParameter("period", OpenApiTypes.STR, enum=[p for p, _ in PERIODS], description="Default: this week."),
    OpenApiParameter("start", OpenApiTypes.DATE, description="With end (period=custom): the first day."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="With start: the last day."),
]


def period_form(request, **kwargs) -> PeriodForm:
    """The dashboards' period filter, read from the query; its errors are a 400."""
    form = PeriodForm(request.query_params, today=rollup_day(timezone.now()), **kwargs)
    if not form.is_valid():
        raise ValidationError({k if k != "__all__" else "non_field_errors": v for k, v in form.errors.items()})
    return form


def network_rows(rows: list[dict]) -> list[dict]:
    keep = ("network", "label", "shares", "unique_clicks", "previews", "clicks_per_share", "likes", "reposts",
            "replies", "quotes", "impressions", "engagement_available")  # fmt: skip
    return [{key: row.get(key) for key in keep} for row in rows]


def totals_out(totals: dict) -> dict:
    return {key: totals.get(key) for key in TOTALS}


class ImpactApi(ApiView):
    serializer_class = None

    @extend_schema(
        summary="My impact: my figures for a period, as on the My impact page",
        parameters=IMPACT_PARAMETERS,
        responses=inline_serializer(
            "Impact",
            {
                "period": PeriodOut(),
                "totals": _totals_serializer("ImpactTotals"),
                "previous": _totals_serializer("ImpactPreviousTotals"),
                "points": serializers.IntegerField(),
                "networks": NetworkRow(many=True),
            },
        ),
    )
    def get(self, request):
        form = period_form(request)
        scope = form.scope(user_id=request.user.pk)
        facts = dashboards.Facts(scope)
        current, before = dashboards.totals_with_previous(scope, facts)
        return Response(
            {
                "period": {"start": scope.start, "end": scope.end},
                "totals": totals_out(current),
                "previous": totals_out(before),
                "points": dashboard_selectors.points_between(user_id=request.user.pk, start=scope.start, end=scope.end),
                "networks": network_rows(dashboards.by_network(scope, facts)),
            }
        )


class PositionOut(serializers.Serializer):
    period = serializers.CharField()
    rank = serializers.IntegerField()
    points = serializers.IntegerField()
    points_to_next = serializers.IntegerField(allow_null=True)
    public = serializers.BooleanField(help_text="Whether I show on the public board.")


def position_out(period: str, position) -> dict:
    return {
        "period": period,
        "rank": position.rank,
        "points": position.points,
        "points_to_next": position.points_to_next,
        "public": position.public,
    }


class PointsApi(ApiView):
    serializer_class = None

    @extend_schema(
        summary="My points: total, my place on each period's board, my badges",
        responses=inline_serializer(
            "MyPoints",
            {
                "total": serializers.IntegerField(),
                "positions": PositionOut(many=True),
                "badges": inline_serializer(
                    "Badge", {"badge": serializers.CharField(), "awarded_at": serializers.DateTimeField()}, many=True
                ),
            },
        ),
    )
    def get(self, request):
        user_id = request.user.pk
        return Response(
            {
                "total": board_selectors.points_total(user_id=user_id),
                "positions": [
                    position_out(value, board_selectors.leaderboard_position(user_id=user_id, period=value))
                    for value, _ in board_selectors.PERIODS
                ],
                "badges": [
                    {"badge": b.get_badge_display(), "awarded_at": b.awarded_at}
                    for b in board_selectors.badges_for(user_id=user_id)
                ],
            }
        )


class LedgerEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    points = serializers.IntegerField()
    reason = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class LedgerApi(mixins.ListModelMixin, ApiView):
    serializer_class = LedgerEntrySerializer
    cursor_ordering = ("-occurred_at", "-pk")

    def get_queryset(self):
        return board_selectors.ledger_for(user_id=self.request.user.pk)

    @extend_schema(summary="My points ledger, newest first")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


BOARD_SCOPES = ("all", "team", "teams")


class LeaderboardApi(ApiView):
    serializer_class = None

    @extend_schema(
        summary="A leaderboard I may see: everyone, my team, or teams (public standings only)",
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(Period.values), description="Default: week."),
            OpenApiParameter("scope", OpenApiTypes.STR, enum=list(BOARD_SCOPES), description="Default: all."),
        ],
        responses=inline_serializer(
            "Leaderboard",
            {
                "period": serializers.CharField(),
                "scope": serializers.CharField(),
                "rows": inline_serializer(
                    "Standing",
                    {
                        "rank": serializers.IntegerField(),
                        "name": serializers.CharField(),
                        "points": serializers.IntegerField(),
                    },
                    many=True,
                ),
                "me": PositionOut(allow_null=True),
            },
        ),
    )
    def get(self, request):
        period = request.query_params.get("period") or Period.WEEK
        scope = request.query_params.get("scope") or "all"
        errors = {}
        if period not in Period.values:
            errors["period"] = [f"Choose one of: {', '.join(Period.values)}."]
        if scope not in BOARD_SCOPES:
            errors["scope"] = [f"Choose one of: {', '.join(BOARD_SCOPES)}."]
        if errors:
            raise ValidationError(errors)
        if scope == "teams":
            standings = board_selectors.team_leaderboard(period=period)
            rows = [{"rank": t.rank, "name": t.name, "points": t.points} for t in standings]
            return Response({"period": period, "scope": scope, "rows": rows, "me": None})
        team = board_selectors.team_of(user_id=request.user.pk)
        if scope == "team" and team is None:
            raise ValidationError({"scope": ["You are not in a team: ask an admin to add you to one."]})
        team_id = team.pk if scope == "team" and team else None
        top = board_selectors.leaderboard_top(period=period, team_id=team_id, limit=50)
        names = board_selectors.display_names(user_ids=[s.user_id for s in top])
        me = board_selectors.leaderboard_position(user_id=request.user.pk, period=period, team_id=team_id)
        return Response(
            {
                "period": period,
                "scope": scope,
                "rows": [{"rank": s.rank, "name": names.get(s.user_id, ""), "points": s.points} for s in top],
                "me": position_out(period, me),
            }
        )
