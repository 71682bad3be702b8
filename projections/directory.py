"""The directory: which aggregate each natural key names, and each trainee's record.

`history ID` and `show` resolve a natural key (a claim id, a resident id, a class id)
through this table; `show class` and `show person` list enrolments from it.
"""

from __future__ import annotations

from collections.abc import Sequence
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
from projections.buffer import LOAD_CHUNK, RowBuffer

ENTITIES = sa.Table(
    "pj_entities",
    METADATA,
    sa.Column("key", sa.String(140), primary_key=True),
    sa.Column("kind", sa.String(16), primary_key=True),
    # Indexed: a batch finds its enrolments' keys by aggregate id (`stored_enrollment_keys`);
    # without the index every batch read the whole table (a Kunshan ingest on PostgreSQL:
    # 101 full scans of 260,000 rows a minute, and growing with the store).
    sa.Column("aggregate_id", sa.String(36), nullable=False, index=True),
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


ENROLLMENT_EVENTS = (Enrollment.AttendanceRecorded, Enrollment.Completed)


class Directory(Projection):
    """Set-based: entities are only ever inserted, so a batch collects them and writes them
    in one statement; the enrolment rows a batch changes are read in `begin`."""

    name = "directory"
    tables = (ENTITIES, ENROLLMENTS)
    version = 2  # 2: pj_entities indexed by aggregate id.

    def __init__(self) -> None:
        self.entities: list[dict[str, Any]] = []
        self.enrollments = RowBuffer(ENROLLMENTS, ("class_id", "person_id"))
        # Enrollment aggregate id -> (class id, person id), for the batch's enrolments.
        self.enrollment_keys: dict[str, tuple[str, str]] = {}
        super().__init__()

    def register(self) -> None:
        for event_class in CREATIONS:
            self.on(event_class, self.created)
        self.on(Enrollment.Enrolled, self.enrolled)
        self.on(Enrollment.AttendanceRecorded, self.attended)
        self.on(Enrollment.Completed, self.completed)

    def begin(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        # A batch that failed half way may have left rows behind.
        self.entities, self.enrollment_keys = [], {}
        self.enrollments.clear()
        for _, e in events:
            if isinstance(e, Enrollment.Enrolled):
                self.enrollment_keys[str(e.originator_id)] = (e.class_id, e.person_id)
        wanted = {str(e.originator_id) for _, e in events if isinstance(e, ENROLLMENT_EVENTS)}
        stored = stored_enrollment_keys(connection, sorted(wanted - set(self.enrollment_keys)))
        self.enrollment_keys.update(stored)
        self.enrollments.load(connection, stored.values())

    def flush(self, connection: Connection) -> None:
        if self.entities:
            connection.execute(ENTITIES.insert(), self.entities)
            self.entities = []
        self.enrollments.flush(connection)

    def created(self, _: Connection, e: Any, __: int) -> None:
        kind, key_attr, label_attr, fund_attr = CREATIONS[type(e)]
        self.entities.append(
            {
                "key": getattr(e, key_attr),
                "kind": kind,
                "aggregate_id": str(e.originator_id),
                "label": str(getattr(e, label_attr)),
                "fund_id": getattr(e, fund_attr) if fund_attr else None,
                "on": e.on,
            }
        )

    def enrolled(self, _: Connection, e: Any, __: int) -> None:
        self.entities.append(
            {
                "key": f"{e.class_id}/{e.person_id}",
                "kind": "enrollment",
                "aggregate_id": str(e.originator_id),
                "label": e.person_id,
                "fund_id": None,
                "on": e.on,
            }
        )
        self.enrollments.insert(
            {
                "class_id": e.class_id,
                "person_id": e.person_id,
                "enrolled_on": e.on,
                "sessions": 0,
                "attended_minutes": 0,
            }
        )

    def attended(self, connection: Connection, e: Any, _: int) -> None:
        row = self.enrollment(connection, e)
        if row is not None:
            row["sessions"] += 1
            row["attended_minutes"] += e.minutes
            self.enrollments.touch((row["class_id"], row["person_id"]))

    def completed(self, connection: Connection, e: Any, _: int) -> None:
        row = self.enrollment(connection, e)
        if row is not None:
            row["completed_on"], row["passed"] = e.on, e.passed
            self.enrollments.touch((row["class_id"], row["person_id"]))

    def enrollment(self, connection: Connection, e: Any) -> dict[str, Any] | None:
        """The buffered enrolment row of an Enrollment aggregate's event."""
        key = self.enrollment_keys.get(str(e.originator_id))
        if key is None:
            raise LookupError(f"enrolment {e.originator_id} is not in the directory")
        return self.enrollments.get(connection, key)


def stored_enrollment_keys(
    connection: Connection, aggregate_ids: list[str]
) -> dict[str, tuple[str, str]]:
    """(class id, person id) of Enrollment aggregates enrolled before this batch, read from
    their directory entries (keyed "class/person"), a few statements for all of them."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(aggregate_ids), LOAD_CHUNK):
        chunk = aggregate_ids[start : start + LOAD_CHUNK]
        query = sa.select(ENTITIES.c.aggregate_id, ENTITIES.c.key).where(
            ENTITIES.c.kind == "enrollment", ENTITIES.c.aggregate_id.in_(chunk)
        )
        for aggregate_id, key in connection.execute(query):
            class_id, person_id = key.rsplit("/", 1)
            found[aggregate_id] = (class_id, person_id)
    return found


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
