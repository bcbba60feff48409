from django.db import models


class Click(models.Model):
    """A counted click on a short link (bots, previews, HEAD and prefetches are not here).

    (Skeleton: the short-link issue completes it.)
    """

    link = models.ForeignKey("shortlinks.ShortLink", on_delete=models.CASCADE, related_name="clicks")
    event_id = models.CharField(max_length=64, unique=True, help_text="Idempotency key from the click buffer.")
    clicked_at = models.DateTimeField(db_index=True)
    is_unique = models.BooleanField(help_text="First visit of this visitor to this link this day.")
    is_self_click = models.BooleanField(default=False)
    referrer_host = models.CharField(max_length=255, blank=True)
    device_class = models.CharField(max_length=16, blank=True)
    browser_family = models.CharField(max_length=64, blank=True)
    os_family = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["link", "clicked_at"])]
