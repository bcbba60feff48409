"""The “API tokens” page (My settings → API tokens): make, name, scope and revoke personal tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import TokenCreateForm


@never_cache
@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    """GET lists my tokens; POST makes one and shows its secret on this answer only (never stored, never again)."""
    form = TokenCreateForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.token_create(
                    user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
                )
            except ValidationError as exc:
                for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
        if created is None:
            status = 400
        else:
            form = TokenCreateForm()
    return render(
        request,
        "api/tokens.html",
        {"form": form, "created": created, "tokens": selectors.tokens_for(user=request.user)},
        status=status,
    )


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.token_get_for_user(user=request.user, token_id=token_id)
    if token is None:
        raise Http404("No such token of yours.")
    if services.token_revoke(token=token):
        messages.success(request, f"“{token.name}” is revoked: it stops working at once.")
    return redirect("api_tokens")
