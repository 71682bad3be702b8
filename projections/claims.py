"""The claim register: one row per claim with its status, amount and decision."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.claim import Claim
from projections.base import METADATA, Projection

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


def update(connection: Connection, e: Any, **values: Any) -> None:
    connection.execute(
        CLAIMS.update().where(CLAIMS.c.claim_uuid == str(e.originator_id)).values(**values)
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
    name = "claims"
    tables = (CLAIMS,)

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

    @staticmethod
    def rejected_by_case(connection: Connection, e: Any, _: int) -> None:
        row = connection.execute(
            sa.select(CLAIMS.c.reasons).where(CLAIMS.c.claim_uuid == str(e.originator_id))
        ).one()
        update(
            connection,
            e,
            status="rejected",
            case_id=e.case_id,
            reasons=dumps([*json.loads(row.reasons), e.reason]),
        )

    @staticmethod
    def clawed_back(connection: Connection, e: Any, _: int) -> None:
        update(connection, e, status="clawback", case_id=e.case_id, clawback_fen=e.amount_fen)

    @staticmethod
    def recovered(connection: Connection, e: Any, _: int) -> None:
        c = CLAIMS.c
        status = sa.case(
            (c.recovered_fen + e.amount_fen >= c.clawback_fen, "recovered"), else_=c.status
        )
        update(connection, e, status=status, recovered_fen=c.recovered_fen + e.amount_fen)

    @staticmethod
    def publicized(connection: Connection, e: Any, _: int) -> None:
        update(
            connection,
            e,
            status="publicized",
            publicity_id=e.publicity_id,
            publicity_end=e.end_date,
        )

    @staticmethod
    def objection_raised(connection: Connection, e: Any, _: int) -> None:
        update(connection, e, status="held", open_objections=CLAIMS.c.open_objections + 1)

    @staticmethod
    def objection_resolved(connection: Connection, e: Any, _: int) -> None:
        c = CLAIMS.c
        if e.upheld:
            row = connection.execute(
                sa.select(c.reasons).where(c.claim_uuid == str(e.originator_id))
            ).one()
            reasons = [*json.loads(row.reasons), e.reason]
            update(
                connection,
                e,
                status="rejected",
                open_objections=c.open_objections - 1,
                reasons=dumps(reasons),
            )
            return
        status = sa.case((c.open_objections <= 1, "publicized"), else_=c.status)
        update(connection, e, status=status, open_objections=c.open_objections - 1)

    @staticmethod
    def paid(connection: Connection, e: Any, _: int) -> None:
        update(
            connection,
            e,
            status="paid",
            paid_fen=e.paid_fen,
            advance_settled_fen=e.advance_settled_fen,
            paid_on=e.on,
        )

    @staticmethod
    def filed(connection: Connection, e: Any, _: int) -> None:
        connection.execute(
            CLAIMS.insert().values(
                claim_id=e.claim_id,
                claim_uuid=str(e.originator_id),
                fund_id=e.fund_id,
                subsidy=e.subsidy,
                person_id=e.person_id,
                beneficiary_id=e.beneficiary_id,
                class_id=e.class_id,
                certificate_no=e.certificate_no,
                filed_on=e.on,
                status="filed",
                amount_fen=0,
                paid_fen=0,
                advance_settled_fen=0,
                open_objections=0,
                clawback_fen=0,
                recovered_fen=0,
                reasons="[]",
                citations="[]",
            )
        )

    @staticmethod
    def approved(connection: Connection, e: Any, _: int) -> None:
        connection.execute(
            CLAIMS.update()
            .where(CLAIMS.c.claim_uuid == str(e.originator_id))
            .values(
                status="approved",
                amount_fen=e.amount_fen,
                decided_on=e.on,
                rule_id=e.rule_id,
                pack=e.pack,
                citations=dumps(e.citations),
            )
        )

    @staticmethod
    def rejected(connection: Connection, e: Any, _: int) -> None:
        connection.execute(
            CLAIMS.update()
            .where(CLAIMS.c.claim_uuid == str(e.originator_id))
            .values(
                status="rejected",
                decided_on=e.on,
                rule_id=e.rule_id,
                pack=e.pack,
                reasons=dumps(e.reasons),
                citations=dumps(e.citations),
            )
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
