"""Pages: challenges and their standings, a feedback survey, the guidelines, the storytelling corner.

Thin views: parse, call a selector or a service, render.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from . import selectors
from .models import SCALE_MAX, SCALE_MIN, Challenge, Survey
from .services import survey_answer


@login_required
@require_GET
def challenges_page(request: HttpRequest) -> HttpResponse:
    running, coming, ended = selectors.challenges_listed(user=request.user)
    return render(request, "programme/challenges.html", {"running": running, "coming": coming, "ended": ended})


@login_required
@require_GET
def challenge_page(request: HttpRequest, challenge_id: int) -> HttpResponse:
    challenge = get_object_or_404(Challenge.objects.select_related("campaign", "topic"), pk=challenge_id)
    if not selectors.challenge_visible_to(challenge=challenge, user=request.user):
        raise Http404("No such challenge.")
    now = timezone.now()
    standing = selectors.challenge_standing(challenge=challenge, viewer=request.user, now=now)
    return render(
        request,
        "programme/challenge.html",
        {
            "challenge": challenge,
            "standing": standing,
            "running": challenge.is_running(now),
            "coming": challenge.starts_at > now,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey form; POST stores the answers once (a second answer is refused with a clear message)."""
    survey = get_object_or_404(Survey.objects.select_related("campaign").prefetch_related("questions"), pk=survey_id)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    answered = survey.responses.filter(user=request.user).exists()
    status = 200
    if request.method == "POST":
        try:
            survey_answer(survey=survey, user=request.user, data=request.POST.dict(), now=now)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
                general = ["Some answers need another look: see below."]
            else:
                general = exc.messages
            status = 400
        else:
            messages.success(request, "Thank you: your answers are in.")
            return redirect("today")
    questions = [
        {
            "q": q,
            "name": f"q{q.pk}",
            "value": request.POST.get(f"q{q.pk}", "") if request.method == "POST" else "",
            "errors": errors.get(f"q{q.pk}", []),
        }
        for q in survey.questions.all()
    ]
    return render(
        request,
        "programme/survey.html",
        {
            "survey": survey,
            "questions": questions,
            "scale": [str(v) for v in range(SCALE_MIN, SCALE_MAX + 1)],
            "general": general,
            "answered": answered and request.method == "GET",
            "open": selectors.survey_open(survey, now),
        },
        status=status,
    )


@login_required
@require_GET
def guidelines_page(request: HttpRequest) -> HttpResponse:
    page = selectors.guidelines_current()
    return render(
        request,
        "programme/guidelines.html",
        {"page": page, "body": selectors.markdown(page.body) if page else ""},
    )


@login_required
@require_GET
def stories_page(request: HttpRequest) -> HttpResponse:
    tips = [(tip, selectors.markdown(tip.body)) for tip in selectors.story_tips()]
    return render(
        request,
        "programme/stories.html",
        {
            "tips": tips,
            "examples": selectors.story_examples(),
            "spotlight": selectors.spotlight_current(),
            "consented": request.user.profile.stories_consent if hasattr(request.user, "profile") else False,
        },
    )
