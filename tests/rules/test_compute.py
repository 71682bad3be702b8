"""The arithmetic the packs share: percentages floored once, calendar months, and the
plan data's own checks."""

from __future__ import annotations

import json
from datetime import date

import pytest

from rules.compute import add_months, percent_of
from rules.plans import PlanDataError, _plan


@pytest.mark.parametrize(
    ("amount_fen", "percents", "expected"),
    [
        (143_457, (50,), 71_728),  # 71,728.5: floored.
        (143_457, (50, 130), 93_247),  # 93,247.05: one floor at the end, not two.
        (200_000, (130,), 260_000),
        (1, (50,), 0),
        (99_999, (100,), 99_999),
        (80_000, (), 80_000),
    ],
)
def test_percent_of_is_integer_arithmetic_floored_once(
    amount_fen: int, percents: tuple[int, ...], expected: int
) -> None:
    assert percent_of(amount_fen, *percents) == expected


def test_percent_of_floors_once_where_flooring_twice_would_lose_a_fen() -> None:
    twice = percent_of(percent_of(3, 50), 300)

    assert (percent_of(3, 50, 300), twice) == (4, 3)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2020, 6, 30), 6, date(2020, 12, 30)),
        (date(2020, 8, 31), 6, date(2021, 2, 28)),
        (date(2019, 8, 31), 6, date(2020, 2, 29)),
        (date(2020, 3, 13), 12, date(2021, 3, 13)),
        (date(2020, 12, 15), 1, date(2021, 1, 15)),
    ],
)
def test_add_months_counts_calendar_months_clamped_to_the_month_end(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def plan_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "attachment": "附件1",
        "key": "by_region",
        "title": "t",
        "rows": [{"name": "A", "wan": "0.5", "trainings": 5000}],
        "total": {"name": "合计", "wan": "0.5", "trainings": 5000},
    }
    return json.loads(json.dumps({**data, **changes}))


def test_a_plan_that_adds_up_loads() -> None:
    assert _plan(plan_data()).total.trainings == 5000


def test_a_plan_row_whose_two_figures_disagree_is_refused() -> None:
    with pytest.raises(PlanDataError):
        _plan(plan_data(rows=[{"name": "A", "wan": "0.5", "trainings": 4999}]))


def test_a_plan_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(PlanDataError):
        _plan(plan_data(total={"name": "合计", "wan": "0.6", "trainings": 6000}))
