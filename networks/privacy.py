"""networks' part of a person's data export and erasure (accounts.signals; connected in apps.py)."""

import logging
from typing import cast

from django.db import transaction

from campaigns.networks import Network

from .models import ConnectedAccount, MastodonApp, Share
from .providers import ProviderError, get_provider
from .providers.mastodon import MastodonProvider

logger = logging.getLogger(__name__)


def export(sender, *, user, **kwargs) -> dict:
    accounts = ConnectedAccount.objects.filter(user=user).order_by("pk")
    shares = Share.objects.filter(user=user).select_related("post").order_by("created_at", "pk")
    return {
        # Tokens are secrets of the connection, not data about the person: never exported.
        "connected_accounts": [
            {
                "network": a.network,
                "handle": a.handle,
                "external_id": a.external_id,
                "instance": a.instance,
                "scopes": a.scopes,
                "connected_at": a.created_at.isoformat(),
            }
            for a in accounts
        ],
        "shares": [
            {
                "post": s.post.title,
                "network": s.network,
                "route": s.route,
                "status": s.status,
                "text": s.text,
                "external_url": s.external_url,
                "scheduled_for": s.scheduled_for.isoformat() if s.scheduled_for else None,
                "published_at": s.published_at.isoformat() if s.published_at else None,
                "created_at": s.created_at.isoformat(),
            }
            for s in shares
        ],
    }


def erase(sender, *, user, **kwargs) -> None:
    """Stop what is pending, strip shares of text and network identity, delete the connected accounts.

    Shares stay as anonymous counts (which post, which network, when, the outcome). Scheduled ones are
    cancelled and queued ones failed (claimed first, as a worker would), so nothing goes out for an
    erased person. A share a worker is publishing at this very moment may still record its network id
    afterwards: erasing again (idempotent) clears it. Mastodon tokens are revoked on the instance after
    commit, best effort; the other networks offer no revocation we can call, so deleting our copy is all.
    """
    shares = Share.objects.filter(user=user)
    for share_id in shares.filter(status=Share.Status.SCHEDULED).values_list("pk", flat=True):
        Share.objects.move(share_id, to=Share.Status.CANCELLED, from_=[Share.Status.SCHEDULED])
    for share_id in shares.filter(status=Share.Status.QUEUED).values_list("pk", flat=True):
        if Share.objects.move(share_id, to=Share.Status.PUBLISHING, from_=[Share.Status.QUEUED]):
            Share.objects.move(share_id, to=Share.Status.FAILED, from_=[Share.Status.PUBLISHING])
    shares.update(text="", external_id="", external_url="", error="", idempotency_key="", account=None)

    revocations = []
    accounts = list(ConnectedAccount.objects.filter(user=user))
    apps = {app.instance: app for app in MastodonApp.objects.filter(instance__in={a.instance for a in accounts})}
    for account in accounts:
        app = apps.get(account.instance)
        if account.network == Network.MASTODON and app and account.access_token:
            revocations.append((account.pk, account.instance, app.client_id, app.client_secret, account.access_token))
    ConnectedAccount.objects.filter(pk__in=[a.pk for a in accounts]).delete()
    if revocations:
        transaction.on_commit(lambda: _revoke_mastodon_tokens(revocations))


def _revoke_mastodon_tokens(revocations: list[tuple[int, str, str, str, str]]) -> None:
    """After the erasure committed: ask each instance to revoke the token. Failures are logged, not raised."""
    provider = cast(MastodonProvider, get_provider(Network.MASTODON))
    for account_id, instance, client_id, client_secret, token in revocations:
        try:
            provider.revoke(instance=instance, client_id=client_id, client_secret=client_secret, token=token)
        except ProviderError as exc:
            logger.info("Revoking the Mastodon token of erased account %s failed: %s", account_id, exc.message)
        except Exception:  # an erasure that committed must not fail on a remote instance
            logger.exception("Revoking the Mastodon token of erased account %s failed", account_id)
