from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self) -> None:
        from accounts.signals import personal_data_export

        from . import privacy

        personal_data_export.connect(privacy.export, dispatch_uid="campaigns.privacy.export")
