"""The directory: which aggregate each natural key names, and each trainee's record.

`history ID` and `show` resolve a natural key (a claim id, a resident id, a class id)
through this table; `show class` and `show person` list enrolments from it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.catalog import Catalog
from domain.claim import Claim
from domain.finance import Advance, Allocation, Objection, Payment, Publicity
from domain.fund import Deposit, Fund
from domain.parties import Institution, Person
from domain.training import Certificate, Employment, Enrollment, TrainingClass
from projections.base import METADATA, Projection

ENTITIES = sa.Table(
    "pj_entities",
    METADATA,
    sa.Column("key", sa.String(140), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("aggregate_id", sa.String(36), nullable=False),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("fund_id", sa.String(64), nullable=True),
    sa.Column("on", sa.Date, nullable=False),
)

ENROLLMENTS = sa.Table(
    "pj_enrollments",
    METADATA,
    sa.Column("class_id", sa.String(64), primary_key=True),
    sa.Column("person_id", sa.String(18), primary_key=True),
    sa.Column("enrolled_on", sa.Date, nullable=False),
    sa.Column("sessions", sa.Integer, nullable=False),
    sa.Column("attended_minutes", sa.Integer, nullable=False),
    sa.Column("completed_on", sa.Date, nullable=True),
    sa.Column("passed", sa.Boolean, nullable=True),
)

# Creation event -> (kind, the event attribute holding its key, a label, the fund attribute).
CREATIONS: dict[type, tuple[str, str, str, str | None]] = {
    Fund.Opened: ("fund", "fund_id", "name", "fund_id"),
    Deposit.Received: ("deposit", "deposit_id", "reference", "fund_id"),
    Catalog.Published: ("catalog", "catalog_id", "kind", None),
    Institution.Registered: ("institution", "institution_id", "name", None),
    Person.Registered: ("person", "person_id", "person_id", None),
    TrainingClass.Opened: ("class", "class_id", "occupation", "fund_id"),
    Certificate.Issued: ("certificate", "certificate_no", "occupation", None),
    Employment.Recorded: ("employment", "employment_id", "employer_id", None),
    Claim.Filed: ("claim", "claim_id", "subsidy", "fund_id"),
    Allocation.Made: ("allocation", "allocation_id", "to_fund_id", "from_fund_id"),
    Advance.Paid: ("advance", "advance_id", "class_id", "fund_id"),
    Publicity.Started: ("publicity", "publicity_id", "end_date", "fund_id"),
    Objection.Raised: ("objection", "objection_id", "claim_id", None),
    Payment.Made: ("payment", "payment_id", "claim_id", "fund_id"),
}


class Directory(Projection):
    name = "directory"
    tables = (ENTITIES, ENROLLMENTS)

    def register(self) -> None:
        for event_class in CREATIONS:
            self.on(event_class, self.created)
        self.on(Enrollment.Enrolled, self.enrolled)
        self.on(Enrollment.AttendanceRecorded, self.attended)
        self.on(Enrollment.Completed, self.completed)

    @staticmethod
    def created(connection: Connection, e: Any, _: int) -> None:
        kind, key_attr, label_attr, fund_attr = CREATIONS[type(e)]
        connection.execute(
            ENTITIES.insert().values(
                key=getattr(e, key_attr),
                kind=kind,
                aggregate_id=str(e.originator_id),
                label=str(getattr(e, label_attr)),
                fund_id=getattr(e, fund_attr) if fund_attr else None,
                on=e.on,
            )
        )

    @staticmethod
    def enrolled(connection: Connection, e: Any, _: int) -> None:
        connection.execute(
            ENTITIES.insert().values(
                key=f"{e.class_id}/{e.person_id}",
                kind="enrollment",
                aggregate_id=str(e.originator_id),
                label=e.person_id,
                fund_id=None,
                on=e.on,
            )
        )
        remember(str(e.originator_id), e.class_id, e.person_id)
        connection.execute(
            ENROLLMENTS.insert().values(
                class_id=e.class_id,
                person_id=e.person_id,
                enrolled_on=e.on,
                sessions=0,
                attended_minutes=0,
            )
        )

    @staticmethod
    def attended(connection: Connection, e: Any, _: int) -> None:
        row = ENROLLMENTS.c
        connection.execute(
            ENROLLMENTS.update()
            .where(enrollment_of(connection, e.originator_id))
            .values(
                sessions=row.sessions + 1,
                attended_minutes=row.attended_minutes + e.minutes,
            )
        )

    @staticmethod
    def completed(connection: Connection, e: Any, _: int) -> None:
        connection.execute(
            ENROLLMENTS.update()
            .where(enrollment_of(connection, e.originator_id))
            .values(
                completed_on=e.on,
                passed=e.passed,
            )
        )


# Enrollment aggregate id -> (class id, person id). Ids are uuid5 of the natural key, so
# an entry never goes stale, not even across a rebuild.
ENROLLMENT_KEYS: dict[str, tuple[str, str]] = {}
ENROLLMENT_KEYS_MAX = 200_000


def enrollment_of(connection: Connection, aggregate_id: Any) -> Any:
    """The WHERE clause selecting the enrolment row of an Enrollment aggregate."""
    key = ENROLLMENT_KEYS.get(str(aggregate_id))
    if key is None:
        stored = connection.execute(
            sa.select(ENTITIES.c.key).where(
                ENTITIES.c.aggregate_id == str(aggregate_id), ENTITIES.c.kind == "enrollment"
            )
        ).scalar_one()
        key = remember(str(aggregate_id), *stored.rsplit("/", 1))
    class_id, person_id = key
    return sa.and_(ENROLLMENTS.c.class_id == class_id, ENROLLMENTS.c.person_id == person_id)


def remember(aggregate_id: str, class_id: str, person_id: str) -> tuple[str, str]:
    if len(ENROLLMENT_KEYS) >= ENROLLMENT_KEYS_MAX:
        ENROLLMENT_KEYS.clear()
    ENROLLMENT_KEYS[aggregate_id] = (class_id, person_id)
    return class_id, person_id


def resolve(connection: Connection, key: str, kind: str | None = None) -> list[dict[str, Any]]:
    """Every aggregate a natural key names (one per kind)."""
    query = sa.select(ENTITIES).where(ENTITIES.c.key == key).order_by(ENTITIES.c.kind)
    if kind is not None:
        query = query.where(ENTITIES.c.kind == kind)
    return [dict(r._mapping) for r in connection.execute(query)]


def enrollments(connection: Connection, column: str, value: str) -> list[dict[str, Any]]:
    e = ENROLLMENTS.c
    query = sa.select(ENROLLMENTS).where(e[column] == value).order_by(e.class_id, e.person_id)
    return [dict(r._mapping) for r in connection.execute(query)]
