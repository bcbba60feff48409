from django import forms
from django.conf import settings
from django.forms.models import BaseInlineFormSet

from infra.outbound_http import OutboundRefused, check_url

from . import selectors
from .images import check_image_header, check_image_size, sanitised_image
from .models import Campaign, PostVariant, PostVersion, PostVersionVariant, SuggestedPost, validate_http_url


class CampaignAdminForm(forms.ModelForm):
    audience_languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to reach every language.",
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "narrative",
            "owner",
            "goal_metric",
            "goal_target",
            "starts_at",
            "ends_at",
            "audience_teams",
            "audience_locations",
            "audience_languages",
            "hashtags",
            "utm_campaign",
        ]


class PostImageFormField(forms.ImageField):
    """An image field that refuses by size, then by header (format, pixels), before Pillow verifies the file.

    Django's own ImageField opens and verifies the whole file first; a cut-off upload
    (campaigns.uploads.TooLargeUpload) or a pixel bomb is answered here with its own message instead.
    """

    def to_python(self, data):
        if data in self.empty_values or not hasattr(data, "size"):
            return super().to_python(data)
        check_image_size(data.size)
        data.seek(0)
        check_image_header(data.read(settings.POST_IMAGE_MAX_BYTES + 1))
        data.seek(0)
        return super().to_python(data)


def validate_public_url(value: str) -> None:
    """Refuse a target URL on our own network (127.0.0.1, 169.254.169.254, [::1], 10.x, 2130706433…).

    The server fetches the target page for link cards (infra.outbound_http), so an internal
    address must never be stored. Checked without DNS; http pages stay allowed as targets
    (people open them; the card fetch itself is https-only outside development).
    """
    url = value.strip()
    if url[:7].lower() == "http://":
        url = "https://" + url[7:]
    try:
        check_url(url, resolve=False)
    except OutboundRefused:
        raise forms.ValidationError(
            "This address points to a private or local network; enter a public web address.", code="address"
        ) from None


class SuggestedPostAdminForm(forms.ModelForm):
    # A plain text field, so a javascript: or ftp: address gets our scheme message, not a generic one.
    target_url = forms.CharField(
        label="Target URL",
        max_length=2000,
        validators=[validate_http_url, validate_public_url],
        widget=forms.URLInput(attrs={"size": 80}),
        help_text="The page the post points to (http or https).",
    )

    image = PostImageFormField(
        required=False,
        help_text=f"JPEG, PNG, WebP or GIF; at most {settings.POST_IMAGE_MAX_BYTES // 1_000_000} MB and "
        f"{settings.POST_IMAGE_MAX_PIXELS // 1_000_000} megapixels. Sized for each network after saving.",
    )

    # A signed token for an image chosen on an earlier try of this form that failed (services.post_image_keep).
    kept_image = forms.CharField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = SuggestedPost
        fields = [
            "campaign",
            "title",
            "target_url",
            "image",
            "image_alt",
            "publish_at",
            "expires_at",
            "disclaimer",
            "employees_may_edit",
            "is_featured",
            "topics",
        ]

    kept_image_token = ""
    kept_image_name = ""

    def clean_image(self):
        image = self.cleaned_data.get("image")
        # A new upload is stored re-encoded, without EXIF (location, camera) metadata.
        if image and hasattr(image, "content_type"):
            return sanitised_image(image, name=image.name)
        if image is not False:  # not "clear": an image kept from a failed try takes the place of a new upload
            token = self.data.get("kept_image", "")
            kept = selectors.kept_image_load(token=token)
            if kept is not None:
                self.kept_image_token, self.kept_image_name = token, kept[1]
                return kept[0]
        return image


class PostVariantFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Django sets only post_id (None on a new post), so PostVariant.clean() would check the copy without
        # the disclaimer typed on this same page. Give each variant the post as the form has it.
        form.instance.post = self.instance
        return form


class PostVariantForm(forms.ModelForm):
    class Meta:
        model = PostVariant
        fields = ["network", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # static/js/variant-counter.js counts these, with the rule table the change form renders (json_script).
        self.fields["text"].widget.attrs.update({"data-variant-counter": "1"})


class RejectPostsForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=5,
        max_length=2000,
        help_text="Tell the author what to change.",
    )


class PostVersionForm(forms.ModelForm):
    class Meta:
        model = PostVersion
        fields = ["note", "disclaimer"]


class PostVersionVariantFormSet(BaseInlineFormSet):
    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.version = self.instance  # checked with the disclaimer typed on this page (see above)
        return form


class PostVersionVariantForm(forms.ModelForm):
    class Meta:
        model = PostVersionVariant
        fields = ["network", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "cols": 60})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].widget.attrs.update({"data-variant-counter": "1"})
