import secrets

from django.conf import settings
from django.db import models

from campaigns.networks import Network

CODE_ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class ShortLink(models.Model):
    """The tracked link one employee shares for one post on one network."""

    code = models.CharField(max_length=16, unique=True, default=new_code)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="short_links")
    post = models.ForeignKey("campaigns.SuggestedPost", on_delete=models.CASCADE, related_name="short_links")
    network = models.CharField(max_length=16, choices=Network.choices)
    target_url = models.URLField(max_length=2500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post", "network"], name="one_link_per_employee_post_network")
        ]

    def __str__(self) -> str:
        return self.short_url

    @property
    def short_url(self) -> str:
        return f"{settings.SHORTLINK_BASE_URL}/s/{self.code}"
