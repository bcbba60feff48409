from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation (`manage.py seed_demo`): a composition app on top of every domain app."""

    name = "demo"
