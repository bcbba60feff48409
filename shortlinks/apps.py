from django.apps import AppConfig


class ShortlinksConfig(AppConfig):
    name = "shortlinks"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the click buffer's start-up check)
