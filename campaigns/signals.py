"""News campaigns sends to higher apps (connected in their AppConfig.ready(), never imported downwards)."""

from django.dispatch import Signal

# A post's image was stored, replaced or removed: the apps that know the networks build its
# renditions (networks: one per provider size). Sent with `post` (a SuggestedPost) and `now` (bool),
# inside the caller's transaction: receivers defer the work to a worker after commit unless `now`.
post_image_stored = Signal()

# A post was published to employees (by a content manager, or on schedule). Sent once per post with `post_id`,
# inside the transaction that records the step: a receiver's rows commit with it or not at all. Sent robustly:
# a receiver that raises is logged and never undoes the step (receivers work in a savepoint of their own).
post_published = Signal()
