"""X engagement: GET /2/tweets?ids=… (up to 100 ids) with public_metrics (issue 5)."""

from collections.abc import Sequence

from django.conf import settings

from .base import EngagementCounts, Permanent, Provider, Transient
from .metrics_common import POST_DELETED, count

BATCH_SIZE = 100


def fetch_metrics(*, provider: Provider, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
    """Public metrics per tweet id; POST_DELETED for ids X reports as not found.

    Uses the app's bearer token (X_BEARER_TOKEN) or else the employee's token. Raises AuthExpired,
    RateLimited, QuotaExhausted, Permanent or Transient for the whole batch.
    """
    if len(external_ids) > BATCH_SIZE:
        raise ValueError(f"X looks up at most {BATCH_SIZE} posts at a time.")
    token = settings.X_BEARER_TOKEN or (account.access_token if account is not None else "")
    if not token:
        raise Permanent("X metrics need X_BEARER_TOKEN or a connected account.")
    response = provider.request(
        "GET",
        f"{settings.X_API_BASE}/2/tweets",
        params={"ids": ",".join(external_ids), "tweet.fields": "public_metrics"},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = provider.json(response)
    if not isinstance(body, dict) or not isinstance(body.get("data", []), list):
        raise Transient("X answered with an unexpected body.")
    result: dict[str, EngagementCounts | None] = dict.fromkeys(external_ids)
    for tweet in body.get("data", []):
        if not isinstance(tweet, dict) or str(tweet.get("id")) not in result:
            continue
        metrics = tweet.get("public_metrics")
        if not isinstance(metrics, dict):
            continue
        result[str(tweet["id"])] = EngagementCounts(
            likes=count(metrics, "like_count"),
            reposts=count(metrics, "retweet_count"),
            replies=count(metrics, "reply_count"),
            quotes=count(metrics, "quote_count"),
            impressions=count(metrics, "impression_count"),
        )
    for error in body.get("errors", []) or []:
        if not isinstance(error, dict):
            continue
        value = str(error.get("value") or error.get("resource_id") or "")
        if value in result and str(error.get("type", "")).endswith("/resource-not-found"):
            result[value] = POST_DELETED
    return result
