"""Time travel for auditors: any view as of a business date, as the system knew it at a
recorded time, or both.

`--as-of DATE` keeps the events whose business date is on or before DATE;
`--known-at TIMESTAMP` keeps the events recorded by then. A view with a cutoff is built
by replaying the kept events through the same projection code into a private in-memory
database, so it answers with exactly the logic of the live views.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from domain.base import business_date
from ledger.service import Skillfund
from projections.base import Projection
from projections.claims import ClaimRegister
from projections.directory import Directory
from projections.journal import Journal

BUSINESS_TIMEZONE = ZoneInfo("Asia/Shanghai")
REPLAY_PAGE_SIZE = 5_000


class CutoffError(ValueError):
    """A --known-at that is not a date or an ISO 8601 timestamp."""


@dataclass(frozen=True)
class Cutoff:
    as_of: date | None = None
    known_at: datetime | None = None  # UTC.

    @property
    def active(self) -> bool:
        return self.as_of is not None or self.known_at is not None

    def admits(self, domain_event: Any) -> bool:
        if self.known_at is not None and domain_event.timestamp > self.known_at:
            return False
        on = business_date(domain_event)
        return self.as_of is None or on is None or on <= self.as_of


def parse_known_at(text: str) -> datetime:
    """An ISO 8601 timestamp (Asia/Shanghai when it has no offset), or a date meaning the
    end of that day in Asia/Shanghai; returned in UTC."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time.max, BUSINESS_TIMEZONE)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise CutoffError(
            f"--known-at: {text!r} is neither YYYY-MM-DD nor an ISO 8601 timestamp"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BUSINESS_TIMEZONE)
    return moment.astimezone(UTC)


def live_projections() -> list[Projection]:
    """The projections a time-travelling view replays: journal, claim register, directory."""
    return [Journal(), ClaimRegister(), Directory()]


@contextmanager
def view_engine(sf: Skillfund, cutoff: Cutoff) -> Iterator[Engine]:
    """The live database when there is no cutoff; else a private replay up to the cutoff."""
    if not cutoff.active:
        yield sf.engine
        return
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    try:
        replay(sf, live_projections(), cutoff, engine)
        yield engine
    finally:
        engine.dispose()


def replay(sf: Skillfund, projections: Sequence[Projection], cutoff: Cutoff, target: Engine) -> int:
    """Apply the events the cutoff admits, in recording order, to fresh projection tables."""
    for projection in projections:
        for table in projection.tables:
            table.create(target, checkfirst=True)
    topics = sorted({topic for p in projections for topic in p.topics})
    applied = 0
    with target.begin() as connection:
        batch: list[tuple[int, Any]] = []
        for notification_id, domain_event in stream(sf, topics):
            if cutoff.admits(domain_event):
                batch.append((notification_id, domain_event))
                applied += 1
            if len(batch) >= REPLAY_PAGE_SIZE:
                apply_batch(connection, projections, batch)
                batch = []
        apply_batch(connection, projections, batch)
        for projection in projections:
            projection.finish(connection)
    return applied


def apply_batch(
    connection: Connection, projections: Sequence[Projection], batch: list[tuple[int, Any]]
) -> None:
    for projection in projections:
        projection.apply_all(connection, batch)


def stream(
    sf: Skillfund, topics: list[str] | None, originator_ids: Sequence[UUID] = ()
) -> Iterator[tuple[int, Any]]:
    """Decoded events of the given topics (and aggregates), page by page, in recording order."""
    e = sf.runner.events.c
    position = 0
    while True:
        query = sa.select(e.id, e.originator_id, e.originator_version, e.topic, e.state).where(
            e.id > position
        )
        if topics is not None:
            query = query.where(e.topic.in_(topics))
        if originator_ids:
            query = query.where(e.originator_id.in_(list(originator_ids)))
        query = query.order_by(e.id).limit(REPLAY_PAGE_SIZE)
        with sf.engine.connect() as connection:
            rows = connection.execute(query).all()
        for row in rows:
            stored = StoredEvent(
                row.originator_id, row.originator_version, row.topic, bytes(row.state)
            )
            yield int(row.id), sf.runner.decode(stored)
        if len(rows) < REPLAY_PAGE_SIZE:
            return
        position = int(rows[-1].id)


def aggregate_as_of(sf: Skillfund, aggregate_id: UUID, cutoff: Cutoff) -> Any:
    """An aggregate projected from the events the cutoff admits; None if none are."""
    aggregate = None
    for domain_event in sf.ledger.events.get(aggregate_id):
        if not cutoff.admits(domain_event):
            break
        aggregate = domain_event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate
