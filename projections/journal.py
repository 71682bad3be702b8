"""The double-entry journal of each fund's dedicated account, and the balance view.

Every money event becomes a journal entry per fund whose postings balance:
  deposit             Dr cash[channel]                Cr fund_capital[channel]
  allocation (city)   Dr allocated_out[channel]       Cr cash[channel]
  allocation (dist.)  Dr cash[channel]                Cr allocated_in[channel]
  advance paid        Dr advances_receivable          Cr cash[channel]
  claim approved      Dr subsidy_expense[subsidy]     Cr subsidies_payable[subsidy]
  objection upheld    Dr subsidies_payable[subsidy]   Cr subsidy_expense[subsidy]   (reversal)
  claim paid          Dr subsidies_payable[subsidy]   Cr cash[channel] (net),
                                                      Cr advances_receivable (what it settles)
  advance excess      Dr institution_receivable       Cr advances_receivable
So cash = deposits − payments − advances + recoveries ± allocations, account by account.
The balance view reads accounts, not events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.case import Recovery
from domain.claim import Claim
from domain.finance import Advance, Allocation, ClassFunding, Payment, Reconciliation
from domain.fund import Deposit, Fund
from projections.base import METADATA, Projection, queries_only
from projections.buffer import RowBuffer

CASH, CAPITAL, EXPENSE, PAYABLE = "cash", "fund_capital", "subsidy_expense", "subsidies_payable"
ALLOCATED_OUT, ALLOCATED_IN = "allocated_out", "allocated_in"
ADVANCES, INSTITUTION_RECEIVABLE = "advances_receivable", "institution_receivable"
CLAWBACKS = "clawbacks_receivable"

FUNDS = sa.Table(
    "pj_journal_funds",
    METADATA,
    sa.Column("fund_id", sa.String(64), primary_key=True),
    sa.Column("parent_fund_id", sa.String(64), nullable=True, index=True),
    sa.Column("jurisdiction", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
)

ENTRIES = sa.Table(
    "pj_journal_entries",
    METADATA,
    sa.Column("entry_id", sa.BigInteger, primary_key=True),  # The notification id of its event.
    sa.Column("fund_id", sa.String(64), primary_key=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(128), nullable=False),
    sa.Column("bank_reference", sa.String(200), nullable=False),  # What the bank statement shows.
)

RECONCILIATIONS = sa.Table(
    "pj_journal_reconciliations",
    METADATA,
    sa.Column("reconciliation_id", sa.String(64), primary_key=True),
    sa.Column("fund_id", sa.String(64), nullable=False, index=True),
    sa.Column("through", sa.Date, nullable=False),
    sa.Column("confirmed_by", sa.String(500), nullable=False),
    sa.Column("statement_sha256", sa.String(500), nullable=False),
    sa.Column("on", sa.Date, nullable=False),
)

POSTINGS = sa.Table(
    "pj_journal_postings",
    METADATA,
    sa.Column("entry_id", sa.BigInteger, primary_key=True),
    sa.Column("fund_id", sa.String(64), primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("account", sa.String(32), nullable=False),
    sa.Column("channel", sa.String(40), nullable=True),
    sa.Column("subsidy", sa.String(40), nullable=True),
    sa.Column("debit_fen", sa.BigInteger, nullable=False),
    sa.Column("credit_fen", sa.BigInteger, nullable=False),
    sa.Index("pj_journal_postings_fund_on", "fund_id", "on"),
)
queries_only(FUNDS, "ix_pj_journal_funds_parent_fund_id")
queries_only(RECONCILIATIONS, "ix_pj_journal_reconciliations_fund_id")
queries_only(POSTINGS, "pj_journal_postings_fund_on")

CLAIM_KEYS = sa.Table(
    "pj_journal_claims",
    METADATA,
    sa.Column("claim_uuid", sa.String(36), primary_key=True),
    sa.Column("claim_id", sa.String(64), nullable=False),
    sa.Column("fund_id", sa.String(64), nullable=False),
    sa.Column("subsidy", sa.String(40), nullable=False),
    sa.Column("approved_fen", sa.BigInteger, nullable=False),
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


def entry_rows(
    entry: tuple[int, str, date],
    kind: str,
    reference: str,
    postings: list[Posting],
    bank_reference: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rows of one balanced entry of one fund and of its postings; `entry` is
    (notification id, fund, business date)."""
    entry_id, fund_id, on = entry
    debits, credits = sum(p.debit_fen for p in postings), sum(p.credit_fen for p in postings)
    if debits != credits:
        raise UnbalancedEntryError(
            f"entry {entry_id} ({kind} {reference}): Dr {debits} != Cr {credits}"
        )
    postings = [p for p in postings if p.debit_fen or p.credit_fen]
    head = {
        "entry_id": entry_id,
        "fund_id": fund_id,
        "on": on,
        "kind": kind,
        "reference": reference,
        "bank_reference": bank_reference or reference,
    }
    lines = [
        {
            "entry_id": entry_id,
            "fund_id": fund_id,
            "line": n,
            "on": on,
            "account": p.account,
            "channel": p.channel,
            "subsidy": p.subsidy,
            "debit_fen": p.debit_fen,
            "credit_fen": p.credit_fen,
        }
        for n, p in enumerate(postings, start=1)
    ]
    return head, lines


CLAIM_EVENTS = (Claim.Approved, Claim.ObjectionResolved, Claim.RejectedByCase, Claim.ClawedBack)


class Journal(Projection):
    """Set-based: funds, entries, postings and reconciliations are only ever inserted, so a
    batch collects them and writes each table in one statement; the claim keys a batch
    reads or changes are read in `begin`. Entry ids are notification ids, so no id depends
    on how the events were batched."""

    name = "journal"
    tables = (FUNDS, ENTRIES, POSTINGS, CLAIM_KEYS, RECONCILIATIONS)

    def __init__(self) -> None:
        self.inserts: dict[sa.Table, list[dict[str, Any]]] = {}
        self.claims = RowBuffer(CLAIM_KEYS, ("claim_uuid",))
        super().__init__()

    def register(self) -> None:
        self.on(Fund.Opened, self.fund_opened)
        self.on(Deposit.Received, self.deposit_received)
        self.on(Allocation.Made, self.allocation_made)
        self.on(Advance.Paid, self.advance_paid)
        self.on(Claim.Filed, self.claim_filed)
        self.on(Claim.Approved, self.claim_approved)
        self.on(Claim.ObjectionResolved, self.objection_resolved)
        self.on(Payment.Made, self.payment_made)
        self.on(ClassFunding.ExcessReceivable, self.excess_receivable)
        self.on(Reconciliation.Confirmed, self.reconciliation_confirmed)
        self.on(Claim.RejectedByCase, self.claim_rejected_by_case)
        self.on(Claim.ClawedBack, self.claim_clawed_back)
        self.on(ClassFunding.AdvanceClawedBack, self.advance_clawed_back)
        self.on(Recovery.Recorded, self.recovery_recorded)

    def begin(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        # A batch that failed half way may have left rows behind.
        self.inserts = {table: [] for table in (FUNDS, ENTRIES, POSTINGS, RECONCILIATIONS)}
        self.claims.clear()
        keys = [(str(e.originator_id),) for _, e in events if isinstance(e, CLAIM_EVENTS)]
        self.claims.load(connection, keys)

    def flush(self, connection: Connection) -> None:
        for table, rows in self.inserts.items():
            if rows:
                connection.execute(table.insert(), rows)
            self.inserts[table] = []
        self.claims.flush(connection)

    def write_entry(
        self,
        entry: tuple[int, str, date],
        kind: str,
        reference: str,
        postings: list[Posting],
        bank_reference: str | None = None,
    ) -> None:
        """Queue one balanced entry of one fund; `entry` is (notification id, fund, date)."""
        head, lines = entry_rows(entry, kind, reference, postings, bank_reference)
        self.inserts[ENTRIES].append(head)
        self.inserts[POSTINGS].extend(lines)

    def claim_key(self, connection: Connection, e: Any) -> dict[str, Any]:
        """The journal's record of the event's claim, which must have been filed."""
        claim = self.claims.get(connection, (str(e.originator_id),))
        if claim is None:
            raise LookupError(f"claim {e.originator_id} was never filed")
        return claim

    def claim_rejected_by_case(self, connection: Connection, e: Any, n: int) -> None:
        if not e.reversed_fen:
            return
        claim = self.claim_key(connection, e)
        postings = [
            Posting(PAYABLE, debit_fen=e.reversed_fen, subsidy=claim["subsidy"]),
            Posting(EXPENSE, credit_fen=e.reversed_fen, subsidy=claim["subsidy"]),
        ]
        self.write_entry(
            (n, claim["fund_id"], e.on), "claim_rejected_by_case", claim["claim_id"], postings
        )

    def claim_clawed_back(self, connection: Connection, e: Any, n: int) -> None:
        claim = self.claim_key(connection, e)
        postings = [
            Posting(CLAWBACKS, debit_fen=e.amount_fen),
            Posting(EXPENSE, credit_fen=e.amount_fen, subsidy=claim["subsidy"]),
        ]
        self.write_entry((n, claim["fund_id"], e.on), "clawback", claim["claim_id"], postings)

    def advance_clawed_back(self, _: Connection, e: Any, n: int) -> None:
        postings = [
            Posting(CLAWBACKS, debit_fen=e.amount_fen),
            Posting(ADVANCES, credit_fen=e.amount_fen),
        ]
        self.write_entry((n, e.fund_id, e.on), "advance_clawback", e.advance_id, postings)

    def recovery_recorded(self, _: Connection, e: Any, n: int) -> None:
        postings = [
            Posting(CASH, debit_fen=e.amount_fen, channel=e.channel),
            Posting(CLAWBACKS, credit_fen=e.amount_fen),
        ]
        self.write_entry((n, e.fund_id, e.on), "recovery", e.recovery_id, postings, e.reference)

    def reconciliation_confirmed(self, _: Connection, e: Any, __: int) -> None:
        self.inserts[RECONCILIATIONS].append(
            {
                "reconciliation_id": e.reconciliation_id,
                "fund_id": e.fund_id,
                "through": e.through,
                "confirmed_by": e.confirmed_by,
                "statement_sha256": e.statement_sha256,
                "on": e.on,
            }
        )

    def fund_opened(self, _: Connection, e: Any, __: int) -> None:
        self.inserts[FUNDS].append(
            {
                "fund_id": e.fund_id,
                "parent_fund_id": e.parent_fund_id,
                "jurisdiction": e.jurisdiction,
                "name": e.name,
            }
        )

    def deposit_received(self, _: Connection, e: Any, n: int) -> None:
        postings = [
            Posting(CASH, debit_fen=e.amount_fen, channel=e.channel),
            Posting(CAPITAL, credit_fen=e.amount_fen, channel=e.channel),
        ]
        self.write_entry((n, e.fund_id, e.on), "deposit", e.deposit_id, postings, e.reference)

    def allocation_made(self, _: Connection, e: Any, n: int) -> None:
        out, into = [], []
        for channel, amount in sorted(e.channels.items()):
            out += [
                Posting(ALLOCATED_OUT, debit_fen=amount, channel=channel),
                Posting(CASH, credit_fen=amount, channel=channel),
            ]
            into += [
                Posting(CASH, debit_fen=amount, channel=channel),
                Posting(ALLOCATED_IN, credit_fen=amount, channel=channel),
            ]
        self.write_entry((n, e.from_fund_id, e.on), "allocation_out", e.allocation_id, out)
        self.write_entry((n, e.to_fund_id, e.on), "allocation_in", e.allocation_id, into)

    def advance_paid(self, _: Connection, e: Any, n: int) -> None:
        postings = [
            Posting(ADVANCES, debit_fen=e.amount_fen),
            Posting(CASH, credit_fen=e.amount_fen, channel=e.channel),
        ]
        self.write_entry((n, e.fund_id, e.on), "advance", e.advance_id, postings)

    def claim_filed(self, _: Connection, e: Any, __: int) -> None:
        self.claims.insert(
            {
                "claim_uuid": str(e.originator_id),
                "claim_id": e.claim_id,
                "fund_id": e.fund_id,
                "subsidy": e.subsidy,
                "approved_fen": 0,
            }
        )

    def claim_approved(self, connection: Connection, e: Any, n: int) -> None:
        claim = self.claim_key(connection, e)
        claim["approved_fen"] = e.amount_fen
        self.claims.touch((claim["claim_uuid"],))
        postings = [
            Posting(EXPENSE, debit_fen=e.amount_fen, subsidy=claim["subsidy"]),
            Posting(PAYABLE, credit_fen=e.amount_fen, subsidy=claim["subsidy"]),
        ]
        self.write_entry((n, claim["fund_id"], e.on), "claim_approved", claim["claim_id"], postings)

    def objection_resolved(self, connection: Connection, e: Any, n: int) -> None:
        if not e.upheld:
            return
        claim = self.claim_key(connection, e)
        postings = [
            Posting(PAYABLE, debit_fen=claim["approved_fen"], subsidy=claim["subsidy"]),
            Posting(EXPENSE, credit_fen=claim["approved_fen"], subsidy=claim["subsidy"]),
        ]
        self.write_entry(
            (n, claim["fund_id"], e.on),
            "claim_rejected_on_objection",
            claim["claim_id"],
            postings,
        )

    def payment_made(self, _: Connection, e: Any, n: int) -> None:
        postings = [
            Posting(PAYABLE, debit_fen=e.amount_fen, subsidy=e.subsidy),
            Posting(CASH, credit_fen=e.net_fen, channel=e.channel),
            Posting(ADVANCES, credit_fen=e.advance_settled_fen),
        ]
        self.write_entry((n, e.fund_id, e.on), "payment", e.payment_id, postings, e.reference)

    def excess_receivable(self, _: Connection, e: Any, n: int) -> None:
        postings = [
            Posting(INSTITUTION_RECEIVABLE, debit_fen=e.amount_fen),
            Posting(ADVANCES, credit_fen=e.amount_fen),
        ]
        self.write_entry((n, e.fund_id, e.on), "advance_excess", e.advance_id, postings)


def cash_movements(
    connection: Connection, fund_id: str, first: date, last: date
) -> list[dict[str, Any]]:
    """The fund's cash in (+) and out (−) between two business dates, one row per entry,
    with the reference the bank shows: what a statement is reconciled against."""
    p, e = POSTINGS.c, ENTRIES.c
    query = (
        sa.select(
            e.entry_id, e.on, e.kind, e.bank_reference, sa.func.sum(p.debit_fen - p.credit_fen)
        )
        .join(POSTINGS, sa.and_(p.entry_id == e.entry_id, p.fund_id == e.fund_id))
        .where(e.fund_id == fund_id, p.account == CASH, e.on >= first, e.on <= last)
        .group_by(e.entry_id, e.on, e.kind, e.bank_reference)
        .order_by(e.entry_id)
    )
    return [
        {
            "entry_id": int(entry_id),
            "date": on,
            "kind": kind,
            "reference": reference,
            "amount_fen": int(net),
        }
        for entry_id, on, kind, reference, net in connection.execute(query)
        if int(net) != 0
    ]


def reconciled_through(
    connection: Connection, fund_id: str, as_of: date | None
) -> dict[str, Any] | None:
    """The latest confirmed reconciliation of a fund (confirmed by `as_of`)."""
    r = RECONCILIATIONS.c
    query = (
        sa.select(RECONCILIATIONS)
        .where(r.fund_id == fund_id)
        .order_by(r.through.desc(), r.on.desc())
        .limit(1)
    )
    if as_of is not None:
        query = query.where(r.on <= as_of)
    row = connection.execute(query).first()
    return dict(row._mapping) if row else None
