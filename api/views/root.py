from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.reverse import reverse

from ..conventions import ApiView

# name → what it is; the root lists them with their URLs (those that take no id).
ENDPOINTS = {
    "api-today": "Posts for me (the Today page)",
    "api-shares": "My shares; share a post",
    "api-links": "My short links with click totals",
    "api-impact": "My impact",
    "api-points": "My points, places and badges",
    "api-ledger": "My points ledger",
    "api-leaderboard": "Leaderboards",
    "api-suggestions": "My suggestions; suggest a post",
    "api-campaigns": "Campaigns (content managers)",
    "api-posts": "Suggested posts (content managers)",
    "api-suggestion-queue": "Suggestions waiting for review (content managers)",
    "api-analytics-overview": "Programme analytics (content managers)",
    "api-people": "People (admins)",
    "api-point-rules": "Point rules (admins)",
    "api-schema": "The OpenAPI schema",
    "api-docs": "The API documentation (Swagger UI)",
    "api-redoc": "The API documentation (Redoc)",
}


class ApiRoot(ApiView):
    """Advocacy's API, version 1: every endpoint answers with the same error body and pages with cursors."""

    serializer_class = None

    @extend_schema(summary="The API root: what there is, with URLs", responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(
            {
                "version": "v1",
                "endpoints": {
                    name.removeprefix("api-"): {"url": reverse(name, request=request), "what": what}
                    for name, what in ENDPOINTS.items()
                },
            }
        )
