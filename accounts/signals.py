"""Signals accounts sends for the apps above it (they connect in their `AppConfig.ready()`).

accounts sits at the bottom of the app layers and never imports a higher app: news travels up by signal.
"""

from django.dispatch import Signal

# Sent after a change that moves someone between leaderboards (team, opt-out, exclusion, a person
# deleted), with `changed_fields`: the profile fields that changed. Sent inside the caller's
# transaction; receivers defer their work with `transaction.on_commit` if it must see the change.
board_membership_changed = Signal()

# Personal data, for an employee's data export and erasure (accounts.selectors.user_data_export,
# accounts.services.user_erase). Every app that stores rows about a person connects both in its
# `AppConfig.ready()` (a `<app>/privacy.py` of its own), so accounts never needs to know the others.
#
# Sent with `user`. Each receiver returns a dict of JSON-ready sections, e.g. {"shares": [...]}.
personal_data_export = Signal()
# Sent with `user` inside the erasure's transaction. Each receiver anonymises or deletes its own app's
# rows about the person, idempotently (erasing twice is harmless). Calls to outside services (token
# revocation) go in `transaction.on_commit`, best effort: they never undo the erasure.
personal_data_erase = Signal()

# Someone joined the programme: a person was created with a profile and a role (an invitation, the admin, the
# demo seed). Sent with `user_id` inside the creating transaction: a receiver's rows commit with the person.
# Sent robustly: a receiver that raises is logged and never undoes the creation (receivers use a savepoint).
employee_joined = Signal()
