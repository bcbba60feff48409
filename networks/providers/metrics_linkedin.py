"""LinkedIn engagement (issue 5): only with the approved r_member_postAnalytics scope, else unavailable.

memberCreatorPostAnalytics, one total per metric type and post:
GET /rest/memberCreatorPostAnalytics?q=entity&entity=(share:<urn>)&queryType=REACTION&aggregation=TOTAL
"""

from collections.abc import Sequence
from urllib.parse import quote

from django.conf import settings

from .base import EngagementCounts, Permanent, Provider, Transient
from .metrics_common import POST_DELETED

BATCH_SIZE = 1
SCOPE = "r_member_postAnalytics"
QUERY_TYPES = {"likes": "REACTION", "replies": "COMMENT", "reposts": "RESHARE", "impressions": "IMPRESSION"}


def available(account) -> bool:
    return bool(settings.LINKEDIN_POST_ANALYTICS and account is not None and SCOPE in (account.scopes or "").split())


def _entity(urn: str) -> str:
    kind = "ugc" if urn.startswith("urn:li:ugcPost:") else "share"
    return f"({kind}:{quote(urn, safe='')})"


def fetch_metrics(*, provider: Provider, account, external_ids: Sequence[str]) -> dict[str, EngagementCounts | None]:
    """Reactions, comments, reshares and impressions per post URN; None for all when not available."""
    if not available(account):
        return dict.fromkeys(external_ids)
    headers = {
        "Authorization": f"Bearer {account.access_token}",
        "LinkedIn-Version": settings.LINKEDIN_VERSION,
        "X-Restli-Protocol-Version": "2.0.0",
    }
    result: dict[str, EngagementCounts | None] = {}
    for urn in external_ids:
        values: dict[str, int | None] = {}
        try:
            for field, query_type in QUERY_TYPES.items():
                url = (
                    f"{settings.LINKEDIN_API_BASE}/rest/memberCreatorPostAnalytics?q=entity&entity={_entity(urn)}"
                    f"&queryType={query_type}&aggregation=TOTAL"
                )
                body = provider.json(provider.request("GET", url, headers=headers))
                elements = body.get("elements") if isinstance(body, dict) else None
                if not isinstance(elements, list):
                    raise Transient("LinkedIn answered with an unexpected body.")
                total = sum(
                    e.get("count", 0) for e in elements if isinstance(e, dict) and isinstance(e.get("count"), int)
                )
                values[field] = total
        except Permanent as exc:
            if exc.status == 404:
                result[urn] = POST_DELETED
                continue
            raise
        result[urn] = EngagementCounts(
            likes=values.get("likes"),
            reposts=values.get("reposts"),
            replies=values.get("replies"),
            quotes=values.get("quotes"),
            impressions=values.get("impressions"),
        )
    return result
