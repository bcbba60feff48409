from django.contrib import admin

from .models import ShortLink


@admin.register(ShortLink)
class ShortLinkAdmin(admin.ModelAdmin):
    """Links are created by the service on first need; here they can be looked up, not edited."""

    list_display = ("code", "user", "post", "network", "created_at")
    list_filter = ("network",)
    search_fields = ("code", "user__email", "post__title", "target_url")
    list_select_related = ("user", "post")
    raw_id_fields = ("user", "post")
    readonly_fields = ("code", "user", "post", "network", "target_url", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
