from django import forms

from campaigns.models import Campaign

from .models import REASON_MIN, TEXT_MAX


class SuggestionForm(forms.Form):
    """Only shapes the input; the service checks the rules (link or words, image, duplicates)."""

    url = forms.CharField(
        label="Link (optional)",
        max_length=2000,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text="An article, a job, an event page… something worth sharing.",
    )
    text = forms.CharField(
        label="Your words (optional)",
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What you would say about it. A content manager may edit it before colleagues see it.",
    )
    image = forms.FileField(
        label="Image (optional)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}),
    )
    image_alt = forms.CharField(label="Image description", max_length=1000, required=False)


class AmplifyForm(forms.Form):
    url = forms.CharField(
        label="Address of your post",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text="A post you wrote on LinkedIn, X, Mastodon or Bluesky: open it and copy its address.",
    )
    note = forms.CharField(label="A word for colleagues (optional)", max_length=280, required=False)


class ApproveSuggestionForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.filter(archived_at__isnull=True))
    title = forms.CharField(max_length=200)
    target_url = forms.CharField(label="Target URL", max_length=2000, required=False)
    text = forms.CharField(label="Copy (all networks)", widget=forms.Textarea(attrs={"rows": 4}), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(min_length=REASON_MIN, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
