from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from shortlinks.selectors import click_buffer_status

from .engagement import EngagementSnapshot, ShareMetrics
from .models import Click, ClickRollup, DailyRollup, EarnedMediaRate, FilteredHit


# --- Clicks (short-links issue): read-only, written only by the drain and the redirect's fallback --------
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Click)
class ClickAdmin(ReadOnlyAdmin):
    list_display = ("clicked_at", "link", "is_unique", "is_self_click", "referrer_host", "device_class")
    list_filter = ("is_unique", "is_self_click", "device_class")
    search_fields = ("link__code", "link__user__email", "referrer_host")
    list_select_related = ("link",)
    raw_id_fields = ("link",)
    date_hierarchy = "clicked_at"

    def get_urls(self):
        buffer_view = self.admin_site.admin_view(self.buffer_view)
        return [path("buffer/", buffer_view, name="analytics_click_buffer"), *super().get_urls()]

    def buffer_view(self, request):
        """The click buffer's system page: backlog, age of the oldest undrained click, Redis persistence."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Click buffer",
            "opts": self.model._meta,
            "status": click_buffer_status(),
        }
        return TemplateResponse(request, "admin/analytics/click_buffer.html", context)

    def changelist_view(self, request, extra_context=None):
        status = click_buffer_status()
        if status.configured and (status.persistence is False or status.error):
            problem = "has no persistence" if status.persistence is False else "is not answering"
            messages.warning(
                request,
                format_html(
                    'The click buffer\'s Redis {}: see the <a href="{}">click buffer page</a>.',
                    problem,
                    reverse("admin:analytics_click_buffer"),
                ),
            )
        return super().changelist_view(request, extra_context)


@admin.register(FilteredHit)
class FilteredHitAdmin(ReadOnlyAdmin):
    list_display = ("at", "link", "reason", "agent")
    list_filter = ("reason",)
    search_fields = ("link__code", "agent")
    list_select_related = ("link",)
    raw_id_fields = ("link",)


@admin.register(ClickRollup)
class ClickRollupAdmin(ReadOnlyAdmin):
    list_display = ("hour", "link", "clicks", "unique_clicks", "self_clicks", "previews", "filtered")
    search_fields = ("link__code",)
    list_select_related = ("link",)
    raw_id_fields = ("link",)
    date_hierarchy = "hour"


# --- Engagement history (metrics pull): never edited or deleted by hand; it goes with its share ------------
class HistoryAdmin(ReadOnlyAdmin):
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ShareMetrics)
class ShareMetricsAdmin(HistoryAdmin):
    list_display = (
        "share",
        "state",
        "likes",
        "reposts",
        "replies",
        "quotes",
        "impressions",
        "bookmarks",
        "measured_at",
        "failures",
    )
    list_filter = ("state", "share__network")
    search_fields = ("share__user__email", "share__external_id")
    list_select_related = ("share", "share__user", "share__post")
    raw_id_fields = ("share",)


@admin.register(EngagementSnapshot)
class EngagementSnapshotAdmin(HistoryAdmin):
    list_display = ("share", "measured_at", "likes", "reposts", "replies", "quotes", "impressions", "bookmarks")
    search_fields = ("share__user__email", "share__external_id")
    list_select_related = ("share", "share__user", "share__post")
    raw_id_fields = ("share",)
    date_hierarchy = "measured_at"


# --- Dashboards (issue 12): rollups are derived (rebuilt by `manage.py rollups_rebuild`); rates are admin-set ----
@admin.register(DailyRollup)
class DailyRollupAdmin(HistoryAdmin):
    list_display = (
        "day",
        "link",
        "network",
        "user",
        "campaign",
        "team",
        "unique_clicks",
        "shares_direct",
        "shares_dialog",
        "likes",
    )
    list_filter = ("network",)
    search_fields = ("link__code", "user__email")
    list_select_related = ("link", "user", "campaign", "team")
    raw_id_fields = ("link", "user", "post", "campaign", "team", "location")
    date_hierarchy = "day"


@admin.register(EarnedMediaRate)
class EarnedMediaRateAdmin(admin.ModelAdmin):
    """What a click (CPC) or a thousand views (CPM) would cost as advertising: the dashboards' estimate."""

    list_display = ("__str__", "network", "cost_per_click", "cost_per_mille", "currency", "updated_at")
    search_fields = ("network",)
