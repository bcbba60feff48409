"""Receivers of the lower apps' signals: each only hands over to a service."""

from .services.rebuild import leaderboard_membership_changed


def on_board_membership_changed(sender, *, changed_fields: set[str], **kwargs) -> None:
    """Someone moved between boards (accounts): rebuild the Redis boards after commit."""
    leaderboard_membership_changed()
