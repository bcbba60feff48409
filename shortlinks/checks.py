"""Start-up checks for the click buffer.

Tagged `database`, like Django's own checks that need a live connection: they run with `migrate`
(which the compose file runs at every start of the web service) and with
`manage.py check --database default`, not with every management command.
"""

from django.core import checks
from django.core.checks import Tags, register

from .selectors import click_buffer_status

NO_PERSISTENCE = "shortlinks.W001"


@register(Tags.database)
def click_buffer_persists(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Warn (never fail) when the click buffer's Redis keeps no append-only file: a restart loses its clicks."""
    if not databases:
        return []
    status = click_buffer_status()
    if not status.configured or status.persistence is not False:
        return []  # no buffer, Redis not answering (the redirect copes) or CONFIG/INFO refused ("unknown")
    return [
        checks.Warning(
            "The click buffer's Redis has no persistence (appendonly no): clicks not yet drained are lost "
            "when it restarts.",
            hint="Run it with `appendonly yes` and `appendfsync everysec` (at most about a second of clicks "
            "at risk); see docs/operations.md.",
            id=NO_PERSISTENCE,
        )
    ]
