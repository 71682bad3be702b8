"""The fund-use report (资金使用情况): the dedicated account over the period, from the journal.

Every figure is a sum of journal postings of the fund in the period, so it ties to the
ledger: opening cash + deposits + allocations in − allocations out − advances − payments
(net) + recoveries = closing cash, and the report prints the difference (always 0.00).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.masking import mask_account
from domain.parties import Institution
from domain.vocabulary import CHANNELS, JURISDICTIONS, LEVELS, SUBSIDIES
from ledger.reports.journal import FundUse, PaymentLine, gather_fund_use, movements
from ledger.reports.model import Chart, Column, Period, Report, Table, table, yuan
from ledger.reports.sources import UNKNOWN, FundInfo, Sources
from projections.balance import sub_accounts
from projections.claims import CLAIMS
from projections.journal import ADVANCES, CAPITAL, CASH, CLAWBACKS, PAYABLE

DIRECT_TO_PERSONS = "个人直补 paid to trainees"


def subsidy_label(subsidy: str) -> str:
    return f"{SUBSIDIES.get(subsidy, subsidy)} {subsidy}"


def channel_label(channel: str) -> str:
    return f"{CHANNELS.get(channel, channel)} {channel}"


def grouped(items: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """(key, count, total) per key, in key order."""
    totals: dict[str, list[int]] = {}
    for key, amount in items:
        entry = totals.setdefault(key, [0, 0])
        entry[0] += 1
        entry[1] += amount
    return [(key, n, total) for key, (n, total) in sorted(totals.items())]


COUNT_AMOUNT = (
    Column("count", "笔数", "count", "count"),
    Column("amount", "金额（元）", "yuan", "money"),
)


def counted_table(
    key: str, title: tuple[str, str], first: Column, rows: list[tuple[str, int, int]]
) -> Table:
    """A table of (label, count, amount) rows with a total row."""
    total = ("合计 total", str(sum(r[1] for r in rows)), yuan(sum(r[2] for r in rows)))
    return table(
        key,
        title,
        (first, *COUNT_AMOUNT),
        [(label, str(n), yuan(amount)) for label, n, amount in rows],
        total=total,
    )


def institution_of(sources: Sources, line: PaymentLine) -> str:
    """The institution a payment is attributed to: the payee if an institution, else the
    institution that ran the training, else the direct-to-persons group."""
    claim = line.claim
    payee = sources.institution(claim.get("beneficiary_id", ""))
    if payee is not None:
        return f"{payee.name}（{payee.institution_id}）"
    klass = sources.klass(claim.get("class_id"))
    if klass is not None:
        return f"{sources.institution_name(klass.institution_id)}（{klass.institution_id}）"
    return DIRECT_TO_PERSONS


def occupation_of(sources: Sources, claim: dict[str, Any]) -> tuple[str, str]:
    """(occupation, level label) of a claim: from its class, else its certificate."""
    klass = sources.klass(claim.get("class_id"))
    certificate = sources.certificate(claim.get("certificate_no"))
    occupation = klass.occupation if klass else (certificate.occupation if certificate else "")
    level = (klass.level if klass else None) or (certificate.level if certificate else None)
    return occupation or UNKNOWN, LEVELS.get(level or "", UNKNOWN)


def summary_rows(use: FundUse) -> list[tuple[str, int]]:
    """The account's movements in the period, from the opening to the closing balance, then
    what is outstanding at the period's end."""
    gross = sum(p.gross_fen for p in use.payments)
    settled = sum(p.settled_fen for p in use.payments)
    rows = [
        ("期初余额 opening balance", use.opening.cash_fen),
        ("资金到账 deposits received", use.deposits_fen),
        ("市级下拨 allocated in from the city", use.allocated_in_fen),
        ("下拨区县子账户 allocated out to district sub-accounts", use.allocated_out_fen),
        ("预拨培训机构 advances paid", use.advances_fen),
        ("补贴支出（核定金额） subsidies paid (approved amount)", gross),
        ("　其中冲抵预拨 of which settled against advances", settled),
        ("　实际支付 of which paid in cash", gross - settled),
        ("追回资金 recovered", use.recovered_fen),
        ("期末余额 closing balance", use.closing.cash_fen),
        ("核对差额 check: opening + movements − closing", use.difference_fen()),
        ("期末预拨未结 advances outstanding at period end", use.closing.advances_outstanding_fen),
        ("期末预拨应退 advance excess owed back", use.closing.institution_receivable_fen),
        ("本期认定应追回 clawbacks found in the period", use.clawbacks_fen),
        (
            "期末应追回未追回 clawbacks receivable at period end",
            use.closing.clawbacks_receivable_fen,
        ),
        (
            "期末已核准未支付 approved, unpaid at period end",
            sum(use.closing.payable_by_subsidy_fen.values()),
        ),
    ]
    return rows


def summary_table(use: FundUse) -> Table:
    rows = summary_rows(use)
    return table(
        "summary",
        ("资金收支汇总", "Summary of the dedicated account"),
        (Column("item", "项目", "item"), Column("amount", "金额（元）", "yuan", "money")),
        [(label, yuan(amount)) for label, amount in rows],
        note="余额为专账现金 (cash of the account); 数字取自记账分录 (from journal postings).",
    )


def deposits_table(use: FundUse) -> Table:
    deposits = [m for m in use.moves if m.kind == "deposit" and m.account == CAPITAL]
    items = [(channel_label(m.channel or "other"), m.credit_fen) for m in deposits]
    return counted_table(
        "deposits",
        ("资金到账（按渠道）", "Deposits by channel"),
        Column("channel", "资金渠道", "channel"),
        grouped(items),
    )


def by_subsidy_table(use: FundUse) -> Table:
    rows: dict[str, list[int]] = {}
    for p in use.payments:
        entry = rows.setdefault(p.subsidy, [0, 0, 0, 0])
        for i, value in enumerate((1, p.gross_fen, p.settled_fen, p.net_fen)):
            entry[i] += value
    columns = (
        Column("subsidy", "补贴类型", "subsidy"),
        Column("count", "笔数", "count", "count"),
        Column("gross", "核定金额（元）", "approved yuan", "money"),
        Column("settled", "冲抵预拨（元）", "settled against advances", "money"),
        Column("net", "实际支付（元）", "paid in cash", "money"),
    )
    body = [
        (subsidy_label(s), str(v[0]), yuan(v[1]), yuan(v[2]), yuan(v[3]))
        for s, v in sorted(rows.items())
    ]
    sums = [sum(v[i] for v in rows.values()) for i in range(4)]
    total = ("合计 total", str(sums[0]), yuan(sums[1]), yuan(sums[2]), yuan(sums[3]))
    return table(
        "by_subsidy",
        ("补贴支出（按补贴类型）", "Payments by subsidy type"),
        columns,
        body,
        total=total,
    )


def by_institution_table(sources: Sources, use: FundUse) -> Table:
    items = [(institution_of(sources, p), p.gross_fen) for p in use.payments]
    return counted_table(
        "by_institution",
        ("补贴支出（按机构）", "Payments by institution"),
        Column("institution", "机构（统一社会信用代码）", "institution (credit code)"),
        grouped(items),
    )


def by_occupation_table(sources: Sources, use: FundUse) -> Table:
    items = [(occupation_of(sources, p.claim)[0], p.gross_fen) for p in use.payments]
    return counted_table(
        "by_occupation",
        ("补贴支出（按职业工种）", "Payments by occupation"),
        Column("occupation", "职业（工种）", "occupation"),
        grouped(items),
    )


REGISTER_COLUMNS = (
    Column("date", "支付日期", "date"),
    Column("payment_id", "支付编号", "payment"),
    Column("claim_id", "申请编号", "claim"),
    Column("subsidy", "补贴类型", "subsidy"),
    Column("payee", "收款方", "payee"),
    Column("account", "收款账户", "account (masked)"),
    Column("gross", "核定金额（元）", "approved yuan", "money"),
    Column("settled", "冲抵预拨（元）", "settled against advance", "money"),
    Column("net", "实际支付（元）", "paid in cash", "money"),
    Column("bank_reference", "银行流水号", "bank reference"),
)


def register_table(sources: Sources, use: FundUse) -> Table:
    rows = []
    for p in sorted(use.payments, key=lambda p: (p.on, p.payment_id)):
        beneficiary = p.claim.get("beneficiary_id", "")
        account = sources.payee_account(beneficiary)
        rows.append(
            (
                p.on.isoformat(),
                p.payment_id,
                p.claim.get("claim_id", UNKNOWN),
                subsidy_label(p.subsidy),
                sources.payee(beneficiary),
                mask_account(account) if account else UNKNOWN,
                yuan(p.gross_fen),
                yuan(p.settled_fen),
                yuan(p.net_fen),
                p.bank_reference,
            )
        )
    title = ("补贴支付明细", "Payment register")
    return table(
        "payments",
        title,
        REGISTER_COLUMNS,
        rows,
        note="收款账户仅显示后4位 (accounts show their last 4 only).",
    )


def advances_table(sources: Sources, use: FundUse) -> Table:
    columns = (
        Column("date", "预拨日期", "date"),
        Column("advance_id", "预拨编号", "advance"),
        Column("institution", "培训机构", "institution"),
        Column("class_id", "培训班", "class"),
        Column("amount", "金额（元）", "yuan", "money"),
    )
    rows, total = [], 0
    for m in use.moves:
        if m.kind == "advance" and m.account == ADVANCES:
            found = sources.entity("advance", m.reference)
            klass = sources.klass(found["label"] if found else None)
            name = sources.institution_name(klass.institution_id) if klass else UNKNOWN
            rows.append(
                (
                    m.on.isoformat(),
                    m.reference,
                    name,
                    klass.class_id if klass else UNKNOWN,
                    yuan(m.debit_fen),
                )
            )
            total += m.debit_fen
    outstanding = yuan(use.closing.advances_outstanding_fen)
    note = f"期末预拨未结 advances outstanding at period end: {outstanding}"
    title = ("预拨资金（先行拨付）", "Advances paid")
    return table("advances", title, columns, rows, note, ("合计 total", "", "", "", yuan(total)))


RECOVERY_KINDS = {
    "clawback": "认定应追回（已付补贴） clawback of a paid claim",
    "advance_clawback": "认定应追回（预拨资金） clawback of an advance",
    "recovery": "已追回 recovered",
}


def clawbacks_table(use: FundUse) -> Table:
    columns = (
        Column("date", "日期", "date"),
        Column("kind", "事项", "what"),
        Column("reference", "编号", "reference"),
        Column("amount", "金额（元）", "yuan", "money"),
    )
    rows = []
    for m in use.moves:
        recovered = m.kind == "recovery" and m.account == CASH
        if recovered or (m.kind in RECOVERY_KINDS and m.account == CLAWBACKS and m.debit_fen):
            amount = m.debit_fen
            rows.append((m.on.isoformat(), RECOVERY_KINDS[m.kind], m.reference, yuan(amount)))
    note = (
        f"期末应追回未追回 receivable at period end: {yuan(use.closing.clawbacks_receivable_fen)}"
    )
    return table("clawbacks", ("违规资金追回", "Clawbacks and recoveries"), columns, rows, note)


def related_institutions(sources: Sources, fund_id: str) -> set[str]:
    """Institutions paid by the fund or running its classes: whose bans the fund reports."""
    c = CLAIMS.c
    query = sa.select(c.beneficiary_id).where(c.fund_id == fund_id).distinct()
    related = set(sources.connection.execute(query).scalars())
    for row in sources.entities("class", fund_id):
        klass = sources.klass(row["key"])
        if klass is not None:
            related.add(klass.institution_id)
    return related


def bans_table(sources: Sources, fund_id: str, period: Period) -> Table:
    columns = (
        Column("date", "日期", "date"),
        Column("institution", "机构", "institution"),
        Column("credit_code", "统一社会信用代码", "credit code"),
        Column("case_id", "案件编号", "case"),
    )
    related, rows = related_institutions(sources, fund_id), []
    for event in sources.events_of(Institution.Banned.TOPIC):
        institution_id = sources.aggregate_key(event.originator_id, "institution")
        if period.first <= event.on <= period.last and institution_id in related:
            name = sources.institution_name(institution_id)
            rows.append((event.on.isoformat(), name, institution_id or UNKNOWN, event.case_id))
    title = ("取消补贴培训资格的机构", "Institutions banned from subsidised training")
    return table(
        "bans",
        title,
        columns,
        sorted(rows),
        "查实骗补的机构 (institutions found to have committed fraud).",
    )


def balance_chart(use: FundUse, period: Period) -> Chart:
    """The account's cash at the end of each day it changed, from the opening balance."""
    cash, by_day = use.opening.cash_fen, {}
    for m in use.moves:
        if m.account == CASH:
            cash += m.debit_fen - m.credit_fen
            by_day[m.on.isoformat()] = cash
    points = [(period.first.isoformat(), use.opening.cash_fen), *sorted(by_day.items())]
    if points[-1][0] != period.last.isoformat():
        points.append((period.last.isoformat(), use.closing.cash_fen))
    return Chart("balance", "line", "专账余额变化", "Balance over time (yuan)", tuple(points))


def by_type_chart(use: FundUse) -> Chart:
    totals: dict[str, int] = defaultdict(int)
    for p in use.payments:
        totals[SUBSIDIES.get(p.subsidy, p.subsidy)] += p.gross_fen
    points = tuple(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])))
    return Chart(
        "by_type", "hbars", "补贴支出（按类型）", "Spending by subsidy type (yuan)", points
    )


def by_month_chart(connection: Connection, fund_id: str, use: FundUse, period: Period) -> Chart:
    """Payments by month, from the start of the period's year to its end."""
    moves = (
        use.moves
        if period.kind == "year"
        else movements(connection, fund_id, period.year_first, period.last)
    )
    totals = dict.fromkeys(period.months(from_year_start=True), 0)
    for m in moves:
        if m.kind == "payment" and m.account == PAYABLE:
            totals[m.on.isoformat()[:7]] += m.debit_fen
    title = ("补贴支出（按月，本年累计）", "Spending by month, year to date (yuan)")
    return Chart("by_month", "bars", title[0], title[1], tuple(totals.items()))


def fund_facts(sources: Sources, fund: FundInfo, period: Period) -> tuple[tuple[str, str], ...]:
    """The headline facts every report of a fund opens with."""
    children = sub_accounts(sources.connection, fund.fund_id)
    facts = [
        ("专账 Fund", f"{fund.name}（{fund.fund_id}）"),
        (
            "地区 Jurisdiction",
            f"{JURISDICTIONS.get(fund.jurisdiction, fund.jurisdiction)} {fund.jurisdiction}",
        ),
        (
            "期间 Period",
            f"{period.label}（{period.first.isoformat()} 至 {period.last.isoformat()}）",
        ),
        ("报告 Report", f"{period.report_zh} {period.report_en}"),
    ]
    if children:
        facts.append(("区县子账户 Sub-accounts (reported separately)", "、".join(children)))
    return tuple(facts)


def build_fund_use(sources: Sources, fund: FundInfo, period: Period) -> Report:
    """The fund-use report of one fund for one period."""
    use = gather_fund_use(sources.connection, fund.fund_id, period)
    tables = (
        summary_table(use),
        deposits_table(use),
        by_subsidy_table(use),
        by_institution_table(sources, use),
        by_occupation_table(sources, use),
        register_table(sources, use),
        advances_table(sources, use),
        clawbacks_table(use),
        bans_table(sources, fund.fund_id, period),
    )
    charts = (
        balance_chart(use, period),
        by_type_chart(use),
        by_month_chart(sources.connection, fund.fund_id, use, period),
    )
    title = (f"职业技能提升行动专账资金使用情况（{period.label}）", "Use of the fund")
    return Report("fund_use", title[0], title[1], fund_facts(sources, fund, period), tables, charts)
