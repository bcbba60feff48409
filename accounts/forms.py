from django import forms

from .models import DIGEST_MINUTES, WEEKDAYS, EmployeeProfile, available_time_zones


class ProfileSettingsForm(forms.ModelForm):
    """What employees may change about themselves (team and location are set by admins)."""

    time_zone = forms.ChoiceField(choices=(), help_text="Your daily digest arrives at this zone's hour.")
    digest_hour = forms.TypedChoiceField(
        coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)], label="Digest time"
    )

    class Meta:
        model = EmployeeProfile
        fields = [
            "language",
            "time_zone",
            "digest_opt_in",
            "digest_hour",
            "approval_emails_opt_in",
            "leaderboard_opt_out",
            "stories_consent",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(tz, tz.replace("_", " ")) for tz in sorted(available_time_zones())]


class EraseConfirmForm(forms.Form):
    """Erasure is for good: the employee confirms with their password."""

    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    confirm = forms.BooleanField(label="I understand that this cannot be undone.")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.", code="password")
        return password


class DigestPreferencesForm(forms.ModelForm):
    """The daily digest's preferences: on/off, time of day, days, networks, time zone.

    The networks to choose from are passed in by the caller (`network_choices`): accounts sits
    below the apps that know the networks.
    """

    digest_opt_in = forms.BooleanField(label="Send me the daily digest", required=False)
    digest_hour = forms.TypedChoiceField(coerce=int, choices=[(h, f"{h:02d}") for h in range(24)], label="Hour")
    digest_minute = forms.TypedChoiceField(
        coerce=int, choices=[(m, f"{m:02d}") for m in DIGEST_MINUTES], label="Minute"
    )
    digest_days = forms.TypedMultipleChoiceField(
        coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, label="Days", required=False
    )
    digest_networks = forms.MultipleChoiceField(
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Networks to suggest for",
        help_text="None ticked: your connected accounts and the usual networks.",
    )
    time_zone = forms.ChoiceField(choices=(), help_text="The digest arrives at this zone's time.")

    class Meta:
        model = EmployeeProfile
        fields = ["digest_opt_in", "digest_hour", "digest_minute", "digest_days", "digest_networks", "time_zone"]

    def __init__(self, *args, network_choices: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(tz, tz.replace("_", " ")) for tz in sorted(available_time_zones())]
        self.fields["digest_networks"].choices = list(network_choices)

    def clean(self):
        data = super().clean()
        if data.get("digest_opt_in") and "digest_days" in data and not data["digest_days"]:
            self.add_error("digest_days", "Pick at least one day, or turn the digest off.")
        return data
