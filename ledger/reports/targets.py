"""The training targets and reporting duties of each jurisdiction, as their documents set
them, for the statutory report. Figures are trainings (人次); windows are inclusive.

Jinhua's annual plans come from `rules.plans` (attachments 1 and 2), imported lazily so
that the reports still build while that module is absent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.reports.model import Period

KUNSHAN, YUNCHENG = "昆政办发〔2020〕67号", "运政办发〔2020〕14号"
JINHUA, RUGAO, LINKOU = "金人社发〔2020〕1号", "皋政办发〔2019〕194号", "林政办规〔2019〕4号"
JINHUA_PLAN_YEARS = (2020, 2021)


@dataclass(frozen=True)
class Target:
    """A number of trainings to reach within a window; `attributable` is False where the
    ledger cannot tell which trainings count (a department's share of the city's plan)."""

    zh: str
    en: str
    trainings: int
    first: date
    last: date
    citation: str
    attributable: bool = True


def years(first: int, last: int) -> tuple[date, date]:
    return date(first, 1, 1), date(last, 12, 31)


TARGETS: dict[str, tuple[Target, ...]] = {
    "kunshan": (
        Target(
            "补贴性职业技能培训（至2021年底）",
            "trainings by end-2021",
            200_000,
            *years(2019, 2021),
            f"{KUNSHAN} 一",
        ),
    ),
    "yuncheng": (
        Target(
            "三年补贴性职业技能培训",
            "trainings 2019–2021",
            300_000,
            *years(2019, 2021),
            f"{YUNCHENG} 二",
        ),
        Target("2019年培训", "trainings in 2019", 100_000, *years(2019, 2019), f"{YUNCHENG} 二"),
        Target("2020年培训", "trainings in 2020", 100_000, *years(2020, 2020), f"{YUNCHENG} 二"),
        Target("2021年培训", "trainings in 2021", 100_000, *years(2021, 2021), f"{YUNCHENG} 二"),
    ),
    "rugao": (
        Target(
            "2019—2021年补贴性职业技能培训",
            "trainings 2019–2021",
            60_000,
            *years(2019, 2021),
            f"{RUGAO} 一",
        ),
    ),
    "linkou": (
        Target(
            "三年补贴性职业技能培训",
            "trainings 2019–2021",
            15_000,
            *years(2019, 2021),
            f"{LINKOU} 一.二",
        ),
        Target("2019年培训", "trainings in 2019", 4_000, *years(2019, 2019), f"{LINKOU} 一.二"),
    ),
}

# What each document asks to be reported or disclosed, and where it says so.
REPORTING: dict[str, tuple[str, str]] = {
    "kunshan": (
        "定期向社会公开资金使用情况 regular public disclosure of fund use",
        f"{KUNSHAN} 十六",
    ),
    "yuncheng": (
        "工作情况月报、季报、年报 monthly, quarterly and annual reports",
        f"{YUNCHENG} 四.一；三.17",
    ),
    "jinhua": (
        "定期向社会公开资金使用情况；公示培训结果后核拨 disclosure; publicity before payment",
        f"{JINHUA} 四.三；五",
    ),
    "rugao": ("工作情况季报、年报 quarterly and annual reports", f"{RUGAO} 十六"),
    "linkou": ("工作进展情况季报、年报 quarterly and annual reports", f"{LINKOU} 五.一"),
}


def jinhua_plans() -> list[Any]:
    """Jinhua's plans, or none while `rules.plans` is not available."""
    try:
        from rules.plans import load_plans
    except ImportError:
        return []
    return list(load_plans().values())


def plan_targets(fund_name: str, year: int) -> list[Target]:
    """Jinhua's annual plan rows for a year; a region row counts the fund's trainings when
    the fund's name names that region (金华市区 for 金华市区合计)."""
    if year not in JINHUA_PLAN_YEARS:
        return []
    found = []
    for plan in jinhua_plans():
        citation = f"{JINHUA} {plan.attachment}"
        for row in (*plan.rows, plan.total):
            region = row.name.removesuffix("合计")
            mine = plan.key == "by_region" and row is not plan.total and region in fund_name
            label = f"{plan.title}：{row.name}"
            en = f"annual plan {plan.key.replace('_', ' ')}: {row.name}"
            found.append(Target(label, en, row.trainings, *years(year, year), citation, mine))
    return found


def targets_for(jurisdiction: str, fund_name: str, period: Period) -> list[Target]:
    """The targets whose window includes the period's year."""
    year = period.first.year
    fixed = [t for t in TARGETS.get(jurisdiction, ()) if t.first.year <= year <= t.last.year]
    if jurisdiction == "jinhua":
        return fixed + plan_targets(fund_name, year)
    return fixed
