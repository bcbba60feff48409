from django import template

from ..selectors import link_click_totals
from ..services import link_get_or_create

register = template.Library()


@register.simple_tag(takes_context=True)
def my_short_link(context, post, network: str):
    """The signed-in employee's short link for `post` on `network`, with `click_total` and `unique_click_total`.

    Reads `short_links` from the context (dashboard.views.today puts it there, built in a
    constant number of queries); without it, falls back to one lookup per call.
    """
    user = context.get("user")
    if post is None or not network or user is None or not user.is_authenticated:
        return None
    links = context.get("short_links")
    if links is not None and (post.pk, network) in links:
        return links[(post.pk, network)]
    link = link_get_or_create(user=user, post=post, network=network)
    counts = link_click_totals(link_ids=[link.pk]).get(link.pk, {})
    link.click_total = counts.get("clicks", 0)
    link.unique_click_total = counts.get("unique_clicks", 0)
    return link
