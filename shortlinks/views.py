"""The public redirect (the platform's hot path), robots.txt and QR codes."""

import functools
import io

import segno
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from .selectors import link_for_code, link_resolve
from .services import click_capture

NO_STORE = "private, no-store"
REDIRECT_HEADERS = {
    "cache-control": ("Cache-Control", NO_STORE),  # every click must reach us: no 301, no caching
    "x-robots-tag": ("X-Robots-Tag", "noindex"),  # search engines index the target, not the short link
}
ROBOTS_TXT = """\
# Short links (/s/) may be followed by everyone, so the networks' preview crawlers
# (LinkedInBot, Twitterbot, facebookexternalhit, Mastodon, Bluesky's cardyb, Slackbot…)
# reach the target and build cards from its own title and image. The app itself is private.
User-agent: *
Allow: /s/
Disallow: /
"""


@functools.cache
def _not_found_page() -> str:
    # Static page, rendered once per process without the request: no session, user or CSRF work for junk codes.
    return render_to_string("shortlinks/not_found.html")


def _not_found() -> HttpResponse:
    response = HttpResponse(_not_found_page(), status=404)
    response["Cache-Control"] = NO_STORE
    return response


def redirect(request: HttpRequest, code: str) -> HttpResponse:
    """302 to the link's target; the click goes to the buffer in one round trip.

    Also served by ShortLinkFastPathMiddleware, ahead of the session, CSRF, auth, locale and
    messages middleware: nothing here may rely on request.user or request.session.

    Self-clicks: the raw session cookie goes into the buffer with the click, and the drain looks
    the session up (analytics.services._session_user_ids); it is never stored. This only works
    when the browser sends the app's session cookie to the short-link host, i.e. short links on
    the app's own host, or SESSION_COOKIE_DOMAIN covering both.
    """
    if request.method not in ("GET", "HEAD"):
        response = HttpResponseNotAllowed(["GET", "HEAD"])  # a form POSTing to a short link is no click
        response["Cache-Control"] = NO_STORE
        return response
    link = link_resolve(code=code)
    if link is None:
        return _not_found()
    click_capture(link_id=link.link_id, request=request)
    response = HttpResponse(status=302)
    # Straight into the header store: these values are checked once, when the link is resolved and
    # cached (ResolvedLink), instead of on every redirect by HttpResponse.__setitem__.
    response.headers._store.update(
        location=("Location", link.location),
        **REDIRECT_HEADERS,
    )
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@login_required
@require_safe
def qr_code(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """The short link as a QR code (SVG for slides, PNG for everything else), for any existing link."""
    link = link_for_code(code=code)
    if link is None:
        raise Http404("No short link with this code.")
    qr = segno.make(link.short_url, error="m")
    out = io.BytesIO()
    if kind == "svg":
        qr.save(out, kind="svg", scale=8, border=4, xmldecl=False, title=link.short_url)
        content_type = "image/svg+xml"
    else:
        qr.save(out, kind="png", scale=10, border=4)
        content_type = "image/png"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="qr-{link.code}.{kind}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response
