"""Signals accounts sends for the apps above it (they connect in their `AppConfig.ready()`).

accounts sits at the bottom of the app layers and never imports a higher app: news travels up by signal.
"""

from django.dispatch import Signal

# Sent after a change that moves someone between leaderboards (team, opt-out, exclusion, a person
# deleted), with `changed_fields`: the profile fields that changed. Sent inside the caller's
# transaction; receivers defer their work with `transaction.on_commit` if it must see the change.
board_membership_changed = Signal()
