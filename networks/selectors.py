"""Reads for connected accounts and shares."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from campaigns.models import SuggestedPost
from campaigns.networks import Network, compose_share_text, short_link_placeholder
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
    """The user's latest shares, the most recently active first (a re-opened dialog comes back to the top)."""
    return (
        Share.objects.filter(user=user)
        .select_related("post", "account", "short_link")
        .order_by("-updated_at", "-id")[:limit]
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
    # The words the dialog carries (copy, disclaimer, short link), for "Copy text": "" without the link.
    copy_text: str = ""


@dataclass(frozen=True)
class VariantCopy:
    """One copy variant's words for the "Copy text" and Share… buttons."""

    text: str  # the copy and the disclaimer, without a link (the share sheet takes the link as `url`)
    copy_text: str  # the same with the employee's short link for this variant
    sheet_url: str  # their short link for the share sheet (network "sheet"), so its clicks count apart
    sheet_record_url: str  # POST here once the sheet was used: records a share of route "sheet"


def accounts_by_update(*, user) -> list[ConnectedAccount]:
    """The user's connected accounts, least recently updated first. One query."""
    return list(ConnectedAccount.objects.filter(user=user).order_by("updated_at"))


def usable_accounts(*, user, accounts: Sequence[ConnectedAccount] | None = None) -> dict[str, ConnectedAccount]:
    """The user's accounts that can publish, one per network (the most recently updated wins). One query,
    none when the caller passes `accounts_by_update`'s list."""
    if accounts is None:
        accounts = accounts_by_update(user=user)
    return {a.network: a for a in accounts if a.can_publish}


def share_networks_for_posts(*, posts: Sequence[SuggestedPost]) -> dict[int, dict[str, list[str]]]:
    """Per post, per copy variant: the networks it can be shared on. No query (variants prefetched).

    A variant serves its own network; the generic copy serves every network that takes it and has no
    copy of its own.
    """
    every = providers()
    known = {p.network for p in every}
    result: dict[int, dict[str, list[str]]] = {}
    for post in posts:
        own = [v.network for v in post.variants.all()]
        per_variant: dict[str, list[str]] = {}
        for variant in own:
            if variant == Network.GENERIC:
                per_variant[variant] = [p.network for p in every if p.served_by_generic_copy and p.network not in own]
            else:
                per_variant[variant] = [variant] if variant in known else []
        result[post.pk] = per_variant
    return result


def share_copy_text(*, post: SuggestedPost, network: str, link: str = "") -> str:
    """The words a share of `post` on `network` carries: its copy (or the generic one), the locked
    disclaimer and, when given, the short link. What the share dialog is opened with."""
    variant = post.variant_for(network)
    body = compose_share_text(variant.text if variant else post.title, disclaimer=post.disclaimer)
    return compose_share_text(body, link=link)


def share_options_for_posts(
    *,
    user,
    posts: Sequence[SuggestedPost],
    links: Mapping[tuple[int, str], ShortLink] | None = None,
    accounts: Sequence[ConnectedAccount] | None = None,
) -> dict[int, dict[str, list[ShareRoute]]]:
    """Per post, per copy variant (network value, "generic" included): the share routes to offer.

    Direct publishing is offered when the network posts directly here and the user has a usable
    account. With `links` (keyed by post id and network), each route carries the text to copy.
    Queries: one for the accounts (none given `accounts_by_update`'s list), at most one per network for
    its configuration; none per post (variants must be prefetched).
    """
    usable = usable_accounts(user=user, accounts=accounts)
    by_network = {p.network: p for p in providers()}
    direct: dict[str, bool] = {}

    def route(post: SuggestedPost, provider: Provider) -> ShareRoute:
        net = provider.network
        account = usable.get(net)
        if account is not None and net not in direct:
            direct[net] = provider.posts_directly()
        is_direct = bool(account is not None and direct[net])
        link = (links or {}).get((post.pk, net))
        return ShareRoute(
            network=net,
            label=provider.label,
            direct=is_direct,
            account=account if is_direct else None,
            share_url=reverse("networks:share", args=[post.pk, net]),
            intent_url=reverse("networks:share_intent", args=[post.pk, net]),
            needs_instance=provider.intent_needs_instance and account is None,
            copy_text=share_copy_text(post=post, network=net, link=link.short_url) if link else "",
        )

    posts_by_id = {post.pk: post for post in posts}
    return {
        post_id: {
            variant: [route(posts_by_id[post_id], by_network[net]) for net in served]
            for variant, served in per_variant.items()
        }
        for post_id, per_variant in share_networks_for_posts(posts=posts).items()
    }


def variant_copies_for_posts(
    *, posts: Sequence[SuggestedPost], links: Mapping[tuple[int, str], ShortLink]
) -> dict[tuple[int, str], VariantCopy]:
    """Per (post id, copy variant): the words its "Copy text" and Share… buttons carry. No query."""
    copies = {}
    for post in posts:
        sheet = links.get((post.pk, Network.SHEET))
        for variant in post.variants.all():
            own = links.get((post.pk, variant.network))
            copies[(post.pk, variant.network)] = VariantCopy(
                text=share_copy_text(post=post, network=variant.network),
                copy_text=share_copy_text(post=post, network=variant.network, link=own.short_url if own else ""),
                sheet_url=sheet.short_url if sheet else "",
                sheet_record_url=reverse("networks:share_sheet", args=[post.pk, variant.network]),
            )
    return copies


def network_order_for(*, user, accounts: Sequence[ConnectedAccount] | None = None) -> list[str]:
    """The networks in the order this person would pick them: the ones they connected (latest first),
    then the ones they shared to most, then the rest in the usual order. Two queries (one given
    `accounts_by_update`'s list)."""
    if accounts is None:
        accounts = accounts_by_update(user=user)
    connected = [a.network for a in reversed(accounts)]
    most_shared = (
        Share.objects.filter(user=user)
        .exclude(status__in=[Share.Status.CANCELLED, Share.Status.FAILED])
        .values("network")
        .annotate(n=Count("id"))
        .order_by("-n", "network")
        .values_list("network", flat=True)
    )
    order: list[str] = []
    for network in [*connected, *most_shared, *(p.network for p in providers())]:
        if network not in order and network != Network.SHEET:
            order.append(network)
    return order


@dataclass(frozen=True)
class SharedMark:
    """That (and when, where) the employee already shared a post on one network."""

    network: str
    label: str
    route: str
    at: dt.datetime


def my_shares_for_posts(*, user, post_ids: Sequence[int]) -> dict[int, list[SharedMark]]:
    """Per post: the employee's latest share on each network (cancelled and failed ones do not count),
    newest first. One query."""
    shares = (
        Share.objects.filter(user=user, post_id__in=post_ids)
        .exclude(status__in=[Share.Status.CANCELLED, Share.Status.FAILED])
        .order_by("-created_at")
        .values_list("post_id", "network", "route", "created_at", "published_at")
    )
    labels = dict(Network.choices)
    marks: dict[int, list[SharedMark]] = {}
    seen: set[tuple[int, str]] = set()
    for post_id, network, route, created_at, published_at in shares:
        if (post_id, network) in seen:
            continue
        seen.add((post_id, network))
        marks.setdefault(post_id, []).append(
            SharedMark(network=network, label=labels.get(network, network), route=route, at=published_at or created_at)
        )
    return marks


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
