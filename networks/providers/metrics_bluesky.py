"""Bluesky engagement: app.bsky.feed.getPosts on the public AppView, up to 25 URIs, no auth (issue 5)."""

from collections.abc import Sequence

from django.conf import settings

from .base import EngagementCounts, Provider, Transient
from .metrics_common import POST_DELETED, count

BATCH_SIZE = 25


def fetch_metrics(*, provider: Provider, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
    """Like/repost/reply/quote counts per at:// URI (Bluesky gives no views).

    A URI the AppView leaves out of its answer no longer exists: POST_DELETED.
    """
    if len(external_ids) > BATCH_SIZE:
        raise ValueError(f"Bluesky's getPosts takes at most {BATCH_SIZE} URIs.")
    uris = [uri for uri in external_ids if uri.startswith("at://")]
    result: dict[str, EngagementCounts | None] = dict.fromkeys(external_ids)
    if not uris:
        return result
    response = provider.request(
        "GET", f"{settings.BLUESKY_APPVIEW_URL}/xrpc/app.bsky.feed.getPosts", params=[("uris", u) for u in uris]
    )
    body = provider.json(response)
    if not isinstance(body, dict) or not isinstance(body.get("posts"), list):
        raise Transient("Bluesky answered with an unexpected body.")
    seen = set()
    for post in body["posts"]:
        if not isinstance(post, dict) or post.get("uri") not in result:
            continue
        seen.add(post["uri"])
        result[post["uri"]] = EngagementCounts(
            likes=count(post, "likeCount"),
            reposts=count(post, "repostCount"),
            replies=count(post, "replyCount"),
            quotes=count(post, "quoteCount"),
        )
    for uri in uris:
        if uri not in seen:
            result[uri] = POST_DELETED
    return result
