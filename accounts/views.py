from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import ProfileSettingsForm
from .services import profile_changed, profile_get


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
