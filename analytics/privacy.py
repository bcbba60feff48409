"""analytics' part of a person's data export and erasure (accounts.signals; connected in apps.py).

Clicks and engagement are about the readers of a person's posts, counted without any reader's IP or
identity; they belong to the person only through their short links and shares. Erasure keeps them as
counts: the link and share rows stay, pointing at the erased person's anonymous row, so campaign
totals do not change. The export gives the person their own counts.
"""

from django.db.models import Count, Q

from shortlinks.models import ShortLink

from .engagement import METRIC_FIELDS, ShareMetrics


def export(sender, *, user, **kwargs) -> dict:
    links = (
        ShortLink.objects.filter(user=user)
        .annotate(
            total=Count("clicks", distinct=True),
            counted=Count("clicks", filter=Q(clicks__is_unique=True, clicks__is_self_click=False), distinct=True),
        )
        .order_by("pk")
    )
    metrics = ShareMetrics.objects.filter(share__user=user).order_by("share_id")
    return {
        "clicks": [
            {"short_url": link.short_url, "clicks": link.total, "counted_clicks": link.counted} for link in links
        ],
        "engagement": [
            {"share_id": m.share_id, "state": m.state, **{name: getattr(m, name) for name in METRIC_FIELDS}}
            for m in metrics
        ],
    }
