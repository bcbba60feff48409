"""Reads for connected accounts and shares."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from campaigns.models import SuggestedPost
from campaigns.networks import Network, short_link_placeholder
from shortlinks.models import ShortLink

from .models import ConnectedAccount, Share
from .providers.base import Provider, providers
from .similarity import largest_near_identical_group


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
            network=p.network,
            label=p.label,
            configured=p.is_configured(),
            account=accounts.get(p.network),
        )
        for p in providers()
        if p.supports_direct
    ]


@dataclass(frozen=True)
class ShareRoute:
    """One way to share a post on one network, as the Today page shows it."""

    network: str
    label: str
    direct: bool  # publish through the API with `account`; else only the share dialog
    account: ConnectedAccount | None
    share_url: str  # the share page (direct publishing, scheduling)
    intent_url: str  # opens the network's share dialog (records an intent share)
    needs_instance: bool  # the dialog needs the employee's server name first (Mastodon without an account)


def usable_accounts(*, user) -> dict[str, ConnectedAccount]:
    """The user's accounts that can publish, one per network (the most recently updated wins). One query."""
    accounts = ConnectedAccount.objects.filter(user=user).order_by("updated_at")
    return {a.network: a for a in accounts if a.can_publish}


def share_options_for_posts(*, user, posts: Sequence[SuggestedPost]) -> dict[int, dict[str, list[ShareRoute]]]:
    """Per post, per copy variant (network value, "generic" included): the share routes to offer.

    A variant serves its own network; the generic copy serves every network that takes it and
    has no copy of its own. Direct publishing is offered when the network posts directly here
    and the user has a usable account. Queries: one for the accounts, at most one per network
    for its configuration; none per post (variants must be prefetched).
    """
    accounts = usable_accounts(user=user)
    every = providers()
    by_network = {p.network: p for p in every}
    direct: dict[str, bool] = {}

    def route(post: SuggestedPost, provider: Provider) -> ShareRoute:
        net = provider.network
        account = accounts.get(net)
        if account is not None and net not in direct:
            direct[net] = provider.posts_directly()
        is_direct = bool(account is not None and direct[net])
        return ShareRoute(
            network=net,
            label=provider.label,
            direct=is_direct,
            account=account if is_direct else None,
            share_url=reverse("networks:share", args=[post.pk, net]),
            intent_url=reverse("networks:share_intent", args=[post.pk, net]),
            needs_instance=provider.intent_needs_instance and account is None,
        )

    options: dict[int, dict[str, list[ShareRoute]]] = {}
    for post in posts:
        own = [v.network for v in post.variants.all()]
        per_variant: dict[str, list[ShareRoute]] = {}
        for variant in own:
            if variant == Network.GENERIC:
                served = [p for p in every if p.served_by_generic_copy and p.network not in own]
            else:
                served = [by_network[variant]] if variant in by_network else []
            per_variant[variant] = [route(post, p) for p in served]
        options[post.pk] = per_variant
    return options


def share_link_preview(*, user, post: SuggestedPost, network: str) -> str:
    """The employee's short link for this post and network if it exists, else a stand-in of its length.

    For pages shown on GET: reading never creates a link.
    """
    link = ShortLink.objects.filter(user=user, post=post, network=network).first()
    return link.short_url if link else short_link_placeholder()


def intent_instance_for(*, user, network: str) -> str:
    """The server of the user's connected account on a network whose share dialog needs one ("" when none)."""
    account = ConnectedAccount.objects.filter(user=user, network=network).exclude(instance="").order_by("-updated_at")
    return account.values_list("instance", flat=True).first() or ""


# --- Authentic voices ---------------------------------------------------------------------------

# Shares whose text went (or is going) out as written: the direct ones, not cancelled or failed. A share
# dialog's text is the suggestion, and whether it was posted (or edited there) is unknown: not counted.
POSTED_STATUSES = ("scheduled", "queued", "publishing", "published", "unknown")
NEAR_DUPLICATE_WINDOW = dt.timedelta(hours=24)


def near_duplicate_count(*, post_id: int, network: str, now: dt.datetime | None = None) -> int:
    """How many colleagues posted near-identical text for the post on the network in the last 24 hours
    (the largest group), when that is more than NEAR_DUPLICATE_MAX_SHARES; else 0."""
    counts = near_duplicates_for_posts(post_ids=[post_id], now=now)
    return counts.get((post_id, network), 0)


def near_duplicates_for_posts(*, post_ids: Sequence[int], now: dt.datetime | None = None) -> dict[tuple[int, str], int]:
    """(post id, network) → size of the largest near-identical group of the last 24 hours, for the pairs over
    the NEAR_DUPLICATE_MAX_SHARES setting only. One query."""
    now = now or timezone.now()
    texts: dict[tuple[int, str], list[str]] = defaultdict(list)
    rows = Share.objects.filter(
        post_id__in=list(post_ids),
        route=Share.Route.DIRECT,
        status__in=POSTED_STATUSES,
        created_at__gt=now - NEAR_DUPLICATE_WINDOW,
        created_at__lte=now,
    ).values_list("post_id", "network", "text")
    for post_id, network, text in rows:
        texts[(post_id, network)].append(text)
    flagged = {}
    for key, group in texts.items():
        if len(group) <= settings.NEAR_DUPLICATE_MAX_SHARES:
            continue
        size = largest_near_identical_group(group, threshold=settings.NEAR_DUPLICATE_SIMILARITY)
        if size > settings.NEAR_DUPLICATE_MAX_SHARES:
            flagged[key] = size
    return flagged


@dataclass(frozen=True)
class PersonalisedCount:
    personalised: int
    direct: int  # direct shares: the ones whose text we know

    @property
    def percent(self) -> int | None:
        return round(100 * self.personalised / self.direct) if self.direct else None


def personalised_share_count(*, post_ids: Sequence[int] | None = None, since=None, until=None) -> PersonalisedCount:
    """Personalised direct shares out of all direct shares posted (or on their way), optionally for some posts
    and a creation period. One query."""
    shares = Share.objects.filter(route=Share.Route.DIRECT, status__in=POSTED_STATUSES)
    if post_ids is not None:
        shares = shares.filter(post_id__in=list(post_ids))
    if since is not None:
        shares = shares.filter(created_at__gte=since)
    if until is not None:
        shares = shares.filter(created_at__lt=until)
    counts = shares.aggregate(direct=Count("id"), personalised=Count("id", filter=Q(personalised=True)))
    return PersonalisedCount(personalised=counts["personalised"] or 0, direct=counts["direct"] or 0)
