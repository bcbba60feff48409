"""`manage.py seed_demo`: a demo organisation to click through. Safe to run again."""

import time

from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import DatabaseError

from demo.data import DEMO_PASSWORD
from demo.seed import demo_counts, seed_demo, site_hint


class ProgressBar:
    """`People    [#####.....] 30/60`, redrawn in place on a terminal, one line per tenth in logs."""

    WIDTH = 20

    def __init__(self, out: OutputWrapper, *, enabled: bool = True) -> None:
        self.out = out
        self.enabled = enabled
        self.tty = out.isatty()
        self._last: tuple[str, int] | None = None

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        filled = self.WIDTH * done // total
        line = f"{label:<10}[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}"
        if self.tty:
            self.out.write(f"\r{line}", ending="\n" if done >= total else "")
            self.out.flush()
            return
        # Without a terminal, a line whenever another tenth is done: readable in CI logs and `make run`.
        tenth = 10 * done // total
        if self._last != (label, tenth):
            self._last = (label, tenth)
            self.out.write(line)


class Command(BaseCommand):
    help = "Create a demo organisation (people, teams, campaigns, posts with images). Idempotent."

    def handle(self, *args, **options) -> None:
        verbosity = options["verbosity"]
        started = time.monotonic()
        try:
            result = seed_demo(progress=ProgressBar(self.stdout, enabled=verbosity > 0))
        except DatabaseError as exc:
            # Almost always a database nobody migrated yet: say so instead of a page of traceback.
            raise CommandError(f"Could not write the demo data ({exc}). Run `manage.py migrate` first.") from exc
        if verbosity == 0:
            return
        elapsed = time.monotonic() - started
        if result.total_created:
            made = ", ".join(f"{n} {what}" for what, n in result.created.items() if n)
            self.stdout.write(self.style.SUCCESS(f"Demo data created in {elapsed:.1f}s: {made}."))
        else:
            counts = demo_counts()
            self.stdout.write(
                f"Demo data already present ({counts['people']} people, {counts['campaigns']} campaigns, "
                f"{counts['posts']} posts): nothing changed."
            )
        self.stdout.write("")
        self.stdout.write(f"Open {site_hint()} and log in with any of these (password: {DEMO_PASSWORD}):")
        for who, email in result.logins:
            self.stdout.write(f"  {who:<36} {email}")
        self.stdout.write(f"Admins and content managers also reach {site_hint()}admin/")
