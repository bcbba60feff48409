from django import template

from analytics.metrics import share_stats_for_post, unique_clicks_for_post
from leaderboard.selectors import post_points

register = template.Library()


@register.simple_tag
def post_stats(post, user) -> dict:
    """My points, counted clicks and per-share engagement for one post (Today page)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    return {
        "points": post_points(user_id=user.id, post_id=post.id),
        "clicks": unique_clicks_for_post(user_id=user.id, post_id=post.id),
        "shares": share_stats_for_post(user_id=user.id, post_id=post.id),
    }
