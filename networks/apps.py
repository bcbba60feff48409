from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "networks"

    def ready(self) -> None:
        from campaigns.signals import post_image_stored

        from . import crypto

        post_image_stored.connect(_build_renditions, dispatch_uid="networks.post_renditions_build")

        # Fail at start, not at the first share: production without token keys is a configuration error.
        crypto.configured_keys()


def _build_renditions(sender, *, post, **kwargs) -> None:
    """The providers know the sizes: build the renditions campaigns stores."""
    from .services.sharing import post_renditions_build

    post_renditions_build(post=post)
