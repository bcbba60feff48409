"""News from the programme for the apps above it (chat notifications connect here).

- `challenge_finished(challenge_id)`: a challenge ended and its results are frozen (sent after commit).
- `spotlight_published(spotlight_id)`: this week's spotlight is out (sent after commit).
"""

from django.dispatch import Signal

challenge_finished = Signal()
spotlight_published = Signal()
