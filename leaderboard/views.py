from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import selectors
from .models import Period
from .services.rebuild import leaderboard_opt_out_set

SCOPES = [("all", "Everyone"), ("team", "My team"), ("teams", "Teams")]
TOP = 50


@login_required
def board(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", Period.WEEK)
    scope = request.GET.get("scope", "all")
    errors = []
    if period not in Period.values:
        errors.append(f"“{period[:40]}” is not a period: choose this week, this month, this quarter or all time.")
        period = Period.WEEK
    if scope not in dict(SCOPES):
        errors.append(f"“{scope[:40]}” is not a scope: choose everyone, my team or teams.")
        scope = "all"
    team = selectors.team_of(user_id=request.user.id)
    context = {
        "periods": selectors.PERIODS,
        "scopes": SCOPES,
        "period": period,
        "period_label": Period(period).label,
        "scope": scope,
        "team": team,
        "errors": errors,
    }
    if scope == "teams":
        context["teams"] = selectors.team_leaderboard(period=period)
    elif scope == "team" and team is None:
        context["no_team"] = True
    else:
        team_id = team.id if scope == "team" and team else None
        top = selectors.leaderboard_top(period=period, team_id=team_id, limit=TOP)
        names = selectors.display_names(user_ids=[s.user_id for s in top] + [request.user.id])
        context["rows"] = [(s, names.get(s.user_id, "")) for s in top]
        context["me"] = selectors.leaderboard_position(user_id=request.user.id, period=period, team_id=team_id)
        context["me_in_top"] = any(s.user_id == request.user.id for s in top)
    return render(request, "leaderboard/board.html", context, status=400 if errors else 200)


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    profile = getattr(request.user, "profile", None)
    paginator = Paginator(selectors.ledger_for(user_id=request.user.id), 50)
    page = paginator.get_page(request.GET.get("page"))
    positions = [
        (label, selectors.leaderboard_position(user_id=request.user.id, period=value))
        for value, label in selectors.PERIODS
    ]
    return render(
        request,
        "leaderboard/my_points.html",
        {
            "page": page,
            "total": selectors.points_total(user_id=request.user.id),
            "badges": selectors.badges_for(user_id=request.user.id),
            "positions": positions,
            "profile": profile,
            # Times in the employee's own zone (else the organisation's).
            "tz": getattr(profile, "time_zone", "") or settings.ORGANISATION_TIME_ZONE,
        },
    )


@login_required
@require_POST
def visibility(request: HttpRequest) -> HttpResponse:
    choice = request.POST.get("visibility")
    if choice not in ("public", "hidden"):
        messages.error(request, "Choose whether to show or hide yourself on public leaderboards.")
        return redirect("leaderboard:my_points")
    leaderboard_opt_out_set(user=request.user, opt_out=choice == "hidden")
    messages.success(
        request,
        "You are hidden from public leaderboards; you still see your own rank here."
        if choice == "hidden"
        else "You are shown on public leaderboards again.",
    )
    return redirect("leaderboard:my_points")
