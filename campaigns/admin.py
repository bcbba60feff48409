import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import CampaignAdminForm, PostVariantForm, PostVariantFormSet, RejectPostsForm, SuggestedPostAdminForm
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
from .networks import editor_rules
from .widgets import ZonedSplitDateTime, organisation_time_zone

CAMPAIGN_DEFAULT_LENGTH = dt.timedelta(weeks=4)

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


class OrganisationTimeMixin:
    """Dates and times in this admin are read and shown in the organisation's time zone, which each input names.

    Responses are rendered inside the override: a TemplateResponse would otherwise render after it ends.
    """

    formfield_overrides = {models.DateTimeField: {"widget": ZonedSplitDateTime}}

    def _in_organisation_time(self, view, *args, **kwargs):
        with timezone.override(organisation_time_zone()):
            response = view(*args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        return response

    def changeform_view(self, request, *args, **kwargs):
        return self._in_organisation_time(super().changeform_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._in_organisation_time(super().changelist_view, request, *args, **kwargs)


def _zoned(label: str) -> str:
    return f"{label} ({organisation_time_zone()})"


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _say_if_campaign_not_launched(request: HttpRequest, post: SuggestedPost) -> None:
    """Approving or publishing a post of a draft campaign: nobody will see it until the campaign is launched."""
    campaign = post.campaign
    if campaign.launched_at is None and campaign.archived_at is None:
        messages.warning(
            request,
            f"“{post}” is {post.get_status_display().lower()}, but its campaign “{campaign}” is not launched: "
            "no employee sees the post until it is. Use “Launch campaign” on this page.",
        )


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
class CampaignAdmin(OrganisationTimeMixin, admin.ModelAdmin):
    form = CampaignAdminForm
    change_form_template = "admin/campaigns/campaign/change_form.html"
    list_display = ["name", "status_label", "starts", "ends", "goal", "owner", "post_count"]
    list_filter = [CampaignStatusFilter, "starts_at", "ends_at", "audience_teams", "audience_locations", "goal_metric"]
    list_select_related = ["owner"]
    search_fields = ["name", "narrative", "utm_campaign", "hashtags"]
    autocomplete_fields = ["owner", "audience_teams", "audience_locations"]
    prepopulated_fields = {"utm_campaign": ["name"]}
    readonly_fields = ["status_label", "launched", "archived", "created_at", "updated_at"]
    date_hierarchy = "starts_at"
    inlines = [SuggestedPostInline]
    actions = ["launch", "duplicate", "archive"]
    fieldsets = [
        (None, {"fields": ["name", "narrative", "owner", "status_label"]}),
        ("Goal", {"fields": [("goal_metric", "goal_target")]}),
        ("When", {"fields": [("starts_at", "ends_at"), ("launched", "archived")]}),
        ("Audience (empty = everyone)", {"fields": ["audience_teams", "audience_locations", "audience_languages"]}),
        ("Tracking", {"fields": ["hashtags", "utm_campaign"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_post_count=Count("posts"))

    def get_changeform_initial_data(self, request):
        # A new campaign starts now and runs four weeks unless told otherwise: two fewer date/time pairs to type.
        start = timezone.now().replace(second=0, microsecond=0)
        initial = {"owner": request.user.pk, "starts_at": start, "ends_at": start + CAMPAIGN_DEFAULT_LENGTH}
        return {**initial, **super().get_changeform_initial_data(request)}

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/do/<str:action>/", view(self.campaign_action_view), name="campaigns_campaign_do"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(
                campaign_buttons=self._buttons(request, obj),
                add_post_url=reverse("admin:campaigns_suggestedpost_add") + f"?campaign={obj.pk}",
                can_add_post=request.user.has_perm("campaigns.add_suggestedpost"),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _buttons(self, request, campaign: Campaign) -> list[tuple[str, str]]:
        buttons = []
        if self.has_change_permission(request, campaign):
            if campaign.launched_at is None and campaign.archived_at is None:
                buttons.append(("launch", "Launch campaign"))
            if campaign.archived_at is None:
                buttons.append(("archive", "Archive campaign and its posts"))
        if self.has_add_permission(request):
            buttons.append(("duplicate", "Duplicate (as draft)"))
        return buttons

    @method_decorator(require_POST)
    def campaign_action_view(self, request, object_id, action):
        campaign = get_object_or_404(Campaign, pk=object_id)
        if action not in {name for name, _ in self._buttons(request, campaign)}:
            raise PermissionDenied
        here = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
        if action == "launch":
            self.launch(request, Campaign.objects.filter(pk=campaign.pk))
            return HttpResponseRedirect(_next_or(request, here))
        if action == "archive":
            self.archive(request, Campaign.objects.filter(pk=campaign.pk))
            return HttpResponseRedirect(here)
        copy = services.campaign_duplicate(campaign=campaign, by=request.user)
        messages.success(request, f"Created “{copy}” as a draft, with its posts as drafts.")
        return HttpResponseRedirect(reverse("admin:campaigns_campaign_change", args=[copy.pk]))

    @admin.display(description="status")
    def status_label(self, obj: Campaign) -> str:
        return obj.get_status_display() if obj.pk else "Draft"

    @admin.display(description=_zoned("starts"), ordering="starts_at")
    def starts(self, obj: Campaign):
        return obj.starts_at

    @admin.display(description=_zoned("ends"), ordering="ends_at")
    def ends(self, obj: Campaign):
        return obj.ends_at

    @admin.display(description=_zoned("launched at"))
    def launched(self, obj: Campaign):
        return obj.launched_at or "not launched"

    @admin.display(description=_zoned("archived at"))
    def archived(self, obj: Campaign):
        return obj.archived_at or "—"

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
    formset = PostVariantFormSet
    extra = 0
    min_num = 1
    max_num = 6

    class Media:
        js = ["js/variant-counter.js", "js/post-composer.js"]

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


class WaitingForMeFilter(admin.SimpleListFilter):
    """The approval inbox: submitted posts this person may approve (four-eyes: not their own)."""

    title = "approval"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("me", "Waiting for me")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(pk__in=selectors.posts_waiting_for(user=request.user).values("pk"))
        return queryset


IMAGE_NOT_KEPT = (
    "Choose the image again: this page had errors, so nothing was saved, and a browser cannot keep a chosen file."
)


@admin.register(SuggestedPost)
class SuggestedPostAdmin(OrganisationTimeMixin, admin.ModelAdmin):
    form = SuggestedPostAdminForm
    change_form_template = "admin/campaigns/suggestedpost/change_form.html"
    list_display = ["title", "campaign", "status", "publish", "submitted", "thumbnail"]
    list_filter = [
        WaitingForMeFilter,
        "status",
        "is_featured",
        "campaign",
        "topics",
        "publish_at",
        "campaign__audience_teams",
    ]
    list_select_related = ["campaign"]
    search_fields = ["title", "target_url", "variants__text", "campaign__name"]
    autocomplete_fields = ["campaign", "topics"]
    readonly_fields = [
        "status",
        "rejection_reason",
        "image_preview",
        "created_by",
        "suggested_by",
        "created",
        "updated",
    ]
    date_hierarchy = "publish_at"
    inlines = [PostVariantInline, PostTransitionInline]
    actions = ["submit", "approve", "reject", "publish_now", "duplicate", "archive"]
    fieldsets = [
        (None, {"fields": ["campaign", "title", "target_url", ("status", "rejection_reason")]}),
        ("Image", {"fields": ["image", "image_preview", "image_alt"]}),
        ("Schedule", {"fields": [("publish_at", "expires_at")]}),
        ("Sharing", {"fields": ["disclaimer", "employees_may_edit", "is_featured", "topics"]}),
        ("Record", {"fields": [("created_by", "suggested_by", "created", "updated")], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return selectors.with_submission(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in LOCKED_STATUSES:
            fields += POST_CONTENT_FIELDS
        return fields

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, PostVariantInline) and (obj is None or obj.pk is None):
            kwargs["initial"] = [{"network": "generic"}]  # the first copy is the generic one: start from it
        return kwargs

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/do/<str:action>/", view(self.post_action_view), name="campaigns_suggestedpost_do"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if request.method == "POST" and request.FILES.get("image") and "image" not in form.errors:
            form.add_error("image", IMAGE_NOT_KEPT)
        campaign = obj.campaign if obj is not None else self._campaign_from(request)
        context.update(
            text_rules=editor_rules(),
            campaign=campaign,
            campaign_hashtags=campaign.hashtags.split() if campaign else [],
            time_zone=organisation_time_zone(),
            renditions={},
        )
        if obj is not None:
            context.update(
                post_actions=selectors.post_actions_for(post=obj, user=request.user),
                possible_approvers=list(selectors.post_possible_approvers(post=obj))
                if obj.status == PostStatus.SUBMITTED
                else [],
                four_eyes=settings.FOUR_EYES_APPROVAL,
                can_launch_campaign=request.user.has_perm("campaigns.change_campaign"),
                can_duplicate=self.has_add_permission(request),
                reject_form=RejectPostsForm(),
                renditions={
                    r.network: {"url": r.image.url, "width": r.width, "height": r.height} for r in obj.renditions.all()
                },
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _campaign_from(self, request) -> Campaign | None:
        pk = request.GET.get("campaign") or request.POST.get("campaign")
        return Campaign.objects.filter(pk=pk).first() if pk and str(pk).isdigit() else None

    @method_decorator(require_POST)
    def post_action_view(self, request, object_id, action):
        post = get_object_or_404(SuggestedPost.objects.select_related("campaign"), pk=object_id)
        here = reverse("admin:campaigns_suggestedpost_change", args=[post.pk])
        if action == "duplicate":
            if not self.has_add_permission(request):
                raise PermissionDenied
            copy = services.post_duplicate(post=post, by=request.user)
            messages.success(request, f"Created “{copy}” as a draft.")
            return HttpResponseRedirect(reverse("admin:campaigns_suggestedpost_change", args=[copy.pk]))
        chosen = selectors.POST_ACTIONS_BY_NAME.get(action)
        if chosen is None or not request.user.has_perm(chosen.permission):
            raise PermissionDenied
        reason = request.POST.get("reason", "")
        if chosen.to == PostStatus.REJECTED:
            form = RejectPostsForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Say why the post is rejected (5 characters or more), for its author.")
                return HttpResponseRedirect(here)
            reason = form.cleaned_data["reason"]
        try:
            services.post_transition(post=post, to=chosen.to, by=request.user, reason=reason)
        except ValidationError as exc:
            messages.error(request, f"“{post}” was not changed: {_error_text(exc)}")
            return HttpResponseRedirect(here)
        post.refresh_from_db()
        messages.success(request, f"“{post}” is {post.get_status_display().lower()}.")
        if chosen.to in (PostStatus.APPROVED, PostStatus.PUBLISHED):
            _say_if_campaign_not_launched(request, post)
        return HttpResponseRedirect(here)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "image" in form.changed_data:
            services.post_renditions_build(post=form.instance)

    @admin.display(description=_zoned("publish at"), ordering="publish_at")
    def publish(self, obj: SuggestedPost):
        return obj.publish_at

    @admin.display(description="submitted (by, when)", ordering="submitted_at")
    def submitted(self, obj: SuggestedPost) -> str:
        if not getattr(obj, "submitted_at", None):
            return "—"
        when = timezone.localtime(obj.submitted_at).strftime("%d %b %H:%M")
        return f"{obj.submitted_by_name or obj.submitted_by_email or 'someone'}, {when}"

    @admin.display(description=_zoned("created"))
    def created(self, obj: SuggestedPost):
        return obj.created_at

    @admin.display(description=_zoned("updated"))
    def updated(self, obj: SuggestedPost):
        return obj.updated_at

    @admin.display(description="image")
    def thumbnail(self, obj: SuggestedPost) -> str:
        if not obj.image:
            return "—"
        return format_html('<img class="post-thumbnail" src="{}" alt="">', obj.image.url)

    @admin.display(description="preview")
    def image_preview(self, obj: SuggestedPost) -> str:
        if not obj or not obj.image:
            return "No image"
        sizes = ", ".join(f"{r.network} {r.width}×{r.height}" for r in obj.renditions.all())
        return format_html(
            '<img class="post-image-preview" src="{}" alt=""><br><small>Renditions: {}</small>',
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
        for post in queryset.select_related("campaign"):
            if post.status == PostStatus.APPROVED:
                _say_if_campaign_not_launched(request, post)

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
        for post in queryset.select_related("campaign"):
            if post.status == PostStatus.PUBLISHED:
                _say_if_campaign_not_launched(request, post)

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
    """Internal: built by the networks app for each provider's size. Reachable by URL, not listed in the menu."""

    list_display = ["post", "network", "width", "height", "bytes"]
    list_select_related = ["post"]
    search_fields = ["post__title"]
    raw_id_fields = ["post"]

    def has_module_permission(self, request) -> bool:
        return False  # kept out of the admin index and menu; the post page shows the renditions
