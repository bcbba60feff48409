from django.apps import AppConfig


class ShortlinksConfig(AppConfig):
    name = "shortlinks"

    def ready(self) -> None:
        from accounts.signals import personal_data_export

        from . import privacy

        personal_data_export.connect(privacy.export, dispatch_uid="shortlinks.privacy.export")
