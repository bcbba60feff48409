"""Template helpers for the share buttons: they only look up what the view gathered (no queries)."""

from django import template

register = template.Library()


@register.simple_tag
def share_routes(share_options, post, network: str) -> list:
    """The routes the view's `share_options_for_posts` prepared for this post's `network` copy."""
    if not share_options:
        return []
    return share_options.get(post.pk, {}).get(network, [])


@register.simple_tag
def variant_copy(variant_copies, post, network: str):
    """The words the view's `variant_copies_for_posts` prepared for this post's `network` copy (or None)."""
    if not variant_copies:
        return None
    return variant_copies.get((post.pk, network))
