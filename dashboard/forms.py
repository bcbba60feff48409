"""The dashboards' filters: a period (this week, this month, the last 30 days, or any range), team, location,
network. Bad input (dates reversed, unknown team, a range of decades) is a form error, never a 500."""

import datetime as dt

from django import forms

from accounts.models import Location, Team
from analytics.dashboards import MAX_RANGE_DAYS, Scope
from campaigns.networks import Network

PERIODS = (("week", "This week"), ("month", "This month"), ("30d", "Last 30 days"), ("custom", "Dates below"))


class PeriodForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To")

    default_period = "week"

    def __init__(self, data=None, *, today: dt.date, default_period: str | None = None, **kwargs):
        self.default_period = default_period or self.default_period
        if data is not None and not any(data.get(name) for name in ("period", "start", "end")):
            data = data.copy()
            data["period"] = self.default_period  # the menu shows the period the figures are for
        super().__init__(data, **kwargs)
        self.today = today

    def clean(self) -> dict:
        data = super().clean() or {}
        period = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if (start or end) and period in ("", "custom"):
            period = "custom"
        period = period or self.default_period
        if period == "week":
            start, end = self.today - dt.timedelta(days=self.today.weekday()), self.today
        elif period == "month":
            start, end = self.today.replace(day=1), self.today
        elif period == "30d":
            start, end = self.today - dt.timedelta(days=29), self.today
        else:
            if not start or not end:
                raise forms.ValidationError("Choose both dates of the range, or one of the periods.")
            if end < start:
                raise forms.ValidationError(
                    f"The range ends ({end:%d %b %Y}) before it starts ({start:%d %b %Y}): swap the dates."
                )
            if (end - start).days + 1 > MAX_RANGE_DAYS:
                raise forms.ValidationError(f"Choose a range of at most {MAX_RANGE_DAYS} days.")
        data["period"], data["start"], data["end"] = period, start, end
        return data

    def scope(self, **filters) -> Scope:
        data = self.cleaned_data
        return Scope(start=data["start"], end=data["end"], **filters)


class ProgrammeForm(PeriodForm):
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False, empty_label="All teams")
    location = forms.ModelChoiceField(
        queryset=Location.objects.order_by("name"), required=False, empty_label="All locations"
    )
    network = forms.ChoiceField(choices=[("", "All networks"), *Network.choices], required=False)

    default_period = "30d"

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "team_id": data["team"].pk if data.get("team") else None,
            "location_id": data["location"].pk if data.get("location") else None,
            "network": data.get("network") or None,
        }


class TodayFilterForm(forms.Form):
    """Today's filters, kept in the URL (a GET form). A value that matches nothing offered (a campaign no
    longer running, a network we do not know) is a form error shown on the page; the other filters apply."""

    campaign = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "No current campaign of yours matches “%(value)s”: showing every campaign."},
    )
    network = forms.ChoiceField(
        required=False,
        error_messages={"invalid_choice": "“%(value)s” is not a network you can share to here: showing every network."},
    )
    not_shared = forms.BooleanField(required=False, label="Not yet shared by me")
    featured = forms.BooleanField(required=False, label="Featured only")

    def __init__(self, data=None, *, campaigns: list[tuple[int, str]], networks: list[tuple[str, str]], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["campaign"].choices = [("", "All campaigns"), *campaigns]
        self.fields["network"].choices = [("", "All networks"), *networks]

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list (the page then offers to clear them)."""
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in self.fields)
