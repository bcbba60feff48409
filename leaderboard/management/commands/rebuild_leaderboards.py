import time

from django.core.management.base import BaseCommand

from leaderboard.services.rebuild import leaderboards_rebuild


class Command(BaseCommand):
    help = "Recompute every leaderboard (SQL period totals and Redis boards) from the points ledger."

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        result = leaderboards_rebuild()
        self.stdout.write(
            f"Rebuilt {result['period_scores']} period totals and {result['redis_members']} Redis board entries "
            f"in {time.perf_counter() - started:.1f} s."
        )
