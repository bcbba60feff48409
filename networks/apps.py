from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "networks"

    def ready(self) -> None:
        from . import crypto

        # Fail at start, not at the first share: production without token keys is a configuration error.
        crypto.configured_keys()
