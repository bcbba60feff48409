from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_roles_after_migrate

        # Permissions only exist after every app migrated, so roles are synced then.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
