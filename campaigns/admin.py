from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html

from . import services
from .forms import CampaignAdminForm, PostVariantForm, RejectPostsForm, SuggestedPostAdminForm
from .models import (
    Campaign,
    CampaignStatus,
    PostImageRendition,
    PostStatus,
    PostTransition,
    PostVariant,
    SuggestedPost,
    Topic,
)

# Once a post is approved, its content is what was approved: it cannot be edited in place.
LOCKED_STATUSES = {PostStatus.APPROVED, PostStatus.PUBLISHED, PostStatus.ARCHIVED}
POST_CONTENT_FIELDS = ["campaign", "title", "target_url", "image", "image_alt", "disclaimer", "employees_may_edit"]


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _apply(request: HttpRequest, queryset, action, verb: str) -> None:
    """Run a per-post service over the selection and report what happened, post by post."""
    done, failed = 0, []
    for post in queryset:
        try:
            action(post=post, by=request.user)
            done += 1
        except ValidationError as exc:
            failed.append(f"“{post}”: {_error_text(exc)}")
    if done:
        messages.success(request, f"{done} post(s) {verb}.")
    for failure in failed:
        messages.error(request, failure)


class CampaignStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return CampaignStatus.choices

    def queryset(self, request, queryset):
        if self.value() in CampaignStatus.values:
            return queryset.with_status(self.value())
        return queryset


class SuggestedPostInline(admin.TabularInline):
    model = SuggestedPost
    fields = ["title", "status", "publish_at", "expires_at", "is_featured"]
    readonly_fields = ["status"]
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Posts need their copy variants: they are added on their own page.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ["name", "status_label", "starts_at", "ends_at", "goal", "owner", "post_count"]
    list_filter = [CampaignStatusFilter, "starts_at", "ends_at", "audience_teams", "audience_locations", "goal_metric"]
    list_select_related = ["owner"]
    search_fields = ["name", "narrative", "utm_campaign", "hashtags"]
    autocomplete_fields = ["owner", "audience_teams", "audience_locations"]
    prepopulated_fields = {"utm_campaign": ["name"]}
    readonly_fields = ["status_label", "launched_at", "archived_at", "created_at", "updated_at"]
    date_hierarchy = "starts_at"
    inlines = [SuggestedPostInline]
    actions = ["launch", "duplicate", "archive"]
    fieldsets = [
        (None, {"fields": ["name", "narrative", "owner", "status_label"]}),
        ("Goal", {"fields": [("goal_metric", "goal_target")]}),
        ("When", {"fields": [("starts_at", "ends_at"), ("launched_at", "archived_at")]}),
        ("Audience (empty = everyone)", {"fields": ["audience_teams", "audience_locations", "audience_languages"]}),
        ("Tracking", {"fields": ["hashtags", "utm_campaign"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_post_count=Count("posts"))

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description="status")
    def status_label(self, obj: Campaign) -> str:
        return obj.get_status_display() if obj.pk else "Draft"

    @admin.display(description="goal")
    def goal(self, obj: Campaign) -> str:
        return f"{obj.goal_target:,} {obj.get_goal_metric_display().lower()}"

    @admin.display(description="posts", ordering="_post_count")
    def post_count(self, obj: Campaign) -> int:
        return obj._post_count

    @admin.action(description="Launch selected campaigns (scheduled/active by their dates)", permissions=["change"])
    def launch(self, request, queryset):
        for campaign in queryset:
            try:
                services.campaign_launch(campaign=campaign)
                messages.success(request, f"“{campaign}” is {campaign.get_status_display().lower()}.")
            except ValidationError as exc:
                messages.error(request, f"“{campaign}”: {_error_text(exc)}")

    @admin.action(description="Duplicate selected campaigns (as drafts)", permissions=["add"])
    def duplicate(self, request, queryset):
        for campaign in queryset:
            copy = services.campaign_duplicate(campaign=campaign, by=request.user)
            messages.success(request, f"Created “{copy}”.")

    @admin.action(description="Archive selected campaigns and their posts", permissions=["change"])
    def archive(self, request, queryset):
        for campaign in queryset:
            services.campaign_archive(campaign=campaign, by=request.user)
        messages.success(request, f"{queryset.count()} campaign(s) archived.")


class PostVariantInline(admin.StackedInline):
    model = PostVariant
    form = PostVariantForm
    extra = 0
    min_num = 1
    max_num = 6

    class Media:
        js = ["js/variant-counter.js"]
        css = {"all": ["css/admin-extra.css"]}

    def _locked(self, obj) -> bool:
        return obj is not None and obj.status in LOCKED_STATUSES

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class PostTransitionInline(admin.TabularInline):
    model = PostTransition
    fields = ["at", "from_status", "to_status", "by", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "workflow step"
    verbose_name_plural = "workflow history"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SuggestedPost)
class SuggestedPostAdmin(admin.ModelAdmin):
    form = SuggestedPostAdminForm
    list_display = ["title", "campaign", "status", "publish_at", "expires_at", "is_featured", "thumbnail"]
    list_filter = ["status", "is_featured", "campaign", "topics", "publish_at", "campaign__audience_teams"]
    list_select_related = ["campaign"]
    search_fields = ["title", "target_url", "variants__text", "campaign__name"]
    autocomplete_fields = ["campaign", "topics"]
    readonly_fields = ["status", "rejection_reason", "image_preview", "created_by", "created_at", "updated_at"]
    date_hierarchy = "publish_at"
    inlines = [PostVariantInline, PostTransitionInline]
    actions = ["submit", "approve", "reject", "publish_now", "duplicate", "archive"]
    fieldsets = [
        (None, {"fields": ["campaign", "title", "target_url", ("status", "rejection_reason")]}),
        ("Image", {"fields": ["image", "image_preview", "image_alt"]}),
        ("Schedule", {"fields": [("publish_at", "expires_at")]}),
        ("Sharing", {"fields": ["disclaimer", "employees_may_edit", "is_featured", "topics"]}),
        ("Record", {"fields": [("created_by", "created_at", "updated_at")], "classes": ["collapse"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in LOCKED_STATUSES:
            fields += POST_CONTENT_FIELDS
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "image" in form.changed_data:
            services.post_renditions_build(post=form.instance)

    @admin.display(description="image")
    def thumbnail(self, obj: SuggestedPost) -> str:
        if not obj.image:
            return "—"
        return format_html('<img src="{}" alt="" style="height:32px;border-radius:3px">', obj.image.url)

    @admin.display(description="preview")
    def image_preview(self, obj: SuggestedPost) -> str:
        if not obj or not obj.image:
            return "No image"
        sizes = ", ".join(f"{r.network} {r.width}×{r.height}" for r in obj.renditions.all())
        return format_html(
            '<img src="{}" alt="" style="max-width:360px;max-height:200px;border-radius:4px"><br>'
            "<small>Renditions: {}</small>",
            obj.image.url,
            sizes or "none yet",
        )

    # Approval permissions: content managers and admins have them; nobody else.
    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("campaigns.approve_suggestedpost")

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("campaigns.publish_suggestedpost")

    @admin.action(description="Submit for approval", permissions=["change"])
    def submit(self, request, queryset):
        _apply(request, queryset, services.post_submit, "submitted for approval")

    @admin.action(description="Approve", permissions=["approve"])
    def approve(self, request, queryset):
        _apply(request, queryset, services.post_approve, "approved")

    @admin.action(description="Reject (with a reason)…", permissions=["approve"])
    def reject(self, request, queryset):
        form = RejectPostsForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            _apply(
                request,
                queryset,
                lambda post, by: services.post_reject(post=post, by=by, reason=reason),
                "rejected",
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject posts",
            "form": form,
            "posts": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/campaigns/reject_posts.html", context)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        _apply(request, queryset, services.post_publish, "published")

    @admin.action(description="Duplicate (as drafts)", permissions=["add"])
    def duplicate(self, request, queryset):
        for post in queryset:
            copy = services.post_duplicate(post=post, by=request.user)
            messages.success(request, f"Created “{copy}”.")

    @admin.action(description="Archive", permissions=["change"])
    def archive(self, request, queryset):
        _apply(request, queryset, services.post_archive, "archived")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(PostTransition)
class PostTransitionAdmin(admin.ModelAdmin):
    list_display = ["post", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status", "at"]
    list_select_related = ["post", "by"]
    search_fields = ["post__title", "reason"]
    raw_id_fields = ["post", "by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PostImageRendition)
class PostImageRenditionAdmin(admin.ModelAdmin):
    list_display = ["post", "network", "width", "height", "bytes"]
    list_select_related = ["post"]
    search_fields = ["post__title"]
    raw_id_fields = ["post"]
