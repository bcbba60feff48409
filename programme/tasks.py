"""Celery tasks for the programme: each calls one idempotent service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def challenges_freeze_due() -> int:
    """Every 10 minutes: freeze the challenges that have ended and award their winners. Idempotent."""
    return services.challenges_freeze_due()


@shared_task(acks_late=True)
def survey_invites_send() -> dict:
    """Hourly: invite the audiences of campaigns that just ended to their survey (each person once)."""
    return services.survey_invites_send()


@shared_task(acks_late=True)
def spotlight_publish() -> int | None:
    """Mondays: publish this week's spotlight from last week's best (once per week)."""
    spotlight = services.spotlight_publish()
    return spotlight.pk if spotlight else None
