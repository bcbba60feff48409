"""The digest in the admin: the send log with per-day figures, a preview of anyone's digest,
a test digest to oneself, and marking addresses undeliverable from a bounce list."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .models import DigestSend, UsedShareToken
from .selectors import figures_per_day
from .services.rendering import digest_render
from .services.sending import addresses_mark_undeliverable, digest_preview, digest_send_test, parse_bounce_list


class PreviewForm(forms.Form):
    employee = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True).order_by("email"))


class BounceListForm(forms.Form):
    addresses = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="One address per line (or separated by commas), e.g. from your mail provider's bounce report.",
    )
    reason = forms.CharField(max_length=200, initial="Bounced (bounce list)")


@admin.register(DigestSend)
class DigestSendAdmin(admin.ModelAdmin):
    list_display = ["local_date", "employee", "status", "reason", "attempts", "sent_at", "message_id"]
    list_filter = ["status", "reason", "local_date"]
    search_fields = ["employee__email", "message_id"]
    list_select_related = ["employee"]
    raw_id_fields = ["employee"]
    date_hierarchy = "local_date"
    readonly_fields = [f.name for f in DigestSend._meta.fields]
    change_list_template = "admin/digest/digestsend/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra = {"figures": figures_per_day(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    @staticmethod
    def _require(request: HttpRequest, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def get_urls(self):
        own = [
            path("preview/", self.admin_site.admin_view(self.preview_view), name="digest_preview"),
            path("test/", self.admin_site.admin_view(self.send_test_view), name="digest_send_test"),
            path("bounces/", self.admin_site.admin_view(self.bounces_view), name="digest_bounces"),
        ]
        return own + super().get_urls()

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """Preview the digest of … any employee: what they would get at their next send, as in the email."""
        self._require(request, "digest.view_digestsend")
        form = PreviewForm(request.GET or None)
        context = {**self.admin_site.each_context(request), "title": "Preview the digest of …", "form": form}
        if form.is_valid():
            digest = digest_preview(user=form.cleaned_data["employee"])
            subject, text, html = digest_render(digest)
            if request.GET.get("raw") == "html":
                return _email_preview_response(html)
            context.update(digest=digest, subject=subject, text=text, html=html)
        return TemplateResponse(request, "admin/digest/preview.html", context)

    def send_test_view(self, request: HttpRequest) -> HttpResponse:
        """Send me a test digest: my own digest as it would be now, to my address, outside the send log."""
        self._require(request, "digest.view_digestsend")
        if request.method != "POST":
            return redirect(reverse("admin:digest_preview"))
        user_id = request.POST.get("employee") or request.user.pk
        user = get_user_model().objects.filter(pk=user_id).first() or request.user
        try:
            digest, message_id = digest_send_test(user=user, to=request.user.email)
        except Exception as exc:  # noqa: BLE001 - any backend's error, shown to the admin
            messages.error(request, f"The test digest could not be sent: {exc}")
        else:
            what = f"{len(digest.cards)} posts" if digest.cards else "no posts (they would get no email today)"
            messages.success(
                request, f"Test digest of {user.email} sent to {request.user.email}: {what}, {message_id}."
            )
        return redirect(reverse("admin:digest_digestsend_changelist"))

    def bounces_view(self, request: HttpRequest) -> HttpResponse:
        """Mark addresses undeliverable from a bounce list (the same as `manage.py digest_bounces`)."""
        self._require(request, "accounts.change_user")
        form = BounceListForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            good, bad = parse_bounce_list(form.cleaned_data["addresses"])
            marked = addresses_mark_undeliverable(emails=good, reason=form.cleaned_data["reason"])
            messages.success(
                request, f"{marked} employee address(es) marked undeliverable; {len(good) - marked} unknown."
            )
            if bad:
                messages.warning(request, f"Not addresses, ignored: {', '.join(bad[:20])}")
            return redirect(reverse("admin:digest_digestsend_changelist"))
        context = {**self.admin_site.each_context(request), "title": "Mark addresses undeliverable", "form": form}
        return TemplateResponse(request, "admin/digest/bounces.html", context, status=400 if form.errors else 200)


@admin.register(UsedShareToken)
class UsedShareTokenAdmin(admin.ModelAdmin):
    list_display = ["token_id", "employee", "network", "post_id", "used_at"]
    search_fields = ["employee__email", "token_id"]
    list_select_related = ["employee"]
    raw_id_fields = ["employee"]

    def has_add_permission(self, request):
        return False  # written by the share confirmation only: a hand-made row would void a real link

    def has_change_permission(self, request, obj=None):
        return False


def _email_preview_response(html: str) -> HttpResponse:
    """The email's HTML for the preview's iframe: mail clients read inline styles, so this one answer allows
    them, runs no script, loads nothing but images, and may be framed by our own admin page only."""
    response = HttpResponse(html)
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data: https:; style-src 'unsafe-inline'; frame-ancestors 'self'; sandbox"
    )
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
