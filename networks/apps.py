from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "networks"

    def ready(self) -> None:
        from accounts.signals import personal_data_erase, personal_data_export
        from campaigns.signals import post_image_stored

        from . import crypto, privacy

        post_image_stored.connect(_build_renditions, dispatch_uid="networks.post_renditions_build")
        personal_data_export.connect(privacy.export, dispatch_uid="networks.privacy.export")
        personal_data_erase.connect(privacy.erase, dispatch_uid="networks.privacy.erase")

        from allauth.socialaccount.signals import social_account_added, social_account_updated

        from .receivers import store_allauth_tokens

        # The OAuth callback itself moves LinkedIn/X tokens into encrypted storage.
        social_account_added.connect(store_allauth_tokens, dispatch_uid="networks.store_allauth_tokens_added")
        social_account_updated.connect(store_allauth_tokens, dispatch_uid="networks.store_allauth_tokens_updated")

        # Fail at start, not at the first share: production without token keys is a configuration error.
        crypto.configured_keys()


def _build_renditions(sender, *, post, now: bool = False, **kwargs) -> None:
    """The providers know the sizes: build the renditions campaigns stores, in a worker after commit."""
    if now:
        from .services.sharing import post_renditions_build

        post_renditions_build(post=post)
        return
    from django.db import transaction

    from .tasks import post_renditions_build_task

    post_id = post.pk
    transaction.on_commit(lambda: post_renditions_build_task.delay(post_id))
