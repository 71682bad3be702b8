"""The journal of one fund over a period, as the disclosure reports read it: every posting
with its entry, the payments with their claims, and the period's figures in fen."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger.reports.model import Period
from ledger.reports.sources import bounded
from projections.balance import Balance, balance
from projections.claims import CLAIMS
from projections.directory import ENTITIES
from projections.journal import ADVANCES, CAPITAL, CASH, CLAWBACKS, ENTRIES, PAYABLE, POSTINGS

MOVEMENTS_MAX = 2_000_000


@dataclass(frozen=True)
class Move:
    """One posting of the fund with its entry."""

    entry_id: int
    on: date
    kind: str
    reference: str
    bank_reference: str
    account: str
    channel: str | None
    subsidy: str | None
    debit_fen: int
    credit_fen: int


def movements(connection: Connection, fund_id: str, first: date, last: date) -> list[Move]:
    """Every posting of the fund between two business dates, in entry order."""
    p, e = POSTINGS.c, ENTRIES.c
    query = (
        sa.select(e.entry_id, e.on, e.kind, e.reference, e.bank_reference, p.account)
        .add_columns(p.channel, p.subsidy, p.debit_fen, p.credit_fen)
        .join(POSTINGS, sa.and_(p.entry_id == e.entry_id, p.fund_id == e.fund_id))
        .where(e.fund_id == fund_id, e.on >= first, e.on <= last)
        .order_by(e.entry_id, p.line)
        .limit(MOVEMENTS_MAX)
    )
    rows = bounded(connection.execute(query).all(), MOVEMENTS_MAX, f"postings of {fund_id}")
    return [
        Move(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], int(r[8]), int(r[9]))
        for r in rows
    ]


def summed(moves: list[Move], kind: str | None, account: str, side: str) -> int:
    """The debits or credits of one account, of one kind of entry (or all)."""
    return sum(
        getattr(m, f"{side}_fen")
        for m in moves
        if m.account == account and (kind is None or m.kind == kind)
    )


@dataclass(frozen=True)
class PaymentLine:
    """One payment entry: gross (what it discharges), settled against an advance, net cash."""

    on: date
    payment_id: str
    bank_reference: str
    subsidy: str
    gross_fen: int
    settled_fen: int
    net_fen: int
    claim: dict[str, Any]


def payment_lines(connection: Connection, moves: list[Move]) -> list[PaymentLine]:
    """The payment entries among the moves, each with its claim's register row."""
    by_entry: dict[int, list[Move]] = defaultdict(list)
    for move in moves:
        if move.kind == "payment":
            by_entry[move.entry_id].append(move)
    claims = claims_of_payments(connection, [ms[0].reference for ms in by_entry.values()])
    lines = []
    for entry_moves in by_entry.values():
        first = entry_moves[0]
        gross = summed(entry_moves, None, PAYABLE, "debit")
        subsidy = next(m.subsidy for m in entry_moves if m.account == PAYABLE) or ""
        lines.append(
            PaymentLine(
                first.on,
                first.reference,
                first.bank_reference,
                subsidy,
                gross,
                summed(entry_moves, None, ADVANCES, "credit"),
                summed(entry_moves, None, CASH, "credit"),
                claims.get(first.reference, {}),
            )
        )
    return lines


def claims_of_payments(connection: Connection, payment_ids: list[str]) -> dict[str, Any]:
    """payment id -> its claim's register row, through the directory."""
    e, c = ENTITIES.c, CLAIMS.c
    query = (
        sa.select(e.key.label("payment_id"), CLAIMS)
        .join(CLAIMS, c.claim_id == e.label)
        .where(e.kind == "payment", e.key.in_(payment_ids))
    )
    return {row.payment_id: dict(row._mapping) for row in connection.execute(query)}


@dataclass(frozen=True)
class FundUse:
    """The fund's figures for the period, in fen, from the journal."""

    opening: Balance
    closing: Balance
    moves: list[Move]
    payments: list[PaymentLine]

    def total(self, kind: str | None, account: str, side: str) -> int:
        return summed(self.moves, kind, account, side)

    @property
    def deposits_fen(self) -> int:
        return self.total("deposit", CAPITAL, "credit")

    @property
    def allocated_in_fen(self) -> int:
        return self.total("allocation_in", CASH, "debit")

    @property
    def allocated_out_fen(self) -> int:
        return self.total("allocation_out", CASH, "credit")

    @property
    def advances_fen(self) -> int:
        return self.total("advance", ADVANCES, "debit")

    @property
    def recovered_fen(self) -> int:
        return self.total("recovery", CASH, "debit")

    @property
    def clawbacks_fen(self) -> int:
        return self.total(None, CLAWBACKS, "debit")

    def difference_fen(self) -> int:
        """Closing cash less what the movements make of the opening cash: zero, always."""
        net = sum(p.net_fen for p in self.payments)
        expected = self.opening.cash_fen + self.deposits_fen + self.allocated_in_fen
        expected -= self.allocated_out_fen + self.advances_fen + net - self.recovered_fen
        return self.closing.cash_fen - expected


def gather_fund_use(connection: Connection, fund_id: str, period: Period) -> FundUse:
    moves = movements(connection, fund_id, period.first, period.last)
    return FundUse(
        balance(connection, [fund_id], period.before),
        balance(connection, [fund_id], period.last),
        moves,
        payment_lines(connection, moves),
    )
