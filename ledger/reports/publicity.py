"""The 公示 lists: every claim put up for publicity before payment, with its dates and where
to object (Jinhua 五: 公示培训结果，再核拨经费; every document: 定期向社会公开).

A publicity is listed in every period it overlaps. Persons appear only masked
(`domain.masking`): name 张*三, resident id with the birth date hidden.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from domain.finance import Objection, Publicity
from domain.vocabulary import JURISDICTIONS
from ledger.reports.fund_use import fund_facts, occupation_of, subsidy_label
from ledger.reports.model import Column, Period, Report, Table, table, yuan
from ledger.reports.sources import UNKNOWN, FundInfo, Sources
from projections.claims import CLAIMS

OBJECTION_OUTCOMES = {
    True: "异议成立 upheld",
    False: "异议不成立 dismissed",
    None: "处理中 pending",
}


def publicities(sources: Sources, fund_id: str, period: Period) -> list[Publicity]:
    """The fund's publicities that overlap the period, by start date and id."""
    found = []
    for row in sources.entities("publicity", fund_id):
        publicity = sources.publicity(row["key"])
        if publicity and publicity.start_date <= period.last and publicity.end_date >= period.first:
            found.append(publicity)
    return sorted(found, key=lambda p: (p.start_date, p.publicity_id))


def claims_by_id(sources: Sources, claim_ids: list[str]) -> dict[str, dict[str, Any]]:
    c = CLAIMS.c
    query = sa.select(CLAIMS).where(c.claim_id.in_(claim_ids))
    return {row.claim_id: dict(row._mapping) for row in sources.connection.execute(query)}


def where_to_object(fund: FundInfo) -> str:
    """Where objections go: the human resources and social security bureau of the fund."""
    place = JURISDICTIONS.get(fund.jurisdiction, fund.jurisdiction)
    return (
        f"公示期内向{place}人力资源和社会保障局实名提出异议（书面或来电），注明公示编号和申请编号"
        f" (object to the {fund.jurisdiction} human resources and social security bureau within"
        " the publicity period, quoting the publicity and claim numbers)"
    )


def institution_of_claim(sources: Sources, claim: dict[str, Any]) -> str:
    """The institution of a claim: the one that ran the class, else the paid institution."""
    klass = sources.klass(claim.get("class_id"))
    if klass is not None:
        return sources.institution_name(klass.institution_id)
    institution = sources.institution(claim.get("beneficiary_id", ""))
    return institution.name if institution is not None else UNKNOWN


LIST_COLUMNS = (
    Column("publicity_id", "公示编号", "publicity"),
    Column("no", "序号", "no.", "count"),
    Column("claim_id", "申请编号", "claim"),
    Column("name", "姓名", "name (masked)"),
    Column("resident_id", "身份证号", "ID number (masked)"),
    Column("institution", "培训机构/单位", "institution"),
    Column("occupation", "职业（工种）", "occupation"),
    Column("level", "等级", "level"),
    Column("subsidy", "补贴类型", "subsidy"),
    Column("amount", "补贴金额（元）", "yuan", "money"),
    Column("payee", "收款方", "payee"),
    Column("dates", "公示期", "publicity dates"),
)


def list_rows(sources: Sources, publicity: Publicity) -> tuple[list[tuple[str, ...]], int]:
    """One row per claim of a publicity, in the order it was published, and their total."""
    claims = claims_by_id(sources, publicity.claim_ids)
    dates = f"{publicity.start_date.isoformat()} 至 {publicity.end_date.isoformat()}"
    rows: list[tuple[str, ...]] = []
    total_fen = 0
    for number, claim_id in enumerate(publicity.claim_ids, start=1):
        claim = claims.get(claim_id, {})
        total_fen += int(claim.get("amount_fen", 0))
        name, resident_id = sources.masked_person(claim.get("person_id", ""))
        occupation, level = occupation_of(sources, claim)
        rows.append(
            (
                publicity.publicity_id,
                str(number),
                claim_id,
                name,
                resident_id,
                institution_of_claim(sources, claim),
                occupation,
                level,
                subsidy_label(claim.get("subsidy", "")),
                yuan(int(claim.get("amount_fen", 0))),
                sources.payee(claim.get("beneficiary_id", "")),
                dates,
            )
        )
    return rows, total_fen


def list_table(sources: Sources, found: list[Publicity]) -> Table:
    rows: list[tuple[str, ...]] = []
    total_fen = 0
    for publicity in found:
        publicity_rows, publicity_fen = list_rows(sources, publicity)
        rows += publicity_rows
        total_fen += publicity_fen
    blank = ("",) * 7
    return table(
        "claims",
        ("拟支付补贴公示名单", "Claims proposed for payment"),
        LIST_COLUMNS,
        rows,
        note="姓名、身份证号已脱敏 (names and ID numbers are masked).",
        total=("合计 total", str(len(rows)), *blank, yuan(total_fen), "", ""),
    )


def publicity_table(sources: Sources, fund: FundInfo, found: list[Publicity]) -> Table:
    columns = (
        Column("publicity_id", "公示编号", "publicity"),
        Column("start", "公示开始", "from"),
        Column("end", "公示结束", "to"),
        Column("working_days", "工作日", "working days", "count"),
        Column("claims", "人数", "claims", "count"),
        Column("amount", "金额合计（元）", "yuan", "money"),
        Column("citation", "依据", "citation"),
        Column("where", "异议受理", "where to object"),
    )
    rows = []
    for p in found:
        amount = sum(int(c["amount_fen"]) for c in claims_by_id(sources, p.claim_ids).values())
        rows.append(
            (
                p.publicity_id,
                p.start_date.isoformat(),
                p.end_date.isoformat(),
                str(p.working_days),
                str(len(p.claim_ids)),
                yuan(amount),
                p.citation,
                where_to_object(fund),
            )
        )
    title = ("公示批次及异议受理", "Publicities and where to object")
    return table("publicities", title, columns, rows)


OBJECTION_COLUMNS = (
    Column("publicity_id", "公示编号", "publicity"),
    Column("objection_id", "异议编号", "objection"),
    Column("claim_id", "申请编号", "claim"),
    Column("raised_on", "提出日期", "raised on"),
    Column("outcome", "处理结果", "outcome"),
)


def objections_table(sources: Sources, found: list[Publicity], period: Period) -> Table:
    """Objections raised by the period's end against the listed publicities, and their
    outcome as recorded; what an objection said is not published."""
    ids, rows = {p.publicity_id for p in found}, []
    for row in sources.entities("objection"):
        objection = sources.load(Objection, row["key"], Objection.create_id(row["key"]))
        if objection is None or objection.publicity_id not in ids:
            continue
        if objection.raised_on <= period.last:
            outcome = OBJECTION_OUTCOMES[objection.upheld]
            raised = objection.raised_on.isoformat()
            rows.append(
                (
                    objection.publicity_id,
                    objection.objection_id,
                    objection.claim_id,
                    raised,
                    outcome,
                )
            )
    title = ("公示期异议", "Objections raised in publicity")
    return table(
        "objections",
        title,
        OBJECTION_COLUMNS,
        sorted(rows),
        note="异议内容不公开 (what was said is not published).",
    )


def build_publicity(sources: Sources, fund: FundInfo, period: Period) -> Report:
    """The 公示 lists of one fund for one period."""
    found = publicities(sources, fund.fund_id, period)
    tables = (
        publicity_table(sources, fund, found),
        list_table(sources, found),
        objections_table(sources, found, period),
    )
    facts = (
        *fund_facts(sources, fund, period),
        ("异议受理 Where to object", where_to_object(fund)),
    )
    title = (f"职业培训补贴拟支付公示（{period.label}）", "Subsidies proposed for payment")
    return Report("publicity", title[0], title[1], facts, tables)
