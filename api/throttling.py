"""Request budgets in the shared cache (Redis when configured, else the database cache), so every process
counts together: one per token and one per person (their session and all their tokens together)."""

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class PerUserThrottle(SimpleRateThrottle):
    scope = "api_user"

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
