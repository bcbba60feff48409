"""Who is calling: a personal API token (`Authorization: Bearer adv_…`) or the pages' own session (with CSRF)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .selectors import token_find
from .services import token_touch


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1", "replace").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the token as “Authorization: Bearer adv_…”, nothing more.")
        token = token_find(plain=header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("This token is unknown, revoked, or its owner is inactive.")
        token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from the “API tokens” page (My settings). Read tokens only read.",
        }
