"""Writes for the Today page: what it gathers from shortlinks and analytics for one employee."""

from collections.abc import Iterable, Mapping

from analytics.selectors import link_click_totals
from campaigns.models import SuggestedPost
from shortlinks.models import ShortLink
from shortlinks.services import links_ensure_for_posts


def links_for_today(
    *, user, posts: list[SuggestedPost], networks: Mapping[int, Iterable[str]] | None = None
) -> dict[tuple[int, str], ShortLink]:
    """The Today page's links (created on first need), each with `click_total` and `unique_click_total` set:
    one per copy variant and, from `networks` (post id → networks), one per network a card offers.

    A constant number of queries however many posts the page shows.
    """
    links = links_ensure_for_posts(user=user, posts=posts, networks=networks)
    totals = link_click_totals(link_ids=[link.pk for link in links.values()])
    for link in links.values():
        counts = totals.get(link.pk, {})
        link.click_total = counts.get("clicks", 0)
        link.unique_click_total = counts.get("unique_clicks", 0)
    return links
