"""Personal API tokens: a person's own credential for scripts, scoped to reading or to reading and writing.

Only a SHA-256 hash of the secret is stored; the full token (`adv_<prefix>_<secret>`) is shown once, when it is
made. The prefix finds the row; the hash proves the secret. A token never carries permissions of its own: every
request it makes is checked against its owner's role at that moment (and a read token never writes).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. “intranet widget”.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], condition=Q(revoked_at__isnull=True), name="api_token_name_unique_per_user"
            ),
            models.CheckConstraint(condition=Q(scope__in=["read", "write"]), name="api_token_scope_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE
