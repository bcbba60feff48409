import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
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
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV

from . import selectors, services
from .calendar import calendar_page, parse_anchor, place_posts
from .forms import (
    CampaignAdminForm,
    PostVariantForm,
    PostVariantFormSet,
    PostVersionForm,
    PostVersionVariantForm,
    PostVersionVariantFormSet,
    RejectPostsForm,
    SuggestedPostAdminForm,
)
from .models import (
    Campaign,
    CampaignStatus,
    PostImageRendition,
    PostStatus,
    PostTransition,
    PostVariant,
    PostVersion,
    PostVersionVariant,
    SuggestedPost,
    Topic,
    VersionStatus,
)
from .networks import VARIANT_NETWORK_CHOICES, editor_rules
from .post_csv import PostCsvResource
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


def _short_time(value) -> str:
    """A compact date and time for lists (the column header names the zone): "9 Dec 2026, 01:24"."""
    local = timezone.localtime(value)
    return f"{local.day} {local:%b %Y, %H:%M}"


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
    list_display = ["name", "status_label", "runs", "goal", "owner", "post_count"]
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

    @admin.display(description=_zoned("runs"), ordering="starts_at")
    def runs(self, obj: Campaign) -> str:
        return f"{_short_time(obj.starts_at)} – {_short_time(obj.ends_at)}"

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


def kept_image_note(name: str) -> str:
    return (
        f"Kept: {name}. This page had errors, so nothing was saved yet; the image is saved with the post when "
        "you save again. Choose another file only to replace it."
    )


@admin.register(SuggestedPost)
class SuggestedPostAdmin(OrganisationTimeMixin, ImportExportMixin, admin.ModelAdmin):
    form = SuggestedPostAdminForm
    change_form_template = "admin/campaigns/suggestedpost/change_form.html"
    # CSV in and out (campaigns.post_csv): the import is a dry run with per-row errors before anything is stored.
    import_export_change_list_template = "admin/campaigns/suggestedpost/change_list.html"
    resource_classes = [PostCsvResource]
    import_formats = [CSV]
    export_formats = [CSV]
    skip_admin_log = True
    import_template_name = "admin/campaigns/suggestedpost/import.html"
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
        ("Image", {"fields": ["image", "kept_image", "image_preview", "image_alt"]}),
        ("Schedule", {"fields": [("publish_at", "expires_at")]}),
        ("Sharing", {"fields": ["disclaimer", "employees_may_edit", "is_featured", "topics"]}),
        ("Record", {"fields": [("created_by", "suggested_by", "created", "updated")], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return selectors.with_submission(super().get_queryset(request))

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def get_export_queryset(self, request):
        # The CSV has one row per network's copy: the variants of the posts the list shows (filters apply).
        posts = super().get_export_queryset(request)
        return PostCsvResource().get_export_queryset().filter(post__in=posts.values("pk"))

    def get_import_data_kwargs(self, **kwargs):
        # A row that fails during the real import (e.g. a campaign archived since the dry run) undoes them all.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def get_import_context_data(self, **kwargs):
        return {
            **super().get_import_context_data(**kwargs),
            "time_zone": organisation_time_zone(),
            "networks": [value for value, _ in VARIANT_NETWORK_CHOICES],
        }

    def import_action(self, request, **kwargs):
        return self._in_organisation_time(super().import_action, request, **kwargs)

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
            path("calendar/", view(self.calendar_view), name="campaigns_suggestedpost_calendar"),
            path("<path:object_id>/do/<str:action>/", view(self.post_action_view), name="campaigns_suggestedpost_do"),
            *super().get_urls(),
        ]

    def calendar_view(self, request):
        """Posts by publish date in a month or week, in the organisation's time zone, each linking to its page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        zone = organisation_time_zone()
        with timezone.override(zone):
            today = timezone.localdate()
            page = calendar_page(
                view=request.GET.get("view", "month"),
                anchor=parse_anchor(request.GET.get("date"), today),
                zone=zone,
                today=today,
            )
            campaign_param = request.GET.get("campaign", "")
            campaign_id = int(campaign_param) if campaign_param.isdigit() else None
            posts = selectors.posts_for_calendar(start=page.start, end=page.end, campaign_id=campaign_id)
            place_posts(page, posts, zone)
            context = {
                **self.admin_site.each_context(request),
                "title": f"Posts calendar: {page.title}",
                "opts": self.model._meta,
                "page": page,
                "time_zone": zone,
                "campaigns": selectors.campaigns_for_choice(),
                "campaign_id": campaign_id,
                "weekdays": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
            }
            response = TemplateResponse(request, "admin/campaigns/suggestedpost/calendar.html", context)
            response.render()
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if request.method == "POST" and form.is_bound:
            self._keep_chosen_image(form)
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
                open_version=selectors.post_version_open(post=obj),
                versions=list(selectors.post_versions(post=obj)),
                can_correct=obj.status == PostStatus.PUBLISHED and request.user.has_perm("campaigns.add_postversion"),
                renditions={
                    r.network: {"url": r.image.url, "width": r.width, "height": r.height} for r in obj.renditions.all()
                },
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _keep_chosen_image(self, form) -> None:
        """The page failed to save: keep a valid chosen image for the next try (a browser forgets the file)."""
        if "image" in form.errors or "image" not in form.fields:
            return
        image = form.cleaned_data.get("image")
        token, name = form.kept_image_token, form.kept_image_name
        if not token and isinstance(image, ContentFile):
            name = image.name or "image"
            token = services.post_image_keep(image=image, original_name=name)
        if token:
            form.data = form.data.copy()
            form.data["kept_image"] = token
            form.fields["image"].help_text = kept_image_note(name)
            form["image"].help_text = kept_image_note(name)  # the bound field may be cached already

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
        if action == "correct":
            if not request.user.has_perm("campaigns.add_postversion"):
                raise PermissionDenied
            try:
                version = services.post_version_start(post=post, by=request.user)
            except ValidationError as exc:
                messages.error(request, f"“{post}”: {_error_text(exc)}")
                return HttpResponseRedirect(here)
            messages.info(
                request,
                f"Version {version.number} of the copy: edit it and submit it for approval. "
                "Until it is approved, employees keep seeing and sharing the current copy.",
            )
            return HttpResponseRedirect(reverse("admin:campaigns_postversion_change", args=[version.pk]))
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
        if "image" in form.changed_data or form.kept_image_token:
            services.post_renditions_build(post=form.instance)

    @admin.display(description=_zoned("publish at"), ordering="publish_at")
    def publish(self, obj: SuggestedPost) -> str:
        return _short_time(obj.publish_at)

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


class PostVersionVariantInline(admin.StackedInline):
    model = PostVersionVariant
    form = PostVersionVariantForm
    formset = PostVersionVariantFormSet
    extra = 0
    min_num = 1
    max_num = 6
    verbose_name = "copy for a network"
    verbose_name_plural = "copy per network"

    class Media:
        js = ["js/variant-counter.js", "js/post-composer.js"]

    def _locked(self, obj) -> bool:
        return obj is not None and not obj.is_editable

    def has_add_permission(self, request, obj=None) -> bool:
        return not self._locked(obj) and request.user.has_perm("campaigns.change_postversion")

    def has_change_permission(self, request, obj=None) -> bool:
        return not self._locked(obj) and request.user.has_perm("campaigns.change_postversion")

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_change_permission(request, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("campaigns.view_postversion")


@admin.register(PostVersion)
class PostVersionAdmin(OrganisationTimeMixin, admin.ModelAdmin):
    """A correction of a published post's copy, edited here and approved on its own (post page: "Correct the copy")."""

    form = PostVersionForm
    change_form_template = "admin/campaigns/postversion/change_form.html"
    list_display = ["__str__", "status", "created_by", "submitted_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["post", "created_by"]
    search_fields = ["post__title", "note", "variants__text"]
    readonly_fields = ["post_link", "number", "status", "rejection_reason", "created_by", "submitted_by", "decided_by"]
    fields = ["post_link", ("number", "status"), "rejection_reason", "note", "disclaimer"]
    inlines = [PostVersionVariantInline]

    def has_module_permission(self, request) -> bool:
        return False  # reached from each post's page and the approval inbox, not from the menu

    def has_add_permission(self, request) -> bool:
        return False  # started from a published post ("Correct the copy")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # withdrawn, never deleted: the history keeps it

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_editable:
            fields += ["note", "disclaimer"]
        return fields

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/do/<str:action>/", view(self.version_action_view), name="campaigns_postversion_do"),
            *super().get_urls(),
        ]

    @admin.display(description="post")
    def post_link(self, obj: PostVersion) -> str:
        url = reverse("admin:campaigns_suggestedpost_change", args=[obj.post_id])
        return format_html('<a href="{}">{}</a> (live copy: version {})', url, obj.post, obj.post.copy_version)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            campaign = obj.post.campaign
            context.update(
                text_rules=editor_rules(),
                campaign=campaign,
                campaign_hashtags=campaign.hashtags.split(),
                renditions={
                    r.network: {"url": r.image.url, "width": r.width, "height": r.height}
                    for r in obj.post.renditions.all()
                },
                post=obj.post,
                version_actions=selectors.post_version_actions_for(version=obj, user=request.user),
                possible_approvers=list(
                    selectors.post_possible_reviewers().exclude(
                        pk__in=selectors.post_version_authors(version=obj) if settings.FOUR_EYES_APPROVAL else []
                    )
                )
                if obj.status == VersionStatus.SUBMITTED
                else [],
                four_eyes=settings.FOUR_EYES_APPROVAL,
                live_variants=list(obj.post.variants.all()),
            )
            if not obj.is_editable:  # submitted or decided: nothing left to save here
                context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def version_action_view(self, request, object_id, action):
        version = get_object_or_404(PostVersion.objects.select_related("post"), pk=object_id)
        here = reverse("admin:campaigns_postversion_change", args=[version.pk])
        chosen = selectors.POST_VERSION_ACTIONS_BY_NAME.get(action)
        if chosen is None or not request.user.has_perm(chosen.permission):
            raise PermissionDenied
        reason = ""
        if chosen.to == VersionStatus.REJECTED:
            form = RejectPostsForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Say why the correction is rejected (5 characters or more), for its author.")
                return HttpResponseRedirect(here)
            reason = form.cleaned_data["reason"]
        try:
            services.post_version_transition(version=version, to=chosen.to, by=request.user, reason=reason)
        except ValidationError as exc:
            messages.error(request, f"Version {version.number} was not changed: {_error_text(exc)}")
            return HttpResponseRedirect(here)
        version.refresh_from_db()
        if version.status == VersionStatus.LIVE:
            messages.success(request, f"Version {version.number} is live: new shares use this copy.")
            return HttpResponseRedirect(reverse("admin:campaigns_suggestedpost_change", args=[version.post_id]))
        messages.success(request, f"Version {version.number} is {version.get_status_display().lower()}.")
        return HttpResponseRedirect(here)


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

    def has_module_permission(self, request) -> bool:
        return False  # internal: each post's page shows its workflow history; reachable by URL for audits

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
