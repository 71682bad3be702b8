"""Jinhua's annual training plans (金人社发〔2020〕1号, attachments 1 and 2), kept as data
for the reports: planned trainings by region and by city department.

The plans are printed in 万人次 with up to two decimals; they are held as whole
trainings (人次, an int) beside the figure as printed, and `load_plans` checks that each
row converts exactly and that the top-level rows add up to the printed total. Rows
with `part_of` break down another row (婺城区, 金东区 and 开发区 within 金华市区合计) and
are not added to the total: they add up to 1.7 of the 2.2 万 of 金华市区, the text does
not say where the other 0.5 万 goes (docs/rules.md, Jinhua readings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any

PLANS_FILE = "jinhua_plans.json"
TRAININGS_PER_WAN = 10_000


class PlanDataError(ValueError):
    """The plan data does not add up, or a row's two figures disagree."""


@dataclass(frozen=True)
class PlanRow:
    """One row of a plan: a region or a department and its planned trainings."""

    name: str
    trainings: int  # 人次.
    wan: str  # The figure as printed, in 万人次.
    part_of: str | None = None  # The row this one breaks down, if any.
    focus: str = ""  # A department's 培训重点任务.


@dataclass(frozen=True)
class Plan:
    attachment: str  # "附件1"
    key: str  # "by_region" | "by_department"
    title: str
    rows: tuple[PlanRow, ...]
    total: PlanRow
    note: str

    def top_level(self) -> tuple[PlanRow, ...]:
        """The rows that add up to the total (not the breakdowns of another row)."""
        return tuple(row for row in self.rows if row.part_of is None)


def _row(data: dict[str, Any]) -> PlanRow:
    row = PlanRow(
        name=str(data["name"]),
        trainings=int(data["trainings"]),
        wan=str(data["wan"]),
        part_of=data.get("part_of"),
        focus=str(data.get("focus", "")),
    )
    if Decimal(row.wan) * TRAININGS_PER_WAN != row.trainings:
        raise PlanDataError(f"{row.name}: {row.wan} 万 is not {row.trainings} trainings")
    return row


def _plan(data: dict[str, Any]) -> Plan:
    plan = Plan(
        attachment=str(data["attachment"]),
        key=str(data["key"]),
        title=str(data["title"]),
        rows=tuple(_row(r) for r in data["rows"]),
        total=_row(data["total"]),
        note=str(data.get("note", "")),
    )
    added = sum(row.trainings for row in plan.top_level())
    if added != plan.total.trainings:
        total = plan.total.trainings
        raise PlanDataError(f"{plan.attachment}: rows add up to {added}, not {total}")
    names = {row.name for row in plan.rows}
    if any(row.part_of not in names for row in plan.rows if row.part_of is not None):
        raise PlanDataError(f"{plan.attachment}: a row breaks down a row that is not there")
    return plan


@cache
def load_plans() -> dict[str, Plan]:
    """Jinhua's plans by key ("by_region", "by_department"), checked; read once."""
    text = files("rules").joinpath("data").joinpath(PLANS_FILE).read_text(encoding="utf-8")
    plans = (_plan(p) for p in json.loads(text)["plans"])
    return {plan.key: plan for plan in plans}
