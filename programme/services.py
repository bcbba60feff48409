"""Writes for the programme: freezing challenges, survey invitations and answers, nudges, the weekly spotlight.

Every job is idempotent: a frozen challenge is never frozen again (row lock + `frozen_at`), a survey invitation
is claimed by its unique row before the email goes out, a spotlight is unique per week.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmployeeProfile
from accounts.services import profile_get
from campaigns.selectors import campaign_targets
from infra.mail import email_message, email_render
from leaderboard.models import Badge, Period
from leaderboard.periods import period_start, week_bounds
from leaderboard.selectors import leaderboard_top
from leaderboard.services.badges import badge_award

from . import selectors
from .models import (
    SCALE_MAX,
    SCALE_MIN,
    Challenge,
    ChallengePlay,
    ChallengeResult,
    Nudge,
    QuestionKind,
    Spotlight,
    SpotlightItem,
    Survey,
    SurveyAnswer,
    SurveyAnswerSet,
    SurveyInvite,
    SurveyResponse,
)
from .signals import challenge_finished, spotlight_published

logger = logging.getLogger(__name__)

SPOTLIGHT_STORIES = 3
SPOTLIGHT_ADVOCATES = 3
TEXT_ANSWER_MAX = 2000


# --- Challenges ---------------------------------------------------------------------------------------


def challenge_freeze(*, challenge_id: int, now: dt.datetime | None = None) -> bool:
    """Freeze an ended challenge: store its final standing, award the winners' badges, announce it.

    Idempotent and safe on two workers at once (the row is locked and `frozen_at` checked). Returns True when
    this call froze it. Winners: the first `winners` places (ties included) in individual play; every member
    of the first team in team play. `challenge_finished` is sent after commit (chat notifications listen).
    """
    now = now or timezone.now()
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().filter(pk=challenge_id).first()
        if challenge is None or challenge.frozen_at is not None or challenge.ends_at > now:
            return False
        ranked = selectors._ranked(selectors.challenge_entrants(challenge=challenge, now=challenge.ends_at))
        reference = f"challenge:{challenge.pk}"
        note = challenge.name[:200]
        for rank, entrant in ranked:
            if challenge.play == ChallengePlay.TEAM:
                winner = rank == 1
                ChallengeResult.objects.create(
                    challenge=challenge, rank=rank, team_id=entrant.team_id, score=entrant.score, is_winner=winner
                )
                if winner and entrant.team_id is not None:
                    members = EmployeeProfile.objects.filter(team_id=entrant.team_id, leaderboard_excluded=False)
                    for user_id in members.values_list("user_id", flat=True):
                        badge_award(user_id=user_id, badge=Badge.CHALLENGE_WINNER, reference=reference, note=note)
            else:
                winner = rank <= challenge.winners
                ChallengeResult.objects.create(
                    challenge=challenge, rank=rank, user_id=entrant.user_id, score=entrant.score, is_winner=winner
                )
                if winner and entrant.user_id is not None:
                    badge_award(user_id=entrant.user_id, badge=Badge.CHALLENGE_WINNER, reference=reference, note=note)
        challenge.frozen_at = now
        challenge.save(update_fields=["frozen_at"])
        transaction.on_commit(lambda: challenge_finished.send(sender=Challenge, challenge_id=challenge_id))
    return True


def challenges_freeze_due(*, now: dt.datetime | None = None) -> int:
    """Freeze every challenge that has ended (the beat task). Returns how many this run froze."""
    now = now or timezone.now()
    ids = list(selectors.challenges_to_freeze(now=now).values_list("pk", flat=True))
    return sum(challenge_freeze(challenge_id=pk, now=now) for pk in ids)


# --- Surveys ------------------------------------------------------------------------------------------


def survey_answer(*, survey: Survey, user, data: dict[str, str], now: dt.datetime | None = None) -> None:
    """Store `user`'s answers to `survey` (`data`: "q<question id>" → the raw value).

    Raises ValidationError, storing nothing, when the survey is not open, the person is not in the campaign's
    audience, has answered before, or an answer is missing or invalid. Anonymous surveys keep no link from
    the answers to the person: only a separate "responded" row (which stops a second answer).
    """
    now = now or timezone.now()
    if not selectors.survey_open(survey, now):
        raise ValidationError("This survey is closed.")
    if not campaign_targets(survey.campaign, profile_get(user=user)):
        raise ValidationError("This survey is for the people the campaign was aimed at.")
    if SurveyResponse.objects.filter(survey=survey, user=user).exists():
        raise ValidationError("You have already answered this survey: thank you! Each person answers once.")
    errors: dict[str, str] = {}
    answers: list[SurveyAnswer] = []
    for q in survey.questions.all():
        raw = (data.get(f"q{q.pk}") or "").strip()
        key = f"q{q.pk}"
        if q.kind == QuestionKind.SCALE:
            try:
                value = int(raw)
            except ValueError:
                errors[key] = f"Pick a number from {SCALE_MIN} to {SCALE_MAX}."
                continue
            if not SCALE_MIN <= value <= SCALE_MAX:
                errors[key] = f"Pick a number from {SCALE_MIN} to {SCALE_MAX}."
                continue
            answers.append(SurveyAnswer(question=q, scale=value))
        elif q.kind == QuestionKind.CHOICE:
            if raw not in q.options:
                errors[key] = "Pick one of the options."
                continue
            answers.append(SurveyAnswer(question=q, choice=raw))
        else:
            if len(raw) > TEXT_ANSWER_MAX:
                errors[key] = f"At most {TEXT_ANSWER_MAX} characters, please."
                continue
            answers.append(SurveyAnswer(question=q, text=raw))  # free text may stay empty
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            SurveyResponse.objects.create(survey=survey, user=user, responded_on=now.date())
            answer_set = SurveyAnswerSet.objects.create(
                id=uuid.uuid4(), survey=survey, respondent=None if survey.anonymous else user
            )
            for a in answers:
                a.answer_set = answer_set
            SurveyAnswer.objects.bulk_create(answers)
    except IntegrityError:
        raise ValidationError("You have already answered this survey: thank you! Each person answers once.") from None


def _survey_email(survey: Survey, user) -> tuple[str, str, str]:
    context = {
        "survey": survey,
        "campaign": survey.campaign,
        "name": user.first_name or user.display_name,
        "questions": survey.questions.count(),
        "survey_url": settings.SITE_URL + reverse("programme:survey", args=[survey.pk]),
        "closes": survey.campaign.ends_at + dt.timedelta(days=selectors.SURVEY_OPEN_DAYS),
    }
    return email_render(templates="programme/email/survey", context=context)


def survey_invites_send(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Invite each audience member of every survey due (campaign ended in the last week) by email, once.

    Claim before send: a person's invite row is inserted first (UNIQUE survey + person) by one run only, then
    the email goes out through infra.mail, then the row says SENT or FAILED. A CLAIMED row is never sent again
    (a crashed worker costs one invitation, never a second copy); the survey also waits on Today.
    """
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0}
    connection = None
    for survey in selectors.surveys_to_send(now=now):
        run = uuid.uuid4().hex
        invited = SurveyInvite.objects.filter(survey=survey).values("user_id")
        people = list(
            selectors.survey_audience(campaign=survey.campaign).exclude(pk__in=invited).exclude(email="").order_by("pk")
        )
        SurveyInvite.objects.bulk_create(
            [SurveyInvite(survey=survey, user=p, claim=run, claimed_at=now) for p in people], ignore_conflicts=True
        )
        mine = {i.user_id: i for i in SurveyInvite.objects.filter(survey=survey, claim=run)}
        for person in people:
            invite = mine.get(person.pk)
            if invite is None:
                continue
            subject, text, html = _survey_email(survey, person)
            message = email_message(subject=subject, text=text, html=html, to=[person.email], kind="survey")
            try:
                connection = connection or get_connection()
                message.connection = connection
                message.send()
            except Exception as exc:  # every SMTP failure: recorded, not retried blindly; the next person goes on
                logger.warning("Survey invitation %s failed: %s", invite.pk, exc)
                SurveyInvite.objects.filter(pk=invite.pk).update(
                    status=SurveyInvite.Status.FAILED, error=str(exc)[:500]
                )
                counts["failed"] += 1
                continue
            SurveyInvite.objects.filter(pk=invite.pk).update(status=SurveyInvite.Status.SENT, sent_at=now)
            counts["sent"] += 1
    return counts


# --- Nudges -------------------------------------------------------------------------------------------


def nudges_record(*, lines: dict[int, str], now: dt.datetime) -> int:
    """Record the nudge lines that went out in digests (the fortnight rule reads these). Returns how many."""
    Nudge.objects.bulk_create([Nudge(user_id=uid, sent_at=now, line=line[:300]) for uid, line in lines.items()])
    return len(lines)


# --- The spotlight ------------------------------------------------------------------------------------


def spotlight_publish(*, now: dt.datetime | None = None, week_so_far: bool = False) -> Spotlight | None:
    """Pick last week's top stories (most unique clicks) and advocates (most points, public boards only) and
    publish them as this week's spotlight. Idempotent: one per week; None when the week had nothing to celebrate.
    `week_so_far` celebrates this week up to now instead (the demo, whose history is only a few days long).

    Only the top places are kept: the spotlight celebrates, it never lists who shared least.
    `spotlight_published` is sent after commit.
    """
    now = now or timezone.now()
    this_week = period_start(Period.WEEK, now)
    if Spotlight.objects.filter(week_start=this_week).exists():
        return None
    last_week = this_week - dt.timedelta(days=7)
    since, until = week_bounds(this_week if week_so_far else last_week)
    stories = selectors.top_posts_by_clicks(since=since, until=until, limit=SPOTLIGHT_STORIES)
    # The SQL board: a weekly job reads the totals themselves, not the Redis copy that follows them after commit.
    board = leaderboard_top(period=Period.WEEK, limit=SPOTLIGHT_ADVOCATES, now=since, backend="sql")
    advocates = [s for s in board if s.points > 0]
    if not stories and not advocates:
        return None
    try:
        with transaction.atomic():
            spotlight = Spotlight.objects.create(week_start=this_week, published_at=now)
            SpotlightItem.objects.bulk_create(
                [
                    SpotlightItem(spotlight=spotlight, kind=SpotlightItem.Kind.STORY, position=i, post_id=pid, figure=n)
                    for i, (pid, n) in enumerate(stories, start=1)
                ]
                + [
                    SpotlightItem(
                        spotlight=spotlight,
                        kind=SpotlightItem.Kind.ADVOCATE,
                        position=i,
                        user_id=s.user_id,
                        figure=s.points,
                    )
                    for i, s in enumerate(advocates, start=1)
                ]
            )
            transaction.on_commit(lambda: spotlight_published.send(sender=Spotlight, spotlight_id=spotlight.pk))
    except IntegrityError:
        return None  # another worker published this week's at the same moment
    return spotlight
