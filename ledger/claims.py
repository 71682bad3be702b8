"""file_claim: gather the facts, let the rule pack decide, record the decision and
the limits it uses — claim and limits in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from eventsourcing.domain import Aggregate

import rules
from domain.catalog import Catalog, CatalogIndex
from domain.claim import Claim
from domain.decision import Decision
from domain.errors import DomainError
from domain.finance import ClassFunding
from domain.identity import is_valid_resident_id
from domain.limits import AnnualTrainings, OccupationLevel, WorkBasedOrPreJob
from domain.parties import Institution, Person
from domain.training import Certificate, Enrollment, TrainingClass
from ledger.app import Ledger, Outcome, check_new, handles
from ledger.handlers import require, require_fund, require_institution, require_person
from rules.facts import (
    CertificateFacts,
    ClaimFacts,
    ClassFacts,
    EmploymentFacts,
    InstitutionFacts,
    LimitFacts,
    PersonFacts,
    TrainingFacts,
    TrainingStandardFacts,
)

EXCLUSIVE_SUBSIDIES = ("work_based", "pre_job")


@dataclass
class Limits:
    """The limit aggregates of one claim, loaded (or new) before the decision."""

    annual: AnnualTrainings
    occupation_level: OccupationLevel | None
    exclusive: WorkBasedOrPreJob
    certificate: Certificate | None

    def facts(self, training_key: str) -> LimitFacts:
        return LimitFacts(
            training_key=training_key,
            trainings_this_year=frozenset(self.annual.trainings),
            occupation_level_training=self.occupation_level.training_key
            if self.occupation_level
            else None,
            certificate_claim_id=self.certificate.claim_id if self.certificate else None,
            work_based_months_used=self.exclusive.work_based_months,
            exclusive_claimed=self.exclusive.first_subsidy,
        )


@handles("file_claim")
def file_claim(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Claim, Claim.create_id(f["claim_id"])), cmd.digest, cmd.key)
    facts, limits = gather_facts(ledger, f)
    decision = rules.assess(facts)
    claim = Claim(
        claim_id=f["claim_id"],
        fund_id=f["fund_id"],
        subsidy=f["subsidy"],
        beneficiary_id=f["beneficiary_id"],
        person_id=f["person_id"],
        class_id=f["class_id"],
        certificate_no=f["certificate_no"],
        months=f["months"],
        days=f["days"],
        cost_fen=f.get("amount_fen"),
        enterprise_paid=bool(f["enterprise_paid"]),
        on=f["date"],
        digest=cmd.digest,
    )
    claim.decide(decision, f["date"])
    touched: list[Aggregate] = []
    if decision.approved:
        touched = record_limits(facts, limits, decision, f["date"])
        if facts.klass is not None:
            touched.append(queue_for_payment(ledger, facts.klass, claim, decision.amount_fen))
    return Outcome([claim, *touched], decision)


def queue_for_payment(
    ledger: Ledger, klass: ClassFacts, claim: Claim, amount_fen: int
) -> Aggregate:
    """An approved class claim waits in the class's funding until paid (advances net off it)."""
    funding = ledger.find(ClassFunding, ClassFunding.create_id(klass.class_id)) or ClassFunding(
        class_id=klass.class_id, institution_id=klass.institution_id
    )
    funding.queue(claim.claim_id, amount_fen, claim.filed_on)
    return funding


def gather_facts(ledger: Ledger, f: dict[str, Any]) -> tuple[ClaimFacts, Limits]:
    """Everything the rules may see, as recorded now; refuses unknown references."""
    fund = require_fund(ledger, f["fund_id"])
    person = require_person(ledger, f["person_id"])
    beneficiary = beneficiary_facts(ledger, f["beneficiary_id"])
    klass, training = class_facts(ledger, f)
    certificate = None
    if f["certificate_no"]:
        certificate = ledger.find(Certificate, Certificate.create_id(f["certificate_no"]))
    training_date = choose_training_date(klass, certificate, f["date"])
    cert_facts = certificate_facts(certificate)
    draft = ClaimFacts(
        claim_id=f["claim_id"],
        fund_id=f["fund_id"],
        jurisdiction=fund.jurisdiction,
        filed_on=f["date"],
        training_date=training_date,
        subsidy=f["subsidy"],
        beneficiary_id=f["beneficiary_id"],
        beneficiary_is_person=beneficiary is None,
        person=person_facts(person, training_date),
        beneficiary=beneficiary,
        klass=klass,
        training=training,
        certificate=cert_facts,
        certificate_no=f["certificate_no"],
        months=f["months"],
        days=f["days"],
        amount_fen=f.get("amount_fen"),
        enterprise_paid=bool(f["enterprise_paid"]),
        class_institution=class_institution_facts(ledger, klass),
        employments=employment_facts(person),
    )
    draft = replace(draft, **catalog_facts(ledger, draft))
    limits = load_limits(ledger, draft, certificate)
    training_key = choose_training_key(f)
    return replace_limits(draft, limits.facts(training_key)), limits


def replace_limits(facts: ClaimFacts, limit_facts: LimitFacts) -> ClaimFacts:
    return replace(facts, limits=limit_facts)


def beneficiary_facts(ledger: Ledger, beneficiary_id: str) -> InstitutionFacts | None:
    """None when a person is paid (checked to be recorded), else the institution's facts."""
    if is_valid_resident_id(beneficiary_id):
        require_person(ledger, beneficiary_id, "beneficiary_id")
        return None
    return institution_facts(require_institution(ledger, beneficiary_id, "beneficiary_id"))


def institution_facts(institution: Institution) -> InstitutionFacts:
    return InstitutionFacts(
        institution_id=institution.institution_id,
        name=institution.name,
        kind=institution.kind,
        jurisdiction=institution.jurisdiction,
        insured=institution.insured,
        banned=institution.banned,
    )


def class_facts(
    ledger: Ledger, f: dict[str, Any]
) -> tuple[ClassFacts | None, TrainingFacts | None]:
    if not f["class_id"]:
        return None, None
    klass: TrainingClass = require(ledger, TrainingClass, f["class_id"], "class_id", "class")
    if klass.fund_id != f["fund_id"]:
        raise DomainError(
            f"class_id: class {klass.class_id} is filed under fund {klass.fund_id}, "
            f"not {f['fund_id']}"
        )
    facts = ClassFacts(
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
    enrollment = ledger.find(Enrollment, Enrollment.create_id(f["class_id"], f["person_id"]))
    if enrollment is None:
        return facts, None
    training = TrainingFacts(
        enrolled_on=enrollment.enrolled_on,
        attended_minutes=enrollment.attended_minutes,
        completed=enrollment.completed_on is not None,
        passed=enrollment.passed,
        completed_on=enrollment.completed_on,
    )
    return facts, training


def certificate_facts(certificate: Certificate | None) -> CertificateFacts | None:
    if certificate is None:
        return None
    return CertificateFacts(
        certificate_no=certificate.certificate_no,
        person_id=certificate.person_id,
        kind=certificate.kind,
        occupation=certificate.occupation,
        level=certificate.level,
        issued_on=certificate.issued_on,
        issuer_id=certificate.issuer_id,
        issued_in=certificate.issued_in,
    )


def person_facts(person: Person, day: date) -> PersonFacts:
    facts = person.facts_on(day)
    return PersonFacts(
        person_id=person.person_id,
        name=facts["name"],
        jurisdiction=facts["jurisdiction"],
        groups=frozenset(facts.get("groups") or ()),
        insured_months=int(facts.get("insured_months") or 0),
        pensioner=bool(facts.get("pensioner")),
        unemployment_benefit=bool(facts.get("unemployment_benefit")),
        employer_id=facts.get("employer_id"),
        account=facts.get("account"),
    )


def choose_training_date(
    klass: ClassFacts | None, certificate: Certificate | None, filed_on: date
) -> date:
    """The date whose rules apply: the class's end, else the certificate's issue, else filing."""
    if klass is not None:
        return klass.end_date
    if certificate is not None:
        return certificate.issued_on
    return filed_on


def choose_training_key(f: dict[str, Any]) -> str:
    """What one training is: its class, else its certificate, else the claim alone."""
    if f["class_id"]:
        return f"class:{f['class_id']}"
    if f["certificate_no"]:
        return f"certificate:{f['certificate_no']}"
    return f"claim:{f['claim_id']}"


def catalog_in_force(ledger: Ledger, jurisdiction: str, kind: str, day: date) -> Catalog | None:
    """The catalog of a kind in force in a jurisdiction on a day, if any was published."""
    index = ledger.find(CatalogIndex, CatalogIndex.create_id(jurisdiction, kind))
    catalog_id = index.in_force_on(day) if index is not None else None
    if catalog_id is None:
        return None
    catalog = ledger.find(Catalog, Catalog.create_id(catalog_id))
    assert catalog is not None, f"catalog {catalog_id} is indexed but not recorded"
    return catalog


def catalog_facts(ledger: Ledger, facts: ClaimFacts) -> dict[str, Any]:
    """What the catalogs in force on the training date say about this claim."""
    day, jurisdiction = facts.training_date, facts.jurisdiction
    shortage = catalog_in_force(ledger, jurisdiction, "shortage_occupations", day)
    standards = catalog_in_force(ledger, jurisdiction, "training_standards", day)
    uplift = catalog_in_force(ledger, jurisdiction, "uplift_enterprises", day)
    return {
        "shortage_occupations": shortage.occupations() if shortage else frozenset(),
        "shortage_catalog_id": shortage.catalog_id if shortage else None,
        "training_standard": standard_for(standards, facts.occupation, facts.level),
        "training_standards_catalog_id": standards.catalog_id if standards else None,
        "uplift_enterprises": {
            str(e["institution_id"]): str(e["reason"]) for e in (uplift.entries if uplift else [])
        },
        "uplift_catalog_id": uplift.catalog_id if uplift else None,
    }


def standard_for(
    catalog: Catalog | None, occupation: str | None, level: str | None
) -> TrainingStandardFacts | None:
    """The catalog row for an occupation at a level (a row without a level fits any level)."""
    if catalog is None or occupation is None:
        return None
    rows = [e for e in catalog.entries if e.get("occupation") == occupation]
    exact = [e for e in rows if e.get("level") == level] or [e for e in rows if not e.get("level")]
    if not exact:
        return None
    row = exact[0]
    return TrainingStandardFacts(
        occupation=occupation,
        level=row.get("level"),
        training_fen=int(row["training_fen"]),
        appraisal_fen=int(row["appraisal_fen"]),
    )


def class_institution_facts(ledger: Ledger, klass: ClassFacts | None) -> InstitutionFacts | None:
    if klass is None:
        return None
    institution = ledger.find(Institution, Institution.create_id(klass.institution_id))
    assert institution is not None, f"class {klass.class_id} names an unrecorded institution"
    return institution_facts(institution)


def employment_facts(person: Person) -> tuple[EmploymentFacts, ...]:
    return tuple(
        EmploymentFacts(employment_id=eid, employer_id=employer, on=on)
        for on, eid, employer in sorted(person.employments)
    )


def load_limits(ledger: Ledger, facts: ClaimFacts, certificate: Certificate | None) -> Limits:
    person_id = facts.person.person_id
    year = facts.training_date.year
    annual = ledger.find(AnnualTrainings, AnnualTrainings.create_id(person_id, year))
    occupation_level = None
    if facts.occupation:
        level = facts.level or ""
        occupation_level = ledger.find(
            OccupationLevel, OccupationLevel.create_id(person_id, facts.occupation, level)
        ) or OccupationLevel(person_id=person_id, occupation=facts.occupation, level=level)
    exclusive = ledger.find(WorkBasedOrPreJob, WorkBasedOrPreJob.create_id(person_id))
    return Limits(
        annual=annual or AnnualTrainings(person_id=person_id, year=year),
        occupation_level=occupation_level,
        exclusive=exclusive or WorkBasedOrPreJob(person_id=person_id),
        certificate=certificate,
    )


def record_limits(
    facts: ClaimFacts, limits: Limits, decision: Decision, on: date
) -> list[Aggregate]:
    """Record an approved claim on the limits it uses; returns the aggregates changed."""
    touched: list[Aggregate] = []
    key, claim_id = facts.limits.training_key, facts.claim_id
    if rules.counts_as_training(facts.subsidy):
        limits.annual.count(key, claim_id, on)
        touched.append(limits.annual)
        if limits.occupation_level is not None:
            limits.occupation_level.take(key, claim_id, on)
            touched.append(limits.occupation_level)
    if limits.certificate is not None:
        limits.certificate.claimed_by(claim_id, on)
        touched.append(limits.certificate)
    if facts.subsidy in EXCLUSIVE_SUBSIDIES:
        months = int(decision.inputs.get("months_paid", facts.months or 0))
        limits.exclusive.claim(facts.subsidy, months, claim_id, on)
        touched.append(limits.exclusive)
    return [a for a in touched if pending(a)]


def pending(aggregate: Aggregate) -> bool:
    return bool(aggregate._pending_events)
