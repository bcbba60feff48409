"""Reads for the programme: challenge standings, surveys waiting for someone, nudge lines, stories, spotlight.

Every figure comes from the apps below: points entries (leaderboard), counted clicks (analytics) and shares
(networks). Nothing here keeps a score of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import EmployeeProfile, Team, User
from accounts.roles import STAFF_ROLES
from accounts.selectors import policy_pending_for
from accounts.services import profile_get
from analytics.selectors import clicks_counting
from campaigns.models import Campaign, SuggestedPost
from campaigns.selectors import campaign_targets
from infra.markdown import markdown_to_html
from leaderboard.models import Action, PointEntry
from networks.models import Share

from .models import (
    SURVEY_MAX_QUESTIONS,
    SURVEY_MIN_QUESTIONS,
    Challenge,
    ChallengeGoal,
    ChallengePlay,
    GuidelinesPage,
    Nudge,
    QuestionKind,
    Spotlight,
    SpotlightItem,
    StoryTip,
    Survey,
    SurveyAnswer,
    SurveyInvite,
    SurveyResponse,
)

SURVEY_OPEN_DAYS = 21  # a survey can be answered this long after its campaign ended
SURVEY_SEND_WITHIN_DAYS = 7  # invitations go out only for campaigns that ended this recently
QUIET_DAYS = 30  # no share for this long: the digest carries a friendly line
NUDGE_EVERY_DAYS = 14  # at most one such line a fortnight
STORY_DAYS = 30
STANDING_SHOWN = 20
SPOTLIGHT_FRESH_DAYS = 14


def is_content_staff(user) -> bool:
    """Admins and content managers (and superusers): they see free-text survey answers."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=STAFF_ROLES).exists()


# --- Challenges ---------------------------------------------------------------------------------------


@dataclass
class StandingRow:
    rank: int
    label: str
    score: int
    is_viewer: bool = False
    is_winner: bool = False


@dataclass
class Standing:
    challenge: Challenge
    rows: list[StandingRow]
    frozen: bool
    viewer_row: StandingRow | None = None  # the viewer's own line when it is below the shown rows


def _post_filter(challenge: Challenge, prefix: str = "post__") -> Q:
    if challenge.campaign_id:
        return Q(**{f"{prefix}campaign_id": challenge.campaign_id})
    return Q(**{f"{prefix}topics": challenge.topic_id})


def personalised_share_counts(*, posts: Q, since: dt.datetime, until: dt.datetime) -> dict[int, int]:
    """Published shares whose text the sharer made their own, per person: `Share.personalised`, set when the
    share is made from text changed (more than spacing) from the post's suggested copy."""
    rows = (
        Share.objects.filter(posts, status=Share.Status.PUBLISHED, published_at__gte=since, published_at__lt=until)
        .filter(personalised=True)
        .values("user_id")
        .annotate(n=Count("id", distinct=True))
    )
    return {r["user_id"]: r["n"] for r in rows}


def challenge_scores(*, challenge: Challenge, now: dt.datetime | None = None) -> dict[int, int]:
    """Each person's score so far, from the ledger: shares (one share entry per post and network), unique
    clicks (click entries less reversals) or personalised shares, within the challenge's dates and posts."""
    now = now or timezone.now()
    until = min(now, challenge.ends_at)
    if until <= challenge.starts_at:
        return {}
    if challenge.goal == ChallengeGoal.PERSONALISED_SHARES:
        return personalised_share_counts(posts=_post_filter(challenge), since=challenge.starts_at, until=until)
    entries = PointEntry.objects.filter(
        _post_filter(challenge), occurred_at__gte=challenge.starts_at, occurred_at__lt=until
    )
    if challenge.goal == ChallengeGoal.SHARES:
        rows = entries.filter(action=Action.SHARE).values("user_id").annotate(n=Count("id", distinct=True))
        return {r["user_id"]: r["n"] for r in rows}
    scores: Counter[int] = Counter()
    rows = (
        entries.filter(action__in=[Action.UNIQUE_CLICK, Action.CLICK_REVERSAL])
        .values("user_id", "action")
        .annotate(n=Count("id", distinct=True))
    )
    for r in rows:
        scores[r["user_id"]] += r["n"] if r["action"] == Action.UNIQUE_CLICK else -r["n"]
    return {uid: n for uid, n in scores.items() if n > 0}


@dataclass
class Entrant:
    key: int  # user id (individual) or team id (team play)
    label: str
    score: int
    user_id: int | None = None
    team_id: int | None = None


def challenge_entrants(
    *, challenge: Challenge, now: dt.datetime | None = None, viewer_id: int | None = None
) -> list[Entrant]:
    """Everyone with a score above 0, best first (ties by name). People excluded from leaderboards take no
    part; those who hide from public boards appear as "An advocate" to others. Team play sums the members."""
    scores = challenge_scores(challenge=challenge, now=now)
    profiles = {
        p.user_id: p for p in EmployeeProfile.objects.filter(user_id__in=list(scores)).select_related("user", "team")
    }
    if challenge.play == ChallengePlay.TEAM:
        totals: Counter[int] = Counter()
        names: dict[int, str] = {}
        for uid, score in scores.items():
            p = profiles.get(uid)
            if p is None or p.leaderboard_excluded or p.team is None:
                continue
            totals[p.team.pk] += score
            names[p.team.pk] = p.team.name
        entrants = [Entrant(key=tid, label=names[tid], score=s, team_id=tid) for tid, s in totals.items() if s > 0]
    else:
        entrants = []
        for uid, score in scores.items():
            p = profiles.get(uid)
            if p is None or p.leaderboard_excluded or score <= 0:
                continue
            hidden = p.leaderboard_opt_out and uid != viewer_id
            label = "An advocate" if hidden else p.user.display_name
            entrants.append(Entrant(key=uid, label=label, score=score, user_id=uid))
    entrants.sort(key=lambda e: (-e.score, e.label, e.key))
    return entrants


def _ranked(entrants: list[Entrant]) -> list[tuple[int, Entrant]]:
    out: list[tuple[int, Entrant]] = []
    for i, e in enumerate(entrants):
        rank = out[-1][0] if out and out[-1][1].score == e.score else i + 1
        out.append((rank, e))
    return out


def challenge_standing(*, challenge: Challenge, viewer=None, now: dt.datetime | None = None) -> Standing:
    """The live standing (or the frozen results once the challenge ended), top 20 and the viewer's own line."""
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    viewer_team = profile_get(user=viewer).team_id if viewer_id else None
    rows: list[StandingRow] = []
    if challenge.frozen_at:
        results = list(challenge.results.select_related("user", "team", "user__profile"))
        for r in results:
            if r.team_id:
                label, mine = r.team.name if r.team else "A team", r.team_id == viewer_team
            else:
                hidden = r.user is not None and r.user.profile.leaderboard_opt_out and r.user_id != viewer_id
                label, mine = (
                    ("An advocate" if hidden else r.user.display_name if r.user else ""),
                    r.user_id == viewer_id,
                )
            rows.append(StandingRow(rank=r.rank, label=label, score=r.score, is_viewer=mine, is_winner=r.is_winner))
    else:
        for rank, e in _ranked(challenge_entrants(challenge=challenge, now=now, viewer_id=viewer_id)):
            mine = (e.user_id is not None and e.user_id == viewer_id) or (
                e.team_id is not None and e.team_id == viewer_team
            )
            rows.append(StandingRow(rank=rank, label=e.label, score=e.score, is_viewer=mine))
    shown = rows[:STANDING_SHOWN]
    own = next((r for r in rows[STANDING_SHOWN:] if r.is_viewer), None)
    return Standing(challenge=challenge, rows=shown, frozen=bool(challenge.frozen_at), viewer_row=own)


def challenge_visible_to(*, challenge: Challenge, user) -> bool:
    """A campaign challenge is for that campaign's audience; a topic challenge is for everyone."""
    if challenge.campaign is None:
        return True
    return campaign_targets(challenge.campaign, profile_get(user=user))


def challenges_running(*, user=None, now: dt.datetime | None = None) -> list[Challenge]:
    """Challenges running now (for `user`'s audience when given), ending soonest first."""
    now = now or timezone.now()
    qs = (
        Challenge.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .select_related("campaign", "topic")
        .prefetch_related("campaign__audience_teams", "campaign__audience_locations")
        .order_by("ends_at", "pk")
    )
    if user is None:
        return list(qs)
    profile = profile_get(user=user)
    return [c for c in qs if c.campaign is None or campaign_targets(c.campaign, profile)]


def challenges_listed(
    *, user, now: dt.datetime | None = None
) -> tuple[list[Challenge], list[Challenge], list[Challenge]]:
    """(running, coming, ended in the last 90 days) for the challenges page."""
    now = now or timezone.now()
    visible = [
        c
        for c in Challenge.objects.filter(ends_at__gte=now - dt.timedelta(days=90))
        .select_related("campaign", "topic")
        .prefetch_related("campaign__audience_teams", "campaign__audience_locations")
        if challenge_visible_to(challenge=c, user=user)
    ]
    running = sorted((c for c in visible if c.is_running(now)), key=lambda c: c.ends_at)
    coming = sorted((c for c in visible if c.starts_at > now), key=lambda c: c.starts_at)
    ended = sorted((c for c in visible if c.ends_at <= now), key=lambda c: c.ends_at, reverse=True)
    return running, coming, ended


def challenges_to_freeze(*, now: dt.datetime) -> QuerySet[Challenge]:
    return Challenge.objects.filter(ends_at__lte=now, frozen_at__isnull=True)


# --- Surveys ------------------------------------------------------------------------------------------


def survey_is_complete(survey: Survey) -> bool:
    return SURVEY_MIN_QUESTIONS <= survey.questions.count() <= SURVEY_MAX_QUESTIONS


def survey_audience(*, campaign: Campaign) -> QuerySet[User]:
    """The people the campaign was aimed at (its teams, locations and languages; empty criteria mean everyone)."""
    qs = User.objects.filter(is_active=True, erased_at__isnull=True)
    team_ids = [t.pk for t in campaign.audience_teams.all()]
    location_ids = [loc.pk for loc in campaign.audience_locations.all()]
    if team_ids:
        qs = qs.filter(profile__team_id__in=team_ids)
    if location_ids:
        qs = qs.filter(profile__location_id__in=location_ids)
    if campaign.audience_languages:
        qs = qs.filter(profile__language__in=campaign.audience_languages)
    return qs


def survey_open(survey: Survey, now: dt.datetime) -> bool:
    campaign = survey.campaign
    ended = campaign.launched_at is not None and campaign.archived_at is None and campaign.ends_at <= now
    return ended and now < campaign.ends_at + dt.timedelta(days=SURVEY_OPEN_DAYS)


def surveys_to_send(*, now: dt.datetime) -> list[Survey]:
    """Surveys of campaigns that ended in the last week, with 3 to 5 questions."""
    qs = (
        Survey.objects.filter(
            campaign__launched_at__isnull=False,
            campaign__archived_at__isnull=True,
            campaign__ends_at__lte=now,
            campaign__ends_at__gt=now - dt.timedelta(days=SURVEY_SEND_WITHIN_DAYS),
        )
        .annotate(n=Count("questions"))
        .filter(n__gte=SURVEY_MIN_QUESTIONS, n__lte=SURVEY_MAX_QUESTIONS)
        .select_related("campaign")
    )
    return list(qs)


def surveys_waiting_for(*, user, now: dt.datetime | None = None) -> list[Survey]:
    """Open surveys of ended campaigns aimed at `user` that they have not answered yet (for Today)."""
    now = now or timezone.now()
    profile = profile_get(user=user)
    qs = (
        Survey.objects.filter(
            campaign__launched_at__isnull=False,
            campaign__archived_at__isnull=True,
            campaign__ends_at__lte=now,
            campaign__ends_at__gt=now - dt.timedelta(days=SURVEY_OPEN_DAYS),
        )
        .exclude(responses__user=user)
        .annotate(n=Count("questions"))
        .filter(n__gte=SURVEY_MIN_QUESTIONS, n__lte=SURVEY_MAX_QUESTIONS)
        .select_related("campaign")
        .prefetch_related("campaign__audience_teams", "campaign__audience_locations")
    )
    return [s for s in qs if campaign_targets(s.campaign, profile)]


@dataclass
class QuestionResult:
    text: str
    kind: str
    answered: int
    average: float | None = None
    counts: list[tuple[str, int]] = field(default_factory=list)  # scale values or options, with counts
    texts: list[str] = field(default_factory=list)  # free text: content managers only


@dataclass
class SurveyResults:
    survey: Survey
    audience: int  # the people the campaign was aimed at: the response rate's base
    invited: int  # invitations emailed
    responded: int
    questions: list[QuestionResult]
    free_text_shown: bool

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.responded / self.audience) if self.audience else None


def survey_results(*, campaign: Campaign, viewer) -> SurveyResults | None:
    """The campaign's survey results for its dashboard page; free text only for content managers and admins."""
    survey = Survey.objects.filter(campaign=campaign).first()
    if survey is None:
        return None
    show_text = is_content_staff(viewer)
    invited = SurveyInvite.objects.filter(survey=survey, status=SurveyInvite.Status.SENT).count()
    responded = SurveyResponse.objects.filter(survey=survey).count()
    answers: dict[int, list[SurveyAnswer]] = defaultdict(list)
    for a in SurveyAnswer.objects.filter(answer_set__survey=survey).order_by("pk"):
        answers[a.question_id].append(a)
    results = []
    for q in survey.questions.all():
        given = answers.get(q.pk, [])
        r = QuestionResult(text=q.text, kind=q.kind, answered=0)
        if q.kind == QuestionKind.SCALE:
            values = [a.scale for a in given if a.scale is not None]
            r.answered = len(values)
            r.average = round(sum(values) / len(values), 1) if values else None
            scale_tally = Counter(values)
            r.counts = [(str(v), scale_tally.get(v, 0)) for v in range(1, 6)]
        elif q.kind == QuestionKind.CHOICE:
            picked = [a.choice for a in given if a.choice]
            r.answered = len(picked)
            choice_tally = Counter(picked)
            r.counts = [(option, choice_tally.get(option, 0)) for option in q.options]
        else:
            texts = [a.text for a in given if a.text.strip()]
            r.answered = len(texts)
            r.texts = texts if show_text else []
        results.append(r)
    return SurveyResults(
        survey=survey,
        audience=max(survey_audience(campaign=campaign).count(), responded),
        invited=invited,
        responded=responded,
        questions=results,
        free_text_shown=show_text,
    )


# --- Nudges -------------------------------------------------------------------------------------------


def quiet_advocates(*, user_ids: list[int], now: dt.datetime) -> set[int]:
    """Of `user_ids`, those who joined over 30 days ago, have no share in 30 days, and had no nudge in 14."""
    since = now - dt.timedelta(days=QUIET_DAYS)
    candidates = set(
        User.objects.filter(pk__in=user_ids, date_joined__lte=since, is_active=True).values_list("pk", flat=True)
    )
    active = set(
        Share.objects.filter(user_id__in=candidates, created_at__gte=since)
        .exclude(status__in=[Share.Status.FAILED, Share.Status.CANCELLED])
        .values_list("user_id", flat=True)
    )
    nudged = set(
        Nudge.objects.filter(user_id__in=candidates, sent_at__gt=now - dt.timedelta(days=NUDGE_EVERY_DAYS)).values_list(
            "user_id", flat=True
        )
    )
    return candidates - active - nudged


def nudge_line(*, now: dt.datetime) -> str:
    """One friendly line: what colleagues shared in the last week and what worked best (most unique clicks)."""
    since = now - dt.timedelta(days=7)
    shares = Share.objects.filter(created_at__gte=since).exclude(
        status__in=[Share.Status.FAILED, Share.Status.CANCELLED]
    )
    sharers = shares.values("user_id").distinct().count()
    best = (
        clicks_counting(since=since, until=now)
        .values("link__post_id", "link__post__title")
        .annotate(n=Count("id"))
        .order_by("-n", "link__post_id")
        .first()
    )
    if best and sharers:
        return (
            f"It has been a while: {sharers} colleague{'s' if sharers != 1 else ''} shared this week, and "
            f"“{best['link__post__title'][:80]}” brought {best['n']} unique click{'s' if best['n'] != 1 else ''}. "
            "Pick one post that speaks to you and add a line of your own."
        )
    if sharers:
        return (
            f"It has been a while: {sharers} colleague{'s' if sharers != 1 else ''} shared this week. "
            "Pick one post that speaks to you and add a line of your own."
        )
    return "It has been a while: pick one post that speaks to you and add a line of your own."


def nudges_for(*, user_ids: list[int], now: dt.datetime) -> dict[int, str]:
    """The nudge line for each of `user_ids` that is due one (computed once for the whole batch)."""
    quiet = quiet_advocates(user_ids=user_ids, now=now)
    if not quiet:
        return {}
    line = nudge_line(now=now)
    return {uid: line for uid in quiet}


# --- Guidelines, stories, spotlight -------------------------------------------------------------------


def guidelines_current() -> GuidelinesPage | None:
    return GuidelinesPage.objects.order_by("-updated_at", "-pk").first()


def markdown(text: str) -> str:
    return markdown_to_html(text)


def story_tips() -> list[StoryTip]:
    return list(StoryTip.objects.filter(published=True))


@dataclass
class StoryExample:
    share: Share
    sharer: str
    unique_clicks: int


def story_examples(*, now: dt.datetime | None = None, limit: int = 6) -> list[StoryExample]:
    """The best-performing published shares of the last 30 days (most unique clicks), only from people who
    agreed to be shown (profile setting), each with the link to the post on the network."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=STORY_DAYS)
    shares = list(
        Share.objects.filter(
            status=Share.Status.PUBLISHED,
            published_at__gte=since,
            user__profile__stories_consent=True,
            user__is_active=True,
        )
        .exclude(external_url="")
        .select_related("user", "post")
    )
    clicks = dict(
        clicks_counting(since=since, until=now)
        .filter(link_id__in=[s.short_link_id for s in shares])
        .values("link_id")
        .annotate(n=Count("id"))
        .values_list("link_id", "n")
    )
    ranked = sorted(shares, key=lambda s: (-clicks.get(s.short_link_id, 0), -s.published_at.timestamp(), s.pk))
    return [
        StoryExample(share=s, sharer=s.user.display_name, unique_clicks=clicks.get(s.short_link_id, 0))
        for s in ranked[:limit]
        if clicks.get(s.short_link_id, 0) > 0
    ]


@dataclass
class SpotlightView:
    spotlight: Spotlight
    stories: list[SpotlightItem]
    advocates: list[tuple[SpotlightItem, str]]


def spotlight_current(*, now: dt.datetime | None = None) -> SpotlightView | None:
    """The newest spotlight published in the last two weeks, with its stories and advocates."""
    now = now or timezone.now()
    spotlight = (
        Spotlight.objects.filter(published_at__lte=now, published_at__gt=now - dt.timedelta(days=SPOTLIGHT_FRESH_DAYS))
        .order_by("-week_start")
        .first()
    )
    if spotlight is None:
        return None
    items = list(spotlight.items.select_related("post", "user"))
    stories = [i for i in items if i.kind == SpotlightItem.Kind.STORY and i.post is not None]
    advocates = [
        (i, i.user.display_name)
        for i in items
        if i.kind == SpotlightItem.Kind.ADVOCATE and i.user is not None and i.user.erased_at is None
    ]
    if not stories and not advocates:
        return None
    return SpotlightView(spotlight=spotlight, stories=stories, advocates=advocates)


def top_posts_by_clicks(*, since: dt.datetime, until: dt.datetime, limit: int) -> list[tuple[int, int]]:
    """(post id, unique clicks) of the most clicked posts between `since` and `until`, best first, above 0."""
    rows = (
        clicks_counting(since=since, until=until)
        .values("link__post_id")
        .annotate(n=Count("id"))
        .order_by("-n", "link__post_id")[:limit]
    )
    return [(r["link__post_id"], r["n"]) for r in rows if r["n"] > 0]


def teams() -> QuerySet[Team]:
    return Team.objects.all()


def posts_by_id(*, ids: list[int]) -> dict[int, SuggestedPost]:
    return SuggestedPost.objects.in_bulk(ids)


# --- What Today and the digest show -------------------------------------------------------------------


@dataclass
class ChallengeProgress:
    challenge: Challenge
    score: int | None  # the person's own score, or their team's in team play (None: they are in no team)
    team_play: bool = False


@dataclass
class ProgrammeNews:
    challenges: list[Challenge] = field(default_factory=list)
    progress: list[ChallengeProgress] = field(default_factory=list)  # the digest's: where each challenge stands
    surveys: list[Survey] = field(default_factory=list)
    spotlight: SpotlightView | None = None
    policy: object = None  # the policy version waiting for acknowledgement (Today only)
    nudge: str = ""  # the digest's friendly line after a quiet month


def today_news(*, user, now: dt.datetime | None = None) -> ProgrammeNews:
    """The small cards on Today: the policy to acknowledge, surveys waiting, running challenges, the spotlight."""
    now = now or timezone.now()
    return ProgrammeNews(
        challenges=challenges_running(user=user, now=now),
        surveys=surveys_waiting_for(user=user, now=now),
        spotlight=spotlight_current(now=now),
        policy=policy_pending_for(user=user),
    )


def digest_news(*, profiles: list[EmployeeProfile], now: dt.datetime) -> dict[int, ProgrammeNews]:
    """Per recipient of a digest batch: running challenges for them with their own (or their team's) score so
    far, the spotlight, and a nudge line when due.

    A constant number of queries for the batch plus two per running challenge (its scores, its scorers' teams).
    """
    running = challenges_running(now=now)
    spotlight = spotlight_current(now=now)
    nudges = nudges_for(user_ids=[p.user_id for p in profiles], now=now)
    scores = {c.pk: _scores_by_entrant(challenge=c, now=now) for c in running}
    news = {}
    for p in profiles:
        mine = [c for c in running if c.campaign is None or campaign_targets(c.campaign, p)]
        progress = []
        for c in mine:
            team_play = c.play == ChallengePlay.TEAM
            key = p.team_id if team_play else p.user_id
            score = None if key is None else scores[c.pk].get(key, 0)
            progress.append(ChallengeProgress(challenge=c, score=score, team_play=team_play))
        news[p.user_id] = ProgrammeNews(
            challenges=mine, progress=progress, spotlight=spotlight, nudge=nudges.get(p.user_id, "")
        )
    return news


def _scores_by_entrant(*, challenge: Challenge, now: dt.datetime) -> dict[int, int]:
    """Score per person, or per team id in team play (people excluded from leaderboards take no part)."""
    scores = challenge_scores(challenge=challenge, now=now)
    if challenge.play != ChallengePlay.TEAM:
        return scores
    totals: Counter[int] = Counter()
    members = EmployeeProfile.objects.filter(user_id__in=list(scores), leaderboard_excluded=False, team__isnull=False)
    for uid, team_id in members.values_list("user_id", "team_id"):
        totals[team_id] += scores[uid]
    return dict(totals)


# --- News for the chat channels (read by the chat app on `challenge_finished` / `spotlight_published`) -


@dataclass
class ChatNews:
    kind: str  # "challenge_result" or "spotlight"
    source_key: str  # unique per piece of news: queue it once per channel
    title: str
    text: str
    url: str  # a path on this site
    team_ids: list[int] = field(default_factory=list)  # empty: every channel; else those teams' channels


def challenge_result_news(*, challenge_id: int) -> ChatNews | None:
    """A frozen challenge's winners as one chat line (None until it is frozen or when it is gone)."""
    from django.urls import reverse

    challenge = Challenge.objects.filter(pk=challenge_id, frozen_at__isnull=False).select_related("campaign").first()
    if challenge is None:
        return None
    winners = [r.label for r in challenge_standing(challenge=challenge).rows if r.is_winner]
    text = f"Congratulations to {', '.join(winners)}!" if winners else "It ended without a score this time."
    if challenge.prize and winners:
        text += f" Prize: {challenge.prize}."
    team_ids = []
    if challenge.campaign is not None:
        team_ids = [t.pk for t in challenge.campaign.audience_teams.all()]
    return ChatNews(
        kind="challenge_result",
        source_key=f"challenge:{challenge.pk}",
        title=f"Challenge results: {challenge.name}",
        text=text,
        url=reverse("programme:challenge", args=[challenge.pk]),
        team_ids=team_ids,
    )


def spotlight_news(*, spotlight_id: int) -> ChatNews | None:
    """The week's spotlight as one chat line: the top stories and the advocates we thank (never the least)."""
    from django.urls import reverse

    spotlight = Spotlight.objects.filter(pk=spotlight_id).first()
    if spotlight is None:
        return None
    items = list(spotlight.items.select_related("post", "user"))
    stories = [f"“{i.post.title}”" for i in items if i.kind == SpotlightItem.Kind.STORY and i.post is not None]
    people = [
        i.user.display_name
        for i in items
        if i.kind == SpotlightItem.Kind.ADVOCATE and i.user is not None and i.user.erased_at is None
    ]
    parts = []
    if stories:
        parts.append(f"Top stories: {', '.join(stories)}.")
    if people:
        parts.append(f"Thank you, {', '.join(people)}!")
    return ChatNews(
        kind="spotlight",
        source_key=f"spotlight:{spotlight.week_start.isoformat()}",
        title=spotlight.headline or "Spotlight of the week",
        text=" ".join(parts),
        url=reverse("programme:stories"),
    )
