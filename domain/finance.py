"""Money out of and between funds: allocations to district sub-accounts, advances to
institutions (先行拨付), publicity before payment (公示) with its objections, and
payments of claims net of advances."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.base import Created, Entity, entity_id, records
from domain.errors import DomainError


class Allocation(Entity):
    """Money moved from a city fund to one of its district sub-accounts, by channel."""

    TOPIC = "skillfund:Allocation"

    class Made(Created):
        TOPIC = "skillfund:Allocation.Made"
        allocation_id: str
        from_fund_id: str
        to_fund_id: str
        amount_fen: int
        channels: dict[str, int]
        on: date
        digest: str

    @staticmethod
    def create_id(allocation_id: str) -> UUID:
        return entity_id(f"/allocations/{allocation_id}")

    def __init__(
        self,
        allocation_id: str,
        from_fund_id: str,
        to_fund_id: str,
        amount_fen: int,
        channels: dict[str, int],
        on: date,
        digest: str,
    ) -> None:
        self.allocation_id, self.from_fund_id, self.to_fund_id = (
            allocation_id,
            from_fund_id,
            to_fund_id,
        )
        self.amount_fen, self.channels, self.on, self.digest = (
            amount_fen,
            dict(channels),
            on,
            digest,
        )


class Advance(Entity):
    """An advance paid to the institution running a class, against the class's claims."""

    TOPIC = "skillfund:Advance"

    class Paid(Created):
        TOPIC = "skillfund:Advance.Paid"
        advance_id: str
        fund_id: str
        institution_id: str
        class_id: str
        amount_fen: int
        channel: str
        basis_fen: int
        percent_min: int
        percent_max: int
        citation: str
        on: date
        digest: str

    @staticmethod
    def create_id(advance_id: str) -> UUID:
        return entity_id(f"/advances/{advance_id}")

    def __init__(
        self,
        advance_id: str,
        fund_id: str,
        institution_id: str,
        class_id: str,
        amount_fen: int,
        channel: str,
        basis_fen: int,
        percent_min: int,
        percent_max: int,
        citation: str,
        on: date,
        digest: str,
    ) -> None:
        self.advance_id, self.fund_id, self.institution_id = advance_id, fund_id, institution_id
        self.class_id, self.amount_fen, self.channel = class_id, amount_fen, channel
        self.basis_fen, self.percent_min, self.percent_max = basis_fen, percent_min, percent_max
        self.citation, self.on, self.digest = citation, on, digest


class OpenAdvanceError(DomainError):
    code = "advance_open"


class ClassFunding(Entity):
    """The money side of one class: its open advance, what is settled against it, and the
    approved claims still unpaid. One open advance per class; when the class has ended and
    its claims are all paid, what is left of the advance is owed back by the institution."""

    TOPIC = "skillfund:ClassFunding"

    class Started(Created):
        TOPIC = "skillfund:ClassFunding.Started"
        class_id: str
        institution_id: str

    class AdvanceOpened(Entity.Event):
        TOPIC = "skillfund:ClassFunding.AdvanceOpened"
        advance_id: str
        amount_fen: int
        on: date

    class ClaimQueued(Entity.Event):
        TOPIC = "skillfund:ClassFunding.ClaimQueued"
        claim_id: str
        amount_fen: int
        on: date

    class ClaimDropped(Entity.Event):
        TOPIC = "skillfund:ClassFunding.ClaimDropped"
        claim_id: str
        on: date

    class ClaimSettled(Entity.Event):
        TOPIC = "skillfund:ClassFunding.ClaimSettled"
        claim_id: str
        payment_id: str
        advance_settled_fen: int
        on: date

    class ExcessReceivable(Entity.Event):
        """The advance exceeded what the class's claims earned: the rest is owed back."""

        TOPIC = "skillfund:ClassFunding.ExcessReceivable"
        advance_id: str
        fund_id: str
        institution_id: str
        amount_fen: int
        on: date

    class AdvanceClawedBack(Entity.Event):
        """A fraud finding: the unsettled advance of the class is to be recovered."""

        TOPIC = "skillfund:ClassFunding.AdvanceClawedBack"
        advance_id: str
        fund_id: str
        case_id: str
        amount_fen: int
        on: date

    @staticmethod
    def create_id(class_id: str) -> UUID:
        return entity_id(f"/classes/{class_id}/funding")

    def claw_back(self, fund_id: str, case_id: str, on: date) -> int:
        """Turn the unsettled advance into a clawback receivable; returns its amount."""
        amount = self.advance_outstanding_fen
        if amount > 0 and self.advance_id is not None:
            self._advance_clawed_back(self.advance_id, fund_id, case_id, amount, on)
        return amount

    @records(AdvanceClawedBack)
    def _advance_clawed_back(
        self, advance_id: str, fund_id: str, case_id: str, amount_fen: int, on: date
    ) -> None:
        self.advance_outstanding_fen = 0

    def __init__(self, class_id: str, institution_id: str) -> None:
        self.class_id, self.institution_id = class_id, institution_id
        self.advance_id: str | None = None
        self.advance_outstanding_fen = 0
        self.pending: dict[str, int] = {}  # Approved, unpaid claims -> amount.

    def open_advance(self, advance_id: str, amount_fen: int, on: date) -> None:
        if self.advance_outstanding_fen > 0:
            raise OpenAdvanceError(
                f"class_id: class {self.class_id} has advance {self.advance_id} still open "
                f"({self.advance_outstanding_fen} fen unsettled); one open advance per class"
            )
        self._advance_opened(advance_id, amount_fen, on)

    @records(AdvanceOpened)
    def _advance_opened(self, advance_id: str, amount_fen: int, on: date) -> None:
        self.advance_id, self.advance_outstanding_fen = advance_id, amount_fen

    def queue(self, claim_id: str, amount_fen: int, on: date) -> None:
        self._claim_queued(claim_id, amount_fen, on)

    @records(ClaimQueued)
    def _claim_queued(self, claim_id: str, amount_fen: int, on: date) -> None:
        self.pending[claim_id] = amount_fen

    def drop(self, claim_id: str, on: date) -> None:
        if claim_id in self.pending:
            self._claim_dropped(claim_id, on)

    @records(ClaimDropped)
    def _claim_dropped(self, claim_id: str, on: date) -> None:
        self.pending.pop(claim_id, None)

    def settle(
        self, claim_id: str, payment_id: str, amount_fen: int, nets_advance: bool, on: date
    ) -> int:
        """Record a claim paid; returns what of the advance its payment settles."""
        settled = min(self.advance_outstanding_fen, amount_fen) if nets_advance else 0
        self._claim_settled(claim_id, payment_id, settled, on)
        return settled

    @records(ClaimSettled)
    def _claim_settled(
        self, claim_id: str, payment_id: str, advance_settled_fen: int, on: date
    ) -> None:
        self.pending.pop(claim_id, None)
        self.advance_outstanding_fen -= advance_settled_fen

    def close_if_done(self, fund_id: str, class_ended: bool, on: date) -> None:
        """After the class has ended and its claims are all paid, the rest is a receivable."""
        if class_ended and not self.pending and self.advance_outstanding_fen > 0:
            assert self.advance_id is not None
            self._excess_receivable(
                self.advance_id, fund_id, self.institution_id, self.advance_outstanding_fen, on
            )

    @records(ExcessReceivable)
    def _excess_receivable(
        self, advance_id: str, fund_id: str, institution_id: str, amount_fen: int, on: date
    ) -> None:
        self.advance_outstanding_fen = 0


class Publicity(Entity):
    """A 公示 of approved claims for a number of working days before they may be paid."""

    TOPIC = "skillfund:Publicity"

    class Started(Created):
        TOPIC = "skillfund:Publicity.Started"
        publicity_id: str
        fund_id: str
        claim_ids: list[str]
        start_date: date
        end_date: date
        working_days: int
        citation: str
        calendar: str
        on: date
        digest: str

    @staticmethod
    def create_id(publicity_id: str) -> UUID:
        return entity_id(f"/publicities/{publicity_id}")

    def __init__(
        self,
        publicity_id: str,
        fund_id: str,
        claim_ids: list[str],
        start_date: date,
        end_date: date,
        working_days: int,
        citation: str,
        calendar: str,
        on: date,
        digest: str,
    ) -> None:
        self.publicity_id, self.fund_id, self.claim_ids = publicity_id, fund_id, list(claim_ids)
        self.start_date, self.end_date, self.working_days = start_date, end_date, working_days
        self.citation, self.calendar, self.digest = citation, calendar, digest


class Objection(Entity):
    """An objection to a claim raised during its publicity; holds the claim until resolved."""

    TOPIC = "skillfund:Objection"

    class Raised(Created):
        TOPIC = "skillfund:Objection.Raised"
        objection_id: str
        publicity_id: str
        claim_id: str
        summary: str
        on: date
        digest: str

    class Resolved(Entity.Event):
        TOPIC = "skillfund:Objection.Resolved"
        upheld: bool
        on: date
        digest: str

    @staticmethod
    def create_id(objection_id: str) -> UUID:
        return entity_id(f"/objections/{objection_id}")

    def __init__(
        self,
        objection_id: str,
        publicity_id: str,
        claim_id: str,
        summary: str,
        on: date,
        digest: str,
    ) -> None:
        self.objection_id, self.publicity_id, self.claim_id = objection_id, publicity_id, claim_id
        self.summary, self.raised_on, self.digest = summary, on, digest
        self.resolution_digest: str | None = None
        self.upheld: bool | None = None

    def resolve(self, upheld: bool, on: date, digest: str) -> None:
        self._resolved(upheld, on, digest)

    @records(Resolved)
    def _resolved(self, upheld: bool, on: date, digest: str) -> None:
        self.upheld, self.resolution_digest = upheld, digest


class Payment(Entity):
    """A claim paid: the approved amount, what of the class's advance it settles, and the
    net transferred from one funding channel."""

    TOPIC = "skillfund:Payment"

    class Made(Created):
        TOPIC = "skillfund:Payment.Made"
        payment_id: str
        claim_id: str
        fund_id: str
        subsidy: str
        beneficiary_id: str
        class_id: str | None
        amount_fen: int
        advance_settled_fen: int
        net_fen: int
        channel: str | None
        reference: str
        on: date
        digest: str

    @staticmethod
    def create_id(payment_id: str) -> UUID:
        return entity_id(f"/payments/{payment_id}")

    def __init__(
        self,
        payment_id: str,
        claim_id: str,
        fund_id: str,
        subsidy: str,
        beneficiary_id: str,
        class_id: str | None,
        amount_fen: int,
        advance_settled_fen: int,
        net_fen: int,
        channel: str | None,
        reference: str,
        on: date,
        digest: str,
    ) -> None:
        self.payment_id, self.claim_id, self.fund_id = payment_id, claim_id, fund_id
        self.subsidy, self.beneficiary_id, self.class_id = subsidy, beneficiary_id, class_id
        self.amount_fen, self.advance_settled_fen, self.net_fen = (
            amount_fen,
            advance_settled_fen,
            net_fen,
        )
        self.channel, self.reference, self.on, self.digest = channel, reference, on, digest


class Reconciliation(Entity):
    """Finance's confirmation that the account matched the bank statement through a date."""

    TOPIC = "skillfund:Reconciliation"

    class Confirmed(Created):
        TOPIC = "skillfund:Reconciliation.Confirmed"
        reconciliation_id: str
        fund_id: str
        through: date
        confirmed_by: str
        statement_sha256: str
        matched: int
        on: date
        digest: str

    @staticmethod
    def create_id(reconciliation_id: str) -> UUID:
        return entity_id(f"/reconciliations/{reconciliation_id}")

    def __init__(
        self,
        reconciliation_id: str,
        fund_id: str,
        through: date,
        confirmed_by: str,
        statement_sha256: str,
        matched: int,
        on: date,
        digest: str,
    ) -> None:
        self.reconciliation_id, self.fund_id, self.through = reconciliation_id, fund_id, through
        self.confirmed_by, self.statement_sha256, self.matched = (
            confirmed_by,
            statement_sha256,
            matched,
        )
        self.on, self.digest = on, digest
