import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import token_create, token_revoke


@pytest.fixture
def api():
    """A DRF client: JSON bodies by default, credentials per request."""
    return APIClient()


def bearer(user, scope: str = ApiToken.Scope.WRITE, name: str = "tests") -> dict:
    """Headers with a fresh personal token of `user`."""
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name=name, scope=scope).plain}"}


def revoked_bearer(user) -> dict:
    created = token_create(user=user, name="revoked", scope=ApiToken.Scope.WRITE)
    token_revoke(token=created.token)
    return {"HTTP_AUTHORIZATION": f"Bearer {created.plain}"}
