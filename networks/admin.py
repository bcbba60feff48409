from django.contrib import admin

from .models import ConnectedAccount, MastodonApp, Share


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(admin.ModelAdmin):
    """Tokens are never shown or editable here: they are encrypted and only the network code reads them."""

    list_display = ("user", "network", "handle", "instance", "health", "token_expires_at", "refreshed_at")
    list_filter = ("network", "health")
    search_fields = ("user__email", "handle", "external_id", "instance")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("external_id", "service_url", "scopes", "token_expires_at", "refreshed_at", "created_at")
    exclude = ("access_token", "refresh_token")


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ("user", "post", "network", "route", "status", "scheduled_for", "published_at", "attempts")
    list_filter = ("status", "network", "route")
    search_fields = ("user__email", "post__title", "external_id")
    list_select_related = ("user", "post")
    raw_id_fields = ("user", "post", "account", "short_link")
    readonly_fields = (
        "external_id",
        "external_url",
        "idempotency_key",
        "attempts",
        "published_at",
        "created_at",
        "updated_at",
    )


@admin.register(MastodonApp)
class MastodonAppAdmin(admin.ModelAdmin):
    list_display = ("instance", "client_id", "created_at")
    search_fields = ("instance",)
    exclude = ("client_secret",)
    readonly_fields = ("instance", "client_id", "redirect_uri")
