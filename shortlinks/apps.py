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

        from django.db.models.signals import post_save

        from .models import ShortLink
        from .services import link_saved

        post_save.connect(link_saved, sender=ShortLink, dispatch_uid="shortlinks.services.link_saved")
