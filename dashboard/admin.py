from django.contrib import admin

from .models import WeeklySummarySend


@admin.register(WeeklySummarySend)
class WeeklySummarySendAdmin(admin.ModelAdmin):
    """The weekly summary's send log: read-only (a deleted row lets that week be sent again)."""

    list_display = ("week_start", "user", "status", "claimed_at", "sent_at", "error")
    list_filter = ("status",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "week_start"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
