from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from .forms import EraseConfirmForm, ProfileSettingsForm
from .selectors import user_data_export
from .services import profile_changed, profile_get, user_erase


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
