"""News networks sends to higher apps (connected in their AppConfig.ready(), never imported downwards)."""

from django.dispatch import Signal

# A direct share reached an outcome the employee sees: published on the network, or failed for good.
# Sent by `Share.objects.move` with `share_id` and `status` ("published" or "failed"), inside the
# transaction of the move itself: a receiver's rows commit with the new status or not at all. Sent robustly:
# a receiver that raises is logged and never undoes the move (receivers work in a savepoint of their own).
share_settled = Signal()
