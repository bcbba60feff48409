"""Badges: each granted once per employee, from what the ledger holds."""

from ..models import Action, Badge, BadgeAward, PointEntry

SHARE_BADGES = ((1, Badge.FIRST_SHARE), (10, Badge.SHARES_10), (50, Badge.SHARES_50), (100, Badge.SHARES_100))
CLICK_BADGES = ((100, Badge.CLICKS_100), (1000, Badge.CLICKS_1000))


def badge_award(*, user_id: int, badge: str, reference: str = "", note: str = "") -> bool:
    """Give a badge once (per `reference`, for badges that can be won again); True when it is new."""
    _, created = BadgeAward.objects.get_or_create(
        user_id=user_id, badge=badge, reference=reference, defaults={"note": note}
    )
    return created


def badges_update(*, user_id: int) -> list[str]:
    """Grant every share and click badge the employee has reached (each once). Returns new ones."""
    shares = PointEntry.objects.filter(user_id=user_id, action=Action.SHARE).count()
    clicks = PointEntry.objects.filter(user_id=user_id, action=Action.UNIQUE_CLICK).count()
    clicks -= PointEntry.objects.filter(user_id=user_id, action=Action.CLICK_REVERSAL).count()
    new: list[str] = []
    for threshold, badge in SHARE_BADGES:
        if shares >= threshold and badge_award(user_id=user_id, badge=badge):
            new.append(badge)
    for threshold, badge in CLICK_BADGES:
        if clicks >= threshold and badge_award(user_id=user_id, badge=badge):
            new.append(badge)
    return new
