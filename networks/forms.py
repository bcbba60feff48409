from django import forms

from campaigns.networks import Network

from .providers import Permanent, get_provider


class MastodonConnectForm(forms.Form):
    instance = forms.CharField(
        max_length=255, label="Your Mastodon instance", widget=forms.TextInput(attrs={"placeholder": "mastodon.social"})
    )

    def clean_instance(self) -> str:
        # Refused here, before anything is contacted: a host name only, and never one of our own addresses.
        try:
            return get_provider(Network.MASTODON).clean_instance(self.cleaned_data["instance"])
        except Permanent as exc:
            raise forms.ValidationError(exc.message) from None


class BlueskyConnectForm(forms.Form):
    handle = forms.CharField(
        max_length=253, label="Bluesky handle", widget=forms.TextInput(attrs={"placeholder": "alice.bsky.social"})
    )
    app_password = forms.CharField(
        max_length=100,
        label="App password",
        help_text="Create one under Settings → Privacy and security → App passwords. It is not stored.",
        widget=forms.PasswordInput(render_value=False),
    )


class ShareForm(forms.Form):
    ACTIONS = (("now", "Post now"), ("schedule", "Schedule"))

    action = forms.ChoiceField(
        choices=ACTIONS,
        error_messages={"invalid_choice": "Choose Post now or Schedule.", "required": "Choose Post now or Schedule."},
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False, max_length=10_000)
    scheduled_for = forms.DateTimeField(
        required=False, label="Post at", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    include_image = forms.BooleanField(required=False, initial=True, label="Attach the post's image")
    skip_personal_line = forms.BooleanField(required=False, label="Post it as suggested, without a line of my own")

    def clean(self):
        data = super().clean() or {}
        if data.get("action") == "schedule" and not data.get("scheduled_for"):
            self.add_error("scheduled_for", "Pick a date and time to schedule the post.")
        return data
