"""The claim register: one row per claim with its status, amount and decision."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.claim import Claim
from projections.base import METADATA, Projection, queries_only
from projections.buffer import RowBuffer

CLAIMS = sa.Table(
    "pj_claims",
    METADATA,
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("claim_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("fund_id", sa.String(64), nullable=False, index=True),
    sa.Column("subsidy", sa.String(40), nullable=False),
    sa.Column("person_id", sa.String(18), nullable=False, index=True),
    sa.Column("beneficiary_id", sa.String(18), nullable=False, index=True),
    sa.Column("class_id", sa.String(64), nullable=True),
    sa.Column("certificate_no", sa.String(64), nullable=True),
    sa.Column("filed_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
    sa.Column("paid_fen", sa.BigInteger, nullable=False),
    sa.Column("advance_settled_fen", sa.BigInteger, nullable=False),
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("publicity_id", sa.String(64), nullable=True),
    sa.Column("publicity_end", sa.Date, nullable=True),
    sa.Column("open_objections", sa.Integer, nullable=False, default=0),
    sa.Column("paid_on", sa.Date, nullable=True),
    sa.Column("case_id", sa.String(64), nullable=True),
    sa.Column("clawback_fen", sa.BigInteger, nullable=False, default=0),
    sa.Column("recovered_fen", sa.BigInteger, nullable=False, default=0),
    sa.Column("rule_id", sa.String(80), nullable=True),
    sa.Column("pack", sa.String(40), nullable=True),
    sa.Column("reasons", sa.Text, nullable=False),
    sa.Column("citations", sa.Text, nullable=False),
)
queries_only(
    CLAIMS,
    "ix_pj_claims_beneficiary_id",
    "ix_pj_claims_fund_id",
    "ix_pj_claims_person_id",
    "ix_pj_claims_status",
)


CLAIM_FIELDS = (
    "claim_id",
    "fund_id",
    "subsidy",
    "person_id",
    "beneficiary_id",
    "class_id",
    "certificate_no",
    "filed_on",
    "status",
    "amount_fen",
    "paid_fen",
    "advance_settled_fen",
    "decided_on",
    "publicity_id",
    "publicity_end",
    "paid_on",
    "case_id",
    "clawback_fen",
    "recovered_fen",
    "rule_id",
    "pack",
    "reasons",
    "citations",
)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class ClaimRegister(Projection):
    """Set-based: a batch reads the rows of the claims it names in `begin` (by claim_uuid,
    the key every later event carries, so the buffer is keyed by it), changes them in memory
    and writes them back in `flush`."""

    name = "claims"
    tables = (CLAIMS,)

    def __init__(self) -> None:
        self.rows = RowBuffer(CLAIMS, ("claim_uuid",))
        super().__init__()

    def register(self) -> None:
        self.on(Claim.Filed, self.filed)
        self.on(Claim.Approved, self.approved)
        self.on(Claim.Rejected, self.rejected)
        self.on(Claim.Publicized, self.publicized)
        self.on(Claim.ObjectionRaised, self.objection_raised)
        self.on(Claim.ObjectionResolved, self.objection_resolved)
        self.on(Claim.Paid, self.paid)
        self.on(Claim.RejectedByCase, self.rejected_by_case)
        self.on(Claim.ClawedBack, self.clawed_back)
        self.on(Claim.Recovered, self.recovered)

    def begin(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        self.rows.clear()  # A batch that failed half way may have left rows behind.
        keys = [(str(e.originator_id),) for _, e in events if not isinstance(e, Claim.Filed)]
        self.rows.load(connection, keys)

    def flush(self, connection: Connection) -> None:
        self.rows.flush(connection)

    def row(self, connection: Connection, e: Any) -> dict[str, Any] | None:
        """The buffered row of the event's claim (None for a claim never filed)."""
        return self.rows.get(connection, (str(e.originator_id),))

    def change(self, connection: Connection, e: Any, **values: Any) -> None:
        """Set columns of the event's claim; a claim never filed has no row to change."""
        if self.row(connection, e) is not None:
            self.rows.update(connection, (str(e.originator_id),), **values)

    def rejected_by_case(self, connection: Connection, e: Any, _: int) -> None:
        row = self.row(connection, e)
        if row is None:
            return
        reasons = [*json.loads(row["reasons"]), e.reason]
        self.change(connection, e, status="rejected", case_id=e.case_id, reasons=dumps(reasons))

    def clawed_back(self, connection: Connection, e: Any, _: int) -> None:
        self.change(connection, e, status="clawback", case_id=e.case_id, clawback_fen=e.amount_fen)

    def recovered(self, connection: Connection, e: Any, _: int) -> None:
        row = self.row(connection, e)
        if row is None:
            return
        recovered_fen = row["recovered_fen"] + e.amount_fen
        status = "recovered" if recovered_fen >= row["clawback_fen"] else row["status"]
        self.change(connection, e, status=status, recovered_fen=recovered_fen)

    def publicized(self, connection: Connection, e: Any, _: int) -> None:
        self.change(
            connection,
            e,
            status="publicized",
            publicity_id=e.publicity_id,
            publicity_end=e.end_date,
        )

    def objection_raised(self, connection: Connection, e: Any, _: int) -> None:
        row = self.row(connection, e)
        if row is not None:
            self.change(connection, e, status="held", open_objections=row["open_objections"] + 1)

    def objection_resolved(self, connection: Connection, e: Any, _: int) -> None:
        row = self.row(connection, e)
        if row is None:
            return
        reasons = row["reasons"]
        if e.upheld:
            status, reasons = "rejected", dumps([*json.loads(reasons), e.reason])
        else:  # The last objection cleared puts the claim back in publicity.
            status = "publicized" if row["open_objections"] <= 1 else row["status"]
        open_objections = row["open_objections"] - 1
        self.change(connection, e, status=status, open_objections=open_objections, reasons=reasons)

    def paid(self, connection: Connection, e: Any, _: int) -> None:
        self.change(
            connection,
            e,
            status="paid",
            paid_fen=e.paid_fen,
            advance_settled_fen=e.advance_settled_fen,
            paid_on=e.on,
        )

    def filed(self, _: Connection, e: Any, __: int) -> None:
        self.rows.insert(
            {
                "claim_id": e.claim_id,
                "claim_uuid": str(e.originator_id),
                "fund_id": e.fund_id,
                "subsidy": e.subsidy,
                "person_id": e.person_id,
                "beneficiary_id": e.beneficiary_id,
                "class_id": e.class_id,
                "certificate_no": e.certificate_no,
                "filed_on": e.on,
                "status": "filed",
                "amount_fen": 0,
                "paid_fen": 0,
                "advance_settled_fen": 0,
                "open_objections": 0,
                "clawback_fen": 0,
                "recovered_fen": 0,
                "reasons": "[]",
                "citations": "[]",
            }
        )

    def approved(self, connection: Connection, e: Any, _: int) -> None:
        self.change(
            connection,
            e,
            status="approved",
            amount_fen=e.amount_fen,
            decided_on=e.on,
            rule_id=e.rule_id,
            pack=e.pack,
            citations=dumps(e.citations),
        )

    def rejected(self, connection: Connection, e: Any, _: int) -> None:
        self.change(
            connection,
            e,
            status="rejected",
            decided_on=e.on,
            rule_id=e.rule_id,
            pack=e.pack,
            reasons=dumps(e.reasons),
            citations=dumps(e.citations),
        )


CLAIM_QUERY_LIMIT = 100_000


def claim_rows(
    connection: Connection,
    fund_id: str | None = None,
    status: str | None = None,
    person_id: str | None = None,
    claim_id: str | None = None,
    limit: int = CLAIM_QUERY_LIMIT,
) -> list[dict[str, Any]]:
    """Claims in filing order, filtered; reasons and citations decoded."""
    c = CLAIMS.c
    query = (
        sa.select(*(c[name] for name in CLAIM_FIELDS)).order_by(c.filed_on, c.claim_id).limit(limit)
    )
    for column, value in (
        (c.fund_id, fund_id),
        (c.status, status),
        (c.person_id, person_id),
        (c.claim_id, claim_id),
    ):
        if value is not None:
            query = query.where(column == value)
    rows = []
    for row in connection.execute(query):
        data = dict(row._mapping)
        data["reasons"], data["citations"] = (
            json.loads(data["reasons"]),
            json.loads(data["citations"]),
        )
        rows.append(data)
    return rows


def claims_of(connection: Connection, column: str, value: str) -> list[dict[str, Any]]:
    """Claims linked to a person, beneficiary, class or certificate."""
    c = CLAIMS.c
    query = sa.select(c.claim_id, c.subsidy, c.status, c.amount_fen, c.filed_on).where(
        c[column] == value
    )
    return [dict(r._mapping) for r in connection.execute(query.order_by(c.filed_on, c.claim_id))]
