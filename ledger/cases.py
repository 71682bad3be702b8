"""Handlers of the inspectors' commands: open_case, conclude_case, record_recovery and
clear_flag (a contract extension).

A fraud finding is one transaction over the case, its claims, their classes' funding,
the banned institutions: unpaid claims are rejected, paid ones (and unsettled advances)
become clawback receivables, institutions are banned. Recoveries return cash to the fund.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case import Case, FlagReview, Recovery
from domain.claim import Claim
from domain.errors import DomainError
from domain.finance import ClassFunding
from domain.training import TrainingClass
from ledger.app import Ledger, Outcome, check_entry, check_new, handles
from ledger.finance import pack_on
from ledger.handlers import require, require_fund, require_institution
from rules.finance import CHANNEL_ORDER, fraud_citation


@handles("open_case")
def open_case(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Case, Case.create_id(f["case_id"])), cmd.digest, cmd.key)
    case = Case(
        case_id=f["case_id"],
        subject_ids=list(f["subject_ids"]),
        reason=f["reason"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([case])


@handles("conclude_case")
def conclude_case(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    case: Case = require(ledger, Case, f["case_id"], "case_id", "case")
    check_entry(case.conclusion_digest, cmd.digest, f"conclude_case/{cmd.key}")
    if f["finding"] == "cleared":
        case.conclude("cleared", [], [], [], [], f["date"], cmd.digest)
        return Outcome([case])
    claims = [require(ledger, Claim, claim_id, "claim_ids", "claim") for claim_id in f["claim_ids"]]
    banned = [
        require_institution(ledger, i, "ban_institution_ids") for i in f["ban_institution_ids"]
    ]
    touched: list[Any] = []
    clawbacks, rejected = [], []
    for claim in claims:
        amount = claim.find_fraud(case.case_id, citation_for(ledger, claim), f["date"])
        if amount:
            clawbacks.append(
                {
                    "kind": "claim",
                    "id": claim.claim_id,
                    "fund_id": claim.fund_id,
                    "amount_fen": amount,
                }
            )
        elif claim.status == "rejected" and claim.case_id == case.case_id:
            rejected.append(claim.claim_id)
    for class_id in sorted({c.class_id for c in claims if c.class_id}):
        clawbacks += claw_back_class(ledger, class_id, case.case_id, rejected, f["date"], touched)
    for institution in banned:
        institution.ban(case.case_id, f["date"])
    case.conclude(
        "fraud",
        list(f["claim_ids"]),
        list(f["ban_institution_ids"]),
        rejected,
        clawbacks,
        f["date"],
        cmd.digest,
    )
    return Outcome([case, *claims, *touched, *banned])


def citation_for(ledger: Ledger, claim: Claim) -> str:
    fund = require_fund(ledger, claim.fund_id)
    return fraud_citation(pack_on(fund, claim.filed_on))


def claw_back_class(
    ledger: Ledger, class_id: str, case_id: str, rejected: list[str], day: date, touched: list[Any]
) -> list[dict[str, Any]]:
    """Rejected claims leave the class's queue; its unsettled advance becomes a clawback."""
    klass: TrainingClass = require(ledger, TrainingClass, class_id, "claim_ids", "class")
    funding = ledger.find(ClassFunding, ClassFunding.create_id(class_id))
    if funding is None:
        return []
    for claim_id in rejected:
        funding.drop(claim_id, day)
    amount = funding.claw_back(klass.fund_id, case_id, day)
    touched.append(funding)
    if not amount:
        return []
    return [
        {
            "kind": "advance",
            "id": funding.advance_id,
            "fund_id": klass.fund_id,
            "amount_fen": amount,
        }
    ]


@handles("record_recovery")
def record_recovery(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Recovery, Recovery.create_id(f["recovery_id"])), cmd.digest, cmd.key)
    case: Case = require(ledger, Case, f["case_id"], "case_id", "case")
    fund_id = case.apply_recovery(f["recovery_id"], f["amount_fen"], f["date"])
    fund = require_fund(ledger, fund_id)
    channel = CHANNEL_ORDER[0]  # Recovered money returns to the dedicated account (专账).
    fund.move_cash("recovery", f["recovery_id"], channel, f["amount_fen"], f["date"])
    claims = recover_claims(ledger, case, fund_id, f["amount_fen"], f["date"])
    recovery = Recovery(
        recovery_id=f["recovery_id"],
        case_id=case.case_id,
        fund_id=fund_id,
        amount_fen=f["amount_fen"],
        channel=channel,
        reference=f["reference"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([recovery, case, fund, *claims])


def recover_claims(
    ledger: Ledger, case: Case, fund_id: str, amount_fen: int, day: date
) -> list[Claim]:
    """Spread a recovery over the case's clawed-back claims of the fund, in order."""
    touched, left = [], amount_fen
    for clawback in case.clawbacks:
        if left <= 0 or clawback["kind"] != "claim" or clawback["fund_id"] != fund_id:
            continue
        claim: Claim = require(ledger, Claim, clawback["id"], "case_id", "claim")
        owed = claim.clawback_fen - claim.recovered_fen
        if owed > 0:
            take = min(owed, left)
            claim.recover(case.case_id, take, day)
            touched.append(claim)
            left -= take
    return touched


@handles("clear_flag", reads_projections=True)
def clear_flag(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(FlagReview, FlagReview.create_id(f["flag_id"])), cmd.digest, cmd.key)
    if ledger.read_model.flag(f["flag_id"]) is None:
        raise DomainError(f"flag_id: no anti-fraud flag {f['flag_id']!r} has fired")
    review = FlagReview(
        flag_id=f["flag_id"],
        cleared_by=f["cleared_by"],
        reason=f["reason"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([review])
