from django import template

from leaderboard.selectors import post_stats_for_posts

register = template.Library()


@register.simple_tag(takes_context=True)
def post_stats(context, post, user) -> dict:
    """My points, counted clicks and per-share engagement for one post (Today page).

    Reads `post_stats` from the context (dashboard.views.today computes it for every post in
    three queries); without it, computes this post's alone.
    """
    if not getattr(user, "is_authenticated", False):
        return {}
    computed = context.get("post_stats")
    if computed is not None and post.pk in computed:
        return computed[post.pk]
    return post_stats_for_posts(user=user, posts=[post])[post.pk]
