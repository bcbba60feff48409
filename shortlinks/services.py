"""Writes for short links: create an employee's link once, with its UTM-tagged target."""

import logging
from typing import cast
from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from analytics.services import click_record_now
from campaigns.models import SuggestedPost

from . import buffer
from .models import ShortLink, new_code
from .selectors import link_click_totals

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


def links_ensure_for_posts(*, user, posts: list[SuggestedPost]) -> dict[tuple[int, str], ShortLink]:
    """The employee's links for every (post, variant network) pair, keyed by (post id, network).

    Creates the missing ones in one INSERT (conflicts ignored, so concurrent page views
    are safe), then reads them back: a constant number of queries for the Today page.
    Expects `post.variants` and `post.campaign` to be prefetched.
    """
    wanted = {(post.pk, variant.network): post for post in posts for variant in post.variants.all()}
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
        for link in ShortLink.objects.filter(user=user, post_id__in={post_id for post_id, _ in missing}):
            links[(cast(int, link.post_id), link.network)] = link
        for key in missing:
            if key not in links:  # lost to a code clash: take the slow, retrying path
                links[key] = link_get_or_create(user=user, post=wanted[key], network=key[1])
    return {key: link for key, link in links.items() if key in wanted}


def click_capture(*, link_id: int, request: HttpRequest) -> None:
    """Record one request to a short link without slowing the redirect, and never fail it.

    Normal path: one XADD to the Redis buffer (classification happens at drain). Without
    Redis, or while it is down, the click is classified and stored right here instead. If
    even that fails the click is logged as lost and the visitor is still redirected.
    """
    event = buffer.raw_click_from_request(link_id=link_id, request=request)
    if buffer.buffer_append(event):
        return
    try:
        click_record_now(event=event.with_direct_id())
    except Exception:
        logger.exception("Click on link %s lost: no buffer and the database write failed", link_id)


def links_for_today(*, user, posts: list[SuggestedPost]) -> dict[tuple[int, str], ShortLink]:
    """The Today page's links (created on first need), each with `click_total` and `unique_click_total` set."""
    links = links_ensure_for_posts(user=user, posts=posts)
    totals = link_click_totals(link_ids=[link.pk for link in links.values()])
    for link in links.values():
        counts = totals.get(link.pk, {})
        link.click_total = counts.get("clicks", 0)
        link.unique_click_total = counts.get("unique_clicks", 0)
    return links
