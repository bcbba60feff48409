"""Writes for personal API tokens."""

import hashlib
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .models import ApiToken

TOKEN_START = "adv_"
MAX_ACTIVE_TOKENS = 20


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plain: str  # shown once, never stored


def token_create(*, user: User, name: str, scope: str) -> NewToken:
    """Make a token for `user`; the returned `plain` text is the only copy of the secret.

    Raises ValidationError (storing nothing) for an empty or duplicate name, an unknown scope, or a person who
    already has MAX_ACTIVE_TOKENS live tokens.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, so you know later what uses it."})
    if len(name) > 100:
        raise ValidationError({"name": "At most 100 characters."})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": "Choose read or write."})
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(f"You have {MAX_ACTIVE_TOKENS} tokens already: revoke one you no longer use first.")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user, name=name, scope=scope, prefix=prefix, secret_hash=token_hash(secret)
            )
    except IntegrityError:
        raise ValidationError({"name": "You already have a token with this name."}) from None
    return NewToken(token=token, plain=f"{TOKEN_START}{prefix}_{secret}")


def token_revoke(*, token: ApiToken) -> bool:
    """Revoke the token at once (idempotent). Returns whether it was live until now."""
    return ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()) == 1


def token_touch(*, token: ApiToken, now=None) -> None:
    """Record use, at most once a minute per token (a write per request would be a hot row)."""
    now = now or timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
