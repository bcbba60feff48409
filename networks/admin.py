from django.contrib import admin

from .models import ConnectedAccount, MastodonApp, Share
from .services.connections import account_flag_reconnect


@admin.register(ConnectedAccount)
class ConnectedAccountAdmin(admin.ModelAdmin):
    """Tokens are never shown or editable here: they are encrypted and only the network code reads them."""

    list_display = ("user", "network", "handle", "instance", "health", "token_expires_at", "refreshed_at")
    list_filter = ("network", "health")
    search_fields = ("user__email", "handle", "external_id", "instance")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = (
        "user",
        "network",
        "external_id",
        "instance",
        "service_url",
        "scopes",
        "health",
        "health_reason",
        "token_expires_at",
        "refreshable",
        "refreshed_at",
        "created_at",
    )
    exclude = ("access_token", "refresh_token")
    actions = ["ask_to_reconnect"]

    def has_add_permission(self, request) -> bool:
        return False  # accounts are connected by their owners, through the network's sign-in

    @admin.action(description="Ask the owners to reconnect (stops direct posting until they do)")
    def ask_to_reconnect(self, request, queryset):
        for account in queryset:
            account_flag_reconnect(account_id=account.pk, reason="An administrator asked you to reconnect.")


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ("user", "post", "network", "route", "status", "scheduled_for", "published_at", "attempts")
    list_filter = ("status", "network", "route")
    search_fields = ("user__email", "post__title", "external_id")
    list_select_related = ("user", "post")
    raw_id_fields = ("user", "post", "account", "short_link")
    # Shares change state only through the publishing services (claim, retry, reconcile).
    readonly_fields = [f.name for f in Share._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(MastodonApp)
class MastodonAppAdmin(admin.ModelAdmin):
    list_display = ("instance", "client_id", "created_at")
    search_fields = ("instance",)
    exclude = ("client_secret",)
    readonly_fields = ("instance", "client_id", "redirect_uri")
