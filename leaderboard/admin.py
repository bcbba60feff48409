from django.contrib import admin

from .models import BadgeAward, PeriodScore, PointEntry, PointRule


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    """Rules are edited here; a change applies to entries awarded from now on (the ledger keeps old points)."""

    list_display = ("action", "points", "daily_cap_per_share", "updated_at")
    list_editable = ("points",)
    search_fields = ("action",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The ledger and what derives from it are never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "user", "action", "points", "quantity", "reason", "source_type", "source_id")
    list_filter = ("action", "network")
    search_fields = ("user__email", "reason")
    list_select_related = ("user",)
    raw_id_fields = ("user", "post")
    date_hierarchy = "occurred_at"


@admin.register(PeriodScore)
class PeriodScoreAdmin(ReadOnlyAdmin):
    list_display = ("user", "period", "start", "points")
    list_filter = ("period",)
    search_fields = ("user__email",)
    list_select_related = ("user",)


@admin.register(BadgeAward)
class BadgeAwardAdmin(ReadOnlyAdmin):
    list_display = ("user", "badge", "awarded_at")
    list_filter = ("badge",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
