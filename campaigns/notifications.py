"""Approval emails: to authors when their post is approved or rejected, to reviewers once a day while posts wait.

Sent through infra.mail, the mail path the digest uses (subject, text and HTML from templates/campaigns/email/).
The reviewers' reminder is an email of its own, sent by the Celery beat task `remind_reviewers`, not a section
of the digest. Everyone can turn these off: accounts.EmployeeProfile.approval_emails_opt_in (My settings).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmployeeProfile
from infra.mail import email_message, email_render

from . import selectors
from .models import PostStatus, PostTransition, ReviewReminder


def send_templated(*, name: str, to: str, context: dict) -> None:
    """Render templates/campaigns/email/<name>{_subject.txt,.txt,.html} and send them as one email (infra.mail)."""
    subject, text, html = email_render(templates=f"campaigns/email/{name}", context=context)
    email_message(subject=subject, text=text, html=html, to=[to], kind=name.replace("_", "-")).send()


def _wants_email(user) -> bool:
    if not user or not user.is_active or not user.email:
        return False
    opted_in = EmployeeProfile.objects.filter(user=user).values_list("approval_emails_opt_in", flat=True).first()
    return opted_in is not False  # no profile yet: the default (on)


def _admin_url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def post_decision_notify(*, transition_id: int) -> bool:
    """Email the post's author that it was approved or rejected (with the reason). Returns whether it was sent.

    Not for one's own decision, nor for someone who turned approval emails off. Called once per transition
    (on commit); a lost email is not retried, so nobody gets it twice.
    """
    step = PostTransition.objects.select_related("post", "by", "post__created_by").filter(pk=transition_id).first()
    if step is None or step.to_status not in (PostStatus.APPROVED, PostStatus.REJECTED):
        return False
    author = step.post.created_by
    if author is None or author == step.by or not _wants_email(author):
        return False
    send_templated(
        name="post_decided",
        to=author.email,
        context={
            "post": step.post,
            "approved": step.to_status == PostStatus.APPROVED,
            "reason": step.reason,
            "by": step.by,
            "post_url": _admin_url("admin:campaigns_suggestedpost_change", step.post.pk),
            "settings_url": settings.SITE_URL.rstrip("/") + reverse("my_settings"),
        },
    )
    return True


def reviewers_remind(*, now: dt.datetime | None = None) -> int:
    """Email each reviewer with posts waiting for them, once a day. Returns how many emails were sent.

    Claim before send: a ReviewReminder row (unique per person and day) is written first, so two runs or two
    workers never send the same day's email twice; a send that fails after the claim is not retried that day.
    """
    now = now or timezone.now()
    day = now.astimezone(ZoneInfo(settings.ORGANISATION_TIME_ZONE)).date()  # the organisation's day
    sent = 0
    for reviewer in selectors.post_possible_reviewers():
        waiting = list(selectors.posts_waiting_for(user=reviewer).select_related("campaign")[:20])
        if not waiting or not _wants_email(reviewer):
            continue
        try:
            with transaction.atomic():
                ReviewReminder.objects.create(user=reviewer, day=day, waiting=len(waiting), sent_at=now)
        except IntegrityError:
            continue  # already sent today
        send_templated(
            name="posts_waiting",
            to=reviewer.email,
            context={
                "reviewer": reviewer,
                "posts": waiting,
                "count": selectors.posts_waiting_for(user=reviewer).count(),
                "inbox_url": _admin_url("admin:campaigns_suggestedpost_changelist") + "?waiting=me",
                "settings_url": settings.SITE_URL.rstrip("/") + reverse("my_settings"),
            },
        )
        sent += 1
    return sent
