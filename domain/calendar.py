"""China's working-day calendar, 2019–2023: public holidays and adjusted working days as data.

Publicity (公示) periods and other deadlines are counted in working days (工作日). A day is a
working day when it is a Monday to Friday outside every holiday's days off, or a Saturday or
Sunday that a State Council General Office notice made a working day (调休上班).

The days come from `domain/data/calendar_cn_2019_2023.json`: one entry per year citing its
notice (国务院办公厅关于…部分节假日安排的通知) and the amendments that changed it (the 2019
Labour Day change, the 2020 Spring Festival extension). The file carries a `version`; a
corrected or extended calendar is a new version, so a recorded deadline can say which
calendar counted it. Nothing here reads a clock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "domain"
DATA_FILE = "data/calendar_cn_2019_2023.json"
SATURDAY = 5  # date.weekday() of Saturday; Sunday is 6.


class CalendarError(ValueError):
    """A date outside the years that the calendar knows: no answer is better than a guess."""


class CalendarDataError(ValueError):
    """The calendar's data contradicts itself: a broken data file, never user input."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days, for the years `first_year` to `last_year` inclusive."""

    version: str
    first_year: int
    last_year: int
    days_off: frozenset[date]
    working_weekend_days: frozenset[date]
    sources: tuple[tuple[int, tuple[str, ...]], ...] = ()

    def check_in_range(self, day: date) -> None:
        """Raise CalendarError unless the calendar covers `day`."""
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarError(
                f"{day.isoformat()} is outside the working-day calendar {self.version} "
                f"({self.first_year}-01-01 to {self.last_year}-12-31)"
            )

    def is_working_day(self, day: date) -> bool:
        """True on a working day: a weekday that is not a day off, or an adjusted weekend day."""
        self.check_in_range(day)
        if day in self.working_weekend_days:
            return True
        return day.weekday() < SATURDAY and day not in self.days_off

    def add_working_days(self, start: date, days: int) -> date:
        """The date on which the `days`-th working day falls, counting from `start`.

        Convention: `start` is working day 1 when it is a working day; otherwise the first
        working day after it is day 1. So a publicity of N working days starting on `start`
        ends on (and includes) the returned date, and the first day it may be acted upon is
        the next working day after it. Example: 5 working days from Monday 2021-03-01 end on
        Friday 2021-03-05. `days` must be at least 1.
        """
        if days < 1:
            raise ValueError(f"days must be at least 1, got {days}")
        self.check_in_range(start)
        counted = 0
        for day in self._days_from(start):
            if self.is_working_day(day):
                counted += 1
                if counted == days:
                    return day
        raise CalendarError(
            f"{days} working days from {start.isoformat()} end after {self.last_year}-12-31, "
            f"the last day of the working-day calendar {self.version}"
        )

    def working_days_between(self, first: date, last: date) -> int:
        """How many working days lie from `first` to `last`, both included.

        `last` before `first` is a caller's mistake and raises ValueError.
        """
        self.check_in_range(first)
        self.check_in_range(last)
        if last < first:
            raise ValueError(f"last ({last.isoformat()}) is before first ({first.isoformat()})")
        span = (last - first).days + 1
        return sum(self.is_working_day(first + timedelta(n)) for n in range(span))

    def citations(self, first: date, last: date) -> tuple[str, ...]:
        """The notices that set the working days from `first` to `last`, for a decision's record."""
        years = range(first.year, last.year + 1)
        return tuple(cite for year, cites in self.sources if year in years for cite in cites)

    def _days_from(self, start: date) -> Iterator[date]:
        """Every day from `start` to the calendar's last day: the bound of every scan."""
        last = date(self.last_year, 12, 31)
        for n in range((last - start).days + 1):
            yield start + timedelta(n)


def parse_calendar(data: Mapping[str, Any]) -> WorkingCalendar:
    """Build a calendar from its JSON data, applying each year's amendments and checking it."""
    years = sorted(int(entry["year"]) for entry in data["years"])
    if not years or years != list(range(years[0], years[-1] + 1)):
        raise CalendarDataError(f"the calendar's years must be consecutive, got {years}")
    days_off: set[date] = set()
    working: set[date] = set()
    sources: list[tuple[int, tuple[str, ...]]] = []
    for entry in sorted(data["years"], key=lambda e: int(e["year"])):
        for holiday in _arranged_holidays(entry):
            days_off.update(_days_in(holiday["off"], entry["year"]))
            working.update(_working_days_of(holiday, entry["year"]))
        sources.append((int(entry["year"]), _sources_of(entry)))
    clash = sorted(days_off & working)
    if clash:
        raise CalendarDataError(f"days both off and working: {[d.isoformat() for d in clash]}")
    return WorkingCalendar(
        version=str(data["version"]),
        first_year=years[0],
        last_year=years[-1],
        days_off=frozenset(days_off),
        working_weekend_days=frozenset(working),
        sources=tuple(sources),
    )


def _arranged_holidays(entry: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A year's holidays as finally arranged: an amendment replaces the holiday it names."""
    holidays = {h["name"]: h for h in entry["holidays"]}
    for amendment in entry.get("amendments", []):
        if amendment["holiday"] not in holidays:
            raise CalendarDataError(
                f"{entry['year']}: amendment {amendment['source']['number']} names no holiday "
                f"{amendment['holiday']!r}"
            )
        holidays[amendment["holiday"]] = amendment
    return list(holidays.values())


def _days_in(first_last: list[str], year: int) -> list[date]:
    """The days of an inclusive [first, last] range, which may begin in the year before."""
    first, last = (date.fromisoformat(d) for d in first_last)
    if last < first or not year - 1 <= first.year <= last.year <= year:
        raise CalendarDataError(f"{year}: bad range of days off {first_last}")
    return [first + timedelta(n) for n in range((last - first).days + 1)]


def _working_days_of(holiday: Mapping[str, Any], year: int) -> list[date]:
    """A holiday's adjusted working days, each of which must be a Saturday or a Sunday."""
    days = [date.fromisoformat(d) for d in holiday["working"]]
    weekdays = [d.isoformat() for d in days if d.weekday() < SATURDAY]
    if weekdays:
        raise CalendarDataError(f"{year}: adjusted working days on weekdays: {weekdays}")
    return days


def _sources_of(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """A year's notice and its amendments, each written as 'title（number）'."""
    notices = [entry["source"]] + [a["source"] for a in entry.get("amendments", [])]
    return tuple(f"{n['title']}（{n['number']}）" for n in notices)


@cache
def load_calendar() -> WorkingCalendar:
    """The calendar shipped with Skillfund (read once, then cached)."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_calendar(json.loads(text))
