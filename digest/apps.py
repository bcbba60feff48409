from django.apps import AppConfig


class DigestConfig(AppConfig):
    """The daily suggested-posts email: composed from campaigns, networks, shortlinks, analytics, leaderboard."""

    name = "digest"
