"""Reads for webhooks: the `data` of each event, built from the domain apps when the news happens."""

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from accounts.services import user_role
from analytics.selectors import link_click_totals
from analytics.services import LinkClickCounts
from campaigns.models import Campaign, SuggestedPost
from networks.models import Share
from shortlinks.models import ShortLink

from .models import Delivery, Endpoint


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if when else None


def share_data(*, share_id: int) -> tuple[dict, int] | None:
    """The share's event data and its owner's id; None when the share is gone."""
    share = Share.objects.select_related("user", "post").filter(pk=share_id).first()
    if share is None:
        return None
    data = {
        "share": {
            "id": share.pk,
            "status": share.status,
            "network": share.network,
            "route": share.route,
            "post_id": share.post_id,
            "campaign_id": share.post.campaign_id,
            "employee": {"id": share.user_id, "email": share.user.email},
            "short_link_id": share.short_link_id,
            "url": share.external_url or None,
            "published_at": _iso(share.published_at),
            "error": share.error if share.status == Share.Status.FAILED else None,
        }
    }
    return data, share.user_id


def post_data(*, post_id: int) -> dict | None:
    post = SuggestedPost.objects.select_related("campaign").prefetch_related("variants").filter(pk=post_id).first()
    if post is None:
        return None
    return {
        "post": {
            "id": post.pk,
            "title": post.title,
            "target_url": post.target_url,
            "publish_at": _iso(post.publish_at),
            "expires_at": _iso(post.expires_at),
            "networks": sorted(variant.network for variant in post.variants.all()),
            "campaign": {"id": post.campaign_id, "name": post.campaign.name},
        }
    }


def clicks_data(*, counts: dict[int, LinkClickCounts]) -> list[dict]:
    """One entry per link that still exists, by link id: the drain's new clicks and the link's totals.

    Two queries however many links. The totals let a receiver that missed an event (a drain killed
    before it announced) stay exact: they are the link's figures after this drain.
    """
    links = ShortLink.objects.filter(pk__in=counts).values("pk", "code", "network", "post_id", "user_id").order_by("pk")
    totals = link_click_totals(link_ids=list(counts))
    base = settings.SHORTLINK_BASE_URL
    entries = []
    for link in links:
        new, total = counts[link["pk"]], totals.get(link["pk"], {})
        entries.append(
            {
                "link": {
                    "id": link["pk"],
                    "short_url": f"{base}/s/{link['code']}",
                    "network": link["network"],
                    "post_id": link["post_id"],
                    "employee_id": link["user_id"],
                },
                "clicks": new.clicks,
                "unique_clicks": new.unique_clicks,
                "total_clicks": total.get("clicks") or 0,
                "total_unique_clicks": total.get("unique_clicks") or 0,
            }
        )
    return entries


def campaign_goal_data(*, campaign_id: int, metric: str, target: int, reached: int, at: dt.datetime) -> dict | None:
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        return None
    return {
        "campaign": {
            "id": campaign.pk,
            "name": campaign.name,
            "starts_at": _iso(campaign.starts_at),
            "ends_at": _iso(campaign.ends_at),
        },
        "goal": {"metric": metric, "target": target, "reached": reached, "reached_at": _iso(at)},
    }


def employee_data(*, user_id: int) -> dict | None:
    user = User.objects.select_related("profile__team", "profile__location").filter(pk=user_id).first()
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    return {
        "employee": {
            "id": user.pk,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user_role(user=user),
            "team": profile.team.name if profile and profile.team else None,
            "location": profile.location.name if profile and profile.location else None,
            "joined_at": _iso(user.date_joined),
        }
    }


def endpoints_for(*, event_type: str) -> list[Endpoint]:
    """Active endpoints subscribed to the event type (a handful: filtered in Python, on any database)."""
    return [endpoint for endpoint in Endpoint.objects.filter(is_active=True) if endpoint.wants(event_type)]


def deliveries_for_admin() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("endpoint", "event")
