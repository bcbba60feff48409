from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Slack and Microsoft Teams channels told about new featured posts and programme news."""

    name = "chat"
    verbose_name = "Chat notifications"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
