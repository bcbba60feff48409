"""The dashboards' tables: one shape for the page and for its streamed CSV export.

Each page builds its tables as `Table`s; the template renders them (templates/dashboard/_table.html) with an
"Download CSV" link, and `?export=<slug>` on the same URL streams the same rows. A value of None is
"unavailable" (never 0), in both.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils.text import slugify

UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Link:
    text: str
    url: str

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    slug: str
    caption: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    empty: str = "Nothing here yet."
    note: str = ""
    shown: int = 50  # rows on the page; the CSV has them all

    @property
    def rows_shown(self) -> list[list]:
        return self.rows[: self.shown]

    @property
    def rows_hidden(self) -> int:
        return max(0, len(self.rows) - self.shown)

    @property
    def numeric_columns(self) -> set[int]:
        """Columns whose every value is a number or unavailable (right-aligned), never the first."""
        found = set()
        for index in range(1, len(self.columns)):
            values = [row[index] for row in self.rows_shown if row[index] is not None]
            if all(isinstance(value, int | float | Decimal) for value in values):
                found.add(index)
        return found


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return UNAVAILABLE
    text = str(value)
    # A cell starting with = + - @ would be a formula in a spreadsheet (CSV injection): quote it as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not text.lstrip("-").replace(".", "", 1).isdigit():
        return "'" + text
    return text


def csv_response(table: Table, *, filename_prefix: str) -> StreamingHttpResponse:
    """Stream the table as CSV (header row first), row by row."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(table.columns)
        for row in table.rows:
            yield writer.writerow([_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = slugify(f"{filename_prefix}-{table.slug}") or "export"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
