from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "networks"

    def ready(self) -> None:
        from campaigns.signals import post_image_stored

        from . import crypto

        post_image_stored.connect(_build_renditions, dispatch_uid="networks.post_renditions_build")

        from allauth.socialaccount.signals import social_account_added, social_account_updated

        from .receivers import store_allauth_tokens

        # The OAuth callback itself moves LinkedIn/X tokens into encrypted storage.
        social_account_added.connect(store_allauth_tokens, dispatch_uid="networks.store_allauth_tokens_added")
        social_account_updated.connect(store_allauth_tokens, dispatch_uid="networks.store_allauth_tokens_updated")

        # Fail at start, not at the first share: production without token keys is a configuration error.
        crypto.configured_keys()


def _build_renditions(sender, *, post, **kwargs) -> None:
    """The providers know the sizes: build the renditions campaigns stores."""
    from .services.sharing import post_renditions_build

    post_renditions_build(post=post)
