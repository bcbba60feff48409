from django import forms

from .models import ApiToken


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. “intranet widget”.")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read tokens only read. A token can never do more than your role allows.",
    )
