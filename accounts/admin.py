from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .models import EmployeeProfile, Location, Team, User
from .selectors import user_data_export
from .services import employee_joined_announce, profile_changed, user_erase
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
