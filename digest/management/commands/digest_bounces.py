"""`manage.py digest_bounces FILE`: mark the addresses in a bounce list undeliverable (no more digests)."""

import sys

from django.core.management.base import BaseCommand, CommandError

from digest.services.sending import addresses_mark_undeliverable, parse_bounce_list


class Command(BaseCommand):
    help = "Mark the addresses in a bounce list (one per line; '-' reads stdin) undeliverable for the digest."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a file with one address per line, or - for stdin")
        parser.add_argument("--reason", default="Bounced (bounce list)")

    def handle(self, *args, path: str, reason: str, **options):
        try:
            text = sys.stdin.read() if path == "-" else open(path, encoding="utf-8").read()  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        good, bad = parse_bounce_list(text)
        marked = addresses_mark_undeliverable(emails=good, reason=reason)
        for item in bad:
            self.stderr.write(f"not an address, ignored: {item}")
        self.stdout.write(f"{marked} marked undeliverable, {len(good) - marked} not an employee's address.")
