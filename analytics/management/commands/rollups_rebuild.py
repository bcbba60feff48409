import datetime as dt
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from analytics.rollups import rollup_day_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the hourly and daily rollups of one or more days (organisation calendar) from the raw clicks, "
        "filtered hits, shares and engagement history. Idempotent: the same numbers as the incremental path."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("day", help="First day, YYYY-MM-DD.")
        parser.add_argument("--days", type=int, default=1, help="How many days from the first (default 1).")

    def handle(self, *args, day: str, days: int, **options) -> None:
        try:
            first = dt.date.fromisoformat(day)
        except ValueError as exc:
            raise CommandError(f"{day!r} is not a date: use YYYY-MM-DD.") from exc
        if not 1 <= days <= 3660:
            raise CommandError("--days must be between 1 and 3660.")
        started = time.perf_counter()
        total_rows = 0
        for n in range(days):
            current = first + dt.timedelta(days=n)

            def progress(done: int, steps: int, current: dt.date = current, n: int = n) -> None:
                width = 30
                filled = int(width * (n * steps + done) / (days * steps))
                sys.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {current} step {done}/{steps}")
                sys.stdout.flush()

            total_rows += rollup_day_rebuild(day=current, progress=progress if self.stdout.isatty() else None)
        if self.stdout.isatty():
            self.stdout.write("")
        self.stdout.write(
            f"Rebuilt {days} day(s) from {first}: {total_rows} daily rows in {time.perf_counter() - started:.1f} s."
        )
