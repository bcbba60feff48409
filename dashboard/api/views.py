from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.networks import VARIANT_NETWORK_CHOICES
from campaigns.selectors import posts_for_today


class TodayPostsApi(APIView):
    """The approved, current posts aimed at the signed-in employee (what the Today page shows)."""

    class InputSerializer(serializers.Serializer):
        network = serializers.ChoiceField(choices=VARIANT_NETWORK_CHOICES, required=False)

    class VariantSerializer(serializers.Serializer):
        network = serializers.CharField()
        text = serializers.CharField()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        title = serializers.CharField()
        campaign = serializers.CharField(source="campaign.name")
        target_url = serializers.URLField()
        image = serializers.SerializerMethodField()
        publish_at = serializers.DateTimeField()
        expires_at = serializers.DateTimeField(allow_null=True)
        is_featured = serializers.BooleanField()
        disclaimer = serializers.CharField()
        employees_may_edit = serializers.BooleanField()
        variants = serializers.SerializerMethodField()

        def get_image(self, post) -> str | None:
            return self.context["request"].build_absolute_uri(post.image.url) if post.image else None

        def get_variants(self, post) -> list[dict]:
            network = self.context.get("network")
            variants = [v for v in post.variants.all() if not network or v.network == network]
            return TodayPostsApi.VariantSerializer(variants, many=True).data

    @extend_schema(
        parameters=[OpenApiParameter("network", str, enum=[c[0] for c in VARIANT_NETWORK_CHOICES])],
        responses=OutputSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = self.InputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        posts = posts_for_today(user=request.user)
        context = {"request": request, "network": params.validated_data.get("network")}
        return Response(self.OutputSerializer(posts, many=True, context=context).data)
