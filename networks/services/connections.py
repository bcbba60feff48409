"""Writes for connected accounts: connect flows (Bluesky, Mastodon, allauth's LinkedIn/X), token
refresh, reconnection flags, disconnect and re-encryption."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import secrets
from typing import cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.networks import Network

from ..models import ConnectedAccount, MastodonApp
from ..providers import AuthExpired, Permanent, ProviderError, get_provider
from ..providers.base import providers
from ..providers.bluesky import ACCESS_LIFETIME, BlueskyProvider, normalise_handle
from ..providers.mastodon import SCOPES, MastodonProvider

logger = logging.getLogger(__name__)


def _mastodon() -> MastodonProvider:
    return cast(MastodonProvider, get_provider(Network.MASTODON))


def _bluesky() -> BlueskyProvider:
    return cast(BlueskyProvider, get_provider(Network.BLUESKY))


def account_flag_reconnect(*, account_id: int, reason: str) -> None:
    ConnectedAccount.objects.filter(pk=account_id).update(
        health=ConnectedAccount.Health.NEEDS_RECONNECT, health_reason=reason[:500], updated_at=timezone.now()
    )


def account_refresh(
    *,
    account_id: int,
    force: bool = False,
    always: bool = False,
    stale_token: str = "",
    now: dt.datetime | None = None,
) -> ConnectedAccount | None:
    """Renew the account's tokens when they are due. Returns the account, or None if it is gone.

    Holds the row lock for the whole exchange, so a single-use refresh token (X) is never spent
    twice: a second caller waits, then sees fresh tokens and does nothing ("someone else already
    refreshed it"). Due means: within the provider's `refresh_ahead` of expiry (the daily pass),
    within 5 minutes (`force`, right before use), or, after a 401 (`stale_token`, the access token
    that was refused), whenever the stored token is still that one. `always` renews regardless.
    The new refresh token is always stored. A refusal flags the account NEEDS_RECONNECT with the
    refusal as reason (and returns it). Transient errors raise.
    """
    now = now or timezone.now()
    with transaction.atomic():
        account = ConnectedAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            return None
        provider = get_provider(account.network)
        if stale_token:
            if account.access_token != stale_token:
                return account  # someone else already renewed the refused token
        elif not always:
            horizon = now + (dt.timedelta(minutes=5) if force else provider.refresh_ahead())
            if account.token_expires_at and account.token_expires_at > horizon:
                return account  # not due, or someone else refreshed it meanwhile
        try:
            tokens = provider.refresh(account=account)
        except AuthExpired as exc:
            account.health = ConnectedAccount.Health.NEEDS_RECONNECT
            account.health_reason = exc.message[:500]
            account.save(update_fields=["health", "health_reason", "updated_at"])
            return account
        if tokens is None:
            return account
        account.access_token = tokens.access_token
        if tokens.refresh_token:
            account.refresh_token = tokens.refresh_token
        account.token_expires_at = tokens.expires_at
        account.refreshed_at = now
        account.health = ConnectedAccount.Health.OK
        account.health_reason = ""
        account.save()
        return account


def accounts_refresh_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily pass: refresh tokens that expire soon; flag those that cannot be refreshed.

    "Soon" is each network's `refresh_ahead`. Networks whose access tokens live far less than a
    day (X: two hours) are not renewed here at all, only when used (shortly before expiry, or
    after a 401): renewing them daily would exchange every token on every run.
    Idempotent. Returns counts {'refreshed', 'flagged', 'errors'}.
    """
    now = now or timezone.now()
    horizon = now + max((p.refresh_ahead() for p in providers()), default=dt.timedelta(0))
    counts = {"refreshed": 0, "flagged": 0, "errors": 0}
    due = ConnectedAccount.objects.exclude(health=ConnectedAccount.Health.NEEDS_RECONNECT).filter(
        token_expires_at__lte=horizon
    )
    for account in due:
        if not account.refreshable:
            if account.token_expires_at and account.token_expires_at <= now:
                account_flag_reconnect(account_id=account.pk, reason="The sign-in expired; reconnect the account.")
                counts["flagged"] += 1
            continue
        provider = get_provider(account.network)
        if not provider.refresh_in_daily_pass:
            continue
        if account.token_expires_at and account.token_expires_at > now + provider.refresh_ahead():
            continue
        try:
            refreshed = account_refresh(account_id=account.pk, now=now)
        except ProviderError as exc:
            logger.warning("Token refresh for account %s failed: %s", account.pk, exc.message)
            counts["errors"] += 1
            continue
        if refreshed and refreshed.health == ConnectedAccount.Health.NEEDS_RECONNECT:
            counts["flagged"] += 1
        elif refreshed:
            counts["refreshed"] += 1
    return counts


def _account_save(*, user, network: str, external_id: str, instance: str = "", **fields) -> ConnectedAccount:
    """Create or update the connection; refuse an account already connected by someone else."""
    existing = ConnectedAccount.objects.filter(network=network, instance=instance, external_id=external_id).first()
    if existing and existing.user_id != user.pk:
        raise ValidationError(f"This {get_provider(network).label} account is already connected by another employee.")
    account = existing or ConnectedAccount(user=user, network=network, instance=instance, external_id=external_id)
    for name, value in fields.items():
        setattr(account, name, value)
    account.health = ConnectedAccount.Health.OK
    account.health_reason = ""
    account.save()
    return account


def account_disconnect(*, account: ConnectedAccount) -> None:
    """Forget the connection and its tokens (and allauth's record of it). Past shares stay.

    Mastodon tokens are also revoked on the instance (best effort: never blocks the disconnect).
    """
    from allauth.socialaccount.models import SocialAccount

    provider = get_provider(account.network)
    if account.network == Network.MASTODON:
        app = MastodonApp.objects.filter(instance=account.instance).first()
        if app and account.access_token:
            try:  # best effort: the local copy is deleted whatever the instance says
                _mastodon().revoke(
                    instance=account.instance,
                    client_id=app.client_id,
                    client_secret=app.client_secret,
                    token=account.access_token,
                )
            except ProviderError as exc:
                logger.info("Revoking the Mastodon token of account %s failed: %s", account.pk, exc.message)
    with transaction.atomic():
        if provider.allauth_provider:
            uid = provider.allauth_uid(account=account)
            SocialAccount.objects.filter(user=account.user, provider=provider.allauth_provider, uid=uid).delete()
        account.delete()


# Bluesky: handle + app password -------------------------------------------------------------


def bluesky_connect(*, user, handle: str, app_password: str) -> ConnectedAccount:
    """Resolve the handle to its DID and PDS, open a session, store its tokens (not the app password).

    Raises ValidationError with a clear message for a malformed or unknown handle, a wrong
    password or an unreachable server; nothing is stored then.
    """
    provider = _bluesky()
    if not app_password.strip():
        raise ValidationError({"app_password": "Paste an app password (Settings → Privacy and security)."})
    try:
        handle = normalise_handle(handle)
        did = provider.resolve_handle(handle=handle)
        pds = provider.resolve_pds(did=did)
        session = provider.create_session(pds=pds, identifier=handle, password=app_password.strip())
    except Permanent as exc:  # our own words (providers never pass a Bluesky server's answer through)
        raise ValidationError(exc.message) from None
    except ProviderError as exc:
        logger.info("Bluesky connect for %s failed: %s", handle, exc.message)
        raise ValidationError("Bluesky could not be reached; try again shortly.") from None
    if session.get("did") != did:
        raise ValidationError("Bluesky answered for a different account than the handle names.")
    return _account_save(
        user=user,
        network=Network.BLUESKY,
        external_id=did,
        handle=session.get("handle") or handle,
        service_url=pds,
        access_token=session["accessJwt"],
        refresh_token=session["refreshJwt"],
        token_expires_at=timezone.now() + ACCESS_LIFETIME,
        refreshable=True,
    )


# Mastodon: per-instance app, OAuth with PKCE -------------------------------------------------


def mastodon_redirect_uri() -> str:
    return f"{settings.SITE_URL}{reverse('networks:mastodon_callback')}"


def mastodon_app_get_or_register(*, instance: str) -> MastodonApp:
    """Our app on `instance`, registered on first use and cached. Raises ValidationError."""
    redirect_uri = mastodon_redirect_uri()
    app = MastodonApp.objects.filter(instance=instance, redirect_uri=redirect_uri).first()
    if app:
        return app
    try:
        client_id, secret = _mastodon().register_app(instance=instance, redirect_uri=redirect_uri)
    except ProviderError as exc:
        raise ValidationError({"instance": exc.message}) from None
    app, _ = MastodonApp.objects.update_or_create(
        instance=instance, defaults={"client_id": client_id, "client_secret": secret, "redirect_uri": redirect_uri}
    )
    return app


def mastodon_connect_start(*, instance: str) -> tuple[str, dict]:
    """The instance's authorize URL, and the state to keep in the session until the callback."""
    try:
        instance = _mastodon().clean_instance(instance)
    except Permanent as exc:
        raise ValidationError({"instance": exc.message}) from None
    app = mastodon_app_get_or_register(instance=instance)
    provider = _mastodon()
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48) if provider.supports_pkce(instance=instance) else ""
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode() if verifier else ""
    )
    url = provider.authorize_url(
        instance=instance, client_id=app.client_id, redirect_uri=app.redirect_uri, state=state, code_challenge=challenge
    )
    return url, {"instance": instance, "state": state, "verifier": verifier}


def mastodon_connect_finish(*, user, pending: dict | None, state: str, code: str) -> ConnectedAccount:
    """Exchange the callback's code for a token and store the connection. Raises ValidationError."""
    if not pending or not state or not secrets.compare_digest(str(pending.get("state", "")), state):
        raise ValidationError("The sign-in with Mastodon expired or did not start here; connect again.")
    if not code:
        raise ValidationError("Mastodon did not authorise the connection.")
    instance = pending["instance"]
    app = MastodonApp.objects.filter(instance=instance).first()
    if app is None:
        raise ValidationError("The sign-in with Mastodon expired; connect again.")
    provider = _mastodon()
    try:
        token = provider.exchange_code(
            instance=instance,
            client_id=app.client_id,
            client_secret=app.client_secret,
            code=code,
            redirect_uri=app.redirect_uri,
            code_verifier=pending.get("verifier", ""),
        )
        me = provider.verify_credentials(instance=instance, token=token)
    except ProviderError as exc:  # the instance's own words are logged, never shown
        logger.info("Mastodon connect on %s failed: %s", instance, exc.message)
        raise ValidationError(f"{instance} refused the connection; try connecting again.") from None
    return _account_save(
        user=user,
        network=Network.MASTODON,
        instance=instance,
        external_id=str(me["id"]),
        handle=f"@{me.get('acct') or me.get('username')}@{instance}",
        access_token=token,
        refresh_token="",
        token_expires_at=None,
        refreshable=False,
        scopes=SCOPES,
    )


# LinkedIn and X: connected through django-allauth --------------------------------------------


def account_store_from_allauth(*, user, social, token) -> ConnectedAccount | None:
    """Store the tokens of allauth's LinkedIn/X callback in the encrypted ConnectedAccount.

    Called from the callback itself (networks/receivers.py), with allauth's unsaved SocialToken:
    allauth stores no token (SOCIALACCOUNT_STORE_TOKENS off), so no plaintext copy is ever written,
    and any plaintext row left from before is deleted here. Returns None for a provider that is
    not a network. Raises ValidationError when another employee has connected that account.
    A refresh token the network did not send again keeps the stored one.
    """
    from allauth.socialaccount.models import SocialToken

    provider = next((p for p in providers() if p.allauth_provider and p.allauth_provider == social.provider), None)
    if provider is None:
        return None
    fields = provider.account_fields_from_allauth(social=social, token=token)
    if not fields.get("refresh_token"):
        fields.pop("refresh_token", None)
        fields.pop("refreshable", None)
    with transaction.atomic():
        account = _account_save(user=user, network=provider.network, **fields)
        if social.pk:
            SocialToken.objects.filter(account=social).delete()
    return account


def accounts_sync_from_allauth(*, user) -> list[ConnectedAccount]:
    """Move tokens allauth stored for LinkedIn/X into encrypted ConnectedAccounts. Idempotent.

    Only for rows written before the callback stored tokens itself (account_store_from_allauth):
    allauth keeps SocialToken in plain text; after copying, the SocialToken row is deleted so
    the only copy of the token is the encrypted one.
    """
    from allauth.socialaccount.models import SocialToken

    by_allauth_id = {p.allauth_provider: p for p in providers() if p.allauth_provider}
    synced = []
    tokens = SocialToken.objects.filter(account__user=user, account__provider__in=by_allauth_id).select_related(
        "account"
    )
    for token in tokens:
        social = token.account
        provider = by_allauth_id[social.provider]
        with transaction.atomic():
            account = _account_save(
                user=user,
                network=provider.network,
                **provider.account_fields_from_allauth(social=social, token=token),
            )
            token.delete()
        synced.append(account)
    return synced


def tokens_reencrypt() -> int:
    """Re-save every token with the newest key (after putting a new key first). Returns rows touched."""
    touched = 0
    for account in ConnectedAccount.objects.all():
        account.save(update_fields=["access_token", "refresh_token"])
        touched += 1
    for app in MastodonApp.objects.all():
        app.save(update_fields=["client_secret"])
        touched += 1
    return touched
