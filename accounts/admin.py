from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import EmployeeProfile, Location, PolicyAcknowledgement, PolicyDocument, Team, User
from .selectors import policy_unacknowledged, user_data_export
from .services import employee_joined_announce, policy_publish, profile_changed, user_erase
from .views import export_response


class EmployeeProfileInline(admin.StackedInline):
    model = EmployeeProfile
    can_delete = False
    autocomplete_fields = ["team", "location"]
    fields = [
        ("team", "location"),
        "job_title",
        ("language", "time_zone"),
        ("digest_opt_in", "digest_hour"),
        ("leaderboard_opt_out", "leaderboard_excluded"),
        "stories_consent",
    ]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "team", "roles", "is_active", "last_login"]
    list_filter = ["is_active", "is_staff", "groups", "profile__team", "profile__location"]
    actions = ["export_personal_data", "erase_personal_data"]
    list_select_related = ["profile__team"]
    search_fields = ["email", "first_name", "last_name"]
    inlines = [EmployeeProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (_("Role"), {"fields": ("is_active", "groups", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    readonly_fields = ["last_login", "date_joined", "erased_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A person's derived history (clicks, ledger entries, shares) is read-only in the admin but
        # goes with them: whoever may delete people may delete that too (erasure requests).
        if request.user.has_perm("accounts.delete_user"):
            perms_needed = set()
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        profile_changed(changed_fields={"leaderboard_excluded"})  # boards without them

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        profile_changed(changed_fields={"leaderboard_excluded"})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            employee_joined_announce(user=form.instance)

    def save_formset(self, request, form, formset, change):
        changed = {name for f in formset.forms for name in f.changed_data}
        super().save_formset(request, form, formset, change)
        if formset.model is EmployeeProfile:
            profile_changed(changed_fields=changed)

    @admin.action(description="Export personal data (JSON)", permissions=["change"])
    def export_personal_data(self, request, queryset):
        people = [user_data_export(user=user) for user in queryset]
        return export_response({"people": people}, filename="advocacy-personal-data.json")

    @admin.action(description="Erase personal data…", permissions=["delete"])
    def erase_personal_data(self, request, queryset):
        """Erase the selected people after a confirmation page (accounts.services.user_erase)."""
        people = list(queryset.exclude(pk=request.user.pk))
        if len(people) < queryset.count():
            messages.error(request, "You cannot erase yourself here; use “Erase my data” on your settings page.")
        if not people:
            return None
        if request.POST.get("confirm") == "yes":
            for user in people:
                user_erase(user=user)
            messages.success(request, f"Personal data of {len(people)} person(s) erased.")
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase personal data",
            "people": people,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/accounts/erase_users.html", context)

    @admin.display(description="team")
    def team(self, obj: User) -> str:
        profile = getattr(obj, "profile", None)
        return str(profile.team) if profile and profile.team else "—"

    @admin.display(description="roles")
    def roles(self, obj: User) -> str:
        return ", ".join(group.name for group in obj.groups.all()) or "—"


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone"]
    search_fields = ["name"]


NOT_ACKNOWLEDGED_SHOWN = 200


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    """Versions of the social media policy. A published text is locked: changes are a new version."""

    list_display = ["version", "title", "published_at", "acknowledged", "not_acknowledged_count"]
    search_fields = ["title", "body"]
    actions = ["publish"]
    readonly_fields = ["published_at", "not_acknowledged"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(ack_count=Count("acknowledgements"))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return ["version", "title", "body", "published_at", "not_acknowledged"]
        return self.readonly_fields

    @admin.display(description="acknowledged")
    def acknowledged(self, obj: PolicyDocument) -> int:
        return getattr(obj, "ack_count", 0)

    @admin.display(description="not yet")
    def not_acknowledged_count(self, obj: PolicyDocument) -> str:
        return str(policy_unacknowledged(document=obj).count()) if obj.is_published else "—"

    @admin.display(description="who has not acknowledged")
    def not_acknowledged(self, obj: PolicyDocument) -> str:
        if obj is None or not obj.is_published:
            return "Publish this version first."
        people = list(policy_unacknowledged(document=obj)[: NOT_ACKNOWLEDGED_SHOWN + 1])
        if not people:
            return "Everyone has acknowledged this version."
        listed = format_html_join(", ", "{}", ((p.email,) for p in people[:NOT_ACKNOWLEDGED_SHOWN]))
        more = " …" if len(people) > NOT_ACKNOWLEDGED_SHOWN else ""
        return format_html("{} people: {}{}", policy_unacknowledged(document=obj).count(), listed, more)

    @admin.action(description="Publish (everyone acknowledges it before their next share)", permissions=["change"])
    def publish(self, request, queryset):
        for document in queryset.order_by("version"):
            try:
                policy_publish(document=document)
            except ValidationError as exc:
                messages.error(request, f"Version {document.version}: {' '.join(exc.messages)}")
            else:
                messages.success(request, f"Version {document.version} is published.")


@admin.register(PolicyAcknowledgement)
class PolicyAcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["user", "document", "acknowledged_at"]
    list_filter = ["document"]
    list_select_related = ["user", "document"]
    search_fields = ["user__email"]
    date_hierarchy = "acknowledged_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
