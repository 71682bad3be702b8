"""The double-entry journal of the dedicated account, and the balance view.

Every money event becomes one journal entry whose postings balance (debits = credits):
  deposit           Dr cash[channel]              Cr fund_capital[channel]
  claim approved    Dr subsidy_expense[subsidy]   Cr subsidies_payable[subsidy]
Later money events (payments, advances, clawbacks, recoveries) add entries of their own;
the balance view reads accounts, not events, so it does not change with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.claim import Claim
from domain.fund import Deposit
from projections.base import METADATA, Projection

CASH, CAPITAL, EXPENSE, PAYABLE = "cash", "fund_capital", "subsidy_expense", "subsidies_payable"
ADVANCES, CLAWBACKS = "advances_receivable", "clawbacks_receivable"

ENTRIES = sa.Table(
    "pj_journal_entries",
    METADATA,
    sa.Column("entry_id", sa.BigInteger, primary_key=True),  # The notification id of its event.
    sa.Column("fund_id", sa.String(64), nullable=False, index=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(128), nullable=False),
)

POSTINGS = sa.Table(
    "pj_journal_postings",
    METADATA,
    sa.Column("entry_id", sa.BigInteger, primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("fund_id", sa.String(64), nullable=False, index=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("account", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(40), nullable=True),
    sa.Column("subsidy", sa.String(40), nullable=True),
    sa.Column("debit_fen", sa.BigInteger, nullable=False),
    sa.Column("credit_fen", sa.BigInteger, nullable=False),
)

CLAIM_KEYS = sa.Table(
    "pj_journal_claims",
    METADATA,
    sa.Column("claim_uuid", sa.String(36), primary_key=True),
    sa.Column("claim_id", sa.String(64), nullable=False),
    sa.Column("fund_id", sa.String(64), nullable=False),
    sa.Column("subsidy", sa.String(40), nullable=False),
)


@dataclass(frozen=True)
class Posting:
    account: str
    debit_fen: int = 0
    credit_fen: int = 0
    channel: str | None = None
    subsidy: str | None = None


class UnbalancedEntryError(AssertionError):
    """A journal entry whose debits and credits differ: a programming error, never data."""


def write_entry(
    connection: Connection,
    entry_id: int,
    fund_id: str,
    on: date,
    kind: str,
    reference: str,
    postings: list[Posting],
) -> None:
    debits, credits = sum(p.debit_fen for p in postings), sum(p.credit_fen for p in postings)
    if debits != credits:
        raise UnbalancedEntryError(
            f"entry {entry_id} ({kind} {reference}): Dr {debits} != Cr {credits}"
        )
    connection.execute(
        ENTRIES.insert().values(
            entry_id=entry_id, fund_id=fund_id, on=on, kind=kind, reference=reference
        )
    )
    rows = [
        dict(
            entry_id=entry_id,
            line=n,
            fund_id=fund_id,
            on=on,
            account=p.account,
            channel=p.channel,
            subsidy=p.subsidy,
            debit_fen=p.debit_fen,
            credit_fen=p.credit_fen,
        )
        for n, p in enumerate(postings, start=1)
    ]
    connection.execute(POSTINGS.insert(), rows)


class Journal(Projection):
    name = "journal"
    tables = (ENTRIES, POSTINGS, CLAIM_KEYS)

    def register(self) -> None:
        self.on(Deposit.Received, self.deposit_received)
        self.on(Claim.Filed, self.claim_filed)
        self.on(Claim.Approved, self.claim_approved)

    @staticmethod
    def deposit_received(connection: Connection, e: Any, entry_id: int) -> None:
        write_entry(
            connection,
            entry_id,
            e.fund_id,
            e.on,
            "deposit",
            e.deposit_id,
            [
                Posting(CASH, debit_fen=e.amount_fen, channel=e.channel),
                Posting(CAPITAL, credit_fen=e.amount_fen, channel=e.channel),
            ],
        )

    @staticmethod
    def claim_filed(connection: Connection, e: Any, entry_id: int) -> None:
        connection.execute(
            CLAIM_KEYS.insert().values(
                claim_uuid=str(e.originator_id),
                claim_id=e.claim_id,
                fund_id=e.fund_id,
                subsidy=e.subsidy,
            )
        )

    @staticmethod
    def claim_approved(connection: Connection, e: Any, entry_id: int) -> None:
        claim = connection.execute(
            sa.select(CLAIM_KEYS).where(CLAIM_KEYS.c.claim_uuid == str(e.originator_id))
        ).one()
        write_entry(
            connection,
            entry_id,
            claim.fund_id,
            e.on,
            "claim_approved",
            claim.claim_id,
            [
                Posting(EXPENSE, debit_fen=e.amount_fen, subsidy=claim.subsidy),
                Posting(PAYABLE, credit_fen=e.amount_fen, subsidy=claim.subsidy),
            ],
        )


@dataclass
class Balance:
    """The dedicated account of one fund on a business date (all amounts in fen)."""

    fund_id: str
    as_of: date | None
    cash_fen: int = 0
    deposits_by_channel_fen: dict[str, int] = field(default_factory=dict)
    cash_by_channel_fen: dict[str, int] = field(default_factory=dict)
    approved_by_subsidy_fen: dict[str, int] = field(default_factory=dict)
    payable_by_subsidy_fen: dict[str, int] = field(default_factory=dict)
    paid_by_subsidy_fen: dict[str, int] = field(default_factory=dict)
    advances_outstanding_fen: int = 0
    clawbacks_receivable_fen: int = 0
    recovered_fen: int = 0
    debits_fen: int = 0
    credits_fen: int = 0


def balance(connection: Connection, fund_id: str, as_of: date | None = None) -> Balance:
    """Sum the postings of a fund up to a business date, account by account."""
    p = POSTINGS.c
    query = (
        sa.select(
            p.account, p.channel, p.subsidy, sa.func.sum(p.debit_fen), sa.func.sum(p.credit_fen)
        )
        .where(p.fund_id == fund_id)
        .group_by(p.account, p.channel, p.subsidy)
        .order_by(p.account, p.channel, p.subsidy)
    )
    if as_of is not None:
        query = query.where(p.on <= as_of)
    result = Balance(fund_id, as_of)
    for account, channel, subsidy, debit, credit in connection.execute(query):
        debit, credit = int(debit or 0), int(credit or 0)
        result.debits_fen += debit
        result.credits_fen += credit
        accumulate(result, account, channel or subsidy or "", debit, credit)
    return result


def accumulate(result: Balance, account: str, dimension: str, debit: int, credit: int) -> None:
    """Fold one account's totals into the balance's figures."""
    if account == CASH:
        result.cash_fen += debit - credit
        result.cash_by_channel_fen[dimension] = (
            result.cash_by_channel_fen.get(dimension, 0) + debit - credit
        )
    elif account == CAPITAL:
        result.deposits_by_channel_fen[dimension] = credit - debit
    elif account == EXPENSE:
        result.approved_by_subsidy_fen[dimension] = debit - credit
    elif account == PAYABLE:
        result.payable_by_subsidy_fen[dimension] = credit - debit
        if debit:
            result.paid_by_subsidy_fen[dimension] = debit
    elif account == ADVANCES:
        result.advances_outstanding_fen += debit - credit
    elif account == CLAWBACKS:
        result.clawbacks_receivable_fen += debit - credit
        result.recovered_fen += credit


def trial_balance(connection: Connection) -> int:
    """Debits minus credits over the whole journal: zero, always."""
    p = POSTINGS.c
    total = connection.execute(
        sa.select(sa.func.sum(p.debit_fen) - sa.func.sum(p.credit_fen))
    ).scalar()
    return int(total or 0)
