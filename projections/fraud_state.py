"""What the fraud checks remember of the log: people, institutions, classes, enrolments,
attendance, certificates, claims and the business clock, each row with the position
(notification id) of the event it came from, so that a firing can cite its evidence.

These tables belong to the flags projection (they are dropped and rebuilt with it). The
handlers here write them through the batch's working copy (`fraud_batch.FraudBatch`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from domain.fund import Fund
from domain.parties import Institution, Person
from domain.training import Certificate, Enrollment, TrainingClass
from projections.base import METADATA, queries_only

if TYPE_CHECKING:
    from projections.fraud_batch import FraudBatch

ID = sa.String(64)

PEOPLE = sa.Table(
    "pj_fraud_people",
    METADATA,
    sa.Column("person_id", sa.String(18), primary_key=True),
    sa.Column("person_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=True, index=True),
    sa.Column("phone", sa.String(32), nullable=True, index=True),
    sa.Column("account", sa.String(64), nullable=True, index=True),
    # {fact: [business date, value, notification id, event]} of the value in force last.
    sa.Column("facts", sa.Text, nullable=False),
)

INSTITUTIONS = sa.Table(
    "pj_fraud_institutions",
    METADATA,
    sa.Column("institution_id", sa.String(18), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("jurisdiction", sa.String(20), nullable=False),
    sa.Column("account", sa.String(64), nullable=True),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("registered_on", sa.Date, nullable=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)

FUNDS = sa.Table(
    "pj_fraud_funds",
    METADATA,
    sa.Column("fund_id", ID, primary_key=True),
    sa.Column("jurisdiction", sa.String(20), nullable=False),
)

CLASSES = sa.Table(
    "pj_fraud_classes",
    METADATA,
    sa.Column("class_id", ID, primary_key=True),
    sa.Column("fund_id", ID, nullable=False),
    sa.Column("institution_id", sa.String(18), nullable=False),
    sa.Column("scheme", sa.String(40), nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
    # Claims filed naming the class, so INST-02 counts an institution's claims per month
    # from the classes alone.
    sa.Column("claims", sa.Integer, nullable=False),
)

ENROLLMENTS = sa.Table(
    "pj_fraud_enrollments",
    METADATA,
    sa.Column("enrollment_uuid", sa.String(36), primary_key=True),
    sa.Column("class_id", ID, nullable=False, index=True),
    sa.Column("person_id", sa.String(18), nullable=False, index=True),
    sa.Column("enrolled_on", sa.Date, nullable=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
    sa.Column("completed_on", sa.Date, nullable=True),
    sa.Column("passed", sa.Boolean, nullable=True),
    sa.Column("completed_nid", sa.BigInteger, nullable=True),
)

ATTENDANCE = sa.Table(
    "pj_fraud_attendance",
    METADATA,
    sa.Column("class_id", ID, primary_key=True),
    sa.Column("person_id", sa.String(18), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("start", sa.String(5), nullable=True),
    sa.Column("end", sa.String(5), nullable=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
    sa.Index("ix_pj_fraud_attendance_person_day", "person_id", "on"),
)

CERTIFICATES = sa.Table(
    "pj_fraud_certificates",
    METADATA,
    sa.Column("certificate_no", ID, primary_key=True),
    sa.Column("person_id", sa.String(18), nullable=False),
    sa.Column("issuer_id", sa.String(18), nullable=False, index=True),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)

CLAIMS = sa.Table(
    "pj_fraud_claims",
    METADATA,
    sa.Column("claim_id", ID, primary_key=True),
    sa.Column("claim_uuid", sa.String(36), nullable=False, unique=True),
    sa.Column("fund_id", ID, nullable=False),
    sa.Column("person_id", sa.String(18), nullable=False, index=True),
    sa.Column("beneficiary_id", sa.String(18), nullable=False),
    sa.Column("class_id", ID, nullable=True, index=True),
    sa.Column("certificate_no", ID, nullable=True, index=True),
    sa.Column("filed_on", sa.Date, nullable=False),
    # The account a personal subsidy is paid into: the beneficiary's, when filed.
    sa.Column("payee_account", sa.String(64), nullable=True, index=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)
# The indexes a batch reads by: people by uuid, enrolments by (class, person), attendance
# by (person, day), claims by uuid, class and payee account. The others serve queries.
queries_only(
    PEOPLE, "ix_pj_fraud_people_account", "ix_pj_fraud_people_name", "ix_pj_fraud_people_phone"
)
queries_only(ENROLLMENTS, "ix_pj_fraud_enrollments_person_id")
queries_only(CERTIFICATES, "ix_pj_fraud_certificates_issuer_id")
queries_only(CLAIMS, "ix_pj_fraud_claims_certificate_no", "ix_pj_fraud_claims_person_id")

# The business clock of ATT-08: the latest start date of a class that has begun (has an
# attendance record), with the record that began it. A class filed weeks ahead of its
# start (开班备案 precedes training) does not move the clock until it is attended.
CLOCK = sa.Table(
    "pj_fraud_clock",
    METADATA,
    sa.Column("name", sa.String(16), primary_key=True),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("class_id", ID, nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)

# ATT-01 flags by (person, class), so a claim filed later joins the hold.
OVERLAPS = sa.Table(
    "pj_fraud_overlaps",
    METADATA,
    sa.Column("person_id", sa.String(18), primary_key=True),
    sa.Column("class_id", ID, primary_key=True),
    sa.Column("flag_id", sa.String(300), primary_key=True),
)

# A row while events that the whole-store checks read have arrived since they last ran,
# so that a catch-up of payments or attendance alone does not recompute them.
PENDING = sa.Table(
    "pj_fraud_pending",
    METADATA,
    sa.Column("name", sa.String(16), primary_key=True),
)

STATE_TABLES = (
    PENDING,
    PEOPLE,
    INSTITUTIONS,
    FUNDS,
    CLASSES,
    ENROLLMENTS,
    ATTENDANCE,
    CERTIFICATES,
    CLAIMS,
    CLOCK,
    OVERLAPS,
)
BUSINESS_CLOCK = "business"
WATCHED_FACTS = ("name", "phone", "account")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def person_registered(b: FraudBatch, e: Any, nid: int) -> None:
    facts = {k: [e.on.isoformat(), e.facts.get(k), nid, "PersonRegistered"] for k in WATCHED_FACTS}
    b.people.insert(
        {
            "person_id": e.person_id,
            "person_uuid": str(e.originator_id),
            "facts": dumps(facts),
            **{k: e.facts.get(k) for k in WATCHED_FACTS},
        }
    )


def person_updated(b: FraudBatch, e: Any, nid: int) -> None:
    """A change takes over a fact unless a later-dated change already holds it
    (as Person.facts_on: the latest business date wins, whatever the recording order)."""
    (row,) = b.rows(b.people, person_uuid=str(e.originator_id))
    facts = json.loads(row["facts"])
    for fact in WATCHED_FACTS:
        if fact in e.changes and facts[fact][0] <= e.on.isoformat():
            facts[fact] = [e.on.isoformat(), e.changes[fact], nid, "PersonUpdated"]
    row.update(facts=dumps(facts), **{k: facts[k][1] for k in WATCHED_FACTS})
    b.people.touch((row["person_id"],))


def fact_evidence(person_id: str, facts_json: str, fact: str) -> dict[str, Any]:
    """The evidence entry of the event that set a person's fact in force."""
    on, _value, nid, event_name = json.loads(facts_json)[fact]
    key = person_id if event_name == "PersonRegistered" else f"{person_id}@{on}"
    return {"notification_id": nid, "event": event_name, "key": key}


def institution_registered(b: FraudBatch, e: Any, nid: int) -> None:
    b.institutions.insert(
        {
            "institution_id": e.institution_id,
            "name": e.name,
            "kind": e.kind,
            "jurisdiction": e.jurisdiction,
            "account": e.account,
            "address": e.address.strip() if e.address else None,
            "registered_on": e.on,
            "notification_id": nid,
        }
    )


def fund_opened(b: FraudBatch, e: Any, _: int) -> None:
    b.funds.insert({"fund_id": e.fund_id, "jurisdiction": e.jurisdiction})


def class_opened(b: FraudBatch, e: Any, nid: int) -> None:
    b.classes.insert(
        {
            "class_id": e.class_id,
            "fund_id": e.fund_id,
            "institution_id": e.institution_id,
            "scheme": e.scheme,
            "start_date": e.start_date,
            "end_date": e.end_date,
            "notification_id": nid,
            "claims": len(b.rows(b.claims, class_id=e.class_id)),  # Filed before it opened.
        }
    )


def business_clock(b: FraudBatch) -> dict[str, Any] | None:
    """The clock as it stands now (a copy: advancing it does not change what was read)."""
    row = b.row(b.clock, BUSINESS_CLOCK)
    return dict(row) if row is not None else None


def advance_clock(b: FraudBatch, clock: dict[str, Any] | None, record: dict) -> None:
    """Move the clock to the start of the record's class, if that is later."""
    klass = b.row(b.classes, record["class_id"])
    start = klass["start_date"] if klass is not None else None
    if start is None or (clock is not None and start <= clock["on"]):
        return
    values = {"on": start, "class_id": record["class_id"], "key": record["key"]}
    values["notification_id"] = record["notification_id"]
    row = b.row(b.clock, BUSINESS_CLOCK)
    if row is None:
        b.clock.insert({"name": BUSINESS_CLOCK, **values})
    else:  # Changed in place: the clock has a column named `key`, RowBuffer.update's argument.
        row.update(values)
        b.clock.touch((BUSINESS_CLOCK,))


def enrolled(b: FraudBatch, e: Any, nid: int) -> None:
    b.enrollments.insert(
        {
            "enrollment_uuid": str(e.originator_id),
            "class_id": e.class_id,
            "person_id": e.person_id,
            "enrolled_on": e.on,
            "notification_id": nid,
        }
    )


def class_and_person(e: Any) -> tuple[str, str] | None:
    """The (class, person) an attendance record's key names, when the enrolment id they
    imply is the event's: the key is "{class_id}/{person_id}/{date}/{start}" and enrolment
    ids are uuid5 of "/enrollments/{class_id}/{person_id}". None otherwise."""
    parts = str(e.key).rsplit("/", 3)
    if len(parts) == 4 and Enrollment.create_id(parts[0], parts[1]) == e.originator_id:
        return parts[0], parts[1]
    return None


def enrolment_of_record(b: FraudBatch, e: Any) -> tuple[str, str]:
    """The (class, person) of an attendance record: from its key, else its enrolment row."""
    found = class_and_person(e)
    if found is not None:
        return found
    row = b.row(b.enrollments, str(e.originator_id))
    if row is None:
        raise LookupError(f"attendance {e.key} of an enrolment never recorded")
    return row["class_id"], row["person_id"]


def attendance_recorded(b: FraudBatch, e: Any, nid: int) -> dict[str, Any]:
    """Remember an attendance record; returns it with its class and person."""
    class_id, person_id = enrolment_of_record(b, e)
    record = {
        "class_id": class_id,
        "person_id": person_id,
        "key": e.key,
        "on": e.on,
        "start": e.start,
        "end": e.end,
        "notification_id": nid,
    }
    b.attendance.insert(dict(record))
    return record


def completed(b: FraudBatch, e: Any, nid: int) -> None:
    if b.row(b.enrollments, str(e.originator_id)) is not None:
        b.enrollments.update(
            b.connection,
            (str(e.originator_id),),
            completed_on=e.on,
            passed=e.passed,
            completed_nid=nid,
        )


def certificate_issued(b: FraudBatch, e: Any, nid: int) -> None:
    b.certificates.insert(
        {
            "certificate_no": e.certificate_no,
            "person_id": e.person_id,
            "issuer_id": e.issuer_id,
            "issued_on": e.on,
            "notification_id": nid,
        }
    )


def claim_filed(b: FraudBatch, e: Any, nid: int) -> str | None:
    """Remember a claim, with the account a personal subsidy goes to (the beneficiary's
    `account` fact when the beneficiary is a registered person); returns that account."""
    beneficiary = b.row(b.people, e.beneficiary_id)
    account = beneficiary["account"] if beneficiary is not None else None
    b.claims.insert(
        {
            "claim_id": e.claim_id,
            "claim_uuid": str(e.originator_id),
            "fund_id": e.fund_id,
            "person_id": e.person_id,
            "beneficiary_id": e.beneficiary_id,
            "class_id": e.class_id,
            "certificate_no": e.certificate_no,
            "filed_on": e.on,
            "payee_account": account,
            "notification_id": nid,
        }
    )
    klass = b.row(b.classes, e.class_id) if e.class_id is not None else None
    if klass is not None:
        klass["claims"] += 1
        b.classes.touch((e.class_id,))
    return account


def claim_by_uuid(b: FraudBatch, aggregate_id: Any) -> dict[str, Any]:
    """The claim of this aggregate id, or {} when none was filed."""
    found = b.rows(b.claims, claim_uuid=str(aggregate_id))
    return found[0] if found else {}


STATE_HANDLERS: dict[type, Any] = {
    Person.Registered: person_registered,
    Person.Updated: person_updated,
    Institution.Registered: institution_registered,
    Fund.Opened: fund_opened,
    TrainingClass.Opened: class_opened,
    Enrollment.Completed: completed,
    Certificate.Issued: certificate_issued,
}
