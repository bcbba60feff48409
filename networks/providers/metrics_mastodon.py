"""Mastodon engagement: GET /api/v1/statuses/:id, one status per request (issue 5)."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from .base import EngagementCounts, Permanent, Provider, Transient
from .metrics_common import POST_DELETED, count

if TYPE_CHECKING:
    from .mastodon import MastodonProvider

BATCH_SIZE = 1


def fetch_metrics(*, provider: Provider, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
    """Favourites, reblogs, replies (and quotes on 4.4+) per status id; no impressions.

    A 404 means the employee deleted the status: POST_DELETED for that id, the rest go on.
    Raises AuthExpired, RateLimited, Permanent or Transient (the caller keeps what was fetched before).
    """
    if account is None or not account.instance:
        raise Permanent("Mastodon metrics need the employee's instance.")
    result: dict[str, EngagementCounts | None] = {}
    base_url = cast("MastodonProvider", provider).base_url(account.instance)
    for status_id in external_ids:
        try:
            response = provider.request(
                "GET",
                f"{base_url}/api/v1/statuses/{status_id}",
                headers={"Authorization": f"Bearer {account.access_token}"},
            )
        except Permanent as exc:
            if exc.status == 404:
                result[status_id] = POST_DELETED
                continue
            raise
        body = provider.json(response)
        if not isinstance(body, dict):
            raise Transient(f"{account.instance} answered with an unexpected body.")
        result[status_id] = EngagementCounts(
            likes=count(body, "favourites_count"),
            reposts=count(body, "reblogs_count"),
            replies=count(body, "replies_count"),
            quotes=count(body, "quotes_count"),
        )
    return result
