"""The pages the digest's links open. Thin: check the link, call a service, render.

Share and unsubscribe links work without signing in (the signed token is the credential); every
refusal is a clear page that changes nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.forms import DigestPreferencesForm
from accounts.services import profile_get
from networks.providers.base import providers

from .services.actions import digest_unsubscribe, share_from_digest, share_offer_get
from .tokens import TokenError, unsubscribe_token_read


def _refused(request: HttpRequest, exc: TokenError, *, title: str) -> HttpResponse:
    return render(request, "digest/link_refused.html", {"title": title, "message": exc.message}, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def share_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the text (editable when the post allows); only POST shares. Nothing is posted on GET."""
    try:
        offer = share_offer_get(token=token, viewer=request.user)
    except TokenError as exc:
        return _refused(request, exc, title="This share link cannot be used")
    errors: list[str] = []
    text = offer.text
    if request.method == "POST":
        text = request.POST.get("text", offer.text)
        try:
            share_from_digest(token=token, text=text, viewer=request.user)
        except TokenError as exc:
            return _refused(request, exc, title="This share link cannot be used")
        except ValidationError as exc:
            errors = exc.messages
        else:
            return redirect("digest:share_done")
    return render(
        request,
        "digest/share_confirm.html",
        {"offer": offer, "text": text, "errors": errors},
        status=400 if errors else 200,
    )


@never_cache
def share_done(request: HttpRequest) -> HttpResponse:
    return render(request, "digest/share_done.html")


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no cookie and no CSRF token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners open every link); POST, from the page or the mail client, turns the digest off."""
    try:
        if request.method == "GET":
            unsubscribe_token_read(token)
            return render(request, "digest/unsubscribe.html", {"done": False})
        profile, _changed = digest_unsubscribe(token=token)
    except TokenError as exc:
        return _refused(request, exc, title="This unsubscribe link cannot be used")
    return render(request, "digest/unsubscribe.html", {"done": True, "email": profile.user.email})


def network_choices() -> list[tuple[str, str]]:
    return [(p.network, p.label) for p in providers()]


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    profile = profile_get(user=request.user)
    form = DigestPreferencesForm(request.POST or None, instance=profile, network_choices=network_choices())
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Your digest preferences are saved.")
            return redirect("digest:preferences")
        return render(request, "digest/preferences.html", {"form": form}, status=400)
    return render(request, "digest/preferences.html", {"form": form})
