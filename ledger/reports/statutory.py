"""The statutory report (工作情况月报/季报/年报): trainings, certificates and claims of the fund
by category, for the period and the year to date, against the jurisdiction's targets.

Targets are those the documents set: Kunshan 20万人次 by 2021 (一), Yuncheng 10万 a year and
an employment rate of trainees (not counting enterprise employees) of at least 25% (二),
Jinhua's annual plans by region and department (附件1, 附件2; `rules.plans`, read lazily),
Rugao 6万 over 2019–2021 (一), Linkou 15000 over three years, 4000 in 2019 (一.二).
Trainings are enrolments (人次) in the fund's classes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from domain.training import Employment
from domain.vocabulary import CERTIFICATE_KINDS, LEVELS, SCHEMES, SUBSIDIES
from ledger.reports.fund_use import fund_facts
from ledger.reports.journal import movements
from ledger.reports.model import NOT_AVAILABLE, Column, Period, Report, Table, percent, table, yuan
from ledger.reports.sources import FundInfo, Sources
from ledger.reports.targets import REPORTING, Target, targets_for
from projections.claims import CLAIMS
from projections.directory import ENROLLMENTS, ENTITIES
from projections.journal import PAYABLE

EMPLOYMENT_RATE_MIN_PERCENT = 25  # 运政办发〔2020〕14号 二.
EMPLOYEE_GROUP = "enterprise_employee"


@dataclass(frozen=True)
class Trainee:
    """One enrolment in one of the fund's classes."""

    class_id: str
    person_id: str
    scheme: str
    enrolled_on: date
    completed_on: date | None
    passed: bool


def trainees(sources: Sources, fund_id: str) -> list[Trainee]:
    """Every enrolment in the fund's classes, in class and person order."""
    n, e = ENROLLMENTS.c, ENTITIES.c
    query = (
        sa.select(n.class_id, n.person_id, n.enrolled_on, n.completed_on, n.passed)
        .join(ENTITIES, sa.and_(e.key == n.class_id, e.kind == "class"))
        .where(e.fund_id == fund_id)
        .order_by(n.class_id, n.person_id)
    )
    found = []
    for row in sources.connection.execute(query):
        klass = sources.klass(row.class_id)
        scheme = klass.scheme if klass else ""
        found.append(
            Trainee(
                row.class_id,
                row.person_id,
                scheme,
                row.enrolled_on,
                row.completed_on,
                bool(row.passed),
            )
        )
    return found


def within(day: date | None, first: date, last: date) -> bool:
    return day is not None and first <= day <= last


def training_table(sources: Sources, fund_id: str, found: list[Trainee], period: Period) -> Table:
    counts: dict[str, Counter[str]] = {}
    for row in sources.entities("class", fund_id):
        klass = sources.klass(row["key"])
        if klass and within(klass.start_date, period.first, period.last):
            counts.setdefault(klass.scheme, Counter())["classes"] += 1
    spans = {"": (period.first, period.last), "ytd_": (period.year_first, period.last)}
    for t in found:
        counter = counts.setdefault(t.scheme, Counter())
        for prefix, (first, last) in spans.items():
            counter[prefix + "enrolled"] += within(t.enrolled_on, first, last)
            counter[prefix + "completed"] += within(t.completed_on, first, last)
            counter[prefix + "passed"] += within(t.completed_on, first, last) and t.passed
    keys = ("classes", "enrolled", "completed", "passed", "ytd_enrolled", "ytd_passed")
    columns = (
        Column("scheme", "培训类型", "scheme"),
        Column("classes", "开班", "classes opened", "count"),
        Column("enrolled", "参训人次", "enrolments", "count"),
        Column("completed", "结业人次", "completions", "count"),
        Column("passed", "合格人次", "passed", "count"),
        Column("ytd_enrolled", "本年累计参训", "enrolments, year to date", "count"),
        Column("ytd_passed", "本年累计合格", "passed, year to date", "count"),
    )
    rows = [
        (f"{SCHEMES.get(s, s)} {s}", *(str(c[k]) for k in keys)) for s, c in sorted(counts.items())
    ]
    total = ("合计 total", *(str(sum(c[k] for c in counts.values())) for k in keys))
    return table("trainings", ("培训情况", "Trainings"), columns, rows, total=total)


CERTIFICATE_COLUMNS = (
    Column("kind", "证书类型", "certificate"),
    Column("level", "等级", "level"),
    Column("period", "本期", "this period", "count"),
    Column("ytd", "本年累计", "year to date", "count"),
)


def certificate_counts(
    sources: Sources, fund_id: str, found: list[Trainee], period: Period
) -> dict[tuple[str, str], Counter[str]]:
    """Certificates of the year to date issued to the fund's trainees, or founding its
    claims, counted by (kind, level) for the period and the year to date."""
    people = {t.person_id for t in found}
    c = CLAIMS.c
    claimed = set(
        sources.connection.execute(
            sa.select(c.certificate_no).where(c.fund_id == fund_id, c.certificate_no.is_not(None))
        ).scalars()
    )
    counts: dict[tuple[str, str], Counter[str]] = {}
    for row in sources.entities("certificate"):
        if not within(row["on"], period.year_first, period.last):
            continue
        certificate = sources.certificate(row["key"])
        if certificate and (certificate.person_id in people or row["key"] in claimed):
            counter = counts.setdefault((certificate.kind, certificate.level or ""), Counter())
            counter["ytd"] += 1
            counter["period"] += within(certificate.issued_on, period.first, period.last)
    return counts


def certificate_table(
    sources: Sources, fund_id: str, found: list[Trainee], period: Period
) -> Table:
    counts = certificate_counts(sources, fund_id, found, period)
    rows = [
        (
            f"{CERTIFICATE_KINDS.get(kind, kind)} {kind}",
            LEVELS.get(level, NOT_AVAILABLE),
            str(counter["period"]),
            str(counter["ytd"]),
        )
        for (kind, level), counter in sorted(counts.items())
    ]
    sums = (str(sum(c[k] for c in counts.values())) for k in ("period", "ytd"))
    title = ("取证情况", "Certificates obtained")
    return table("certificates", title, CERTIFICATE_COLUMNS, rows, total=("合计 total", "", *sums))


CLAIM_COLUMNS = (
    Column("subsidy", "补贴类型", "subsidy"),
    Column("filed", "申请", "filed", "count"),
    Column("approved", "核准", "approved", "count"),
    Column("approved_amount", "核准金额（元）", "approved yuan", "money"),
    Column("rejected", "不予核准", "rejected", "count"),
    Column("reversed", "撤销核准", "reversed (objection, fraud)", "count"),
    Column("paid", "支付", "paid", "count"),
    Column("paid_amount", "支付金额（元）", "paid yuan", "money"),
    Column("ytd_paid_amount", "本年累计支付（元）", "paid yuan, year to date", "money"),
)
REVERSALS = ("claim_rejected_on_objection", "claim_rejected_by_case")


def claim_counts(sources: Sources, fund_id: str, period: Period) -> dict[str, Counter[str]]:
    """Per subsidy: claims filed, approved, rejected, reversed and paid, with amounts in fen."""
    counts: dict[str, Counter[str]] = {}
    approved_ids: set[str] = set()
    for m in movements(sources.connection, fund_id, period.year_first, period.last):
        if m.account != PAYABLE or m.subsidy is None:
            continue
        counter = counts.setdefault(m.subsidy, Counter())
        in_period = within(m.on, period.first, period.last)
        if m.kind == "payment":
            counter["ytd_paid_amount"] += m.debit_fen
        if in_period and m.kind == "claim_approved":
            counter["approved"] += 1
            counter["approved_amount"] += m.credit_fen
            approved_ids.add(m.reference)
        elif in_period and m.kind == "payment":
            counter["paid"] += 1
            counter["paid_amount"] += m.debit_fen
        elif in_period and m.kind in REVERSALS:
            counter["reversed"] += 1
    c = CLAIMS.c
    query = sa.select(c.claim_id, c.subsidy, c.filed_on, c.decided_on).where(c.fund_id == fund_id)
    for row in sources.connection.execute(query.where(c.filed_on <= period.last)):
        counter = counts.setdefault(row.subsidy, Counter())
        counter["filed"] += within(row.filed_on, period.first, period.last)
        decided = within(row.decided_on, period.first, period.last)
        counter["rejected"] += decided and row.claim_id not in approved_ids
    return counts


def claims_table(sources: Sources, fund_id: str, period: Period) -> Table:
    counts = claim_counts(sources, fund_id, period)

    def cells(counter: Counter[str]) -> tuple[str, ...]:
        return tuple(
            yuan(counter[col.key]) if col.kind == "money" else str(counter[col.key])
            for col in CLAIM_COLUMNS[1:]
        )

    rows = [(f"{SUBSIDIES.get(s, s)} {s}", *cells(c)) for s, c in sorted(counts.items())]
    total = ("合计 total", *cells(sum(counts.values(), Counter())))
    return table(
        "claims", ("补贴申请与支付", "Claims and payments"), CLAIM_COLUMNS, rows, total=total
    )


def placements(sources: Sources) -> dict[str, list[date]]:
    """Job placements recorded, by person."""
    found: dict[str, list[date]] = {}
    for event in sources.events_of(Employment.Recorded.TOPIC):
        found.setdefault(event.person_id, []).append(event.on)
    return found


def employment_rate(sources: Sources, found: list[Trainee], period: Period) -> tuple[int, int]:
    """(placed, trainees): trainees of the year to date who completed training, not counting
    enterprise employees (企业在岗职工), and those of them placed in a job after enrolling."""
    placed_on, seen, placed = placements(sources), set(), 0
    for t in found:
        if not within(t.completed_on, period.year_first, period.last) or t.person_id in seen:
            continue
        person = sources.person(t.person_id)
        groups = person.facts_on(t.enrolled_on).get("groups", []) if person else []
        if EMPLOYEE_GROUP in groups:
            continue
        seen.add(t.person_id)
        placed += any(t.enrolled_on <= d <= period.last for d in placed_on.get(t.person_id, []))
    return placed, len(seen)


TARGET_COLUMNS = (
    Column("indicator", "指标", "indicator"),
    Column("window", "期间", "window"),
    Column("target", "目标", "target"),
    Column("actual", "完成", "actual", "count"),
    Column("rate", "完成率", "of target"),
    Column("citation", "依据", "citation"),
)


def target_row(target: Target, found: list[Trainee], period: Period) -> tuple[str, ...]:
    """One target against the fund's enrolments in its window, up to the period's end."""
    last = min(target.last, period.last)
    window = f"{target.first.isoformat()} 至 {target.last.isoformat()}"
    if not target.attributable:
        actual, rate = NOT_AVAILABLE, NOT_AVAILABLE
    else:
        count = sum(within(t.enrolled_on, target.first, last) for t in found)
        actual, rate = str(count), percent(count, target.trainings)
    indicator = f"{target.zh} {target.en}"
    return (indicator, window, f"{target.trainings}人次", actual, rate, target.citation)


def employment_row(sources: Sources, found: list[Trainee], period: Period) -> tuple[str, ...]:
    placed, total = employment_rate(sources, found, period)
    met = placed * 100 >= EMPLOYMENT_RATE_MIN_PERCENT * total and total > 0
    verdict = "达标 met" if met else "未达标 not met"
    return (
        "培训学员就业率（不含企业在岗职工） employment rate of trainees, excluding employees",
        f"{period.year_first.isoformat()} 至 {period.last.isoformat()}",
        f"≥ {EMPLOYMENT_RATE_MIN_PERCENT}%",
        f"{placed}/{total}",
        f"{percent(placed, total)} {verdict}",
        "运政办发〔2020〕14号 二",
    )


def targets_table(sources: Sources, fund: FundInfo, found: list[Trainee], period: Period) -> Table:
    rows = [target_row(t, found, period) for t in targets_for(fund.jurisdiction, fund.name, period)]
    if fund.jurisdiction == "yuncheng":
        rows.append(employment_row(sources, found, period))
    note = (
        "完成数为本专账培训班参训人次 (actual: enrolments in this fund's classes); "
        "— 无法按该口径归集 (not attributable)."
    )
    return table("targets", ("目标任务完成情况", "Against the targets"), TARGET_COLUMNS, rows, note)


def build_statutory(sources: Sources, fund: FundInfo, period: Period) -> Report:
    """The 月报/季报/年报 of one fund for one period."""
    found = trainees(sources, fund.fund_id)
    duty, citation = REPORTING.get(fund.jurisdiction, (NOT_AVAILABLE, ""))
    facts = (*fund_facts(sources, fund, period), ("文件要求 Required by", f"{duty}（{citation}）"))
    tables = (
        training_table(sources, fund.fund_id, found, period),
        certificate_table(sources, fund.fund_id, found, period),
        claims_table(sources, fund.fund_id, period),
        targets_table(sources, fund, found, period),
    )
    title = (
        f"职业技能提升行动工作情况{period.report_zh}（{period.label}）",
        period.report_en.capitalize(),
    )
    return Report("statutory", title[0], title[1], facts, tables)
