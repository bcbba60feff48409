"""Reads for personal API tokens."""

import hmac

from django.db.models import QuerySet

from accounts.models import User

from .models import ApiToken
from .services import TOKEN_START, token_hash


def tokens_for(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def token_get_for_user(*, user: User, token_id: int) -> ApiToken | None:
    return ApiToken.objects.filter(user=user, pk=token_id).first()


def token_find(*, plain: str) -> ApiToken | None:
    """The live token whose secret is `plain`, with its active owner; None for anything else."""
    if not plain.startswith(TOKEN_START) or len(plain) > 200:
        return None
    prefix, _, secret = plain[len(TOKEN_START) :].partition("_")
    if not prefix or not secret:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, token_hash(secret)):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    return token
