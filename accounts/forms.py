from django import forms

from .models import EmployeeProfile, available_time_zones


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
