"""Handlers of the reference-data and training commands.

Each loads what the command refers to (refusing unknown references), checks the
natural key for a duplicate or conflict, and returns the aggregates to save.
"""

from __future__ import annotations

from typing import Any

from domain.catalog import Catalog, CatalogIndex
from domain.errors import DomainError, NotEnrolledError, UnknownReferenceError
from domain.fund import Deposit, Fund
from domain.parties import PERSON_FACTS, Institution, Person
from domain.training import Certificate, Employment, Enrollment, TrainingClass
from ledger.app import Ledger, Outcome, check_entry, check_new, handles


def require(ledger: Ledger, cls: Any, key: str, field: str, kind: str) -> Any:
    """Load a referenced aggregate or refuse the command, naming the field."""
    found = ledger.find(cls, cls.create_id(key))
    if found is None:
        raise UnknownReferenceError(field, kind, key)
    return found


def require_fund(ledger: Ledger, fund_id: str, field: str = "fund_id") -> Fund:
    return require(ledger, Fund, fund_id, field, "fund")


def require_person(ledger: Ledger, person_id: str, field: str = "person_id") -> Person:
    return require(ledger, Person, person_id, field, "person")


def require_institution(ledger: Ledger, institution_id: str, field: str) -> Institution:
    return require(ledger, Institution, institution_id, field, "institution")


class InstitutionBannedError(DomainError):
    code = "institution_banned"


@handles("open_fund")
def open_fund(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Fund, Fund.create_id(f["fund_id"])), cmd.digest, cmd.key)
    if f["parent_fund_id"] is not None:
        parent = require_fund(ledger, f["parent_fund_id"], "parent_fund_id")
        if parent.jurisdiction != f["jurisdiction"]:
            raise DomainError(
                "parent_fund_id: a sub-account must be of its parent's jurisdiction "
                f"({parent.jurisdiction})"
            )
    fund = Fund(
        fund_id=f["fund_id"],
        jurisdiction=f["jurisdiction"],
        name=f["name"],
        parent_fund_id=f["parent_fund_id"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([fund])


@handles("deposit")
def deposit(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Deposit, Deposit.create_id(f["deposit_id"])), cmd.digest, cmd.key)
    fund = require_fund(ledger, f["fund_id"])
    fund.move_cash("deposit", f["deposit_id"], f["channel"], f["amount_fen"], f["date"])
    received = Deposit(
        deposit_id=f["deposit_id"],
        fund_id=f["fund_id"],
        amount_fen=f["amount_fen"],
        channel=f["channel"],
        reference=f["reference"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([received, fund])


@handles("publish_catalog")
def publish_catalog(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Catalog, Catalog.create_id(f["catalog_id"])), cmd.digest, cmd.key)
    catalog = Catalog(
        catalog_id=f["catalog_id"],
        jurisdiction=f["jurisdiction"],
        kind=f["kind"],
        effective_from=f["effective_from"],
        entries=[dict(entry) for entry in f["entries"]],
        on=f["effective_from"],
        digest=cmd.digest,
    )
    index_id = CatalogIndex.create_id(f["jurisdiction"], f["kind"])
    index = ledger.find(CatalogIndex, index_id) or CatalogIndex(
        jurisdiction=f["jurisdiction"], kind=f["kind"]
    )
    index.list_catalog(f["catalog_id"], f["effective_from"])
    return Outcome([catalog, index])


@handles("register_institution")
def register_institution(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    found = ledger.find(Institution, Institution.create_id(f["institution_id"]))
    check_new(found, cmd.digest, cmd.key)
    institution = Institution(
        institution_id=f["institution_id"],
        name=f["name"],
        kind=f["kind"],
        jurisdiction=f["jurisdiction"],
        insured=bool(f["insured"]),
        account=f["account"],
        address=f["address"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([institution])


@handles("register_person")
def register_person(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(ledger.find(Person, Person.create_id(f["person_id"])), cmd.digest, cmd.key)
    if f.get("employer_id"):
        require_institution(ledger, f["employer_id"], "employer_id")
    facts = {name: f.get(name) for name in PERSON_FACTS}
    person = Person(person_id=f["person_id"], facts=facts, on=f["date"], digest=cmd.digest)
    return Outcome([person])


@handles("update_person")
def update_person(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    person = require_person(ledger, f["person_id"])
    check_entry(person.update_digests.get(f["date"]), cmd.digest, cmd.key)
    if f.get("employer_id"):
        require_institution(ledger, f["employer_id"], "employer_id")
    changes = {name: f[name] for name in PERSON_FACTS if name in f}
    person.update(changes, f["date"], cmd.digest)
    return Outcome([person])


@handles("open_class")
def open_class(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(
        ledger.find(TrainingClass, TrainingClass.create_id(f["class_id"])), cmd.digest, cmd.key
    )
    require_fund(ledger, f["fund_id"])
    institution = require_institution(ledger, f["institution_id"], "institution_id")
    if institution.banned:
        raise InstitutionBannedError(
            f"institution_id: {f['institution_id']} is banned from subsidised training"
        )
    klass = TrainingClass(
        class_id=f["class_id"],
        fund_id=f["fund_id"],
        institution_id=f["institution_id"],
        scheme=f["scheme"],
        occupation=f["occupation"],
        level=f["level"],
        start_date=f["start_date"],
        end_date=f["end_date"],
        class_hours=f["class_hours"],
        venue=f["venue"],
        on=f["start_date"],
        digest=cmd.digest,
    )
    return Outcome([klass])


@handles("enroll")
def enroll(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    klass = require(ledger, TrainingClass, f["class_id"], "class_id", "class")
    require_person(ledger, f["person_id"])
    found = ledger.find(Enrollment, Enrollment.create_id(f["class_id"], f["person_id"]))
    check_new(found, cmd.digest, cmd.key)
    if f["date"] > klass.end_date:
        raise DomainError(f"date: {f['date']} is after the class ended on {klass.end_date}")
    enrollment = Enrollment(
        class_id=f["class_id"], person_id=f["person_id"], on=f["date"], digest=cmd.digest
    )
    klass.add_trainee(f["person_id"], f["date"])
    return Outcome([enrollment, klass])


def require_enrollment(
    ledger: Ledger, class_id: str, person_id: str
) -> tuple[TrainingClass, Enrollment]:
    klass = require(ledger, TrainingClass, class_id, "class_id", "class")
    require_person(ledger, person_id)
    enrollment = ledger.find(Enrollment, Enrollment.create_id(class_id, person_id))
    if enrollment is None:
        raise NotEnrolledError(f"person_id: {person_id} is not enrolled in class {class_id}")
    return klass, enrollment


@handles("record_attendance")
def record_attendance(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    klass, enrollment = require_enrollment(ledger, f["class_id"], f["person_id"])
    check_entry(enrollment.attendance.get(cmd.key), cmd.digest, cmd.key)
    if not klass.start_date <= f["date"] <= klass.end_date:
        raise DomainError(
            f"date: {f['date']} is outside the class period {klass.start_date} to {klass.end_date}"
        )
    enrollment.record_attendance(cmd.key, f["date"], f["minutes"], f["start"], f["end"], cmd.digest)
    return Outcome([enrollment])


@handles("complete_training")
def complete_training(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    klass, enrollment = require_enrollment(ledger, f["class_id"], f["person_id"])
    check_entry(enrollment.completion_digest, cmd.digest, cmd.key)
    if f["date"] < klass.start_date:
        raise DomainError(f"date: {f['date']} is before the class started on {klass.start_date}")
    enrollment.complete(f["passed"], f["date"], cmd.digest)
    return Outcome([enrollment])


@handles("record_employment")
def record_employment(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    check_new(
        ledger.find(Employment, Employment.create_id(f["employment_id"])), cmd.digest, cmd.key
    )
    person = require_person(ledger, f["person_id"])
    require_institution(ledger, f["employer_id"], "employer_id")
    person.record_employment(f["employment_id"], f["employer_id"], f["date"])
    employment = Employment(
        employment_id=f["employment_id"],
        person_id=f["person_id"],
        employer_id=f["employer_id"],
        on=f["date"],
        digest=cmd.digest,
    )
    return Outcome([employment, person])


@handles("issue_certificate")
def issue_certificate(ledger: Ledger, cmd: Any) -> Outcome:
    f = cmd.fields
    found = ledger.find(Certificate, Certificate.create_id(f["certificate_no"]))
    check_new(found, cmd.digest, cmd.key)
    require_person(ledger, f["person_id"])
    require_institution(ledger, f["issuer_id"], "issuer_id")
    certificate = Certificate(
        certificate_no=f["certificate_no"],
        person_id=f["person_id"],
        kind=f["kind"],
        occupation=f["occupation"],
        level=f["level"],
        issuer_id=f["issuer_id"],
        issued_in=f["issued_in"],
        on=f["issued_on"],
        digest=cmd.digest,
    )
    return Outcome([certificate])
