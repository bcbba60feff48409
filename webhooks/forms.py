from django import forms

from infra.outbound_http import OutboundFailed, OutboundRefused, check_url

from .models import Endpoint, EventType

UNREACHABLE_HOST = "This host name could not be found. Check the address: the endpoint must be reachable now."


class EndpointForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event for this endpoint to receive."},
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events", "is_active", "owner"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            return check_url(url)
        except OutboundRefused as exc:
            raise forms.ValidationError(exc.message, code="refused") from exc
        except OutboundFailed as exc:
            raise forms.ValidationError(UNREACHABLE_HOST, code="unresolved") from exc
