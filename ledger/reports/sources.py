"""What the disclosure reports read besides the projection tables: the names, accounts and
attributes of the entities the tables name, loaded once each from their aggregates, and the
few events no projection keeps (bans, job placements), read from the log by topic.

Every value that identifies a person is returned in full here and masked by the report
that prints it, through `domain.masking` only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy.engine import Connection

from domain.finance import Publicity
from domain.masking import mask_name, mask_resident_id
from domain.parties import Institution, Person
from domain.training import Certificate, TrainingClass
from ledger.service import Skillfund
from projections.directory import ENTITIES
from projections.journal import FUNDS

EVENTS_BY_TOPIC_MAX = 1_000_000
DIRECTORY_ROWS_MAX = 1_000_000
UNKNOWN = "—"


class ReportTooLargeError(RuntimeError):
    """A read reached its limit: the report would be incomplete, so none is written."""


Rows = TypeVar("Rows", bound=Sequence[Any])


def bounded(rows: Rows, limit: int, what: str) -> Rows:
    """The rows of a read, refused when they reach the read's limit (they may be cut)."""
    if len(rows) >= limit:
        raise ReportTooLargeError(f"{what}: {len(rows)} rows reach the limit of {limit}")
    return rows


class FundNotFoundError(LookupError):
    """No fund is recorded under that id."""


@dataclass(frozen=True)
class FundInfo:
    fund_id: str
    jurisdiction: str
    name: str
    parent_fund_id: str | None


@dataclass(frozen=True)
class ClassInfo:
    class_id: str
    institution_id: str
    scheme: str
    occupation: str
    level: str | None
    start_date: date
    end_date: date


class Sources:
    """Cached lookups over one open Skillfund and one connection."""

    def __init__(self, sf: Skillfund, connection: Connection) -> None:
        self.sf, self.connection = sf, connection
        self.cache: dict[tuple[type, str], Any] = {}

    def fund(self, fund_id: str) -> FundInfo:
        row = self.connection.execute(sa.select(FUNDS).where(FUNDS.c.fund_id == fund_id)).first()
        if row is None:
            raise FundNotFoundError(f"no fund {fund_id!r} is recorded")
        return FundInfo(row.fund_id, row.jurisdiction, row.name, row.parent_fund_id)

    def load(self, kind: type, key: str, aggregate_id: UUID) -> Any:
        """An aggregate, loaded once per report run (None when nothing is recorded)."""
        if (kind, key) not in self.cache:
            self.cache[(kind, key)] = self.sf.ledger.find(kind, aggregate_id)
        return self.cache[(kind, key)]

    def person(self, person_id: str) -> Person | None:
        return self.load(Person, person_id, Person.create_id(person_id))  # type: ignore[no-any-return]

    def institution(self, institution_id: str) -> Institution | None:
        found = self.load(Institution, institution_id, Institution.create_id(institution_id))
        return found  # type: ignore[no-any-return]

    def publicity(self, publicity_id: str) -> Publicity | None:
        found = self.load(Publicity, publicity_id, Publicity.create_id(publicity_id))
        return found  # type: ignore[no-any-return]

    def certificate(self, certificate_no: str | None) -> Certificate | None:
        if not certificate_no:
            return None
        found = self.load(Certificate, certificate_no, Certificate.create_id(certificate_no))
        return found  # type: ignore[no-any-return]

    def klass(self, class_id: str | None) -> ClassInfo | None:
        if not class_id:
            return None
        found = self.load(TrainingClass, class_id, TrainingClass.create_id(class_id))
        if found is None:
            return None
        return ClassInfo(
            class_id,
            found.institution_id,
            found.scheme,
            found.occupation,
            found.level,
            found.start_date,
            found.end_date,
        )

    def institution_name(self, institution_id: str | None) -> str:
        found = self.institution(institution_id) if institution_id else None
        return found.name if found is not None else UNKNOWN

    def masked_person(self, person_id: str) -> tuple[str, str]:
        """(masked name, masked resident id) of a person."""
        found = self.person(person_id)
        return (mask_name(found.name) if found else UNKNOWN), mask_resident_id(person_id)

    def payee(self, beneficiary_id: str) -> str:
        """Who is paid: an institution by name, a person by masked name."""
        institution = self.institution(beneficiary_id)
        if institution is not None:
            return institution.name
        return self.masked_person(beneficiary_id)[0]

    def payee_account(self, beneficiary_id: str) -> str | None:
        """The account a beneficiary is paid into (in full: the caller masks it)."""
        institution = self.institution(beneficiary_id)
        if institution is not None:
            return institution.account
        person = self.person(beneficiary_id)
        account = person.facts_on(None).get("account") if person is not None else None
        return str(account) if account else None

    def entities(self, kind: str, fund_id: str | None = None) -> list[dict[str, Any]]:
        """Directory rows of one kind (of one fund), in key order."""
        e = ENTITIES.c
        query = sa.select(ENTITIES).where(e.kind == kind).order_by(e.key).limit(DIRECTORY_ROWS_MAX)
        if fund_id is not None:
            query = query.where(e.fund_id == fund_id)
        rows = [dict(row._mapping) for row in self.connection.execute(query)]
        return bounded(rows, DIRECTORY_ROWS_MAX, f"directory rows of kind {kind}")

    def events_of(self, topic: str) -> list[Any]:
        """Every stored event of one topic, in log order, decoded: for the facts that no
        projection keeps (bans, placements)."""
        c = self.sf.runner.events.c
        rows = self.connection.execute(
            sa.select(c.originator_id, c.originator_version, c.topic, c.state)
            .where(c.topic == topic)
            .order_by(c.id)
            .limit(EVENTS_BY_TOPIC_MAX)
        ).all()
        bounded(rows, EVENTS_BY_TOPIC_MAX, f"events of {topic}")
        return [
            self.sf.runner.decode(
                StoredEvent(r.originator_id, r.originator_version, r.topic, bytes(r.state))
            )
            for r in rows
        ]

    def aggregate_key(self, aggregate_id: Any, kind: str) -> str | None:
        """The natural key of an aggregate, from the directory."""
        e = ENTITIES.c
        return self.connection.execute(  # type: ignore[no-any-return]
            sa.select(e.key).where(e.aggregate_id == str(aggregate_id), e.kind == kind)
        ).scalar()

    def entity(self, kind: str, key: str) -> dict[str, Any] | None:
        """The directory row of one natural key of one kind."""
        e = ENTITIES.c
        row = self.connection.execute(
            sa.select(ENTITIES).where(e.kind == kind, e.key == key)
        ).first()
        return dict(row._mapping) if row else None
