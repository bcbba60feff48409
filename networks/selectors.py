"""Reads for connected accounts and shares."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from campaigns.networks import Network

from .models import ConnectedAccount, Share
from .providers import get_provider

CONNECTABLE = (Network.LINKEDIN, Network.X, Network.MASTODON, Network.BLUESKY)


def accounts_for(*, user) -> QuerySet[ConnectedAccount]:
    return ConnectedAccount.objects.filter(user=user).order_by("network", "handle")


def account_get_for_user(*, user, account_id: int) -> ConnectedAccount:
    """The account if it belongs to `user`; 404 otherwise (colleagues and outsiders alike)."""
    account = ConnectedAccount.objects.filter(pk=account_id, user=user).first()
    if account is None:
        raise Http404("No such connected account.")
    return account


def share_get_for_user(*, user, share_id: int) -> Share:
    share = Share.objects.filter(pk=share_id, user=user).select_related("post", "account").first()
    if share is None:
        raise Http404("No such share.")
    return share


def shares_for(*, user, limit: int = 100) -> QuerySet[Share]:
    return (
        Share.objects.filter(user=user).select_related("post", "account", "short_link").order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class NetworkOption:
    network: str
    label: str
    configured: bool  # the organisation set up direct posting for it
    account: ConnectedAccount | None


def network_options(*, user) -> list[NetworkOption]:
    """Per connectable network: whether direct posting is configured and the user's account, if any."""
    accounts = {a.network: a for a in accounts_for(user=user)}
    return [
        NetworkOption(
            network=n.value,
            label=n.label,
            configured=get_provider(n).is_configured(),
            account=accounts.get(n.value),
        )
        for n in CONNECTABLE
    ]
