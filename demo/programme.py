"""The programme alive in the demo: guidelines, the policy, tips, challenges (one running, one by teams, one
ended with its winners), a feedback survey with answers on an ended campaign, story consent and a spotlight.

Everything through the programme's and accounts' own services where they exist; idempotent by natural keys.
"""

import datetime as dt
import json

from django.core.exceptions import ValidationError

from accounts.models import EmployeeProfile, PolicyDocument, User
from accounts.selectors import policy_current
from accounts.services import policy_acknowledge, policy_publish
from campaigns.models import Campaign
from networks.models import Share
from programme.models import Challenge, GuidelinesPage, StoryTip, Survey, SurveyQuestion
from programme.services import challenges_freeze_due, spotlight_publish, survey_answer

from .data import DATA_DIR
from .people import demo_logins
from .result import SeedResult

# Where a demo share "lives" on its network (the demo never posts anywhere): for the storytelling corner's links.
POST_URLS = {
    "linkedin": "https://www.linkedin.com/feed/update/urn:li:share:{id}",
    "x": "https://x.com/northwind/status/{id}",
    "mastodon": "https://mastodon.social/@northwind/{id}",
    "bluesky": "https://bsky.app/profile/northwind.example/post/{id}",
}
HISTORY_DAYS = 120  # the demo organisation has been running its programme for months


def _data() -> dict:
    with (DATA_DIR / "programme.json").open(encoding="utf-8") as file:
        return json.load(file)


def programme_seed(*, now: dt.datetime, result: SeedResult) -> None:
    data = _data()
    people = list(User.objects.filter(is_active=True).order_by("pk"))
    if not people:
        return
    # People joined months ago, so the quiet ones get a nudge in their digest (30 days without a share).
    User.objects.filter(pk__in=[p.pk for p in people], date_joined__gt=now - dt.timedelta(days=30)).update(
        date_joined=now - dt.timedelta(days=HISTORY_DAYS)
    )
    _guidelines_and_tips(data, result)
    _policy(data, people, now, result)
    _stories(people)
    _challenges(data, now, result)
    _survey(data, people, now, result)
    # The demo's activity is a few days old: late in the week, last week had none of it to celebrate.
    if (spotlight_publish(now=now) or spotlight_publish(now=now, week_so_far=True)) is not None:
        result.add("spotlights")


def _guidelines_and_tips(data: dict, result: SeedResult) -> None:
    page = data["guidelines"]
    if not GuidelinesPage.objects.exists():
        GuidelinesPage.objects.create(title=page["title"], body=page["body"])
        result.add("guidelines")
    for position, tip in enumerate(data["tips"]):
        _, created = StoryTip.objects.get_or_create(
            title=tip["title"], defaults={"body": tip["body"], "position": position}
        )
        if created:
            result.add("tips")


def _policy(data: dict, people: list[User], now: dt.datetime, result: SeedResult) -> None:
    spec = data["policy"]
    document, created = PolicyDocument.objects.get_or_create(
        version=spec["version"], defaults={"title": spec["title"], "body": spec["body"]}
    )
    if created:
        result.add("policies")
    if document.published_at is None:
        policy_publish(document=document, now=now - dt.timedelta(days=HISTORY_DAYS - 1))
    if policy_current() != document:
        return
    # Most people acknowledged long ago; the printed demo employees have not, so they meet the policy on their
    # first share, and the admin's "who has not acknowledged" list is not empty.
    waiting = {email for who, email in demo_logins() if who.startswith("Employee")}
    for i, person in enumerate(people):
        if person.email in waiting or i % 9 == 4:
            continue
        policy_acknowledge(user=person, document=document, now=now - dt.timedelta(days=HISTORY_DAYS - 2))


def _stories(people: list[User]) -> None:
    """Two people in three agree to be shown in the storytelling corner; their demo shares get a post address."""
    consenting = [p.pk for i, p in enumerate(people) if i % 3 != 2]
    EmployeeProfile.objects.filter(user_id__in=consenting, stories_consent=False).update(stories_consent=True)
    for share in Share.objects.filter(
        status=Share.Status.PUBLISHED, external_url="", external_id__startswith="demo-", network__in=list(POST_URLS)
    ):
        Share.objects.filter(pk=share.pk).update(
            external_url=POST_URLS[share.network].format(id=share.external_id.removeprefix("demo-"))
        )


def _challenges(data: dict, now: dt.datetime, result: SeedResult) -> None:
    for spec in data["challenges"]:
        campaign = Campaign.objects.filter(utm_campaign=spec["campaign"]).first()
        if campaign is None or Challenge.objects.filter(name=spec["name"]).exists():
            continue
        challenge = Challenge(
            name=spec["name"],
            description=spec["description"],
            campaign=campaign,
            goal=spec["goal"],
            play=spec["play"],
            prize=spec["prize"],
            starts_at=now + dt.timedelta(days=spec["starts_in_days"]),
            ends_at=now + dt.timedelta(days=spec["ends_in_days"]),
        )
        challenge.full_clean()
        challenge.save()
        result.add("challenges")
    challenges_freeze_due(now=now)  # the ended one gets its results and its winners their badges


def _survey(data: dict, people: list[User], now: dt.datetime, result: SeedResult) -> None:
    spec = data["survey"]
    campaign = Campaign.objects.filter(utm_campaign=spec["campaign"]).first()
    if campaign is None or Survey.objects.filter(campaign=campaign).exists():
        return
    survey = Survey.objects.create(campaign=campaign, intro=spec["intro"], anonymous=spec["anonymous"])
    for position, q in enumerate(spec["questions"]):
        SurveyQuestion.objects.create(
            survey=survey, position=position, kind=q["kind"], text=q["text"], choices="\n".join(q.get("choices", []))
        )
    result.add("surveys")
    # A few colleagues answered already; the printed demo employees still find the survey on Today.
    waiting = {email for who, email in demo_logins() if who.startswith("Employee")}
    answering = [p for p in people if p.email not in waiting and not p.is_staff][3 : 3 + len(spec["answers"])]
    questions = list(survey.questions.all())
    for person, answers in zip(answering, spec["answers"], strict=False):
        try:
            survey_answer(
                survey=survey,
                user=person,
                data={f"q{q.pk}": a for q, a in zip(questions, answers, strict=True)},
                now=now,
            )
        except ValidationError:
            continue  # not in the campaign's audience
        result.add("survey answers")
