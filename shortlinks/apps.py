from django.apps import AppConfig


class ShortlinksConfig(AppConfig):
    name = "shortlinks"

    def ready(self) -> None:
        from accounts.signals import personal_data_export

        from . import (
            checks,  # noqa: F401 (registers the click buffer's start-up check)
            privacy,
        )

        personal_data_export.connect(privacy.export, dispatch_uid="shortlinks.privacy.export")
