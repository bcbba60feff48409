from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from shortlinks.services import links_for_today

from .selectors import posts_for_today


def home(request: HttpRequest) -> HttpResponse:
    return redirect("today")


@login_required
def today(request: HttpRequest) -> HttpResponse:
    posts = list(posts_for_today(user=request.user))
    short_links = links_for_today(user=request.user, posts=posts)  # read by shortlinks/_variant_link.html
    return render(request, "campaigns/today.html", {"posts": posts, "short_links": short_links})


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})
