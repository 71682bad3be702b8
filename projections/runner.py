"""Catch every projection up with the event log, and rebuild them from zero."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from sqlalchemy.engine import Connection, Engine

from projections.base import (
    CATCH_UP_BATCH_SIZE,
    METADATA,
    TRACKING,
    Projection,
    content_digest,
    ensure_tracking_row,
    lock_position,
    save_position,
)

Decode = Callable[[StoredEvent], Any]
Progress = Callable[[str, int, int], None]  # projection, done, total


@dataclass
class Runner:
    """Drives a set of projections over one events table."""

    engine: Engine
    events: sa.Table
    decode: Decode
    projections: Sequence[Projection]

    def create_tables(self) -> None:
        METADATA.create_all(self.engine, checkfirst=True)
        for projection in self.projections:
            ensure_tracking_row(self.engine, projection.name)

    def max_notification_id(self, connection: Connection) -> int:
        return int(connection.execute(sa.select(sa.func.max(self.events.c.id))).scalar() or 0)

    def head(self) -> int:
        """The newest notification id of the log (0 when empty)."""
        with self.engine.connect() as connection:
            return self.max_notification_id(connection)

    def catch_up(self, progress: Progress | None = None) -> int:
        """Apply every new event to every projection; returns the number of events applied."""
        applied = 0
        for projection in self.projections:
            applied += self.catch_up_one(projection, progress)
        return applied

    def catch_up_one(self, projection: Projection, progress: Progress | None = None) -> int:
        applied = 0
        while True:
            with self.engine.begin() as connection:
                position = lock_position(connection, projection.name)
                head = self.max_notification_id(connection)
                if position >= head:
                    return applied
                count, last = self.apply_batch(connection, projection, position, head)
                if last == head:
                    projection.finish(connection)
                save_position(connection, projection.name, last)
            applied += count
            if progress is not None:
                progress(projection.name, last, head)

    def apply_batch(
        self, connection: Connection, projection: Projection, position: int, head: int
    ) -> tuple[int, int]:
        """Apply one batch after `position`; returns (events applied, new position)."""
        e = self.events.c
        rows = connection.execute(
            sa.select(e.id, e.originator_id, e.originator_version, e.topic, e.state)
            .where(e.id > position, e.id <= head, e.topic.in_(projection.topics))
            .order_by(e.id)
            .limit(CATCH_UP_BATCH_SIZE)
        ).all()
        for row in rows:
            stored = StoredEvent(
                row.originator_id, row.originator_version, row.topic, bytes(row.state)
            )
            projection.apply(connection, self.decode(stored), row.id)
        last = rows[-1].id if len(rows) == CATCH_UP_BATCH_SIZE else head
        return len(rows), int(last)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop every projection table and the tracking rows, then replay the whole log."""
        tables = [t for p in self.projections for t in p.tables]
        with self.engine.begin() as connection:
            for table in reversed(tables):
                table.drop(connection, checkfirst=True)
            TRACKING.create(connection, checkfirst=True)
            connection.execute(
                TRACKING.delete().where(
                    TRACKING.c.projection.in_([p.name for p in self.projections])
                )
            )
        self.create_tables()
        return self.catch_up(progress)

    def digest(self) -> tuple[str, dict[str, int]]:
        with self.engine.connect() as connection:
            return content_digest(connection, self.projections)
