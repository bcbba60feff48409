import secrets

from django.conf import settings
from django.db import models

from campaigns.networks import Network

# No 0/O, 1/l/I: codes get read off slides and posters. 57**8 ≈ 1.1e14 codes, drawn at random,
# so they are neither sequential nor guessable from one another.
CODE_ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_MAX_LENGTH = 16


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class ShortLink(models.Model):
    """The tracked link one employee shares for one post on one network.

    The target (the post's URL with UTM tags) is fixed when the link is created, so a
    link in the wild keeps working whatever later happens to the post: it expires,
    it is archived, or it is deleted (then `post` becomes NULL and the link still redirects).
    """

    code = models.CharField(max_length=CODE_MAX_LENGTH, unique=True, default=new_code)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="short_links")
    post = models.ForeignKey(
        "campaigns.SuggestedPost", null=True, on_delete=models.SET_NULL, related_name="short_links"
    )
    network = models.CharField(max_length=16, choices=Network.choices)
    target_url = models.URLField(max_length=2500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)  # processes load the newest links by it

    # Set for display by dashboard.services.links_for_today (not stored).
    click_total: int
    unique_click_total: int

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post", "network"], name="one_link_per_employee_post_network")
        ]

    def __str__(self) -> str:
        return self.short_url

    @property
    def short_url(self) -> str:
        return f"{settings.SHORTLINK_BASE_URL}/s/{self.code}"
