"""The balance view: a fund's dedicated account on a business date, from the journal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from projections.journal import (
    ADVANCES,
    ALLOCATED_IN,
    ALLOCATED_OUT,
    CAPITAL,
    CASH,
    CLAWBACKS,
    ENTRIES,
    EXPENSE,
    FUNDS,
    INSTITUTION_RECEIVABLE,
    PAYABLE,
    POSTINGS,
)


@dataclass
class Balance:
    """The dedicated account of one fund (or a city and its sub-accounts) on a date, in fen."""

    fund_id: str
    as_of: date | None
    cash_fen: int = 0
    deposits_by_channel_fen: dict[str, int] = field(default_factory=dict)
    cash_by_channel_fen: dict[str, int] = field(default_factory=dict)
    approved_by_subsidy_fen: dict[str, int] = field(default_factory=dict)
    payable_by_subsidy_fen: dict[str, int] = field(default_factory=dict)
    paid_by_subsidy_fen: dict[str, int] = field(default_factory=dict)
    allocated_out_fen: int = 0
    allocated_in_fen: int = 0
    advances_outstanding_fen: int = 0
    institution_receivable_fen: int = 0
    clawbacks_receivable_fen: int = 0
    recovered_fen: int = 0
    debits_fen: int = 0
    credits_fen: int = 0


def add(table: dict[str, int], key: str, amount: int) -> None:
    table[key] = table.get(key, 0) + amount


def accumulate(result: Balance, account: str, dimension: str, debit: int, credit: int) -> None:
    """Fold one account's totals into the balance's figures."""
    if account == CASH:
        result.cash_fen += debit - credit
        add(result.cash_by_channel_fen, dimension, debit - credit)
    elif account == CAPITAL:
        add(result.deposits_by_channel_fen, dimension, credit - debit)
    elif account == EXPENSE:
        add(result.approved_by_subsidy_fen, dimension, debit - credit)
    elif account == PAYABLE:
        add(result.payable_by_subsidy_fen, dimension, credit - debit)
    elif account == ALLOCATED_OUT:
        result.allocated_out_fen += debit - credit
    elif account == ALLOCATED_IN:
        result.allocated_in_fen += credit - debit
    elif account == ADVANCES:
        result.advances_outstanding_fen += debit - credit
    elif account == INSTITUTION_RECEIVABLE:
        result.institution_receivable_fen += debit - credit
    elif account == CLAWBACKS:
        result.clawbacks_receivable_fen += debit - credit
        result.recovered_fen += credit


def balance(connection: Connection, fund_ids: list[str], as_of: date | None = None) -> Balance:
    """Sum the postings of the funds up to a business date, account by account."""
    p = POSTINGS.c
    query = (
        sa.select(
            p.account, p.channel, p.subsidy, sa.func.sum(p.debit_fen), sa.func.sum(p.credit_fen)
        )
        .where(p.fund_id.in_(fund_ids))
        .group_by(p.account, p.channel, p.subsidy)
        .order_by(p.account, p.channel, p.subsidy)
    )
    if as_of is not None:
        query = query.where(p.on <= as_of)
    result = Balance(fund_ids[0], as_of)
    for account, channel, subsidy, debit, credit in connection.execute(query):
        debit, credit = int(debit or 0), int(credit or 0)
        result.debits_fen += debit
        result.credits_fen += credit
        accumulate(result, account, channel or subsidy or "", debit, credit)
    result.paid_by_subsidy_fen = paid_by_subsidy(connection, fund_ids, as_of)
    return result


def paid_by_subsidy(
    connection: Connection, fund_ids: list[str], as_of: date | None
) -> dict[str, int]:
    """What payments discharged, by subsidy: the debits of the payable account by payments."""
    p, e = POSTINGS.c, ENTRIES.c
    query = (
        sa.select(p.subsidy, sa.func.sum(p.debit_fen))
        .join(ENTRIES, sa.and_(e.entry_id == p.entry_id, e.fund_id == p.fund_id))
        .where(p.fund_id.in_(fund_ids), p.account == PAYABLE, e.kind == "payment")
        .group_by(p.subsidy)
        .order_by(p.subsidy)
    )
    if as_of is not None:
        query = query.where(p.on <= as_of)
    return {subsidy: int(total) for subsidy, total in connection.execute(query)}


def sub_accounts(connection: Connection, fund_id: str) -> list[str]:
    """The district sub-accounts of a fund, and theirs, depth first."""
    children = connection.execute(
        sa.select(FUNDS.c.fund_id)
        .where(FUNDS.c.parent_fund_id == fund_id)
        .order_by(FUNDS.c.fund_id)
    ).scalars()
    found: list[str] = []
    for child in children:
        found += [child, *sub_accounts(connection, child)]
    return found


def trial_balance(connection: Connection, fund_id: str | None = None) -> int:
    """Debits minus credits over the journal (of one fund): zero, always."""
    p = POSTINGS.c
    query = sa.select(sa.func.sum(p.debit_fen) - sa.func.sum(p.credit_fen))
    if fund_id is not None:
        query = query.where(p.fund_id == fund_id)
    return int(connection.execute(query).scalar() or 0)
