from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The pages people look at (Today, and soon their impact): composed from every domain app."""

    name = "dashboard"
