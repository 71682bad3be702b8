"""The projection machinery: handlers per event class, tracking, catch-up and digests.

A projection owns its tables. Catching up reads the event log after the projection's
tracking position and, in one database transaction, writes its rows and moves the
tracking position: a crash leaves both or neither, so no event is counted twice.
The tracking row is locked first (an UPDATE of itself, which on PostgreSQL is a row
lock and on SQLite takes the write lock), so two workers on one projection queue
behind each other instead of both applying the same events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

METADATA = sa.MetaData()
CATCH_UP_BATCH_SIZE = 5_000

TRACKING = sa.Table(
    "pj_tracking",
    METADATA,
    sa.Column("projection", sa.String(64), primary_key=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)

# The definition version each projection's tables were built by (Projection.version): a
# store opened by code with a newer definition has that projection rebuilt from the log.
VERSIONS = sa.Table(
    "pj_versions",
    METADATA,
    sa.Column("projection", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

EventHandler = Callable[[Connection, Any, int], None]

# --- Indexes for queries alone ------------------------------------------------------------
# An index that only queries and the whole-store checks (`Projection.finish`) read, never a
# batch's lookups, is marked with `queries_only`: a rebuild creates its table without it
# and builds it, sorted in one pass, when the catch-up reaches the head of the log, before
# the whole-store checks run (Runner). Until then every row inserted would also be put in
# order in each such index, one B-tree descent at a time. Measured on the city store
# (fifteenth session, alternating runs): the links rebuilt alone on PostgreSQL 28.3, 23.0,
# 25.2 -> 22.1, 22.0, 21.9 s (their edges' second key, ix_pj_links_to, is the widest
# index); a whole rebuild on PostgreSQL 27.0, 30.5, 27.3 -> 26.7, 27.4, 26.0 s; on SQLite
# no change that shows (city 17.3-19.6 s either way, Kunshan 217, 206 -> 202, 207 s).
QUERIES_ONLY = "queries_only"


def queries_only(table: sa.Table, *names: str) -> None:
    """Mark these indexes of `table` as read by queries alone (see above). Marking an index
    a batch reads by makes every batch of a rebuild scan the table: a test
    (tests/projections/test_indexes.py) plans every read of a rebuild's batches without
    them."""
    by_name = {str(index.name): index for index in table.indexes}
    for name in names:
        if name not in by_name:
            raise ValueError(f"table {table.name} has no index {name}: {sorted(by_name)}")
        by_name[name].info[QUERIES_ONLY] = True


def query_indexes(table: sa.Table) -> list[sa.Index]:
    """The indexes of `table` marked `queries_only`, in name order."""
    found = [index for index in table.indexes if index.info.get(QUERIES_ONLY)]
    return sorted(found, key=lambda index: str(index.name))


def create_without_query_indexes(connection: Connection, table: sa.Table) -> None:
    """Create `table` with its keys, constraints and the indexes batches read by."""
    connection.execute(sa.schema.CreateTable(table))
    deferred = query_indexes(table)
    for index in sorted(table.indexes, key=lambda index: str(index.name)):
        if index not in deferred:
            connection.execute(sa.schema.CreateIndex(index))


def create_query_indexes(connection: Connection, tables: Iterable[sa.Table]) -> list[str]:
    """Build the `queries_only` indexes of these tables that are missing; returns the names
    of every such index (built now or already there)."""
    names = []
    for table in tables:
        for index in query_indexes(table):
            connection.execute(sa.schema.CreateIndex(index, if_not_exists=True))
            names.append(str(index.name))
    return names


class Projection:
    """One question answered from the events: subclasses list tables and handlers."""

    name: str = ""
    tables: tuple[sa.Table, ...] = ()
    # Raise it when the tables' columns or what they hold change: a store built by an
    # older definition then has this projection rebuilt from the log when it is opened
    # (Runner.create_tables). A store that predates versions counts as version 1.
    version: int = 1

    def __init__(self) -> None:
        self.handlers: dict[type, EventHandler] = {}
        self.register()

    def register(self) -> None:
        """Fill self.handlers: event class -> function(connection, event, notification_id)."""
        raise NotImplementedError

    def on(self, event_class: type, handler: EventHandler) -> None:
        self.handlers[event_class] = handler

    @property
    def topics(self) -> list[str]:
        return sorted(str(getattr(cls, "TOPIC")) for cls in self.handlers)  # noqa: B009

    def finish(self, connection: Connection) -> None:
        """Called once a catch-up reaches the head of the log, in the transaction of its last
        batch: checks over the whole store (peer statistics) are recomputed here, so the
        result depends only on the events, never on how they were batched."""

    def apply_all(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        """Apply a batch of (notification id, event) in order. When this returns, the tables
        hold every change: set-based projections read what the batch needs in `begin` and
        write it back in `flush` (projections/buffer.py)."""
        if self.prepare(connection, events):
            self.flush(connection)

    def prepare(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> int:
        """Apply a batch in memory, reading but not writing; `flush` writes it. Returns
        how many of the events this projection handles (none: nothing to flush).
        The runner may flush in a later transaction of the same connection (on a SQLite
        file, so that only the writes hold the database's write lock)."""
        handlers = self.handlers
        mine = [(n, e) for n, e in events if type(e) in handlers]
        if not mine:
            return 0
        self.begin(connection, mine)
        apply = self.apply
        for notification_id, domain_event in mine:
            apply(connection, domain_event, notification_id)
        return len(mine)

    def begin(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        """Before a batch: load what it will need (set-based projections override)."""

    def flush(self, connection: Connection) -> None:
        """After a batch: write back what it changed (set-based projections override)."""

    def apply(self, connection: Connection, domain_event: Any, notification_id: int) -> None:
        handler = self.handlers.get(type(domain_event))
        if handler is not None:
            handler(connection, domain_event, notification_id)


def ensure_tracking_row(engine: sa.engine.Engine, name: str) -> None:
    """Create a projection's tracking row at position 0 unless it exists (a racing
    creator is harmless: its insert fails on the primary key and is ignored)."""
    try:
        with engine.begin() as connection:
            exists = connection.execute(
                sa.select(TRACKING.c.projection).where(TRACKING.c.projection == name)
            )
            if exists.first() is None:
                connection.execute(TRACKING.insert().values(projection=name, notification_id=0))
    except sa.exc.IntegrityError:
        pass


def ensure_version_row(engine: sa.engine.Engine, projection: Projection) -> None:
    """Record the current version of a projection nothing has been written to yet (at
    position 0 with no version recorded); a racing recorder is harmless, as above."""
    try:
        with engine.begin() as connection:
            if stored_version(connection, projection.name) is not None:
                return
            position = connection.execute(
                sa.select(TRACKING.c.notification_id).where(
                    TRACKING.c.projection == projection.name
                )
            ).scalar()
            if not position:
                connection.execute(
                    VERSIONS.insert().values(projection=projection.name, version=projection.version)
                )
    except sa.exc.IntegrityError:
        pass


def stored_version(connection: Connection, name: str) -> int | None:
    """The definition version this projection's tables were built by; None when unknown."""
    found = connection.execute(
        sa.select(VERSIONS.c.version).where(VERSIONS.c.projection == name)
    ).scalar()
    return None if found is None else int(found)


def save_version(connection: Connection, name: str, version: int) -> None:
    connection.execute(VERSIONS.delete().where(VERSIONS.c.projection == name))
    connection.execute(VERSIONS.insert().values(projection=name, version=version))


def lock_position(connection: Connection, name: str) -> int:
    """Lock this projection's tracking row and read its position."""
    updated = connection.execute(
        TRACKING.update()
        .where(TRACKING.c.projection == name)
        .values(notification_id=TRACKING.c.notification_id)
    )
    if updated.rowcount != 1:
        raise LookupError(f"projection {name} has no tracking row; create the tables first")
    position = connection.execute(
        sa.select(TRACKING.c.notification_id).where(TRACKING.c.projection == name)
    ).scalar_one()
    return int(position)


def read_position(connection: Connection, name: str) -> int:
    """This projection's position, without locking its tracking row."""
    position = connection.execute(
        sa.select(TRACKING.c.notification_id).where(TRACKING.c.projection == name)
    ).scalar()
    if position is None:
        raise LookupError(f"projection {name} has no tracking row; create the tables first")
    return int(position)


def save_position(connection: Connection, name: str, notification_id: int) -> None:
    connection.execute(
        TRACKING.update()
        .where(TRACKING.c.projection == name)
        .values(notification_id=notification_id)
    )


def canonical(value: Any) -> Any:
    """A JSON-ready form of a row value, the same on SQLite and PostgreSQL."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def table_digest(connection: Connection, table: sa.Table, digest: Any) -> int:
    """Feed every row of a table, in primary-key order, into a hash; returns the row count."""
    order = list(table.primary_key.columns) or list(table.columns)
    rows = 0
    for row in connection.execute(sa.select(table).order_by(*order)):
        line = json.dumps([canonical(v) for v in row], ensure_ascii=False, separators=(",", ":"))
        digest.update(line.encode())
        digest.update(b"\n")
        rows += 1
    return rows


def content_digest(
    connection: Connection, projections: Iterable[Projection]
) -> tuple[str, dict[str, int]]:
    """sha256 over every projection table's rows; the tracking table is left out."""
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    for projection in sorted(projections, key=lambda p: p.name):
        for table in sorted(projection.tables, key=lambda t: t.name):
            digest.update(f"# {table.name}\n".encode())
            counts[table.name] = table_digest(connection, table, digest)
    return digest.hexdigest(), counts


def upsert_values(
    connection: Connection, table: sa.Table, key: dict[str, Any], values: dict[str, Any]
) -> None:
    """Update the row with this key, or insert it."""
    condition = sa.and_(*(table.c[k] == v for k, v in key.items()))
    if connection.execute(table.update().where(condition).values(**values)).rowcount == 0:
        connection.execute(table.insert().values(**key, **values))
