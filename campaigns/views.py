from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .selectors import posts_for_today


def home(request: HttpRequest) -> HttpResponse:
    return redirect("today")


@login_required
def today(request: HttpRequest) -> HttpResponse:
    posts = list(posts_for_today(user=request.user))
    return render(request, "campaigns/today.html", {"posts": posts})


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})
