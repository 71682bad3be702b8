"""The flags projection's working copy of its tables while it applies a batch of events.

The checks ask by columns other than a table's key (an account's payees, a person's
attendance on a day, the claims of a class, the flags about a subject), and a check that
fires after event N must see exactly the state after event N. So every table is a
RowBuffer, and those asked by other columns keep in-memory indexes on them
(`IndexedBuffer`): an answer is the rows the table held for that value plus the rows the
batch inserted. `FraudBatch.begin` reads what the events name in a few SELECTs; anything it
did not foresee is read on first use, so what `prefetch` reads is a matter of speed only.
`flush` writes every change back, one executemany per table and kind of change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.case import Case, FlagReview
from domain.claim import Claim
from domain.parties import Person
from domain.training import Enrollment, TrainingClass
from projections.buffer import Key, RowBuffer
from projections.flag_store import CASES, FLAG_CLAIMS, FLAG_SUBJECTS, FLAGS, REVIEWS
from projections.fraud_rosters import flags_a_claim_joins
from projections.fraud_state import (
    ATTENDANCE,
    CERTIFICATES,
    CLAIMS,
    CLASSES,
    CLOCK,
    ENROLLMENTS,
    FUNDS,
    INSTITUTIONS,
    OVERLAPS,
    PENDING,
    PEOPLE,
    class_and_person,
)

Row = dict[str, Any]


class IndexedBuffer(RowBuffer):
    """A RowBuffer that also finds rows by other columns. Indexed columns never change once
    a row is written, and no row is deleted during a batch (true of every index here), so
    an index is what the table held at load time plus what the batch inserted."""

    def __init__(self, table: sa.Table, key: Iterable[str], *indexes: tuple[str, ...]) -> None:
        self.indexes = indexes
        super().__init__(table, key)

    def clear(self) -> None:
        super().clear()
        # Per index: value -> keys of the rows the table held, for the values read so far.
        self.stored_by: dict[tuple[str, ...], dict[Key, list[Key]]] = {
            columns: {} for columns in self.indexes
        }
        # Per index: value -> keys of the rows inserted in this batch.
        self.added_by: dict[tuple[str, ...], dict[Key, list[Key]]] = {
            columns: defaultdict(list) for columns in self.indexes
        }

    def insert(self, row: Row) -> Row:
        full = super().insert(row)
        key = self.key_of(full)
        for columns in self.indexes:
            self.added_by[columns][tuple(full[name] for name in columns)].append(key)
        return full

    def preload(
        self, connection: Connection, columns: tuple[str, ...], values: Iterable[Key]
    ) -> None:
        """Read the rows whose `columns` hold any of `values` not read yet, one SELECT per
        LOAD_CHUNK values. A row the batch already holds keeps its buffered copy."""
        known = self.stored_by[columns]
        wanted = [v for v in dict.fromkeys(values) if v not in known]
        found: dict[Key, list[Key]] = {value: [] for value in wanted}
        for row in self.read(connection, columns, wanted):
            found[tuple(row[name] for name in columns)].append(self.key_of(row))
        known.update(found)

    def find(self, connection: Connection, columns: tuple[str, ...], value: Key) -> list[Row]:
        """The rows whose `columns` hold `value`: the table's first, then the batch's."""
        if value not in self.stored_by[columns]:
            self.preload(connection, columns, [value])
        keys = self.stored_by[columns][value] + self.added_by[columns].get(value, [])
        return [self.rows[key] for key in keys]


class FraudBatch:
    """Every table of the flags projection, buffered for the batch being applied."""

    def __init__(self) -> None:
        self.current: Connection | None = None
        self.pending = RowBuffer(PENDING, ["name"])
        self.people = IndexedBuffer(PEOPLE, ["person_id"], ("person_uuid",))
        self.institutions = RowBuffer(INSTITUTIONS, ["institution_id"])
        self.funds = RowBuffer(FUNDS, ["fund_id"])
        self.classes = RowBuffer(CLASSES, ["class_id"])
        self.enrollments = IndexedBuffer(
            ENROLLMENTS, ["enrollment_uuid"], ("class_id", "person_id")
        )
        self.attendance = IndexedBuffer(
            ATTENDANCE, ["class_id", "person_id", "key"], ("person_id", "on")
        )
        self.certificates = RowBuffer(CERTIFICATES, ["certificate_no"])
        self.claims = IndexedBuffer(
            CLAIMS, ["claim_id"], ("claim_uuid",), ("class_id",), ("payee_account",)
        )
        self.clock = RowBuffer(CLOCK, ["name"])
        self.overlaps = IndexedBuffer(
            OVERLAPS, ["person_id", "class_id", "flag_id"], ("person_id", "class_id")
        )
        self.flags = RowBuffer(FLAGS, ["flag_id"])
        self.flag_claims = IndexedBuffer(FLAG_CLAIMS, ["flag_id", "claim_id"], ("flag_id",))
        self.flag_subjects = IndexedBuffer(
            FLAG_SUBJECTS, ["flag_id", "key"], ("flag_id",), ("key",)
        )
        self.reviews = RowBuffer(REVIEWS, ["flag_id"])
        self.cases = RowBuffer(CASES, ["case_uuid"])

    @property
    def connection(self) -> Connection:
        assert self.current is not None, "the flags projection is used outside a batch"
        return self.current

    def buffers(self) -> list[RowBuffer]:
        return [b for b in vars(self).values() if isinstance(b, RowBuffer)]

    def begin(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        """Start a batch: forget whatever a batch that failed before its flush left behind
        (its transaction rolled back), then read what these events name."""
        for buffer in self.buffers():
            buffer.clear()
        self.current = connection
        prefetch(self, [e for _, e in events])

    def flush(self) -> None:
        for buffer in self.buffers():
            buffer.flush(self.connection)
        self.current = None

    def row(self, buffer: RowBuffer, *key: Any) -> Row | None:
        """The row of `buffer` with this key, or None."""
        return buffer.get(self.connection, key)

    def rows(self, buffer: IndexedBuffer, **where: Any) -> list[Row]:
        """The rows of `buffer` with these values, e.g. rows(b.claims, payee_account=a)."""
        return buffer.find(self.connection, tuple(where), tuple(where.values()))

    def mark_pending(self, rule_ids: Iterable[str]) -> None:
        """Note that these whole-store checks must run again (`Flags.finish`)."""
        for rule_id in rule_ids:
            self.pending.upsert(self.connection, (rule_id,))


@dataclass
class Needs:
    """The keys and index values a batch's events name, gathered before any is applied."""

    people: set[Key] = field(default_factory=set)
    person_uuids: set[Key] = field(default_factory=set)
    accounts: set[Key] = field(default_factory=set)
    classes: set[Key] = field(default_factory=set)
    certificates: set[Key] = field(default_factory=set)
    enrollments: set[Key] = field(default_factory=set)
    trainees: set[Key] = field(default_factory=set)  # (class, person) of claims.
    days: set[Key] = field(default_factory=set)  # (person, day) of attendance records.
    claim_uuids: set[Key] = field(default_factory=set)
    claimants: set[Key] = field(default_factory=set)  # Persons of claims filed.
    opened: set[Key] = field(default_factory=set)  # Classes opened.
    cases: set[Key] = field(default_factory=set)
    flags: set[Key] = field(default_factory=set)

    def attended(self, e: Any) -> None:
        trainee = class_and_person(e)
        if trainee is None:
            self.enrollments.add((str(e.originator_id),))
            return
        self.classes.add(trainee[:1])
        self.days.add((trainee[1], e.on))
        self.flags.add((f"ATT-08:{trainee[0]}",))

    def enrolled(self, e: Any) -> None:
        self.classes.add((e.class_id,))
        self.flags.add((f"ATT-08:{e.class_id}",))

    def filed(self, e: Any) -> None:
        self.people.add((e.beneficiary_id,))
        self.claimants.add((e.person_id,))
        self.flags.add((f"CERT-03:{e.claim_id}",))
        if e.certificate_no:
            self.certificates.add((e.certificate_no,))
        if e.class_id:
            self.classes.add((e.class_id,))
            self.trainees.add((e.class_id, e.person_id))
            self.flags.add((f"ATT-08:{e.class_id}",))

    def note(self, e: Any) -> None:
        """Add what one event names."""
        kind = type(e)
        if kind is Enrollment.AttendanceRecorded:
            self.attended(e)
        elif kind is Enrollment.Enrolled:
            self.enrolled(e)
        elif kind is Claim.Filed:
            self.filed(e)
        elif kind is Enrollment.Completed:
            self.enrollments.add((str(e.originator_id),))
        elif kind is TrainingClass.Opened:
            self.opened.add((e.class_id,))
        elif kind is Person.Updated:
            self.person_uuids.add((str(e.originator_id),))
            self.accounts.add((e.changes.get("account"),))
        elif kind is Person.Registered:
            self.accounts.add((e.facts.get("account"),))
        elif kind in (Claim.ObjectionRaised, Claim.ObjectionResolved):
            self.claim_uuids.add((str(e.originator_id),))
        elif kind is FlagReview.Cleared:
            self.flags.add((e.flag_id,))
        elif kind is Case.Concluded:
            self.cases.add((str(e.originator_id),))


def prefetch(b: FraudBatch, events: Sequence[Any]) -> None:
    """Read what the events name, table by table, a few statements for the whole batch."""
    needs = Needs()
    for e in events:
        needs.note(e)
    c = b.connection
    b.people.preload(c, ("person_uuid",), needs.person_uuids)
    b.people.load(c, needs.people)
    payees = {(row["account"],) for row in b.people.rows.values()}
    b.claims.preload(c, ("payee_account",), {a for a in needs.accounts | payees if a[0]})
    b.claims.preload(c, ("claim_uuid",), needs.claim_uuids)
    b.claims.preload(c, ("class_id",), needs.opened)
    b.classes.load(c, needs.classes)
    b.certificates.load(c, needs.certificates)
    b.flag_subjects.preload(c, ("key",), needs.claimants)
    b.enrollments.load(c, needs.enrollments)
    b.enrollments.preload(c, ("class_id", "person_id"), needs.trainees)
    b.attendance.preload(c, ("person_id", "on"), needs.days)
    b.overlaps.preload(c, ("person_id", "class_id"), {(p, k) for k, p in needs.trainees})
    b.cases.load(c, needs.cases)
    candidates = needs.flags | {(row["flag_id"],) for row in b.overlaps.rows.values()}
    filed = [e for e in events if type(e) is Claim.Filed]
    candidates |= {(flag_id,) for e in filed for flag_id in flags_claim_joins(b, e)}
    b.flags.load(c, candidates)
    flags = list(b.flags.rows)  # Those that exist; a flag raised in the batch reads its own.
    b.flag_subjects.preload(c, ("flag_id",), flags)
    b.flag_claims.preload(c, ("flag_id",), flags)


def flags_claim_joins(b: FraudBatch, e: Any) -> list[str]:
    """The whole-store flags a filed claim joins (`flags_a_claim_joins`), from the rows of
    its certificate and the flags about its person, which `prefetch` loads."""
    certificate = b.row(b.certificates, e.certificate_no) if e.certificate_no else None
    about_person = [r["flag_id"] for r in b.rows(b.flag_subjects, key=e.person_id)]
    return flags_a_claim_joins(e.class_id, certificate, e.person_id, about_person)
