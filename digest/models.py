from django.conf import settings
from django.db import models


class DigestSend(models.Model):
    """One employee's digest for one local day: claimed before anything is sent, so at most one per day.

    At most once, by design: the row is inserted (UNIQUE employee + local date) or moved to CLAIMED by a
    conditional update before the message goes to the SMTP server, and only then sent. A worker that dies
    between "SMTP accepted" and "logged sent" leaves the row CLAIMED, and CLAIMED is never sent again: that
    person may miss one day's digest, but never gets two. Only RETRY rows (the server was unreachable or
    answered 4xx, so it holds nothing) are claimed again by a later run.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", "Claimed (sending, or the worker stopped: never re-sent)"
        SENT = "sent", "Sent"
        RETRY = "retry", "Will retry (server unreachable or busy)"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        NONE = "", "—"
        NOTHING_NEW = "nothing_new", "Nothing new or unshared to suggest"
        UNDELIVERABLE = "undeliverable", "Address refused permanently (5xx)"
        REJECTED = "rejected", "Message refused permanently (5xx)"
        GAVE_UP = "gave_up", "Server busy or unreachable all day"

    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_sends")
    local_date = models.DateField(help_text="The employee's own date when the digest was due.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CLAIMED)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True, default="")
    claim = models.CharField(max_length=32, blank=True, help_text="The run that holds the row.")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    post_ids = models.JSONField(default=list, blank=True, help_text="The posts suggested, in order.")
    rank = models.PositiveIntegerField(null=True, blank=True, help_text="Weekly rank shown in the digest.")

    class Meta:
        ordering = ["-local_date", "employee_id"]
        constraints = [models.UniqueConstraint(fields=["employee", "local_date"], name="one_digest_per_local_day")]
        indexes = [models.Index(fields=["local_date", "status"])]

    def __str__(self) -> str:
        return f"Digest of {self.employee} for {self.local_date}: {self.status}"


class UsedShareToken(models.Model):
    """A one-click share link that has been used: the signed token is single-use through this unique id."""

    token_id = models.CharField(max_length=32, unique=True)
    employee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post_id = models.BigIntegerField()
    network = models.CharField(max_length=16)
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.token_id} ({self.network}, post {self.post_id})"
