"""Investigations: a case opens on suspicion, concludes with a finding, and recovers money.

A fraud finding, in one transaction with the claims, institutions and funds it touches:
rejects the claims not yet paid, turns what was paid (advances included) into clawback
receivables, and bans the institutions named. A cleared case closes its flags.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.base import Created, Entity, entity_id, records
from domain.errors import DomainError


class CaseNotOpenError(DomainError):
    code = "case_not_open"


class Case(Entity):
    TOPIC = "skillfund:Case"

    class Opened(Created):
        TOPIC = "skillfund:Case.Opened"
        case_id: str
        subject_ids: list[str]
        reason: str
        on: date
        digest: str

    class Concluded(Entity.Event):
        """The finding, and what it did: `clawbacks` are {kind, id, fund_id, amount_fen}
        receivables (kind "claim" or "advance"); `rejected_claim_ids` were not yet paid."""

        TOPIC = "skillfund:Case.Concluded"
        finding: str
        claim_ids: list[str]
        ban_institution_ids: list[str]
        rejected_claim_ids: list[str]
        clawbacks: list[dict[str, Any]]
        on: date
        digest: str

    class RecoveryApplied(Entity.Event):
        TOPIC = "skillfund:Case.RecoveryApplied"
        recovery_id: str
        fund_id: str
        amount_fen: int
        on: date

    @staticmethod
    def create_id(case_id: str) -> UUID:
        return entity_id(f"/cases/{case_id}")

    def __init__(
        self, case_id: str, subject_ids: list[str], reason: str, on: date, digest: str
    ) -> None:
        self.case_id, self.subject_ids, self.reason = case_id, list(subject_ids), reason
        self.opened_on, self.digest = on, digest
        self.status = "open"
        self.conclusion_digest: str | None = None
        self.receivable_by_fund: dict[str, int] = {}
        self.clawbacks: list[dict[str, Any]] = []
        self.recovered_fen = 0

    def conclude(
        self,
        finding: str,
        claim_ids: list[str],
        ban_institution_ids: list[str],
        rejected_claim_ids: list[str],
        clawbacks: list[dict[str, Any]],
        on: date,
        digest: str,
    ) -> None:
        if self.status != "open":
            raise CaseNotOpenError(
                f"case_id: case {self.case_id} is already concluded ({self.status})"
            )
        self._concluded(
            finding, claim_ids, ban_institution_ids, rejected_claim_ids, clawbacks, on, digest
        )

    @records(Concluded)
    def _concluded(
        self,
        finding: str,
        claim_ids: list[str],
        ban_institution_ids: list[str],
        rejected_claim_ids: list[str],
        clawbacks: list[dict[str, Any]],
        on: date,
        digest: str,
    ) -> None:
        self.status, self.conclusion_digest = finding, digest
        self.clawbacks = [dict(c) for c in clawbacks]
        for clawback in clawbacks:
            fund_id = clawback["fund_id"]
            self.receivable_by_fund[fund_id] = (
                self.receivable_by_fund.get(fund_id, 0) + clawback["amount_fen"]
            )

    @property
    def receivable_fen(self) -> int:
        return sum(self.receivable_by_fund.values())

    def apply_recovery(self, recovery_id: str, amount_fen: int, on: date) -> str:
        """Apply a recovery to the first fund still owed; returns that fund."""
        if self.status != "fraud":
            raise CaseNotOpenError(
                f"case_id: case {self.case_id} has no fraud finding to recover under"
            )
        owed = [(fund_id, left) for fund_id, left in self.receivable_by_fund.items() if left > 0]
        if not owed or amount_fen > owed[0][1]:
            left = owed[0][1] if owed else 0
            raise DomainError(
                f"amount: case {self.case_id} has {left} fen receivable in its first fund owed"
            )
        self._recovery_applied(recovery_id, owed[0][0], amount_fen, on)
        return owed[0][0]

    @records(RecoveryApplied)
    def _recovery_applied(self, recovery_id: str, fund_id: str, amount_fen: int, on: date) -> None:
        self.receivable_by_fund[fund_id] -= amount_fen
        self.recovered_fen += amount_fen


class Recovery(Entity):
    """Money recovered under a case, returned to the fund's dedicated account."""

    TOPIC = "skillfund:Recovery"

    class Recorded(Created):
        TOPIC = "skillfund:Recovery.Recorded"
        recovery_id: str
        case_id: str
        fund_id: str
        amount_fen: int
        channel: str
        reference: str
        on: date
        digest: str

    @staticmethod
    def create_id(recovery_id: str) -> UUID:
        return entity_id(f"/recoveries/{recovery_id}")

    def __init__(
        self,
        recovery_id: str,
        case_id: str,
        fund_id: str,
        amount_fen: int,
        channel: str,
        reference: str,
        on: date,
        digest: str,
    ) -> None:
        self.recovery_id, self.case_id, self.fund_id = recovery_id, case_id, fund_id
        self.amount_fen, self.channel, self.reference, self.on, self.digest = (
            amount_fen,
            channel,
            reference,
            on,
            digest,
        )


class FlagReview(Entity):
    """An inspector's decision on an anti-fraud flag: cleared, with who and why."""

    TOPIC = "skillfund:FlagReview"

    class Cleared(Created):
        TOPIC = "skillfund:FlagReview.Cleared"
        flag_id: str
        cleared_by: str
        reason: str
        on: date
        digest: str

    @staticmethod
    def create_id(flag_id: str) -> UUID:
        return entity_id(f"/flags/{flag_id}")

    def __init__(self, flag_id: str, cleared_by: str, reason: str, on: date, digest: str) -> None:
        self.flag_id, self.cleared_by, self.reason, self.on, self.digest = (
            flag_id,
            cleared_by,
            reason,
            on,
            digest,
        )
