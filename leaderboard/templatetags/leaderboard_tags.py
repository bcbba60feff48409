from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def post_stats(context, post, user) -> dict:
    """My points, counted clicks and per-share engagement for one post, as the view gathered them.

    Reads `post_stats` from the context (dashboard.views.today computes it for every post in
    three queries); a page that did not gather them shows none. Never queries.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    return (context.get("post_stats") or {}).get(post.pk, {})
