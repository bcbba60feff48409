"""shortlinks' part of a person's data export and erasure (accounts.signals; connected in apps.py).

A short link holds no personal data beyond whose it is, and that is the erased person's anonymous
row after erasure: the links stay (they are out in the world and keep redirecting) and their clicks
stay as counts. So erasure has nothing to change here; the export lists them.
"""

from .models import ShortLink


def export(sender, *, user, **kwargs) -> dict:
    links = ShortLink.objects.filter(user=user).select_related("post").order_by("created_at", "pk")
    return {
        "short_links": [
            {
                "short_url": link.short_url,
                "network": link.network,
                "post": link.post.title if link.post else None,
                "target_url": link.target_url,
                "created_at": link.created_at.isoformat(),
            }
            for link in links
        ]
    }
