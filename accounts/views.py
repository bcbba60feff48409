from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from infra.markdown import markdown_to_html

from .forms import EraseConfirmForm, ProfileSettingsForm
from .models import PolicyAcknowledgement, PolicyDocument
from .selectors import policy_current, user_data_export
from .services import policy_acknowledge, profile_changed, profile_get, user_erase


@login_required
def my_settings(request: HttpRequest) -> HttpResponse:
    profile = profile_get(user=request.user)
    form = ProfileSettingsForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        profile_changed(changed_fields=set(form.changed_data))
        messages.success(request, "Your settings are saved.")
        return redirect("my_settings")
    return render(request, "accounts/settings.html", {"form": form, "profile": profile})


def export_response(data: dict, *, filename: str) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
def my_data_export(request: HttpRequest) -> HttpResponse:
    """Everything stored about me, as a JSON download (read-only; only ever my own data)."""
    return export_response(user_data_export(user=request.user), filename="advocacy-my-data.json")


@never_cache
@login_required
def my_erase(request: HttpRequest) -> HttpResponse:
    """Self-service erasure, at once, after the password is entered again.

    Staff (content managers, admins) ask an admin instead: their campaigns and approvals are the
    organisation's audit record, and an admin erasing themselves could leave nobody to run the platform.
    """
    if request.user.is_staff or request.user.is_superuser:
        return render(request, "accounts/erase.html", {"staff": True})
    form = EraseConfirmForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_erase(user=request.user)
        logout(request)
        return render(request, "accounts/erased.html")
    return render(request, "accounts/erase.html", {"form": form})


def _safe_next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=False):
        return wanted
    return ""


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_policy(request: HttpRequest) -> HttpResponse:
    """The social media policy in force; POST acknowledges it (once per version) and goes on to `next`."""
    document = policy_current()
    acknowledgement = None
    errors: list[str] = []
    if document is not None:
        acknowledgement = PolicyAcknowledgement.objects.filter(user=request.user, document=document).first()
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
            posted = PolicyDocument.objects.get(version=version, published_at__isnull=False)
            policy_acknowledge(user=request.user, document=posted)
        except (ValueError, PolicyDocument.DoesNotExist):
            errors = ["That is not a published version of the policy."]
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, f"Thank you: you acknowledged version {posted.version} of the policy.")
            return redirect(_safe_next(request) or "my_policy")
    return render(
        request,
        "accounts/policy.html",
        {
            "document": document,
            "body": markdown_to_html(document.body) if document else "",
            "acknowledgement": acknowledgement,
            "next": _safe_next(request),
            "errors": errors,
        },
        status=400 if errors else 200,
    )
