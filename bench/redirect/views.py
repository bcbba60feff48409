"""Comparison endpoints for bench/redirect (never installed in production)."""

import uuid

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from analytics.models import Click
from shortlinks.models import ShortLink

LOCATION = "https://example.com/landing?utm_source=bench"


def _redirect(location: str) -> HttpResponse:
    response = HttpResponse(status=302)
    response["Location"] = location
    response["Cache-Control"] = "private, no-store"
    return response


def baseline(request: HttpRequest) -> HttpResponse:
    """(b) A plain Django view through the full middleware stack: constant 302, no cache, no database."""
    return _redirect(LOCATION)


def naive(request: HttpRequest, code: str) -> HttpResponse:
    """(c) What one would write first: ORM lookup and a synchronous click insert per request."""
    link = ShortLink.objects.filter(code=code).only("pk", "target_url").first()
    if link is None:
        raise Http404("unknown code")
    Click.objects.create(link=link, event_id=f"naive-{uuid.uuid4().hex}", clicked_at=timezone.now(), is_unique=True)
    return _redirect(link.target_url)


class BareFloorMiddleware:
    """(floor) /bench/bare answered where the short-link fast path sits: what the server itself costs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/bench/bare":
            return _redirect(LOCATION)
        return self.get_response(request)
