from django.conf import settings
from django.db import models


class WeeklySummarySend(models.Model):
    """One weekly summary email to one admin or content manager, for one week: the claim and its outcome.

    The row is inserted before the email is sent (the unique constraint lets exactly one worker win the
    claim), so a second beat, a retry or a restart never sends the same week twice.
    """

    class Status(models.TextChoices):
        SENDING = "sending", "Claimed, being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (not retried: the mail server may have taken it)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(help_text="Monday of the week summarised (organisation calendar).")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week_start"], name="one_weekly_summary_per_week")]

    def __str__(self) -> str:
        return f"weekly summary of {self.week_start} for {self.user_id}: {self.status}"
