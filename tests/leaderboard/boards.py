"""Seeding ledger entries straight through the awarding service, for board tests."""

import datetime as dt
import itertools

from leaderboard.models import Action
from leaderboard.services import ledger

_sources = itertools.count(1)


def award(user, points: int, at: dt.datetime) -> None:
    ledger.entry_create(
        user_id=user.id,
        action=Action.SHARE,
        points=points,
        source_type="test",
        source_id=next(_sources),
        occurred_at=at,
        reason="test award",
    )
