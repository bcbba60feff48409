"""Admin widgets: date and time inputs that say what they are and in which time zone."""

from django.conf import settings
from django.contrib.admin.widgets import AdminSplitDateTime


def organisation_time_zone() -> str:
    return settings.ORGANISATION_TIME_ZONE


class ZonedSplitDateTime(AdminSplitDateTime):
    """Django's split date/time input with a real <label> on each part and the organisation's zone beside it.

    The campaign and post admins render and read these in settings.ORGANISATION_TIME_ZONE
    (campaigns.admin.OrganisationTimeMixin), so the zone shown is the zone meant.
    """

    # In the app, not templates/: the default form renderer looks in app directories only.
    template_name = "campaigns/widgets/zoned_split_datetime.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["time_zone"] = organisation_time_zone()
        return context
