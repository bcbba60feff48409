"""Content managers: campaigns and posts through the campaigns services (the workflow with its four-eyes
rule, the copy checks, the image checks), so the API can skip no step the admin enforces."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.models import Location, Team, User
from campaigns import services
from campaigns.models import Campaign, CampaignStatus, GoalMetric, PostStatus, SuggestedPost, Topic
from campaigns.networks import VARIANT_NETWORK_CHOICES
from campaigns.selectors import POST_ACTIONS_BY_NAME

from ..conventions import ApiView, StrictSerializer
from ..permissions import Perms, SignedIn, TokenScope

VIEW_CAMPAIGNS = [SignedIn, TokenScope, Perms("campaigns.view_campaign")]
VIEW_POSTS = [SignedIn, TokenScope, Perms("campaigns.view_suggestedpost")]


def _by_method(view, **perms) -> list:
    return [p() for p in perms.get(view.request.method, perms["GET"])]


# --- Campaigns ------------------------------------------------------------------------------------------------


class CampaignSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    audience_teams = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    audience_locations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id", "name", "narrative", "status", "goal_metric", "goal_target", "starts_at", "ends_at",
            "audience_teams", "audience_locations", "audience_languages", "hashtags", "utm_campaign", "owner",
            "launched_at", "archived_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class CampaignInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    narrative = serializers.CharField()
    goal_metric = serializers.ChoiceField(choices=GoalMetric.choices, required=False)
    goal_target = serializers.IntegerField(min_value=0, max_value=2_000_000_000, required=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    audience_teams = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), many=True, required=False)
    audience_locations = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all(), many=True, required=False)
    audience_languages = serializers.ListField(child=serializers.CharField(max_length=8), required=False)
    hashtags = serializers.CharField(max_length=500, required=False, allow_blank=True)
    utm_campaign = serializers.SlugField(max_length=100)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_staff=True), required=False)


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CampaignStatus.choices, method="by_status")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Campaign
        fields = ["status", "updated_since"]

    def by_status(self, queryset, name, value):
        return queryset.with_status(value)


class CampaignsApi(mixins.ListModelMixin, ApiView):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    cursor_ordering = ("-pk",)
    queryset = Campaign.objects.prefetch_related("audience_teams", "audience_locations")

    def get_permissions(self):
        return _by_method(self, GET=VIEW_CAMPAIGNS, POST=[SignedIn, TokenScope, Perms("campaigns.add_campaign")])

    @extend_schema(summary="Campaigns")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(summary="Create a draft campaign", request=CampaignInput, responses={201: CampaignSerializer})
    def post(self, request):
        data = CampaignInput(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(by=request.user, **data.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailApi(ApiView):
    serializer_class = CampaignSerializer

    def get_permissions(self):
        return _by_method(self, GET=VIEW_CAMPAIGNS, PATCH=[SignedIn, TokenScope, Perms("campaigns.change_campaign")])

    @extend_schema(summary="One campaign")
    def get(self, request, campaign_id: int):
        return Response(CampaignSerializer(get_object_or_404(Campaign, pk=campaign_id)).data)

    @extend_schema(summary="Change a campaign", request=CampaignInput(partial=True), responses=CampaignSerializer)
    def patch(self, request, campaign_id: int):
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        data = CampaignInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_update(campaign=campaign, **data.validated_data)
        return Response(CampaignSerializer(campaign).data)


class EmptyInput(StrictSerializer):
    """No fields."""


class CampaignActionApi(ApiView):
    """launch: a draft goes live (scheduled, then active as its dates say); archive: it and its posts end."""

    serializer_class = CampaignSerializer
    permission_classes = [SignedIn, TokenScope, Perms("campaigns.change_campaign")]
    action_name = ""

    @extend_schema(request=EmptyInput, responses=CampaignSerializer)
    def post(self, request, campaign_id: int):
        EmptyInput(data=request.data).is_valid(raise_exception=True)
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        if self.action_name == "launch":
            services.campaign_launch(campaign=campaign)
        else:
            services.campaign_archive(campaign=campaign, by=request.user)
        return Response(CampaignSerializer(campaign).data)


# --- Posts ----------------------------------------------------------------------------------------------------


class PostSerializer(serializers.ModelSerializer):
    variants = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    topics = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = SuggestedPost
        fields = [
            "id", "campaign", "title", "target_url", "status", "rejection_reason", "image", "image_alt",
            "publish_at", "expires_at", "employees_may_edit", "disclaimer", "topics", "is_featured", "variants",
            "created_by", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_variants(self, post) -> dict[str, str]:
        return {v.network: v.text for v in post.variants.all()}

    def get_image(self, post) -> str | None:
        request = self.context.get("request")
        if not post.image:
            return None
        return request.build_absolute_uri(post.image.url) if request else post.image.url


class PostInput(StrictSerializer):
    campaign = serializers.PrimaryKeyRelatedField(queryset=Campaign.objects.all())
    title = serializers.CharField(max_length=200)
    target_url = serializers.URLField(max_length=2000)
    image_alt = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    publish_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    employees_may_edit = serializers.BooleanField(required=False)
    disclaimer = serializers.CharField(max_length=300, required=False, allow_blank=True)
    topics = serializers.SlugRelatedField(slug_field="name", queryset=Topic.objects.all(), many=True, required=False)
    is_featured = serializers.BooleanField(required=False)
    variants = serializers.DictField(
        child=serializers.CharField(max_length=10_000),
        help_text="The copy per network: {network: text}; " + ", ".join(v for v, _ in VARIANT_NETWORK_CHOICES) + ".",
    )

    def validate_variants(self, value: dict) -> dict:
        known = {v for v, _ in VARIANT_NETWORK_CHOICES}
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(f"Unknown networks: {', '.join(unknown)}.")
        if not value and not self.partial:
            raise serializers.ValidationError("Add the copy for at least one network.")
        return value


class PostFilter(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id")
    status = django_filters.ChoiceFilter(choices=PostStatus.choices)
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = SuggestedPost
        fields = ["campaign", "status", "updated_since"]


class PostsApi(mixins.ListModelMixin, ApiView):
    serializer_class = PostSerializer
    filterset_class = PostFilter
    cursor_ordering = ("-pk",)
    queryset = SuggestedPost.objects.prefetch_related("variants", "topics")

    def get_permissions(self):
        return _by_method(self, GET=VIEW_POSTS, POST=[SignedIn, TokenScope, Perms("campaigns.add_suggestedpost")])

    @extend_schema(summary="Suggested posts (every status)")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(summary="Create a draft post with its copy", request=PostInput, responses={201: PostSerializer})
    def post(self, request):
        data = PostInput(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(by=request.user, **data.validated_data)
        return Response(PostSerializer(post, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PostDetailApi(ApiView):
    serializer_class = PostSerializer

    def get_permissions(self):
        return _by_method(self, GET=VIEW_POSTS, PATCH=[SignedIn, TokenScope, Perms("campaigns.change_suggestedpost")])

    @extend_schema(summary="One post")
    def get(self, request, post_id: int):
        post = get_object_or_404(SuggestedPost, pk=post_id)
        return Response(PostSerializer(post, context={"request": request}).data)

    @extend_schema(
        summary="Change a post (its content only until it is approved)",
        request=PostInput(partial=True),
        responses=PostSerializer,
    )
    def patch(self, request, post_id: int):
        post = get_object_or_404(SuggestedPost, pk=post_id)
        data = PostInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        post = services.post_update(post=post, **data.validated_data)
        return Response(PostSerializer(post, context={"request": request}).data)


class RejectInput(StrictSerializer):
    reason = serializers.CharField(min_length=5, max_length=2000, help_text="Why, for the post's author.")


class PostActionApi(ApiView):
    """One workflow step (submit, approve, reject, publish, archive), with the permission the admin asks for."""

    serializer_class = PostSerializer
    action_name = ""

    def get_permissions(self):
        return [SignedIn(), TokenScope(), Perms(POST_ACTIONS_BY_NAME[self.action_name].permission)()]

    def get_serializer_class(self):
        return RejectInput if self.action_name == "reject" else EmptyInput

    @extend_schema(responses=PostSerializer)
    def post(self, request, post_id: int):
        data = self.get_serializer_class()(data=request.data)
        data.is_valid(raise_exception=True)
        post = get_object_or_404(SuggestedPost, pk=post_id)
        chosen = POST_ACTIONS_BY_NAME[self.action_name]
        services.post_transition(post=post, to=chosen.to, by=request.user, reason=data.validated_data.get("reason", ""))
        post.refresh_from_db()
        return Response(PostSerializer(post, context={"request": request}).data)


class ImageInput(StrictSerializer):
    image = serializers.FileField(help_text="JPEG, PNG, GIF or WebP within the size and pixel limits.")


class PostImageApi(ApiView):
    serializer_class = PostSerializer
    parser_classes = [MultiPartParser]
    permission_classes = [SignedIn, TokenScope, Perms("campaigns.change_suggestedpost")]

    @extend_schema(
        summary="Upload the post's image (checked like the admin's upload)",
        request={"multipart/form-data": ImageInput},
        responses=PostSerializer,
    )
    def put(self, request, post_id: int):
        data = ImageInput(data=request.data)
        data.is_valid(raise_exception=True)
        post = get_object_or_404(SuggestedPost, pk=post_id)
        services.post_image_replace(post=post, upload=data.validated_data["image"])
        post.refresh_from_db()
        return Response(PostSerializer(post, context={"request": request}).data)
