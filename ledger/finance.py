"""Handlers of the money commands: allocate, pay_advance, start_publicity,
record_objection, resolve_objection, pay_claim.

Every movement of cash goes through the Fund aggregate, which refuses to let any
funding channel go below zero; the Fund is saved with the command's own aggregates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import rules
from domain.calendar import CalendarError, load_calendar
from domain.claim import Claim
from domain.errors import DomainError
from domain.finance import (
    Advance,
    Allocation,
    ClassFunding,
    Objection,
    Payment,
    Publicity,
    Reconciliation,
)
from domain.fund import Fund
from domain.parties import Institution, Person
from domain.training import TrainingClass
from ledger.app import Ledger, Outcome, check_entry, check_new, handles
from ledger.handlers import InstitutionBannedError, require, require_fund, require_institution
from rules.facts import ClassFacts
from rules.finance import advance_bounds, channel_order, per_trainee_fen, publicity_rule

OVERCAPACITY_GROUP = "overcapacity_worker"


def pack_on(fund: Fund, day: date, field: str = "date") -> rules.RulePack:
    try:
        return rules.pack_for(fund.jurisdiction, day)
    except rules.NoRulePackError:
        raise DomainError(
            f"{field}: no rule pack of {fund.jurisdiction} is in force on {day}"
        ) from None


def class_funding(ledger: Ledger, klass: TrainingClass) -> ClassFunding:
    found = ledger.find(ClassFunding, ClassFunding.create_id(klass.class_id))
    return found or ClassFunding(class_id=klass.class_id, institution_id=klass.institution_id)


@handles("allocate")
def allocate(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(
        ledger.find(Allocation, Allocation.create_id(f["allocation_id"])), cmd.digest, cmd.key
    )
    source = require_fund(ledger, f["from_fund_id"], "from_fund_id")
    target = require_fund(ledger, f["to_fund_id"], "to_fund_id")
    if target.parent_fund_id != source.fund_id:
        raise DomainError(
            f"to_fund_id: {target.fund_id} is not a district sub-account of {source.fund_id}"
        )
    split = source.split_for(channel_order(pack_on(source, f["date"]), None), f["amount_fen"])
    for channel, amount in split.items():
        source.move_cash("allocation_out", f["allocation_id"], channel, -amount, f["date"])
        target.move_cash("allocation_in", f["allocation_id"], channel, amount, f["date"])
    allocation = Allocation(
        allocation_id=f["allocation_id"],
        from_fund_id=source.fund_id,
        to_fund_id=target.fund_id,
        amount_fen=f["amount_fen"],
        channels=split,
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([allocation, source, target])


def overcapacity_class(ledger: Ledger, klass: TrainingClass, day: date) -> bool:
    """A class of overcapacity-reduction workers: most of its trainees are in that group."""
    people = [ledger.find(Person, Person.create_id(p)) for p in klass.trainees]
    flagged = sum(
        1 for p in people if p and OVERCAPACITY_GROUP in (p.facts_on(day).get("groups") or ())
    )
    return bool(klass.trainees) and flagged * 2 > len(klass.trainees)


def class_facts_of(klass: TrainingClass) -> ClassFacts:
    return ClassFacts(
        class_id=klass.class_id,
        fund_id=klass.fund_id,
        institution_id=klass.institution_id,
        scheme=klass.scheme,
        occupation=klass.occupation,
        level=klass.level,
        start_date=klass.start_date,
        end_date=klass.end_date,
        class_hours=klass.class_hours,
        enrolled_count=len(klass.trainees),
    )


@handles("pay_advance")
def pay_advance(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Advance, Advance.create_id(f["advance_id"])), cmd.digest, cmd.key)
    fund = require_fund(ledger, f["fund_id"])
    klass: TrainingClass = require(ledger, TrainingClass, f["class_id"], "class_id", "class")
    institution = require_institution(ledger, f["institution_id"], "institution_id")
    check_advance_parties(fund, klass, institution)
    pack = pack_on(fund, klass.start_date)
    basis_fen, bounds = advance_basis(ledger, pack, klass, f["date"])
    check_advance_amount(
        f["amount_fen"], basis_fen, bounds.percent_min, bounds.percent_max, bounds.citation
    )
    funding = class_funding(ledger, klass)
    funding.open_advance(f["advance_id"], f["amount_fen"], f["date"])
    channel = fund.channel_for(channel_order(pack, None), f["amount_fen"])
    fund.move_cash("advance", f["advance_id"], channel, -f["amount_fen"], f["date"])
    advance = Advance(
        advance_id=f["advance_id"],
        fund_id=fund.fund_id,
        institution_id=institution.institution_id,
        class_id=klass.class_id,
        amount_fen=f["amount_fen"],
        channel=channel,
        basis_fen=basis_fen,
        percent_min=bounds.percent_min,
        percent_max=bounds.percent_max,
        citation=bounds.citation,
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([advance, funding, fund])


def check_advance_parties(fund: Fund, klass: TrainingClass, institution: Any) -> None:
    if klass.fund_id != fund.fund_id:
        raise DomainError(f"class_id: class {klass.class_id} is filed under fund {klass.fund_id}")
    if klass.institution_id != institution.institution_id:
        raise DomainError(
            f"institution_id: class {klass.class_id} is run by {klass.institution_id}"
        )
    if institution.banned:
        raise InstitutionBannedError(
            f"institution_id: {institution.institution_id} is banned; no advances"
        )


def advance_basis(
    ledger: Ledger, pack: rules.RulePack, klass: TrainingClass, day: date
) -> tuple[int, Any]:
    """The class's expected subsidy (trainees × per-trainee figure) and the pack's bounds."""
    bounds = advance_bounds(pack, overcapacity_class(ledger, klass, day))
    if bounds is None:
        raise DomainError(
            f"amount: {pack.document} provides no advance (先行拨付); see docs/rules.md"
        )
    per_trainee = per_trainee_fen(pack, class_facts_of(klass))
    if per_trainee is None:
        raise DomainError(
            f"class_id: {pack.label} sets no per-trainee figure for a {klass.scheme} class"
        )
    if not klass.trainees:
        raise DomainError(
            f"class_id: class {klass.class_id} has no trainees enrolled; nothing to advance on"
        )
    return per_trainee[0] * len(klass.trainees), bounds


def check_advance_amount(
    amount_fen: int, basis_fen: int, low: int, high: int, citation: str
) -> None:
    """Integer percentages: low% × basis ≤ amount ≤ high% × basis."""
    if amount_fen * 100 > basis_fen * high:
        raise DomainError(
            f"amount: above {high}% of the class's expected {basis_fen} fen ({citation})"
        )
    if amount_fen * 100 < basis_fen * low:
        raise DomainError(
            f"amount: below {low}% of the class's expected {basis_fen} fen ({citation})"
        )


@handles("start_publicity")
def start_publicity(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Publicity, Publicity.create_id(f["publicity_id"])), cmd.digest, cmd.key)
    fund = require_fund(ledger, f["fund_id"])
    rule = publicity_rule(pack_on(fund, f["start_date"], "start_date"), f["working_days"])
    calendar = load_calendar()
    try:
        end_date = calendar.add_working_days(f["start_date"], rule.working_days)
    except CalendarError as outside:
        raise DomainError(f"start_date: {outside}") from None
    claims = [publicity_claim(ledger, claim_id, fund.fund_id) for claim_id in f["claim_ids"]]
    for claim in claims:
        claim.publicize(f["publicity_id"], f["start_date"], end_date)
    publicity = Publicity(
        publicity_id=f["publicity_id"],
        fund_id=fund.fund_id,
        claim_ids=list(f["claim_ids"]),
        start_date=f["start_date"],
        end_date=end_date,
        working_days=rule.working_days,
        citation=rule.citation,
        calendar=calendar.version,
        on=f["start_date"],
        digest=cmd.digest,
    )
    return Outcome([publicity, *claims])


def publicity_claim(ledger: Ledger, claim_id: str, fund_id: str) -> Claim:
    claim: Claim = require(ledger, Claim, claim_id, "claim_ids", "claim")
    if claim.fund_id != fund_id:
        raise DomainError(f"claim_ids: claim {claim_id} is a claim on fund {claim.fund_id}")
    return claim


@handles("record_objection")
def record_objection(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Objection, Objection.create_id(f["objection_id"])), cmd.digest, cmd.key)
    publicity: Publicity = require(
        ledger, Publicity, f["publicity_id"], "publicity_id", "publicity"
    )
    if f["claim_id"] not in publicity.claim_ids:
        raise DomainError(
            f"claim_id: claim {f['claim_id']} is not in publicity {publicity.publicity_id}"
        )
    claim: Claim = require(ledger, Claim, f["claim_id"], "claim_id", "claim")
    claim.raise_objection(f["objection_id"], f["date"])
    objection = Objection(
        objection_id=f["objection_id"],
        publicity_id=f["publicity_id"],
        claim_id=f["claim_id"],
        summary=f["summary"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([objection, claim])


@handles("resolve_objection")
def resolve_objection(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    objection: Objection = require(
        ledger, Objection, f["objection_id"], "objection_id", "objection"
    )
    check_entry(objection.resolution_digest, cmd.digest, f"resolve_objection/{cmd.key}")
    claim: Claim = require(ledger, Claim, objection.claim_id, "claim_id", "claim")
    publicity: Publicity = require(
        ledger, Publicity, objection.publicity_id, "publicity_id", "publicity"
    )
    objection.resolve(f["upheld"], f["date"], cmd.digest)
    claim.resolve_objection(f["objection_id"], f["upheld"], publicity.citation, f["date"])
    touched: list[Any] = [objection, claim]
    if f["upheld"] and claim.class_id:
        touched += drop_from_class(ledger, claim, f["date"])
    return Outcome(touched)


def drop_from_class(ledger: Ledger, claim: Claim, day: date) -> list[Any]:
    """A claim that will never be paid leaves its class's queue; if the class is over and
    nothing else waits, what is left of its advance is owed back."""
    klass: TrainingClass = require(ledger, TrainingClass, claim.class_id or "", "class_id", "class")
    funding = ledger.find(ClassFunding, ClassFunding.create_id(klass.class_id))
    if funding is None or claim.claim_id not in funding.pending:
        return []
    funding.drop(claim.claim_id, day)
    funding.close_if_done(klass.fund_id, day > klass.end_date, day)
    return [funding]


@handles("pay_claim", reads_projections=True)
def pay_claim(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Payment, Payment.create_id(f["payment_id"])), cmd.digest, cmd.key)
    claim: Claim = require(ledger, Claim, f["claim_id"], "claim_id", "claim")
    claim.check_payable(f["date"])
    check_payee_not_banned(ledger, claim)
    check_no_hold(ledger, claim)
    fund = require_fund(ledger, claim.fund_id)
    assert claim.decision is not None
    amount_fen = claim.decision.amount_fen
    touched: list[Any] = []
    settled = 0
    if claim.class_id:
        settled, funding_touched = settle_class(
            ledger, claim, f["payment_id"], amount_fen, f["date"]
        )
        touched += funding_touched
    net_fen = amount_fen - settled
    channel = None
    if net_fen > 0:
        channel = fund.channel_for(channel_order(pack_on(fund, f["date"]), claim.subsidy), net_fen)
        fund.move_cash("payment", f["payment_id"], channel, -net_fen, f["date"])
        touched.append(fund)
    claim.pay(f["payment_id"], settled, f["date"])
    payment = Payment(
        payment_id=f["payment_id"],
        claim_id=claim.claim_id,
        fund_id=fund.fund_id,
        subsidy=claim.subsidy,
        beneficiary_id=claim.beneficiary_id,
        class_id=claim.class_id,
        amount_fen=amount_fen,
        advance_settled_fen=settled,
        net_fen=net_fen,
        channel=channel,
        reference=f["reference"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([payment, claim, *touched])


def settle_class(
    ledger: Ledger, claim: Claim, payment_id: str, amount_fen: int, day: date
) -> tuple[int, list[Any]]:
    """Net the payment against the class's advance when the claim pays the advance's institution."""
    klass: TrainingClass = require(ledger, TrainingClass, claim.class_id or "", "class_id", "class")
    funding = ledger.find(ClassFunding, ClassFunding.create_id(klass.class_id))
    if funding is None:
        return 0, []
    nets = claim.beneficiary_id == funding.institution_id
    settled = funding.settle(claim.claim_id, payment_id, amount_fen, nets, day)
    funding.close_if_done(klass.fund_id, day > klass.end_date, day)
    return settled, [funding]


@handles("confirm_reconciliation")
def confirm_reconciliation(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    found = ledger.find(Reconciliation, Reconciliation.create_id(f["reconciliation_id"]))
    check_new(found, cmd.digest, cmd.key)
    fund = require_fund(ledger, f["fund_id"])
    if f["through"] > f["date"]:
        raise DomainError(f"through: {f['through']} is after the confirmation date {f['date']}")
    confirmation = Reconciliation(
        reconciliation_id=f["reconciliation_id"],
        fund_id=fund.fund_id,
        through=f["through"],
        confirmed_by=f["confirmed_by"],
        statement_sha256=f["statement_sha256"],
        matched=f["matched"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([confirmation])


class ClaimHeldError(DomainError):
    code = "claim_held"


def check_no_hold(ledger: Ledger, claim: Claim) -> None:
    """A claim an anti-fraud check holds is not paid until an inspector clears the flag."""
    holds = ledger.read_model.holds(claim.claim_id)
    if holds:
        named = ", ".join(f"{h['rule_id']} ({h['flag_id']})" for h in holds)
        raise ClaimHeldError(
            f"claim_id: claim {claim.claim_id} is held by {named} until an inspector clears it"
        )


def check_payee_not_banned(ledger: Ledger, claim: Claim) -> None:
    """Payments in the pipeline of a banned institution are withheld (Yuncheng 三.17)."""
    institution_ids = [claim.beneficiary_id]
    if claim.class_id:
        klass = ledger.find(TrainingClass, TrainingClass.create_id(claim.class_id))
        institution_ids.append(klass.institution_id if klass else "")
    for institution_id in institution_ids:
        institution = (
            ledger.find(Institution, Institution.create_id(institution_id))
            if institution_id
            else None
        )
        if institution is not None and institution.banned:
            raise InstitutionBannedError(
                f"claim_id: institution {institution_id} is banned; its payments are withheld"
            )
