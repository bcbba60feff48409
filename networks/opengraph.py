"""A small client for a page's Open Graph tags (title and description of link cards).

Best effort by design: any failure (network, not HTML, garbled) gives no tags, never an error.
The page is fetched through infra.outbound_http: a target URL (or a redirect from it) that
points at our own network is refused before any connection, and gives no tags either.
"""

from __future__ import annotations

import html.parser
import logging
from dataclasses import dataclass

from infra.outbound_http import OutboundError, outbound_request

logger = logging.getLogger(__name__)

MAX_BYTES = 512_000
TIMEOUT = (3.0, 5.0)
DEADLINE = 10.0


@dataclass(frozen=True)
class PagePreview:
    """What a page says about itself; empty strings when it says nothing."""

    title: str = ""
    description: str = ""


class _OpenGraphParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = dict(attrs)
        key = values.get("property") or values.get("name") or ""
        if key.startswith(("og:", "twitter:")) and values.get("content") and key not in self.tags:
            self.tags[key] = values["content"] or ""


def page_preview_fetch(*, url: str) -> PagePreview:
    """The og:/twitter: title and description of the page at `url` (first 512 kB read). Never raises."""
    tags: dict[str, str] = {}
    try:
        page = outbound_request(
            "GET",
            url,
            timeout=TIMEOUT,
            deadline=DEADLINE,
            max_bytes=MAX_BYTES,
            truncate=True,  # the <head> is at the start: a long page is cut, not refused
            headers={"User-Agent": "Advocacy"},
        )
        if page.ok and "html" in page.headers.get("Content-Type", ""):
            parser = _OpenGraphParser()
            parser.feed(page.content.decode(page.encoding or "utf-8", "replace"))
            tags = parser.tags
    except (OutboundError, LookupError, ValueError):  # LookupError: an unknown charset
        logger.info("No Open Graph tags for %s", url)
    return PagePreview(
        title=tags.get("og:title") or tags.get("twitter:title") or "",
        description=tags.get("og:description") or tags.get("twitter:description") or "",
    )
