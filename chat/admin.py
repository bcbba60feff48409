from django.contrib import admin, messages
from django.utils import timezone

from . import selectors, services
from .forms import ChatChannelForm
from .models import ChatChannel, ChatMessage, MessageStatus


@admin.register(ChatChannel)
class ChatChannelAdmin(admin.ModelAdmin):
    form = ChatChannelForm
    list_display = ["name", "kind", "team", "is_active", "waiting", "last_sent_at", "last_error"]
    list_filter = ["kind", "is_active"]
    actions = ["send_test_message"]
    readonly_fields = ["last_sent_at", "last_error"]

    def get_queryset(self, request):
        return selectors.channels_with_counts()

    @admin.display(description="news waiting", ordering="waiting")
    def waiting(self, obj):
        return obj.waiting

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Send a test message")
    def send_test_message(self, request, queryset):
        for channel in queryset:
            message = services.channel_test(channel=channel, by_name=request.user.get_full_name() or request.user.email)
            level = messages.SUCCESS if message.status == MessageStatus.SENT else messages.ERROR
            self.message_user(request, f"{channel}: {message.get_status_display()} {message.error}".strip(), level)


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "status", "attempts", "response_status", "sent_at", "error"]
    list_filter = ["status", "channel"]
    readonly_fields = [f.name for f in ChatMessage._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send again (failed or unknown messages; an unknown one may then appear twice)")
    def resend(self, request, queryset):
        sent = skipped = 0
        for message in queryset.select_related("channel"):
            if message.status not in (MessageStatus.FAILED, MessageStatus.UNKNOWN):
                skipped += 1
                continue
            services.message_resend(message=message, now=timezone.now())
            sent += message.status == MessageStatus.SENT
        self.message_user(
            request, f"{sent} sent again; {skipped} skipped (only failed or unknown messages are resent)."
        )
