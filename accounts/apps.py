from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_roles_after_migrate

        # Each app's permissions appear after its own migrations, so roles are re-synced
        # (idempotently) after every app's post_migrate.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="accounts.sync_roles")
        # Once per migrate (accounts is migrated after sites, whose own receiver makes example.com).
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="accounts.after_migrate")


def _after_migrate(sender, *, using: str = "default", **kwargs) -> None:
    from .services import after_migrate

    after_migrate(using=using)
