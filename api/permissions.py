"""Who may do what: the owner's role decides, and a read token never writes.

Every check reads the user's permissions at request time, so a token never grants more than its owner's
role has now (a demoted or deactivated owner's tokens shrink or stop with them).
"""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from dashboard.selectors import is_programme_staff

from .models import ApiToken


class TokenScope(BasePermission):
    message = "This token is read-only: make a write token on the API tokens page to change things."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in SAFE_METHODS:
            return token.can_write
        return True


class SignedIn(BasePermission):
    message = "Sign in, or send a personal API token."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_active)


class ProgrammeStaff(BasePermission):
    message = "This is for content managers and admins."

    def has_permission(self, request, view) -> bool:
        return is_programme_staff(request.user)


def Perms(*codes: str) -> type[BasePermission]:  # noqa: N802 - reads as a permission class in a list
    """A permission class requiring every Django permission in `codes` (the role's, as in the admin)."""

    class _Perms(BasePermission):
        message = "Your role may not do this."

        def has_permission(self, request, view) -> bool:
            return all(request.user.has_perm(code) for code in codes)

    _Perms.__name__ = "Perms_" + "_".join(c.replace(".", "_") for c in codes)
    return _Perms
