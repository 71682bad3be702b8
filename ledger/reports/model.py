"""What a disclosure report is, independent of how it is written: a period, tables of
formatted cells, charts of integer series, and the provenance of the log it was built from.

Everything here is plain data of strings and ints, so the CSV, XLSX and HTML writers all
print the same figures, and a rebuild from the same log gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.money import format_fen

PERIOD_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})|-[Qq](\d+))?$")
PERIOD_KINDS = {"month": ("月报", "monthly report"), "quarter": ("季报", "quarterly report")}
PERIOD_KINDS["year"] = ("年报", "annual report")
NOT_AVAILABLE = "—"


class PeriodError(ValueError):
    """A period that is not YYYY-MM, YYYY-Qn or YYYY (a usage error)."""


@dataclass(frozen=True)
class Period:
    """A reporting period: a calendar month, quarter or year, both ends included."""

    label: str  # "2020-07", "2020-Q3", "2020"
    kind: str  # "month" | "quarter" | "year"
    first: date
    last: date

    @property
    def report_zh(self) -> str:
        return PERIOD_KINDS[self.kind][0]

    @property
    def report_en(self) -> str:
        return PERIOD_KINDS[self.kind][1]

    @property
    def year_first(self) -> date:
        return date(self.first.year, 1, 1)

    @property
    def before(self) -> date:
        """The day before the period: the date of its opening balance."""
        return self.first - timedelta(days=1)

    def months(self, from_year_start: bool = False) -> list[str]:
        """The months ("2020-07") from the period's (or its year's) first month to its last."""
        first = self.year_first if from_year_start else self.first
        return [f"{first.year}-{m:02d}" for m in range(first.month, self.last.month + 1)]


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_period(text: str) -> Period:
    """`2020-07` (a month), `2020-Q3` (a quarter) or `2020` (a year); PeriodError otherwise."""
    match = PERIOD_PATTERN.match(text.strip())
    if match is None:
        raise PeriodError(
            f"period {text!r} is not YYYY-MM, YYYY-Qn or YYYY (for example 2020-07, 2020-Q3, 2020)"
        )
    year = int(match.group(1))
    if year < 1:
        raise PeriodError(f"period {text!r}: year {match.group(1)} is not a calendar year")
    if match.group(2) is not None:
        return month_period(text, year, int(match.group(2)))
    if match.group(3) is not None:
        return quarter_period(text, year, match.group(3))
    return Period(f"{year:04d}", "year", date(year, 1, 1), date(year, 12, 31))


def month_period(text: str, year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(f"period {text!r}: month {month:02d} is not 01 to 12")
    return Period(f"{year:04d}-{month:02d}", "month", date(year, month, 1), month_end(year, month))


def quarter_period(text: str, year: int, digits: str) -> Period:
    quarter = int(digits)
    if not 1 <= quarter <= 4:
        raise PeriodError(f"period {text!r}: quarter Q{digits} is not Q1 to Q4")
    first_month = 3 * quarter - 2
    return Period(
        f"{year:04d}-Q{quarter}",
        "quarter",
        date(year, first_month, 1),
        month_end(year, first_month + 2),
    )


def yuan(amount_fen: int) -> str:
    """Integer fen as the report's yuan string, "2600.00"."""
    return format_fen(amount_fen)


def percent(numerator: int, denominator: int) -> str:
    """A ratio as a percentage with two decimals, rounded half up, in integer arithmetic:
    (1, 3) -> "33.33%"; "—" when the denominator is zero."""
    if denominator <= 0:
        return NOT_AVAILABLE
    hundredths = (numerator * 10_000 * 2 + denominator) // (2 * denominator)
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


@dataclass(frozen=True)
class Column:
    """One column: its key, Chinese and English headers, and the kind of its cells."""

    key: str
    zh: str
    en: str
    kind: str = "text"  # "text" | "money" (yuan strings) | "count" (integers as text)

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"

    @property
    def numeric(self) -> bool:
        return self.kind in ("money", "count")


@dataclass(frozen=True)
class Table:
    """A table of formatted cells in a fixed column order; the last row may be a total."""

    key: str
    zh: str
    en: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    has_total: bool = False

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass(frozen=True)
class Chart:
    """A chart of integer values: "line" (a value over time) or "bars" (values by category).
    Values are fen; labels are printed as given."""

    key: str
    kind: str
    zh: str
    en: str
    points: tuple[tuple[str, int], ...]

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass(frozen=True)
class Report:
    """One public report: its headline facts, its tables and its charts."""

    key: str  # "publicity" | "fund_use" | "statutory"; names its files
    zh: str
    en: str
    facts: tuple[tuple[str, str], ...]  # (label, value) shown under the title
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...] = field(default=())

    @property
    def title(self) -> str:
        return f"{self.zh} {self.en}"


def table(
    key: str,
    title: tuple[str, str],
    columns: tuple[Column, ...],
    rows: Sequence[tuple[str, ...]],
    note: str = "",
    total: tuple[str, ...] | None = None,
) -> Table:
    """A Table; every row must have one cell per column (checked, a programming error)."""
    all_rows = [*rows, total] if total is not None else list(rows)
    for row in all_rows:
        assert len(row) == len(columns), f"{key}: row {row} does not fit {len(columns)} columns"
    return Table(key, title[0], title[1], columns, tuple(all_rows), note, total is not None)


def html_name(report: Report) -> str:
    return f"{report.key}.html"


def xlsx_name(report: Report) -> str:
    return f"{report.key}.xlsx"


def csv_name(report: Report, part: Table) -> str:
    return f"{report.key}-{part.key}.csv"
