from django import forms

from .models import ChatChannel


class ChatChannelForm(forms.ModelForm):
    """The webhook URL is write-only: left empty on change, the stored one is kept."""

    webhook_url = forms.URLField(
        label="Webhook URL",
        max_length=2000,
        required=False,
        assume_scheme="https",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Slack: Apps → Incoming Webhooks. Teams: Workflows → “Post to a channel when a webhook request "
        "is received”. Stored encrypted and never shown again; leave empty to keep the current one.",
    )

    class Meta:
        model = ChatChannel
        fields = ["name", "kind", "webhook_url", "team", "featured_posts", "programme_news", "is_active"]

    def clean_webhook_url(self):
        url = self.cleaned_data.get("webhook_url") or ""
        if not url and self.instance.pk:
            return self.instance.webhook_url
        if not url:
            raise forms.ValidationError("Paste the channel's incoming webhook URL.")
        return url
