from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from campaigns.selectors import posts_for_today
from leaderboard.selectors import post_stats_for_posts
from networks.selectors import share_options_for_posts

from .services import links_for_today


def home(request: HttpRequest) -> HttpResponse:
    return redirect("today")


@login_required
def today(request: HttpRequest) -> HttpResponse:
    posts = list(posts_for_today(user=request.user))
    context = {
        "posts": posts,
        # Batched per page, read by the partials each app includes on Today.
        "short_links": links_for_today(user=request.user, posts=posts),
        "post_stats": post_stats_for_posts(user=request.user, posts=posts),
        "share_options": share_options_for_posts(user=request.user, posts=posts),
    }
    return render(request, "dashboard/today.html", context)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"ok": True})
