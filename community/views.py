"""The employee's pages: suggest a post, ask colleagues to amplify one's own post, engage with theirs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import AmplifyForm, SuggestionForm
from .models import AmplifyRequest, Engagement


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def suggestions(request):
    """Suggest a post (a link, or one's own words and an image) and see one's suggestions and their fate."""
    form = SuggestionForm(request.POST, request.FILES) if request.method == "POST" else SuggestionForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.suggestion_create(author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Thank you: your suggestion is waiting for a content manager.")
            return redirect("community:suggestions")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "suggestions": selectors.suggestions_of(user=request.user)}
    return render(request, "community/suggestions.html", context, status=status)


@login_required
def amplify(request):
    """Ask colleagues to engage with a post one wrote on a network."""
    form = AmplifyForm(request.POST) if request.method == "POST" else AmplifyForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.amplify_request_create(author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "Sent: a content manager will feature it for colleagues.")
            return redirect("community:amplify")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "requests": selectors.amplify_requests_of(user=request.user)}
    return render(request, "community/amplify.html", context, status=status)


@login_required
def engage(request):
    """Colleagues' featured posts, with a like or repost through one's own account where the network allows."""
    return render(request, "community/engage.html", {"cards": selectors.engage_cards_for(user=request.user)})


@login_required
@require_POST
def engage_do(request, request_id: int, action: str):
    if action not in Engagement.Action.values:
        raise Http404
    featured = get_object_or_404(AmplifyRequest, pk=request_id, status=AmplifyRequest.Status.FEATURED)
    try:
        engagement = services.engagement_make(request=featured, user=request.user, action=action)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        label = engagement.get_action_display().lower()
        if engagement.status == Engagement.Status.DONE:
            messages.success(request, f"Done: your {label} is on {featured.get_network_display()}.")
        elif engagement.status == Engagement.Status.FAILED:
            messages.error(request, f"{featured.get_network_display()} did not take the {label}: {engagement.error}")
        else:
            messages.info(request, f"Your {label} is on its way.")
    return redirect("community:engage")
