"""Markdown that content managers write (guidelines, tips, the social media policy), as safe HTML.

Markdown lets a writer embed raw HTML; nh3 (ammonia) then keeps only the tags Markdown itself produces, so a
pasted <script>, an event handler or a javascript: link never reaches a page.
"""

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def markdown_to_html(text: str) -> SafeString:
    """HTML for `text` (Markdown), with raw HTML escaped and only harmless tags and http(s)/mailto links kept."""
    # Raw HTML blocks are escaped by Markdown's own option too, so what a writer typed shows as text, not as nothing.
    md = markdown_lib.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    html = md.convert(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
