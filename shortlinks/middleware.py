from django.http import HttpRequest, HttpResponse

from .views import redirect


class ShortLinkFastPathMiddleware:
    """Serve /s/<code> before the session, CSRF, auth, locale, messages and allauth middleware.

    The redirect needs none of them, and it is the one path the public hits at internet
    scale. Placed right after SecurityMiddleware (which still applies HTTPS redirects and
    headers). Everything else, including /s/<code>/qr.svg, goes down the normal stack.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/s/") and path.find("/", 3) == -1:
            return redirect(request, path[3:])
        return self.get_response(request)
