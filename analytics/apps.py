from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        from accounts.signals import personal_data_export

        from . import privacy

        personal_data_export.connect(privacy.export, dispatch_uid="analytics.privacy.export")

        from shortlinks.signals import click_unbuffered

        from .receivers import click_unbuffered_store

        click_unbuffered.connect(click_unbuffered_store, dispatch_uid="analytics.click_unbuffered_store")
