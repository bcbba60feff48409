"""The weekly summary email to admins and content managers: the week's figures, the best post, the best team,
and the campaigns behind their goal, sent on Monday at 08:00 in each recipient's own time zone.

It goes out on the digest's mail path (infra.mail: one rendering helper for the subject/text/html triple, CSS
inlined, a Message-ID and Auto-Submitted on every message) with a claim-before-send log of its own.
"""

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from analytics import dashboards
from analytics.dashboards import Scope
from analytics.rollups import rollup_day
from campaigns.models import Campaign, SuggestedPost
from infra.mail import email_message, email_render

from .models import WeeklySummarySend
from .selectors import STAFF_GROUPS, team_names

logger = logging.getLogger(__name__)

SEND_WEEKDAY = 0  # Monday
SEND_HOUR = 8
LATEST_HOUR = 20  # a beat that was down all Monday morning still sends the same day, not at midnight


@dataclass(frozen=True)
class WeeklySummary:
    week_start: dt.date
    week_end: dt.date
    current: dict
    before: dict
    best_post: dict | None
    best_team: dict | None
    behind: list[dict]
    site_url: str


def weekly_summary_build(*, week_start: dt.date, now: dt.datetime | None = None) -> WeeklySummary:
    """The figures of the week starting `week_start` (Monday, organisation calendar), from the rollups only."""
    now = now or timezone.now()
    scope = Scope(start=week_start, end=week_start + dt.timedelta(days=6))
    facts = dashboards.Facts(scope)
    current, before = dashboards.totals_with_previous(scope, facts)
    top_post = dashboards.top(scope, by="post_id", limit=1, facts=facts)
    top_team = dashboards.top(scope, by="team_id", limit=1, facts=facts)
    best_post = None
    if top_post and top_post[0]["unique_clicks"]:
        post = SuggestedPost.objects.filter(pk=top_post[0]["post_id"]).first()
        if post:
            best_post = {
                **top_post[0],
                "title": post.title,
                "url": settings.SITE_URL + reverse("programme_post", args=[post.pk]),
            }
    best_team = None
    if top_team and top_team[0]["unique_clicks"]:
        best_team = {**top_team[0], "name": team_names(team_ids=[top_team[0]["team_id"]]).get(top_team[0]["team_id"])}
    behind = []
    active = Campaign.objects.active(now).filter(goal_target__gt=0).order_by("ends_at")[:20]
    progress = {
        row["campaign_id"]: row
        for row in dashboards.top(
            Scope(start=week_start - dt.timedelta(days=366), end=rollup_day(now)), by="campaign_id", limit=1000
        )
        if row["campaign_id"] in {c.pk for c in active}
    }
    for campaign in active:
        row = progress.get(campaign.pk, {"unique_clicks": 0, "shares": 0, "interactions": 0})
        reached = {"clicks": row["unique_clicks"], "shares": row["shares"], "engagement": row["interactions"] or 0}[
            campaign.goal_metric
        ]
        elapsed = (now - campaign.starts_at) / (campaign.ends_at - campaign.starts_at)
        expected = round(campaign.goal_target * max(0.0, min(1.0, elapsed)))
        if reached < expected:
            behind.append(
                {
                    "name": campaign.name,
                    "reached": reached,
                    "expected": expected,
                    "target": campaign.goal_target,
                    "metric": campaign.get_goal_metric_display().lower(),
                    "url": settings.SITE_URL + reverse("programme_campaign", args=[campaign.pk]),
                }
            )
    return WeeklySummary(
        week_start=scope.start,
        week_end=scope.end,
        current=current,
        before=before,
        best_post=best_post,
        best_team=best_team,
        behind=behind,
        site_url=settings.SITE_URL,
    )


def weekly_summary_render(*, summary: WeeklySummary, user: User) -> tuple[str, str, str]:
    """Subject, text and HTML of the email (templates/dashboard/email/weekly_summary_*)."""
    context = {"s": summary, "user": user, "programme_url": settings.SITE_URL + reverse("programme")}
    return email_render(templates="dashboard/email/weekly_summary", context=context)


def _local_now(user: User, now: dt.datetime) -> dt.datetime:
    zone_name = getattr(getattr(user, "profile", None), "time_zone", "") or settings.ORGANISATION_TIME_ZONE
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.ORGANISATION_TIME_ZONE)
    return now.astimezone(zone)


def weekly_summary_recipients() -> list[User]:
    return list(
        User.objects.filter(is_active=True, erased_at__isnull=True, groups__name__in=STAFF_GROUPS)
        .exclude(email="")
        .select_related("profile")
        .distinct()
        .order_by("pk")
    )


def weekly_summary_send_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Send the summary to every admin and content manager whose local time is Monday 08:00–20:00 and who has
    not had this week's yet. Claim before send: the log row is inserted first (unique per person and week), so
    only one worker sends; a failed send is recorded, never retried blindly. Returns counts."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    summaries: dict[dt.date, WeeklySummary] = {}
    connection = None
    for user in weekly_summary_recipients():
        local = _local_now(user, now)
        if local.weekday() != SEND_WEEKDAY or not SEND_HOUR <= local.hour < LATEST_HOUR:
            continue
        week_start = local.date() - dt.timedelta(days=7)  # the week that ended last night, Monday to Sunday
        try:
            with transaction.atomic():
                claim = WeeklySummarySend.objects.create(user=user, week_start=week_start, claimed_at=now)
        except IntegrityError:
            counts["skipped"] += 1  # already claimed (sent, being sent, or failed)
            continue
        if week_start not in summaries:
            summaries[week_start] = weekly_summary_build(week_start=week_start, now=now)
        subject, text, html = weekly_summary_render(summary=summaries[week_start], user=user)
        message = email_message(subject=subject, text=text, html=html, to=[user.email], kind="weekly-summary")
        try:
            connection = connection or get_connection()
            message.connection = connection
            message.send()
        except Exception as exc:  # SMTP errors of every kind: recorded, the next person still gets theirs
            logger.warning("Weekly summary to user %s failed: %s", user.pk, exc)
            WeeklySummarySend.objects.filter(pk=claim.pk).update(
                status=WeeklySummarySend.Status.FAILED, error=str(exc)[:500]
            )
            counts["failed"] += 1
            continue
        WeeklySummarySend.objects.filter(pk=claim.pk).update(status=WeeklySummarySend.Status.SENT, sent_at=now)
        counts["sent"] += 1
    return counts
