"""A subsidy claim: filed, then decided once by the rule pack in force."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.base import Created, Entity, entity_id
from domain.decision import Decision, Reason
from domain.errors import DomainError


class ClaimNotOpenError(DomainError):
    code = "claim_not_open"


class Claim(Entity):
    """A claim. Its decision (outcome, amount, reasons, citations, pack) is recorded in
    the `Approved` or `Rejected` event and read back on replay; rules never re-run."""

    TOPIC = "skillfund:Claim"

    class Filed(Created):
        TOPIC = "skillfund:Claim.Filed"
        claim_id: str
        fund_id: str
        subsidy: str
        beneficiary_id: str
        person_id: str
        class_id: str | None
        certificate_no: str | None
        months: int | None
        days: int | None
        cost_fen: int | None
        enterprise_paid: bool
        on: date
        digest: str

    class Approved(Entity.Event):
        TOPIC = "skillfund:Claim.Approved"
        amount_fen: int
        rule_id: str
        citations: list[str]
        pack: str
        inputs: dict[str, Any]
        on: date

    class Rejected(Entity.Event):
        TOPIC = "skillfund:Claim.Rejected"
        rule_id: str
        reasons: list[dict[str, str]]
        citations: list[str]
        pack: str
        inputs: dict[str, Any]
        on: date

    @staticmethod
    def create_id(claim_id: str) -> UUID:
        return entity_id(f"/claims/{claim_id}")

    @event(Filed)
    def __init__(
        self,
        claim_id: str,
        fund_id: str,
        subsidy: str,
        beneficiary_id: str,
        person_id: str,
        class_id: str | None,
        certificate_no: str | None,
        months: int | None,
        days: int | None,
        cost_fen: int | None,
        enterprise_paid: bool,
        on: date,
        digest: str,
    ) -> None:
        self.claim_id, self.fund_id, self.subsidy = claim_id, fund_id, subsidy
        self.beneficiary_id, self.person_id = beneficiary_id, person_id
        self.class_id, self.certificate_no = class_id, certificate_no
        self.months, self.days, self.cost_fen = months, days, cost_fen
        self.enterprise_paid, self.filed_on, self.digest = enterprise_paid, on, digest
        self.status = "filed"
        self.decision: Decision | None = None

    def decide(self, decision: Decision, on: date) -> None:
        """Record the decision of the rules. A claim is decided once."""
        if self.status != "filed":
            raise ClaimNotOpenError(
                f"claim {self.claim_id} is {self.status}, not open for a decision"
            )
        if decision.approved:
            self._approved(
                decision.amount_fen,
                decision.rule_id,
                list(decision.citations),
                decision.pack,
                decision.inputs,
                on,
            )
        else:
            reasons = [r.to_dict() for r in decision.reasons]
            self._rejected(
                decision.rule_id,
                reasons,
                list(decision.citations),
                decision.pack,
                decision.inputs,
                on,
            )

    @event(Approved)
    def _approved(
        self,
        amount_fen: int,
        rule_id: str,
        citations: list[str],
        pack: str,
        inputs: dict[str, Any],
        on: date,
    ) -> None:
        self.status = "approved"
        self.decision = Decision(
            "approved", amount_fen, rule_id, tuple(citations), (), pack, inputs
        )

    @event(Rejected)
    def _rejected(
        self,
        rule_id: str,
        reasons: list[dict[str, str]],
        citations: list[str],
        pack: str,
        inputs: dict[str, Any],
        on: date,
    ) -> None:
        self.status = "rejected"
        self.decision = Decision(
            "rejected",
            0,
            rule_id,
            tuple(citations),
            tuple(Reason.from_dict(r) for r in reasons),
            pack,
            inputs,
        )
