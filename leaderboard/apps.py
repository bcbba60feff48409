from django.apps import AppConfig


class LeaderboardConfig(AppConfig):
    name = "leaderboard"

    def ready(self) -> None:
        from accounts.signals import personal_data_export

        from . import privacy

        personal_data_export.connect(privacy.export, dispatch_uid="leaderboard.privacy.export")

        from accounts.signals import board_membership_changed

        from .receivers import on_board_membership_changed

        board_membership_changed.connect(on_board_membership_changed, dispatch_uid="leaderboard.board_membership")
