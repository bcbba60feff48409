"""The moderation queues: suggestions and amplify requests. Every decision goes through community.services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from . import services
from .forms import ApproveSuggestionForm, ReasonForm
from .models import AmplifyRequest, Engagement, Feed, FeedEntry, Review, Suggestion


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class PendingFirstFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("all", "All"), *model_admin.model._meta.get_field("status").choices]

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": (self.value() or "pending") == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "pending"
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    change_form_template = "admin/community/suggestion/change_form.html"
    list_display = ["title", "author", "status", "created_at", "post"]
    list_filter = [PendingFirstFilter]
    list_select_related = ["author", "post"]
    search_fields = ["url", "text", "author__email"]
    fields = ["author", "url", "text", "image", "image_alt", "status", "decline_reason", "post", "reviewed_by"]
    readonly_fields = ["author", "image", "status", "decline_reason", "post", "reviewed_by"]

    def has_add_permission(self, request) -> bool:
        return False  # employees suggest from the web app

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status != Review.PENDING:
            fields += ["url", "text", "image_alt"]
        return fields

    def save_model(self, request, obj, form, change):
        services.suggestion_edit(suggestion=obj, url=obj.url, text=obj.text, image_alt=obj.image_alt)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/do/<str:action>/", view(self.decide_view), name="community_suggestion_do"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status == Review.PENDING:
            context["approve_form"] = ApproveSuggestionForm(
                initial={"title": obj.title, "target_url": obj.url, "text": obj.text}
            )
            context["decline_form"] = ReasonForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def decide_view(self, request, object_id, action):
        suggestion = get_object_or_404(Suggestion, pk=object_id)
        if not self.has_change_permission(request, suggestion) or action not in ("approve", "decline"):
            raise PermissionDenied
        here = reverse("admin:community_suggestion_change", args=[suggestion.pk])
        try:
            if action == "approve":
                form = ApproveSuggestionForm(request.POST)
                if not form.is_valid():
                    raise ValidationError([f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()])
                post = services.suggestion_approve(suggestion=suggestion, by=request.user, **form.cleaned_data)
                messages.success(request, f"Approved: the draft post “{post}” is credited to {suggestion.author}.")
                return HttpResponseRedirect(reverse("admin:campaigns_suggestedpost_change", args=[post.pk]))
            services.suggestion_decline(suggestion=suggestion, by=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, "Declined; the employee sees your reason on My suggestions.")
        except ValidationError as exc:
            messages.error(request, f"Nothing was changed: {_errors(exc)}")
        return HttpResponseRedirect(here)


@admin.register(AmplifyRequest)
class AmplifyRequestAdmin(admin.ModelAdmin):
    change_form_template = "admin/community/amplifyrequest/change_form.html"
    list_display = ["url", "network", "author", "status", "created_at"]
    list_filter = [PendingFirstFilter, "network"]
    list_select_related = ["author"]
    search_fields = ["url", "author__email", "note"]
    readonly_fields = ["author", "network", "url", "note", "status", "decline_reason", "reviewed_by", "reviewed_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/do/<str:action>/", view(self.decide_view), name="community_amplifyrequest_do"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["next_steps"] = sorted(AmplifyRequest.TRANSITIONS[obj.status])
            context["decline_form"] = ReasonForm()
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def decide_view(self, request, object_id, action):
        amplify = get_object_or_404(AmplifyRequest, pk=object_id)
        moves = {"feature": "featured", "decline": "declined", "end": "ended"}
        if not self.has_change_permission(request, amplify) or action not in moves:
            raise PermissionDenied
        try:
            services.amplify_request_move(
                request=amplify, to=moves[action], by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, f"The request is {amplify.get_status_display().lower()}.")
        except ValidationError as exc:
            messages.error(request, f"Nothing was changed: {_errors(exc)}")
        return HttpResponseRedirect(reverse("admin:community_amplifyrequest_change", args=[amplify.pk]))


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["request", "user", "action", "status", "created_at", "done_at"]
    list_filter = ["status", "action"]
    list_select_related = ["request", "user"]
    search_fields = ["user__email", "request__url"]
    raw_id_fields = ["request", "user", "account"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # written by the engage service only


# --- Feeds whose entries become draft posts ----------------------------------------


class FeedEntryInline(admin.TabularInline):
    model = FeedEntry
    fields = ["title", "url", "published_at", "post", "seen_at"]
    readonly_fields = ["title", "url", "published_at", "post", "seen_at"]
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "campaign", "is_active", "last_checked_at", "last_new_count", "last_error"]
    list_filter = ["is_active"]
    list_select_related = ["campaign"]
    search_fields = ["name", "url"]
    fields = [
        "name",
        "url",
        "campaign",
        "is_active",
        "last_checked_at",
        "last_new_count",
        "last_error",
        "etag",
        "last_modified",
    ]
    readonly_fields = ["last_checked_at", "last_new_count", "last_error", "etag", "last_modified"]
    autocomplete_fields = ["campaign"]
    inlines = [FeedEntryInline]
    actions = ["check_now"]

    def save_model(self, request, obj, form, change):
        services.feed_save(feed=obj, by=request.user)

    @admin.action(description="Check now (new entries become draft posts)", permissions=["change"])
    def check_now(self, request, queryset):
        for feed in queryset.select_related("campaign"):
            created = services.feed_check(feed)
            if feed.last_error:
                self.message_user(request, f"{feed}: {feed.last_error}", messages.ERROR)
            else:
                self.message_user(request, f"{feed}: {created} new draft post(s).", messages.SUCCESS)
