"""Endpoints and the delivery log in the Django admin (Advocacy admins only); writes go through services."""

from django.contrib import admin, messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import EndpointForm
from .models import Delivery, DeliveryAttempt, Endpoint

SECRET_ONCE = "Signing secret for {url}: {secret} — copy it into the receiver now: it is not shown again."


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "event_list", "is_active", "owner", "failing_since", "disabled_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "description", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["secret_hint", "failing_since", "disabled_at", "disabled_reason", "rotate_secret"]

    def get_fields(self, request, obj=None):
        fields = ["url", "description", "events", "is_active", "owner"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk, **super().get_changeform_initial_data(request)}

    @admin.display(description="events")
    def event_list(self, obj: Endpoint) -> str:
        return ", ".join(obj.events or [])

    @admin.display(description="signing secret")
    def secret_hint(self, obj: Endpoint) -> str:
        return obj.secret_hint

    @admin.display(description="new secret")
    def rotate_secret(self, obj: Endpoint) -> str:
        url = reverse("admin:webhooks_endpoint_rotate", args=[obj.pk])
        return format_html(
            '<button type="submit" formaction="{}" class="button">Generate a new secret</button> '
            "The old one stops working at once (other changes on this page are not saved).",
            url,
        )

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in EndpointForm.Meta.fields}
        if change:
            services.endpoint_update(endpoint=obj, fields=data)
            return
        created = services.endpoint_create(
            url=data["url"], events=data["events"], owner=data["owner"], description=data["description"]
        )
        if not data["is_active"]:
            services.endpoint_update(endpoint=created, fields={"is_active": False})
        obj.pk = created.pk
        obj.refresh_from_db()
        messages.warning(request, SECRET_ONCE.format(url=created.url, secret=created.secret))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/rotate-secret/",
                self.admin_site.admin_view(self.rotate_view),
                name="webhooks_endpoint_rotate",
            ),
            *super().get_urls(),
        ]

    def rotate_view(self, request: HttpRequest, object_id: str):
        return require_POST(self._rotate)(request, object_id)

    def _rotate(self, request: HttpRequest, object_id: str):
        if not object_id.isdigit():
            raise Http404
        endpoint = get_object_or_404(Endpoint, pk=int(object_id))
        if not self.has_change_permission(request, endpoint):
            messages.error(request, "You may not change webhook endpoints.")
        else:
            with transaction.atomic():
                secret = services.endpoint_secret_rotate(endpoint=endpoint)
            messages.warning(request, SECRET_ONCE.format(url=endpoint.url, secret=secret))
        return HttpResponseRedirect(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "error", "duration_ms", "delivered"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "status", "attempts", "last_status_code", "last_attempt_at", "message_id"]
    list_filter = ["status", "event__type", "endpoint"]
    search_fields = ["event__message_id", "endpoint__url"]
    list_select_related = ["endpoint", "event"]
    raw_id_fields = ["endpoint", "event"]
    actions = ["resend"]
    inlines = [DeliveryAttemptInline]
    fields = [
        "event_type",
        "message_id",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "last_attempt_at",
        "delivered_at",
        "created_at",
        "body",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.deliveries_for_admin()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="event", ordering="event__type")
    def event_type(self, obj: Delivery) -> str:
        return obj.event.type

    @admin.display(description="webhook-id", ordering="event__message_id")
    def message_id(self, obj: Delivery) -> str:
        return obj.event.message_id

    @admin.display(description="body")
    def body(self, obj: Delivery) -> str:
        return obj.event.body

    @admin.action(description="Resend (same webhook-id)", permissions=["resend"])
    def resend(self, request: HttpRequest, queryset) -> None:
        count = services.delivery_resend(delivery_ids=list(queryset.values_list("pk", flat=True)))
        if count:
            messages.success(request, f"{count} deliver{'y' if count == 1 else 'ies'} queued to be sent again.")
        else:
            messages.info(request, "Nothing to resend: the selected deliveries are being sent right now.")
        inactive = queryset.filter(endpoint__is_active=False).values_list("endpoint__url", flat=True).distinct()
        for url in inactive:
            messages.warning(request, f"{url} is switched off: its deliveries go out when it is switched on again.")

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.view_delivery") and request.user.has_perm("webhooks.change_endpoint")
