"""campaigns' part of a person's data export and erasure (accounts.signals; connected in apps.py).

What a content manager did (created a post, approved it, owns a campaign) is the organisation's audit
record: after erasure it stays, attributed to the erased person's anonymous row ("Erased person #12"),
so the history says that someone did it and when, not who. Nothing to change here; the export lists it.
"""

from .models import Campaign, PostTransition, SuggestedPost


def export(sender, *, user, **kwargs) -> dict:
    return {
        "campaigns_owned": list(Campaign.objects.filter(owner=user).order_by("pk").values_list("name", flat=True)),
        "posts_created": list(
            SuggestedPost.objects.filter(created_by=user).order_by("pk").values_list("title", flat=True)
        ),
        "workflow_steps": [
            {"post": t.post.title, "from": t.from_status, "to": t.to_status, "at": t.at.isoformat(), "reason": t.reason}
            for t in PostTransition.objects.filter(by=user).select_related("post").order_by("at", "pk")
        ],
    }
