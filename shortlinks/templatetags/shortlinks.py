from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def my_short_link(context, post, network: str):
    """The signed-in employee's short link for `post` on `network`, with `click_total` and `unique_click_total`.

    Only reads `short_links` from the context, which the view builds in a constant number of
    queries (dashboard.services.links_for_today): a tag never queries or writes. None without it.
    """
    if post is None or not network:
        return None
    return (context.get("short_links") or {}).get((post.pk, network))
