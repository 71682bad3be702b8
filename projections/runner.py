"""Catch every projection up with the event log, and rebuild them from zero."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog
from eventsourcing.persistence import StoredEvent
from sqlalchemy.engine import Connection, Engine

from projections.base import (
    CATCH_UP_BATCH_SIZE,
    METADATA,
    TRACKING,
    VERSIONS,
    Projection,
    content_digest,
    create_query_indexes,
    create_without_query_indexes,
    ensure_tracking_row,
    ensure_version_row,
    lock_position,
    read_position,
    save_position,
    save_version,
    stored_version,
)
from projections.locks import ProjectionLocks, lock_file_of

log = structlog.get_logger("skillfund.projections")
# PostgreSQL planner statistics (see Runner.keep_statistics): looked at every so often, a
# table analysed once it has doubled in pages since it last was, from this size.
STATISTICS_EVERY_SECONDS = 10.0
STATISTICS_PAGES_MIN = 16
STALE_STATISTICS = sa.text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY(:names) "
    "AND pg_relation_size(c.oid) / current_setting('block_size')::int "
    ">= 2 * greatest(c.relpages, 0) + :pages ORDER BY c.relname"
)
Decode = Callable[[StoredEvent], Any]
# A rebuild's batches, in CATCH_UP_BATCH_SIZEs (see Runner.catch_up).
REBUILD_BATCH_FACTOR = 4


@dataclass
class Batch:
    """One step of a catch-up: the log's head, where the batch ends, and the projections it
    was applied to (`prepared`; those with rows to write are `flushing`)."""

    head: int
    last: int
    at_head: bool
    prepared: list[Projection] = field(default_factory=list)
    flushing: list[Projection] = field(default_factory=list)
    finishing: list[Projection] = field(default_factory=list)
    applied: int = 0


Progress = Callable[[str, int, int], None]  # projection, done, total


def stored_event(originator_id: Any, originator_version: int, topic: str, state: bytes) -> Any:
    """A StoredEvent made without its frozen dataclass's `__init__`, which sets each field
    through `object.__setattr__` (1.35 µs an event, measured, against 0.3 µs for the
    dict): the same object, for the hundreds of thousands a catch-up reads."""
    stored = object.__new__(StoredEvent)
    stored.__dict__.update(
        originator_id=originator_id,
        originator_version=originator_version,
        topic=topic,
        state=state,
    )
    return stored


class TextUUID(UUID):
    """A UUID that keeps its text once made: the projections key their rows by the text of
    an event's aggregate id, several times an event in several projections, and `UUID`
    builds it anew each time in Python (0.7 µs; 4.8% of a one-process city rebuild,
    sampled). Equal to, and hashed as, the plain UUID of the same value."""

    __slots__ = ("text",)
    text: str

    def __str__(self) -> str:
        try:
            return self.text
        except AttributeError:
            text = UUID.__str__(self)
            object.__setattr__(self, "text", text)
            return text

    def __repr__(self) -> str:
        return f"UUID('{self}')"


def to_uuid(stored: Any) -> UUID:
    """An aggregate id as the events table stores it: bytes on SQLite, text or UUID on
    PostgreSQL."""
    if isinstance(stored, UUID):  # psycopg2 with its UUID adapter registered.
        return stored if type(stored) is TextUUID else TextUUID(int=stored.int)
    if isinstance(stored, bytes | memoryview):
        return TextUUID(bytes=bytes(stored))
    return TextUUID(str(stored))


@dataclass
class Runner:
    """Drives a set of projections over one events table."""

    engine: Engine
    events: sa.Table
    decode: Decode
    projections: Sequence[Projection]
    # Other tables read by key whose statistics the catch-up keeps (the ledger's snapshots).
    analysed_too: Sequence[str] = ()
    next_statistics: float = field(default=0.0, init=False)
    locks: ProjectionLocks | None = field(default=None, init=False)
    # Projections whose `queries_only` indexes this runner has seen built (see `write`).
    indexed: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        names = [p.name for p in self.projections]
        if len(set(names)) != len(names):
            raise ValueError(f"two projections share a name: {sorted(names)}")
        path = lock_file_of(self.engine)
        self.locks = None if path is None else ProjectionLocks(path)

    def create_tables(self) -> None:
        """Create what is missing; a projection whose tables an older definition built
        (`Projection.version`) is emptied, to be rebuilt from the log by the next catch-up."""
        METADATA.create_all(self.engine, checkfirst=True)
        for projection in self.projections:
            ensure_tracking_row(self.engine, projection.name)
            ensure_version_row(self.engine, projection)
        with self.engine.connect() as connection:
            outdated = [p for p in self.projections if self.built_by(connection, p) != p.version]
        if outdated:
            self.reset(outdated)

    @staticmethod
    def built_by(connection: Connection, projection: Projection) -> int:
        """The version that built this projection's tables: as recorded, or 1 for a store
        that predates versions (`ensure_version_row` records one for a new projection)."""
        found = stored_version(connection, projection.name)
        return 1 if found is None else found

    def reset(self, projections: Sequence[Projection]) -> None:
        """Drop and recreate these projections' tables at position 0, recording their current
        version; under their tracking locks (in name order), so a second process opening the
        same store at the same time finds the work done and leaves it."""
        ordered = sorted(projections, key=lambda p: p.name)
        with self.locked(ordered), self.engine.begin() as connection:
            positions = {p.name: lock_position(connection, p.name) for p in ordered}
            for p in ordered:
                built = self.built_by(connection, p)
                if built == p.version:
                    continue
                log.warning(
                    "projection definition changed: rebuilding it from the log",
                    projection=p.name,
                    built_by=built,
                    version=p.version,
                    position=positions[p.name],
                )
                for table in reversed(p.tables):
                    table.drop(connection, checkfirst=True)
                for table in p.tables:
                    create_without_query_indexes(connection, table)
                self.indexed.discard(p.name)
                save_position(connection, p.name, 0)
                save_version(connection, p.name, p.version)

    def max_notification_id(self, connection: Connection) -> int:
        return int(connection.execute(sa.select(sa.func.max(self.events.c.id))).scalar() or 0)

    def head(self) -> int:
        """The newest notification id of the log (0 when empty)."""
        with self.engine.connect() as connection:
            return self.max_notification_id(connection)

    def catch_up(
        self,
        progress: Progress | None = None,
        *,
        finish: bool = True,
        only: Collection[str] | None = None,
        batch_factor: int = 1,
    ) -> int:
        """Apply every new event to every projection; returns the number of applications
        (an event handled by three projections counts three times).

        One read of the log serves every projection: each batch locks the projections
        (always in name order, so two workers queue instead of deadlocking), reads the
        events after the furthest-behind position once, decodes each once, lets every
        projection apply the ones after its own position set-wise, and writes their rows
        and moves their positions in one transaction.

        The locks: on PostgreSQL (and in-memory SQLite) the tracking rows, locked by that
        transaction, which then holds the whole batch. On a SQLite file, whose first write
        locks the whole file, the per-projection file locks of projections/locks.py: the
        batch is read and applied in memory outside any write transaction, and only its
        writes take the database's write lock, so a `submit` recording commands is not held
        up by the computing.

        At the head of the log each projection's `finish` runs (whole-store checks, which
        recompute only when events they read arrived); `finish=False` leaves that for the
        next catch-up, for a caller that needs no whole-store result (a hold query).
        `only` names the projections to bring up (the others catch up later, in bigger
        batches). `batch_factor` multiplies the batch size (CATCH_UP_BATCH_SIZE): a
        rebuild, which nothing waits on batch by batch, reads REBUILD_BATCH_FACTOR times
        as many events per batch, so the rows a batch touches are read and written back
        fewer times.
        """
        applied = 0
        projections = sorted(
            (p for p in self.projections if only is None or p.name in only),
            key=lambda p: p.name,
        )
        topics = sorted({topic for p in projections for topic in p.topics})
        while True:
            self.keep_statistics()
            with self.locked(projections), self.engine.connect() as connection:
                if self.locks is None:
                    with connection.begin():
                        positions = {p.name: lock_position(connection, p.name) for p in projections}
                        batch = self.prepare(
                            connection, projections, positions, topics, batch_factor
                        )
                        self.write(connection, batch, finish)
                else:
                    with connection.begin():  # Reads only (and the temporary key tables).
                        positions = {p.name: read_position(connection, p.name) for p in projections}
                        batch = self.prepare(
                            connection, projections, positions, topics, batch_factor
                        )
                    if batch.prepared or (finish and batch.at_head):
                        with connection.begin():
                            self.check_unmoved(connection, positions)
                            self.write(connection, batch, finish)
            if not batch.prepared and batch.last >= batch.head:
                return applied
            applied += batch.applied
            if progress is not None:
                progress("projections", batch.last, batch.head)

    def behind(self, only: Collection[str] | None = None) -> bool:
        """Whether an event these projections handle is in the log after the position of
        any of them (without locking anything: a read of their positions and of the log
        after the lowest, which stops at the first such event)."""
        projections = [p for p in self.projections if only is None or p.name in only]
        topics = sorted({topic for p in projections for topic in p.topics})
        e = self.events.c
        with self.engine.connect() as connection:
            position = min(read_position(connection, p.name) for p in projections)
            query = sa.select(e.id).where(e.id > position, e.topic.in_(topics)).limit(1)
            return connection.execute(query).first() is not None

    def locked(self, projections: Sequence[Projection]) -> AbstractContextManager[None]:
        if self.locks is None:
            return nullcontext()
        return self.locks.held(p.name for p in projections)

    def prepare(
        self,
        connection: Connection,
        projections: Sequence[Projection],
        positions: dict[str, int],
        topics: Sequence[str],
        batch_factor: int = 1,
    ) -> Batch:
        """Read the next batch of the log and apply it in memory to the projections behind
        its end; nothing is written yet."""
        head = self.max_notification_id(connection)
        start = min(positions.values(), default=head)
        if start >= head:
            return Batch(head=head, last=head, at_head=True, finishing=list(projections))
        events, last = self.read_batch(connection, topics, start, head, batch_factor)
        batch = Batch(head=head, last=last, at_head=last == head)
        first = events[0][0] if events else last
        for projection in projections:
            position = positions[projection.name]
            if position >= last:
                continue
            # The whole batch, unless this projection has seen part of it already.
            mine = events if position < first else [(n, e) for n, e in events if n > position]
            applied = projection.prepare(connection, mine)
            if applied:
                batch.flushing.append(projection)
            batch.prepared.append(projection)
            batch.applied += applied
        batch.finishing = list(batch.prepared)
        return batch

    def write(self, connection: Connection, batch: Batch, finish: bool) -> None:
        """Write what `prepare` applied, build any missing `queries_only` indexes and run
        the whole-store checks at the head, and move the positions, in the caller's
        transaction."""
        for projection in batch.flushing:
            projection.flush(connection)
        if batch.at_head:
            self.build_query_indexes(connection, batch.finishing)
            if finish:
                for projection in batch.finishing:
                    projection.finish(connection)
        for projection in batch.prepared:
            save_position(connection, projection.name, batch.last)

    def build_query_indexes(
        self, connection: Connection, projections: Sequence[Projection]
    ) -> None:
        """The `queries_only` indexes of these projections, built where missing: after a
        rebuild (`drop_all`, `reset`), or one that stopped before the head, which any
        later catch-up that reaches the head finishes. Once a projection's are known
        built, this runner does not ask again."""
        for projection in projections:
            if projection.name in self.indexed:
                continue
            started = time.perf_counter()
            names = create_query_indexes(connection, projection.tables)
            self.indexed.add(projection.name)
            if names:
                log.debug(
                    "query indexes in place",
                    projection=projection.name,
                    indexes=len(names),
                    seconds=round(time.perf_counter() - started, 3),
                )

    @staticmethod
    def check_unmoved(connection: Connection, positions: dict[str, int]) -> None:
        """Under the write lock: no position moved since the batch was read (every writer of
        the projections holds their locks, so none can; a failure is a bug, not a race to
        retry)."""
        for name, position in positions.items():
            now = lock_position(connection, name)
            if now != position:
                raise RuntimeError(
                    f"projection {name} moved from {position} to {now} during a catch-up "
                    "that held its lock"
                )

    def keep_statistics(self) -> None:
        """On PostgreSQL, ANALYZE the events table, the projections' tables and
        `analysed_too` where they have doubled in size since they were last analysed
        (every STATISTICS_EVERY_SECONDS).

        The batches look rows up by lists of up to 500 keys; with no statistics the planner
        takes such a list for the whole table and scans it. Autovacuum keeps statistics
        where it runs, but it may be off (it is on our machines), and it never analyses
        a table while it grows within one long catch-up. Measured in a Kunshan ingest on
        PostgreSQL with autovacuum off: 101 full scans of pj_entities (260,000 rows) a
        minute, after one ANALYZE a bitmap index scan. Doubling keeps the cost to a few
        ANALYZEs per table over any store (each samples at most 30,000 rows)."""
        if self.engine.dialect.name != "postgresql" or time.monotonic() < self.next_statistics:
            return
        names = sorted(
            {t.name for p in self.projections for t in p.tables}
            | {self.events.name, *self.analysed_too}
        )
        with self.engine.connect() as connection:
            stale = list(
                connection.execute(
                    STALE_STATISTICS, {"names": names, "pages": STATISTICS_PAGES_MIN}
                ).scalars()
            )
        for name in stale:
            started = time.perf_counter()
            with self.engine.begin() as connection:
                connection.execute(sa.text(f'ANALYZE "{name}"'))
            log.debug("analyzed", table=name, seconds=round(time.perf_counter() - started, 3))
        self.next_statistics = time.monotonic() + STATISTICS_EVERY_SECONDS

    def read_batch(
        self,
        connection: Connection,
        topics: Sequence[str],
        position: int,
        head: int,
        batch_factor: int = 1,
    ) -> tuple[list[tuple[int, Any]], int]:
        """The decoded events of `topics` after `position` (at most one batch), and the
        position the batch reaches."""
        size = CATCH_UP_BATCH_SIZE * batch_factor
        e = self.events.c
        # The id as the driver gives it (16 bytes on SQLite, text on PostgreSQL), made a
        # UUID here: the column type's own conversion cost 16 µs an event (measured: 0.93 s
        # of a 31 s profiled ingest of 30,000 city lines).
        raw_id = sa.type_coerce(e.originator_id, sa.types.NullType())
        rows = connection.execute(
            sa.select(e.id, raw_id, e.originator_version, e.topic, e.state)
            .where(e.id > position, e.id <= head, e.topic.in_(topics))
            .order_by(e.id)
            .limit(size)
        ).all()
        decode = self.decode
        batch = [
            (int(n), decode(stored_event(to_uuid(uuid), version, topic, bytes(state))))
            for n, uuid, version, topic, state in rows
        ]
        last = rows[-1].id if len(rows) == size else head
        return batch, int(last)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Drop every projection table and the tracking rows, then replay the whole log."""
        self.drop_all()
        return self.catch_up(progress, batch_factor=REBUILD_BATCH_FACTOR)

    def drop_all(self) -> None:
        """Every projection's tables recreated empty, at position 0 (a rebuild's start),
        without their `queries_only` indexes: the catch-up that reaches the head builds
        them (`write`)."""
        tables = [t for p in self.projections for t in p.tables]
        with self.locked(self.projections), self.engine.begin() as connection:
            for table in reversed(tables):
                table.drop(connection, checkfirst=True)
            for table in tables:
                create_without_query_indexes(connection, table)
            self.indexed.difference_update(p.name for p in self.projections)
            TRACKING.create(connection, checkfirst=True)
            VERSIONS.create(connection, checkfirst=True)
            for table in (TRACKING, VERSIONS):
                connection.execute(
                    table.delete().where(table.c.projection.in_([p.name for p in self.projections]))
                )
        self.create_tables()

    def positions(self) -> dict[str, int]:
        """Every projection's position (unlocked: for progress reports)."""
        with self.engine.connect() as connection:
            return {p.name: read_position(connection, p.name) for p in self.projections}

    def digest(self) -> tuple[str, dict[str, int]]:
        with self.engine.connect() as connection:
            return content_digest(connection, self.projections)
