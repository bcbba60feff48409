"""What a seeding run reports: counts of what it created, and the logins to print."""

from collections.abc import Callable
from dataclasses import dataclass, field

SEEDED_KINDS = ("teams", "locations", "people", "topics", "campaigns", "posts", "shares", "clicks")

# (phase label, done, total): lets the command draw a progress bar without the seeders printing.
ProgressCallback = Callable[[str, int, int], None]


def progress_none(label: str, done: int, total: int) -> None:
    return None


@dataclass
class SeedResult:
    """What one run created (zero everywhere on a second run) and the logins to print."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEEDED_KINDS, 0))
    logins: list[tuple[str, str]] = field(default_factory=list)  # (what, email)

    def add(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    @property
    def total_created(self) -> int:
        return sum(self.created.values())
