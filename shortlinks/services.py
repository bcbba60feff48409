"""Writes for short links: create an employee's link once, with its UTM-tagged target."""

import logging
from collections.abc import Iterable, Mapping
from typing import cast
from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

import redis
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from campaigns.models import SuggestedPost

from . import buffer
from .models import ShortLink, new_code
from .signals import click_unbuffered

logger = logging.getLogger(__name__)

UTM_MEDIUM = "employee_advocacy"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")


def build_target_url(*, url: str, network: str, utm_campaign: str, post_id: int) -> str:
    """`url` with our four UTM tags, keeping its own query (byte for byte) and fragment.

    Existing utm_source/medium/campaign/content parameters are replaced, other utm_*
    parameters kept. Nothing about the employee goes into the URL.
    """
    parts = urlsplit(url.strip())
    kept = [
        segment
        for segment in parts.query.split("&")
        if segment and unquote_plus(segment.split("=", 1)[0]).lower() not in UTM_KEYS
    ]
    ours = urlencode(
        {
            "utm_source": network,
            "utm_medium": UTM_MEDIUM,
            "utm_campaign": utm_campaign,
            "utm_content": f"post-{post_id}",
        },
        quote_via=quote,
    )
    query = "&".join([*kept, ours])
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def _target_for(post: SuggestedPost, network: str) -> str:
    return build_target_url(
        url=post.target_url, network=network, utm_campaign=post.campaign.utm_campaign, post_id=post.pk
    )


def links_created_announce() -> None:
    """New links exist: processes that hold every link look again at their next unknown code
    (shortlinks.selectors.link_resolve). Announced now, so a click inside this transaction finds them,
    and again at commit, so no process settles on a version whose links it could not see yet."""
    buffer.links_version_bump()
    transaction.on_commit(buffer.links_version_bump)


def link_saved(sender, instance: ShortLink, created: bool, **kwargs) -> None:
    """post_save: every link made one at a time (the bulk paths announce their own)."""
    if created:
        links_created_announce()


def links_version_reconcile() -> bool:
    """Announce links whose own announcement failed (Redis was down when they were created): run by every
    click drain, so they are found within seconds of Redis answering again. True when it announced."""
    newest = ShortLink.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    try:
        return buffer.links_version_reconcile(newest)
    except redis.RedisError:
        logger.warning("Could not reconcile the short links' version with Redis", exc_info=True)
        return False


def link_get_or_create(*, user, post: SuggestedPost, network: str) -> ShortLink:
    """The employee's link for this post and network, created on first need.

    Never duplicated: the (user, post, network) unique constraint decides between
    concurrent requests, and the loser reads the winner's row. A clash on the random
    code (1 in ~1e14 per pair of links) is retried with a fresh code.
    """
    existing = ShortLink.objects.filter(user=user, post=post, network=network).first()
    if existing:
        return existing
    target = _target_for(post, network)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return ShortLink.objects.create(
                    user=user, post=post, network=network, target_url=target, code=new_code()
                )
        except IntegrityError:
            existing = ShortLink.objects.filter(user=user, post=post, network=network).first()
            if existing:
                return existing
    raise IntegrityError("Could not draw a free short-link code in 3 attempts.")


def links_ensure_for_posts(
    *, user, posts: list[SuggestedPost], networks: Mapping[int, Iterable[str]] | None = None
) -> dict[tuple[int, str], ShortLink]:
    """The employee's links for every (post, variant network) pair, and for the networks given per
    post id in `networks`, keyed by (post id, network).

    Creates the missing ones in one INSERT (conflicts ignored, so concurrent page views
    are safe), then reads them back: a constant number of queries for the Today page.
    Expects `post.variants` and `post.campaign` to be prefetched.
    """
    wanted = {(post.pk, variant.network): post for post in posts for variant in post.variants.all()}
    for post in posts:
        for network in (networks or {}).get(post.pk, ()):
            wanted[(post.pk, network)] = post
    if not wanted:
        return {}
    post_ids = {post_id for post_id, _ in wanted}
    links: dict[tuple[int, str], ShortLink] = {
        (cast(int, link.post_id), link.network): link
        for link in ShortLink.objects.filter(user=user, post_id__in=post_ids)
    }
    missing = [key for key in wanted if key not in links]
    if missing:
        ShortLink.objects.bulk_create(
            [
                ShortLink(user=user, post=wanted[key], network=key[1], target_url=_target_for(wanted[key], key[1]))
                for key in missing
            ],
            ignore_conflicts=True,
        )
        links_created_announce()
        for link in ShortLink.objects.filter(user=user, post_id__in={post_id for post_id, _ in missing}):
            links[(cast(int, link.post_id), link.network)] = link
        for key in missing:
            if key not in links:  # lost to a code clash: take the slow, retrying path
                links[key] = link_get_or_create(user=user, post=wanted[key], network=key[1])
    return {key: link for key, link in links.items() if key in wanted}


def click_capture(*, link_id: int, request: HttpRequest) -> None:
    """Record one request to a short link without slowing the redirect, and never fail it.

    Normal path: the raw click goes to the Redis buffer (classification happens at drain), through
    this process's batch (SHORTLINK_CLICK_BATCH_MS) or one XADD in the request. Without Redis, or
    while it is down, the click is handed to the `click_unbuffered` receivers (analytics stores
    it). If even that fails the click is logged as lost and the visitor is still redirected.

    The click's id is made once, here, and is the same on both paths: when an XADD that timed out
    runs after all, the drain finds the id already stored by the direct write and skips it.
    """
    event = buffer.raw_click_from_request(link_id=link_id, request=request)
    linger = buffer.hot_settings.batch_seconds
    if linger:
        buffer.batcher.add(event, linger=linger, fallback=clicks_store_unbuffered)
        return
    if buffer.buffer_append(event):
        return
    clicks_store_unbuffered([event])


def clicks_store_unbuffered(events: list[buffer.RawClick]) -> None:
    """Hand clicks the buffer did not take to the `click_unbuffered` receivers; log them as lost if that fails."""
    if not click_unbuffered.has_listeners():
        logger.error("%d clicks lost: no buffer and nobody receives unbuffered clicks", len(events))
        return
    for _receiver, outcome in click_unbuffered.send_robust(sender=ShortLink, events=events):
        if isinstance(outcome, Exception):
            logger.error(
                "%d clicks (links %s) lost: no buffer and the database write failed",
                len(events),
                sorted({event.link_id for event in events})[:10],
                exc_info=(type(outcome), outcome, outcome.__traceback__),
            )


def links_ensure_many(*, wanted: list[tuple[int, SuggestedPost, str]]) -> dict[tuple[int, int, str], ShortLink]:
    """Links for many (user id, post, network) triples at once, keyed by (user id, post id, network).

    For jobs that serve many employees in one go (the daily digest): the same guarantees as
    `links_ensure_for_posts` (one INSERT ignoring conflicts, then a read back; never duplicated)
    in a constant number of queries however many employees. Expects `post.campaign` loaded.
    """
    if not wanted:
        return {}
    keys = {(user_id, post.pk, network): post for user_id, post, network in wanted}
    user_ids = {user_id for user_id, _, _ in keys}
    post_ids = {post_id for _, post_id, _ in keys}

    def read() -> dict[tuple[int, int, str], ShortLink]:
        rows = ShortLink.objects.filter(user_id__in=user_ids, post_id__in=post_ids)
        return {(cast(int, link.user_id), cast(int, link.post_id), link.network): link for link in rows}

    # Always the same two queries (insert what may be missing, read back), so the count does not depend on
    # how many links already exist.
    ShortLink.objects.bulk_create(
        [
            ShortLink(user_id=key[0], post=post, network=key[2], target_url=_target_for(post, key[2]))
            for key, post in keys.items()
        ],
        ignore_conflicts=True,
    )
    links_created_announce()
    links = read()
    for key in keys:
        if key not in links:  # lost to a code clash: take the slow, retrying path
            links[key] = link_get_or_create(user=get_user_model()(pk=key[0]), post=keys[key], network=key[2])
    return {key: link for key, link in links.items() if key in keys}
