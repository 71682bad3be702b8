"""The working-day calendar: holidays, adjusted working days, and counting publicity periods."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    CalendarDataError,
    CalendarError,
    load_calendar,
    parse_calendar,
)

CALENDAR = load_calendar()


def raw_data() -> dict[str, Any]:
    text = resources.files("domain").joinpath("data/calendar_cn_2019_2023.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(n) for n in range((end - start).days + 1)]


@pytest.mark.parametrize(
    "day",
    [
        "2019-02-02",  # Saturday before the 2019 Spring Festival.
        "2019-04-28",  # Sunday, from the 2019 Labour Day change (国办发明电〔2019〕3号).
        "2019-05-05",
        "2019-09-29",
        "2019-10-12",
        "2020-01-19",  # Sunday before the 2020 Spring Festival.
        "2021-02-07",
        "2021-02-20",
        "2022-04-02",
        "2023-01-28",
        "2023-04-23",
        "2023-05-06",
        "2023-10-07",
    ],
)
def test_an_adjusted_weekend_day_is_a_working_day(day: str) -> None:
    assert CALENDAR.is_working_day(date.fromisoformat(day))


@pytest.mark.parametrize(
    "first, last",
    [
        ("2019-10-01", "2019-10-07"),  # National Day.
        ("2019-05-01", "2019-05-04"),  # Labour Day as amended in March 2019.
        (
            "2020-01-24",
            "2020-02-02",
        ),  # Spring Festival including the extension (国办发明电〔2020〕1号).
        ("2021-02-11", "2021-02-17"),
        ("2022-12-31", "2023-01-02"),
        ("2023-09-29", "2023-10-06"),
    ],
)
def test_every_day_of_a_holiday_is_a_day_off(first: str, last: str) -> None:
    assert not any(CALENDAR.is_working_day(day) for day in days(first, last))


def test_the_saturday_that_the_2020_extension_took_back_is_a_day_off() -> None:
    # The yearly notice made Saturday 1 February a working day; the extension cancelled it.
    assert not CALENDAR.is_working_day(date(2020, 2, 1))
    assert CALENDAR.is_working_day(date(2020, 2, 3))


def test_every_saturday_that_no_notice_names_is_a_day_off() -> None:
    saturdays = [d for d in days("2019-01-01", "2023-12-31") if d.weekday() == 5]

    ordinary = [d for d in saturdays if d not in CALENDAR.working_weekend_days]

    assert len(ordinary) > 240
    assert not any(CALENDAR.is_working_day(d) for d in ordinary)


def test_an_ordinary_weekday_is_a_working_day() -> None:
    assert CALENDAR.is_working_day(date(2021, 3, 3))


@pytest.mark.parametrize(
    "year, working_days", [(2019, 250), (2020, 249), (2021, 250), (2022, 249), (2023, 249)]
)
def test_each_year_has_its_published_count_of_working_days(year: int, working_days: int) -> None:
    count = CALENDAR.working_days_between(date(year, 1, 1), date(year, 12, 31))

    assert count == working_days


def test_five_working_days_from_a_monday_end_that_friday() -> None:
    assert CALENDAR.add_working_days(date(2021, 3, 1), 5) == date(2021, 3, 5)


def test_a_start_on_a_day_off_counts_from_the_next_working_day() -> None:
    # Saturday 2021-03-06: day 1 is Monday 2021-03-08.
    assert CALENDAR.add_working_days(date(2021, 3, 6), 1) == date(2021, 3, 8)
    assert CALENDAR.add_working_days(date(2021, 3, 6), 5) == date(2021, 3, 12)


def test_a_publicity_over_national_day_skips_the_holiday_and_counts_the_adjusted_saturday() -> None:
    # 2019-09-30 (Mon) is day 1; 10-01..07 are off; Tue 10-08 .. Fri 10-11 are days 2-5.
    assert CALENDAR.add_working_days(date(2019, 9, 30), 5) == date(2019, 10, 11)
    # Day 6 is Saturday 2019-10-12, an adjusted working day.
    assert CALENDAR.add_working_days(date(2019, 9, 30), 6) == date(2019, 10, 12)


def test_a_publicity_across_the_2020_spring_festival_resumes_on_3_february() -> None:
    # Sunday 2020-01-19 is day 1 (a working day); 01-20..23 are days 2-5; off until 02-02.
    assert CALENDAR.add_working_days(date(2020, 1, 19), 5) == date(2020, 1, 23)
    assert CALENDAR.add_working_days(date(2020, 1, 19), 6) == date(2020, 2, 3)
    assert CALENDAR.add_working_days(date(2020, 1, 19), 7) == date(2020, 2, 4)


def test_working_days_between_counts_both_ends() -> None:
    assert CALENDAR.working_days_between(date(2021, 3, 1), date(2021, 3, 1)) == 1
    assert CALENDAR.working_days_between(date(2021, 3, 1), date(2021, 3, 7)) == 5


def test_working_days_between_refuses_a_reversed_span() -> None:
    with pytest.raises(ValueError, match="before first"):
        CALENDAR.working_days_between(date(2021, 3, 2), date(2021, 3, 1))


def test_adding_zero_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        CALENDAR.add_working_days(date(2021, 3, 1), 0)


@pytest.mark.parametrize("day", [date(2018, 12, 31), date(2024, 1, 2)])
def test_a_date_outside_the_calendar_is_refused(day: date) -> None:
    with pytest.raises(CalendarError, match="outside the working-day calendar"):
        CALENDAR.is_working_day(day)


def test_a_count_that_runs_past_the_last_year_is_refused() -> None:
    with pytest.raises(CalendarError, match="end after 2023-12-31"):
        CALENDAR.add_working_days(date(2023, 12, 20), 30)


def test_the_calendar_cites_the_notice_and_amendments_of_the_years_it_spans() -> None:
    citations = CALENDAR.citations(date(2020, 1, 19), date(2020, 2, 4))

    assert citations == (
        "国务院办公厅关于2020年部分节假日安排的通知（国办发明电〔2019〕16号）",
        "国务院办公厅关于延长2020年春节假期的通知（国办发明电〔2020〕1号）",
    )


def test_every_year_cites_a_state_council_general_office_notice() -> None:
    numbers = [entry["source"]["number"] for entry in raw_data()["years"]]

    assert numbers == [
        "国办发明电〔2018〕15号",
        "国办发明电〔2019〕16号",
        "国办发明电〔2020〕27号",
        "国办发明电〔2021〕11号",
        "国办发明电〔2022〕16号",
    ]


def test_the_calendar_carries_its_version_and_years() -> None:
    assert CALENDAR.version == raw_data()["version"]
    assert (CALENDAR.first_year, CALENDAR.last_year) == (2019, 2023)


def test_load_calendar_is_cached() -> None:
    assert load_calendar() is CALENDAR


def test_an_adjusted_working_day_on_a_weekday_is_a_data_error() -> None:
    data = copy.deepcopy(raw_data())
    data["years"][0]["holidays"][0]["working"] = ["2019-01-02"]  # A Wednesday.

    with pytest.raises(CalendarDataError, match="on weekdays"):
        parse_calendar(data)


def test_an_amendment_naming_no_holiday_is_a_data_error() -> None:
    data = copy.deepcopy(raw_data())
    data["years"][0]["amendments"][0]["holiday"] = "植树节"

    with pytest.raises(CalendarDataError, match="names no holiday"):
        parse_calendar(data)


def test_a_gap_between_years_is_a_data_error() -> None:
    data = copy.deepcopy(raw_data())
    del data["years"][2]

    with pytest.raises(CalendarDataError, match="consecutive"):
        parse_calendar(data)


START_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2023, 10, 31))


@given(start=START_DAYS, n=st.integers(min_value=1, max_value=40))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_on(
    start: date, n: int
) -> None:
    end = CALENDAR.add_working_days(start, n)

    assert CALENDAR.is_working_day(end)
    first = start if CALENDAR.is_working_day(start) else CALENDAR.add_working_days(start, 1)
    assert CALENDAR.working_days_between(first, end) == n
    assert CALENDAR.working_days_between(start, end) == n


@given(start=START_DAYS, n=st.integers(min_value=1, max_value=40))
def test_adding_one_more_working_day_moves_to_the_next_working_day(start: date, n: int) -> None:
    end = CALENDAR.add_working_days(start, n)
    following = CALENDAR.add_working_days(start, n + 1)

    assert following > end
    assert CALENDAR.working_days_between(end, following) == 2
