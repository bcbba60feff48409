"""Signed links in the digest: one-click shares (48 hours, once) and unsubscribes (RFC 8058).

Both are django.core.signing payloads (HMAC with SECRET_KEY, salted per purpose), so they work
without signing in and cannot be altered; single use of share links comes from `UsedShareToken`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SHARE_SALT = "digest.share"
UNSUBSCRIBE_SALT = "digest.unsubscribe"


class TokenError(Exception):
    """A link that cannot be used, with the sentence to show (tampered, expired)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


@dataclass(frozen=True)
class ShareGrant:
    token_id: str
    user_id: int
    post_id: int
    network: str


def share_token_make(*, user_id: int, post_id: int, network: str) -> str:
    return signing.dumps(
        {"u": user_id, "p": post_id, "n": network, "j": secrets.token_urlsafe(12)}, salt=SHARE_SALT, compress=True
    )


def share_token_read(token: str) -> ShareGrant:
    """The grant in a share link; TokenError if it was altered or is older than DIGEST_SHARE_LINK_HOURS."""
    try:
        data = signing.loads(token, salt=SHARE_SALT, max_age=settings.DIGEST_SHARE_LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise TokenError(
            f"This share link has expired: links in the digest work for {settings.DIGEST_SHARE_LINK_HOURS} hours.",
            expired=True,
        ) from None
    except signing.BadSignature:
        raise TokenError("This share link is not valid (it may have been cut or changed).") from None
    try:
        return ShareGrant(
            token_id=str(data["j"]), user_id=int(data["u"]), post_id=int(data["p"]), network=str(data["n"])
        )
    except (KeyError, TypeError, ValueError):
        raise TokenError("This share link is not valid (it may have been cut or changed).") from None


def unsubscribe_token_make(*, user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token_read(token: str) -> int:
    """The employee an unsubscribe link is for. It does not expire: leaving must always work."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise TokenError("This unsubscribe link is not valid (it may have been cut or changed).") from None
