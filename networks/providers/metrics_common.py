"""Shared pieces of the metrics fetchers (issue 5): the 'post is gone' marker and number parsing.

`fetch_metrics` returns, per external id, EngagementCounts, None (numbers unavailable),
or POST_DELETED (the network says the post no longer exists).
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .base import EngagementCounts

POST_DELETED = EngagementCounts(extra=MappingProxyType({"deleted": 1}))


def is_deleted(counts: EngagementCounts | None) -> bool:
    return counts is not None and counts.extra.get("deleted") == 1


def count(body: Mapping[str, Any], key: str) -> int | None:
    """A non-negative integer from a response, or None when missing or not a number."""
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value
