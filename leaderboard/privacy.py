"""leaderboard's part of a person's data export and erasure (accounts.signals; connected in apps.py).

Erasure keeps the ledger whole: entries are never edited or deleted (an append-only ledger), so they
stay with the erased person's anonymous row and every period total derived from them stays right.
The person leaves every board because accounts marks the anonymous profile excluded and announces it
(board_membership_changed), which rebuilds the Redis boards after commit; the SQL boards read the flag.
"""

from .models import BadgeAward, PeriodScore, PointEntry


def export(sender, *, user, **kwargs) -> dict:
    entries = PointEntry.objects.filter(user=user).select_related("post").order_by("occurred_at", "pk")
    return {
        "points": [
            {
                "action": e.action,
                "points": e.points,
                "quantity": e.quantity,
                "post": e.post.title if e.post else None,
                "network": e.network,
                "reason": e.reason,
                "occurred_at": e.occurred_at.isoformat(),
            }
            for e in entries
        ],
        "period_scores": [
            {"period": s.period, "start": s.start.isoformat(), "points": s.points}
            for s in PeriodScore.objects.filter(user=user).order_by("period", "start")
        ],
        "badges": [
            {"badge": b.badge, "note": b.note, "awarded_at": b.awarded_at.isoformat()}
            for b in BadgeAward.objects.filter(user=user).order_by("awarded_at")
        ],
    }
