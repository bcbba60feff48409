"""Leaderboards as Redis sorted sets: key names and the connection.

Scores are stored negated and members are zero-padded user ids, so one ascending
ZRANGE gives points high to low with ties in user-id order, exactly like the SQL
`ORDER BY points DESC, user_id`.

Per period instance (e.g. week starting 2026-11-23) and scope ("all" or "team:<id>"):
- `…:<scope>:pub`    employees shown on public boards;
- `…:<scope>:hidden` employees who opted out (they still see their own rank);
- `…:teams`          team totals (members not excluded), for team-against-team.
Excluded employees are in none of them.
"""

import datetime as dt
from functools import lru_cache

import redis
from django.conf import settings

PREFIX = "adv:lb"
# Boards of past weeks/months/quarters are only needed while they can still change a little.
PAST_PERIOD_TTL = 400 * 24 * 3600


def enabled() -> bool:
    return settings.LEADERBOARD_BACKEND == "redis"


@lru_cache(maxsize=4)
def _client_for(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def client() -> redis.Redis:
    return _client_for(settings.LEADERBOARD_REDIS_URL)


def member(user_id: int) -> str:
    return f"{user_id:012d}"


def user_id_of(value: bytes | str) -> int:
    return int(value)


def period_key(period: str, start: dt.date) -> str:
    return f"{PREFIX}:{period}:{start.isoformat()}"


def scope_name(team_id: int | None) -> str:
    return "all" if team_id is None else f"team:{team_id}"


def board_key(period: str, start: dt.date, *, team_id: int | None = None, hidden: bool = False) -> str:
    return f"{period_key(period, start)}:{scope_name(team_id)}:{'hidden' if hidden else 'pub'}"


def teams_key(period: str, start: dt.date) -> str:
    return f"{period_key(period, start)}:teams"
