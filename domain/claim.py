"""A subsidy claim: filed, then decided once by the rule pack in force."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.base import Created, Entity, entity_id, records
from domain.decision import Decision, Reason
from domain.errors import DomainError


class ClaimNotOpenError(DomainError):
    code = "claim_not_open"


class Claim(Entity):
    """A claim. Its decision (outcome, amount, reasons, citations, pack) is recorded in
    the `Approved` or `Rejected` event and read back on replay; rules never re-run."""

    TOPIC = "skillfund:Claim"
    publicity_id: str | None
    payment_id: str | None
    case_id: str | None

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

    class Publicized(Entity.Event):
        TOPIC = "skillfund:Claim.Publicized"
        publicity_id: str
        start_date: date
        end_date: date
        on: date

    class ObjectionRaised(Entity.Event):
        TOPIC = "skillfund:Claim.ObjectionRaised"
        objection_id: str
        on: date

    class ObjectionResolved(Entity.Event):
        """An objection decided: dismissed (the claim goes on) or upheld (it is rejected)."""

        TOPIC = "skillfund:Claim.ObjectionResolved"
        objection_id: str
        upheld: bool
        reason: dict[str, str]
        on: date

    class Paid(Entity.Event):
        TOPIC = "skillfund:Claim.Paid"
        payment_id: str
        paid_fen: int
        advance_settled_fen: int
        on: date

    class RejectedByCase(Entity.Event):
        """A fraud finding rejects a claim not yet paid; what was approved is reversed."""

        TOPIC = "skillfund:Claim.RejectedByCase"
        case_id: str
        reversed_fen: int
        reason: dict[str, str]
        on: date

    class ClawedBack(Entity.Event):
        """A fraud finding on a paid claim: what was paid (net and advance) is receivable."""

        TOPIC = "skillfund:Claim.ClawedBack"
        case_id: str
        amount_fen: int
        on: date

    class Recovered(Entity.Event):
        TOPIC = "skillfund:Claim.Recovered"
        case_id: str
        amount_fen: int
        on: date

    @staticmethod
    def create_id(claim_id: str) -> UUID:
        return entity_id(f"/claims/{claim_id}")

    def find_fraud(self, case_id: str, citation: str, on: date) -> int:
        """Apply a fraud finding: reject if unpaid, claw back if paid. Returns the clawback."""
        if self.status == "paid":
            amount = self.paid_fen + self.advance_settled_fen
            self._clawed_back(case_id, amount, on)
            return amount
        if self.status in ("approved", "publicized", "held", "filed"):
            reversed_fen = (
                self.decision.amount_fen if self.decision and self.decision.approved else 0
            )
            reason = Reason("fraud_finding", f"case {case_id} found fraud", citation, "INST-01")
            self._rejected_by_case(case_id, reversed_fen, reason.to_dict(), on)
        return 0

    @records(RejectedByCase)
    def _rejected_by_case(
        self, case_id: str, reversed_fen: int, reason: dict[str, str], on: date
    ) -> None:
        self.status, self.case_id = "rejected", case_id

    @records(ClawedBack)
    def _clawed_back(self, case_id: str, amount_fen: int, on: date) -> None:
        self.status, self.case_id, self.clawback_fen = "clawback", case_id, amount_fen
        self.recovered_fen = 0

    def recover(self, case_id: str, amount_fen: int, on: date) -> None:
        self._recovered(case_id, amount_fen, on)

    @records(Recovered)
    def _recovered(self, case_id: str, amount_fen: int, on: date) -> None:
        self.recovered_fen += amount_fen
        if self.recovered_fen >= self.clawback_fen:
            self.status = "recovered"

    def publicize(self, publicity_id: str, start_date: date, end_date: date) -> None:
        if self.status != "approved":
            raise ClaimNotOpenError(
                f"claim_ids: claim {self.claim_id} is {self.status}; "
                "only approved claims are publicized"
            )
        self._publicized(publicity_id, start_date, end_date, start_date)

    @records(Publicized)
    def _publicized(self, publicity_id: str, start_date: date, end_date: date, on: date) -> None:
        self.status, self.publicity_id = "publicized", publicity_id
        self.publicity_start, self.publicity_end = start_date, end_date

    def raise_objection(self, objection_id: str, on: date) -> None:
        if self.status not in ("publicized", "held"):
            raise ClaimNotOpenError(
                f"claim_id: claim {self.claim_id} is {self.status}, not in publicity"
            )
        if not self.publicity_start <= on <= self.publicity_end:
            raise ClaimNotOpenError(
                f"date: {on} is outside the publicity of claim {self.claim_id} "
                f"({self.publicity_start} to {self.publicity_end})"
            )
        self._objection_raised(objection_id, on)

    @records(ObjectionRaised)
    def _objection_raised(self, objection_id: str, on: date) -> None:
        self.status = "held"
        self.open_objections.append(objection_id)

    def resolve_objection(self, objection_id: str, upheld: bool, citation: str, on: date) -> None:
        if objection_id not in self.open_objections:
            raise ClaimNotOpenError(
                f"objection_id: {objection_id} is not open on claim {self.claim_id}"
            )
        reason = Reason(
            "objection_upheld", f"objection {objection_id} raised in publicity was upheld", citation
        )
        self._objection_resolved(objection_id, upheld, reason.to_dict(), on)

    @records(ObjectionResolved)
    def _objection_resolved(
        self, objection_id: str, upheld: bool, reason: dict[str, str], on: date
    ) -> None:
        self.open_objections.remove(objection_id)
        if upheld:
            self.status = "rejected"
        elif not self.open_objections and self.status == "held":
            self.status = "publicized"

    def check_payable(self, on: date) -> None:
        """Only a publicized claim, after its publicity has ended, with no objection open."""
        if self.status == "paid":
            raise ClaimNotOpenError(f"claim_id: claim {self.claim_id} is already paid")
        if self.status != "publicized":
            raise ClaimNotOpenError(
                f"claim_id: claim {self.claim_id} is {self.status}; "
                "only an approved claim whose publicity has ended may be paid"
            )
        if on <= self.publicity_end:
            raise ClaimNotOpenError(
                f"date: the publicity of claim {self.claim_id} runs until {self.publicity_end}; "
                "payment may follow only after it"
            )

    def pay(self, payment_id: str, advance_settled_fen: int, on: date) -> None:
        self.check_payable(on)
        assert self.decision is not None
        self._paid(
            payment_id, self.decision.amount_fen - advance_settled_fen, advance_settled_fen, on
        )

    @records(Paid)
    def _paid(self, payment_id: str, paid_fen: int, advance_settled_fen: int, on: date) -> None:
        self.status, self.payment_id = "paid", payment_id
        self.paid_fen, self.advance_settled_fen = paid_fen, advance_settled_fen

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
        self.publicity_id: str | None = None
        self.publicity_start = self.publicity_end = on
        self.open_objections: list[str] = []
        self.payment_id: str | None = None
        self.paid_fen = self.advance_settled_fen = 0

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

    @records(Approved)
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

    @records(Rejected)
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
