"""Suggestions: employees suggest posts and follow them; content managers work the moderation queue.

Every write goes through community.services, so the API checks what the web form and the admin check (link or
words, a sound image, one pending suggestion per link, a reason to decline, the post's copy rules)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from campaigns.models import Campaign
from community import selectors, services
from community.models import REASON_MIN, TEXT_MAX, Review, Suggestion

from ..conventions import ApiView, StrictSerializer
from ..permissions import Perms, SignedIn, TokenScope

REVIEW = [SignedIn, TokenScope, Perms("community.view_suggestion")]
DECIDE = [SignedIn, TokenScope, Perms("community.change_suggestion")]


class SuggestionPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    campaign = serializers.CharField(source="campaign.name")
    status = serializers.CharField()


class SuggestionSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    decline_reason = serializers.CharField(help_text="Why it was declined (declined suggestions only).")
    post = SuggestionPostSerializer(
        allow_null=True, help_text="The post it was approved into, credited to its author; null until then."
    )

    class Meta:
        model = Suggestion
        fields = [
            "id", "url", "text", "image", "image_alt", "status", "decline_reason", "post", "reviewed_at",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_image(self, suggestion) -> str | None:
        if not suggestion.image:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(suggestion.image.url) if request else suggestion.image.url


class ReviewedSuggestionSerializer(SuggestionSerializer):
    """What a content manager sees: the suggestion and who wrote it."""

    author = serializers.IntegerField(source="author_id")
    author_name = serializers.SerializerMethodField()

    class Meta(SuggestionSerializer.Meta):
        fields = [*SuggestionSerializer.Meta.fields, "author", "author_name"]
        read_only_fields = fields

    def get_author_name(self, suggestion) -> str:
        return suggestion.author.get_full_name() or suggestion.author.email


class SuggestionInput(StrictSerializer):
    url = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="An http(s) address worth sharing."
    )
    text = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, help_text="The post in your own words."
    )
    image = serializers.FileField(
        required=False, help_text="multipart/form-data only: JPEG, PNG, GIF or WebP within the post image limits."
    )
    image_alt = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text="The image described (required with one)."
    )


class SuggestionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Review.choices)

    class Meta:
        model = Suggestion
        fields = ["status"]


class SuggestionsApi(mixins.ListModelMixin, ApiView):
    serializer_class = SuggestionSerializer
    filterset_class = SuggestionFilter
    cursor_ordering = ("-created_at", "-pk")
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Suggestion.objects.none()
        return selectors.suggestions_of(user=self.request.user)

    @extend_schema(summary="My suggestions, newest first, with their review and the post each became")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        summary="Suggest a post: a link, or your own words (and an image); it waits for a content manager",
        request={"application/json": SuggestionInput, "multipart/form-data": SuggestionInput},
        responses={201: SuggestionSerializer},
    )
    def post(self, request):
        data = SuggestionInput(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = services.suggestion_create(author=request.user, **data.validated_data)
        body = SuggestionSerializer(suggestion, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class SuggestionQueueApi(mixins.ListModelMixin, ApiView):
    """The moderation queue: suggestions waiting for review, oldest first."""

    serializer_class = ReviewedSuggestionSerializer
    permission_classes = REVIEW
    cursor_ordering = ("created_at", "pk")

    def get_queryset(self):
        return selectors.suggestions_waiting_with_authors()

    @extend_schema(summary="Suggestions waiting for review, oldest first (content managers)")
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)


class SuggestionEditInput(StrictSerializer):
    url = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    text = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    image_alt = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class SuggestionDetailApi(ApiView):
    serializer_class = ReviewedSuggestionSerializer
    permission_classes = DECIDE

    @extend_schema(
        summary="Edit a suggestion waiting for review (content managers)",
        request=SuggestionEditInput,
        responses=ReviewedSuggestionSerializer,
    )
    def patch(self, request, suggestion_id: int):
        data = SuggestionEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = selectors.suggestion_for_review(suggestion_id=suggestion_id)
        values = {name: getattr(suggestion, name) for name in ("url", "text", "image_alt")}
        suggestion = services.suggestion_edit(suggestion=suggestion, **{**values, **data.validated_data})
        return Response(ReviewedSuggestionSerializer(suggestion, context={"request": request}).data)


class ApproveInput(StrictSerializer):
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.filter(archived_at__isnull=True), help_text="The campaign the draft post joins."
    )
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Default: its start.")
    target_url = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="Default: the suggestion's link."
    )
    text = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, help_text="The copy for all networks. Default: its words."
    )


class DeclineInput(StrictSerializer):
    reason = serializers.CharField(
        min_length=REASON_MIN, max_length=2000, help_text="Why, in a few words: the employee reads it."
    )


class SuggestionActionApi(ApiView):
    """approve: a draft post in a campaign, credited to the author, who gets the suggestion's points;
    decline: with a reason the author sees."""

    serializer_class = ReviewedSuggestionSerializer
    permission_classes = DECIDE
    action_name = ""

    def get_serializer_class(self):
        return ApproveInput if self.action_name == "approve" else DeclineInput

    @extend_schema(responses=ReviewedSuggestionSerializer)
    def post(self, request, suggestion_id: int):
        data = self.get_serializer_class()(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = selectors.suggestion_for_review(suggestion_id=suggestion_id)
        if self.action_name == "approve":
            services.suggestion_approve(suggestion=suggestion, by=request.user, **data.validated_data)
        else:
            services.suggestion_decline(suggestion=suggestion, by=request.user, **data.validated_data)
        suggestion = selectors.suggestion_for_review(suggestion_id=suggestion_id)
        return Response(ReviewedSuggestionSerializer(suggestion, context={"request": request}).data)
