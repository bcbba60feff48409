from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "programme"
    verbose_name = "Programme: challenges, surveys, guidelines and stories"

    def ready(self) -> None:
        from accounts.signals import personal_data_erase, personal_data_export

        from . import privacy

        personal_data_export.connect(privacy.export, dispatch_uid="programme.privacy.export")
        personal_data_erase.connect(privacy.erase, dispatch_uid="programme.privacy.erase")
