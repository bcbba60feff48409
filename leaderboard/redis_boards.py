"""Leaderboards as Redis sorted sets: key names and the connection.

Scores are stored negated and members are zero-padded user ids, so one ascending
ZRANGE gives points high to low with ties in user-id order, exactly like the SQL
`ORDER BY points DESC, user_id`.

Per period instance (e.g. week starting 2026-11-23) and scope ("all" or "team:<id>"):
- `…:<scope>:pub`    employees shown on public boards;
- `…:<scope>:hidden` employees who opted out (they still see their own rank);
- `…:all:excluded`   employees an admin left out (only so they can see their own points);
- `…:teams`          team totals (members not excluded), for team-against-team.
An employee's points in a period are their score in exactly one of the three `all` sets.
"""

import datetime as dt

import redis
from django.conf import settings

from infra.redis import redis_client

PREFIX = "adv:lb"
# Boards of past weeks/months/quarters are only needed while they can still change a little.
PAST_PERIOD_TTL = 400 * 24 * 3600


def enabled() -> bool:
    return settings.LEADERBOARD_BACKEND == "redis"


def client() -> redis.Redis:
    return redis_client(settings.LEADERBOARD_REDIS_URL)


def member(user_id: int) -> str:
    return f"{user_id:012d}"


def user_id_of(value: bytes | str) -> int:
    return int(value)


def period_key(period: str, start: dt.date) -> str:
    return f"{PREFIX}:{period}:{start.isoformat()}"


def scope_name(team_id: int | None) -> str:
    return "all" if team_id is None else f"team:{team_id}"


PUBLIC, HIDDEN, EXCLUDED = "pub", "hidden", "excluded"


def board_key(period: str, start: dt.date, *, team_id: int | None = None, kind: str = PUBLIC) -> str:
    return f"{period_key(period, start)}:{scope_name(team_id)}:{kind}"


def kind_of(*, excluded: bool, opted_out: bool) -> str:
    return EXCLUDED if excluded else (HIDDEN if opted_out else PUBLIC)


def teams_key(period: str, start: dt.date) -> str:
    return f"{period_key(period, start)}:teams"
