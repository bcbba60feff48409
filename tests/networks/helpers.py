import datetime as dt

from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.utils import timezone


def allauth_connection(user, *, provider: str, uid: str, token: str, refresh: str = "", expires_in=None, extra=None):
    """What django-allauth leaves behind after its OAuth flow with SOCIALACCOUNT_STORE_TOKENS on."""
    app, _ = SocialApp.objects.get_or_create(
        provider="openid_connect" if provider == "linkedin" else provider,
        provider_id=provider if provider == "linkedin" else "",
        defaults={"name": provider, "client_id": f"{provider}-client", "secret": "secret"},
    )
    account = SocialAccount.objects.create(user=user, provider=provider, uid=uid, extra_data=extra or {})
    expires_at = timezone.now() + expires_in if isinstance(expires_in, dt.timedelta) else None
    return SocialToken.objects.create(
        app=app, account=account, token=token, token_secret=refresh, expires_at=expires_at
    )


def assert_encrypted_at_rest(account, plain: str, *, column: str = "access_token") -> None:
    """The database column holds ciphertext, not the token (a plain SQL read, past the field)."""
    from django.db import connection

    assert column in ("access_token", "refresh_token")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM networks_connectedaccount WHERE id = %s", [account.pk])  # noqa: S608
        (stored,) = cursor.fetchone()
    assert plain and stored and plain not in stored
