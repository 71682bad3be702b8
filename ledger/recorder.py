"""The persistence module: eventsourcing-sqlalchemy, with the hash chain written in the
same transaction as the events.

`ledger.persistence.eventsourcing_env` names this module as PERSISTENCE_MODULE; the library
looks for exactly one infrastructure factory class in it, so the library's own factory is
imported as a module, never by name.

Every insert of events also appends one row per event to `skillfund_chain`: its position
(the notification id), its event hash and the chain hash that covers every event before it
(ledger/chain.py, docs/audit.md). A failed save writes neither.
"""

from __future__ import annotations

import io
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import eventsourcing_sqlalchemy.factory as library_factory
import psycopg2
import sqlalchemy as sa
from eventsourcing import persistence
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing_sqlalchemy.recorders import (
    SQLAlchemyAggregateRecorder,
    SQLAlchemyApplicationRecorder,
)
from sqlalchemy.orm import Session
from sqlalchemy_utils.types.uuid import UUIDType

from ledger.chain import GENESIS, chain_hash, event_hash
from ledger.persistence import CHAIN_TABLE, EVENTS_TABLE, SEALS_TABLE
from projections.buffer import COPY_CHUNK, COPY_ESCAPES
from projections.runner import stored_event

AUDIT_METADATA = sa.MetaData()
POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SELECT_MANY_CHUNK = 500  # Aggregate ids per IN list.
# Aggregate ranges per OR list (SQLite parses a chain of ORs as a tree at most 1,000 deep).
SELECT_AFTER_CHUNK = 200

CHAIN = sa.Table(
    CHAIN_TABLE,
    AUDIT_METADATA,
    sa.Column("position", POSITION, primary_key=True, autoincrement=False),
    sa.Column("event_hash", sa.String(64), nullable=False),
    sa.Column("chain_hash", sa.String(64), nullable=False),
)

SEALS = sa.Table(
    SEALS_TABLE,
    AUDIT_METADATA,
    sa.Column("seal_id", POSITION, primary_key=True, autoincrement=True),
    sa.Column("first_position", POSITION, nullable=False),
    sa.Column("last_position", POSITION, nullable=False),
    sa.Column("size", POSITION, nullable=False),
    sa.Column("merkle_root", sa.String(64), nullable=False),
    sa.Column("sealed_at", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("key_id", sa.String(64), nullable=True),
    sa.Column("signature", sa.String(128), nullable=True),
)

# A read-only view of the library's events table for the audit functions, which get an
# engine and no recorder. It lives in its own metadata and is never created from here.
EVENTS = sa.Table(
    EVENTS_TABLE,
    sa.MetaData(),
    sa.Column("id", POSITION, primary_key=True),
    sa.Column("originator_id", UUIDType(), nullable=False),
    sa.Column("originator_version", POSITION, nullable=False),
    sa.Column("topic", sa.Text, nullable=False),
    sa.Column("state", sa.LargeBinary, nullable=False),
)


def chain_rows(
    previous: bytes, positions: Sequence[int], stored_events: Sequence[StoredEvent]
) -> list[dict[str, Any]]:
    """The chain rows of newly recorded events, each covering the one before it."""
    rows = []
    for position, stored in zip(positions, stored_events, strict=True):
        hashed = event_hash(
            position, stored.originator_id, stored.originator_version, stored.topic, stored.state
        )
        previous = chain_hash(previous, hashed)
        rows.append(
            {"position": position, "event_hash": hashed.hex(), "chain_hash": previous.hex()}
        )
    return rows


class StaleReadError(IntegrityError):
    """Events were recorded after the head the writer read; nothing was written."""


# The library's exception for each of the driver's (DB-API) exceptions, most specific first,
# as the library's own path raises them.
LIBRARY_ERRORS: list[tuple[str, type[Exception]]] = [
    ("IntegrityError", persistence.IntegrityError),
    ("OperationalError", persistence.OperationalError),
    ("DataError", persistence.DataError),
    ("InternalError", persistence.InternalError),
    ("ProgrammingError", persistence.ProgrammingError),
    ("NotSupportedError", persistence.NotSupportedError),
    ("InterfaceError", persistence.InterfaceError),
    ("DatabaseError", persistence.DatabaseError),
]


def library_error(error: Exception) -> Exception:
    """The library's exception for a driver's exception (psycopg2 or sqlite3), by DB-API
    class, as raised where SQLAlchemy's exceptions are translated."""
    names = {cls.__name__ for cls in type(error).__mro__}
    for name, library_class in LIBRARY_ERRORS:
        if name in names:
            return library_class(error)
    return persistence.PersistenceError(error)


def check_head(head: int | None, expected_head: int | None) -> int:
    """The log's head (0 when empty); StaleReadError if it is not the one expected."""
    head = head or 0
    if expected_head is not None and head != expected_head:
        raise StaleReadError(
            f"the log moved from {expected_head} to {head} since the batch read it"
        )
    return head


class FastSelect:
    """`select_events` on one held driver connection with prepared SQL text.

    The library builds an ORM query in a session for every aggregate it loads (≈ 2 ms
    each, measured); an aggregate load is the commonest read of the command path, so here
    it is one parameterised statement on a connection kept per thread (≈ 0.05 ms). The
    connection never holds a transaction open (autocommit on PostgreSQL; on SQLite a
    SELECT outside a transaction), so it always reads what is committed.
    """

    datastore: Any
    events_record_cls: Any

    def reader(self) -> Any:
        local = self.__dict__.setdefault("_reader", threading.local())
        cursor = getattr(local, "cursor", None)
        if cursor is None:
            connection = self.datastore.engine.raw_connection()
            cursor = connection.cursor()
            if self.postgres:
                connection.driver_connection.autocommit = True
                # Key lookups returning a few rows: compiling one costs more than it can
                # save. Measured on the Kunshan store, where the snapshots table had no
                # statistics yet: the planner costed a 9-id snapshot lookup at 485,000,
                # over jit_above_cost, and JIT took 7-40 ms of a 0.2 ms query.
                cursor.execute("SET jit = off")
            local.connection, local.cursor = connection, cursor
            self.__dict__.setdefault("_readers", []).append(local.connection)
            cursor = local.cursor
        return cursor

    @property
    def postgres(self) -> bool:
        return bool(self.datastore.engine.dialect.name == "postgresql")

    @property
    def mark(self) -> str:
        """The driver's placeholder."""
        return "%s" if self.postgres else "?"

    def id_param(self, uuid: UUID) -> Any:
        """An aggregate id as the column stores it: uuid on PostgreSQL, 16 bytes on SQLite."""
        return str(uuid) if self.postgres else uuid.bytes

    def id_value(self, stored: Any) -> UUID:
        return UUID(str(stored)) if self.postgres else UUID(bytes=bytes(stored))

    def close_readers(self) -> None:
        for connection in self.__dict__.pop("_readers", []):
            if self.postgres:
                connection.driver_connection.autocommit = False
            connection.close()
        self.__dict__.pop("_reader", None)

    def select_events(
        self,
        originator_id: UUID | str,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> list[StoredEvent]:
        mark = self.mark
        uuid = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        table = self.events_record_cls.__table__.name
        sql = f"SELECT originator_version, topic, state FROM {table} WHERE originator_id = {mark}"
        params: list[Any] = [self.id_param(uuid)]
        if gt is not None:
            sql += f" AND originator_version > {mark}"
            params.append(gt)
        if lte is not None:
            sql += f" AND originator_version <= {mark}"
            params.append(lte)
        sql += " ORDER BY originator_version" + (" DESC" if desc else "")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cursor = self.reader()
        cursor.execute(sql, params)
        return [
            stored_event(uuid, version, topic, bytes(state)) for version, topic, state in cursor
        ]

    def select_many(self, originator_ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """Every event of each aggregate, in version order; an aggregate with none is absent."""
        table = self.events_record_cls.__table__.name
        found: dict[UUID, list[StoredEvent]] = {}
        cursor = self.reader()
        for start in range(0, len(originator_ids), SELECT_MANY_CHUNK):
            chunk = originator_ids[start : start + SELECT_MANY_CHUNK]
            marks = ", ".join([self.mark] * len(chunk))
            cursor.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {table} "
                f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version",
                [self.id_param(u) for u in chunk],
            )
            for originator, version, topic, state in cursor:
                uuid = self.id_value(originator)
                found.setdefault(uuid, []).append(stored_event(uuid, version, topic, bytes(state)))
        return found

    def select_after(self, versions: dict[UUID, int]) -> dict[UUID, list[StoredEvent]]:
        """The events of each aggregate after the version given for it, in version order
        (an aggregate with none after it is absent). A range of the primary key each: an
        aggregate whose snapshot is its last version costs an index probe, no table page."""
        table = self.events_record_cls.__table__.name
        mark = self.mark
        found: dict[UUID, list[StoredEvent]] = {}
        cursor = self.reader()
        items = list(versions.items())
        for start in range(0, len(items), SELECT_AFTER_CHUNK):
            chunk = items[start : start + SELECT_AFTER_CHUNK]
            ranges = " OR ".join(
                [f"(originator_id = {mark} AND originator_version > {mark})"] * len(chunk)
            )
            params: list[Any] = []
            for uuid, version in chunk:
                params += [self.id_param(uuid), version]
            cursor.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {table} "
                f"WHERE {ranges} ORDER BY originator_id, originator_version",
                params,
            )
            for originator, version, topic, state in cursor:
                uuid = self.id_value(originator)
                found.setdefault(uuid, []).append(stored_event(uuid, version, topic, bytes(state)))
        return found

    def select_latest(self, originator_ids: Sequence[UUID]) -> dict[UUID, StoredEvent]:
        """The latest record of each aggregate that has one (on the snapshots table: its
        latest snapshot)."""
        table = self.events_record_cls.__table__.name
        found: dict[UUID, StoredEvent] = {}
        cursor = self.reader()
        for start in range(0, len(originator_ids), SELECT_MANY_CHUNK):
            chunk = originator_ids[start : start + SELECT_MANY_CHUNK]
            marks = ", ".join([self.mark] * len(chunk))
            cursor.execute(
                f"SELECT s.originator_id, s.originator_version, s.topic, s.state FROM {table} s "
                f"WHERE s.originator_id IN ({marks}) AND s.originator_version = ("
                f"SELECT max(l.originator_version) FROM {table} l "
                "WHERE l.originator_id = s.originator_id)",
                [self.id_param(u) for u in chunk],
            )
            for originator, version, topic, state in cursor:
                uuid = self.id_value(originator)
                found[uuid] = stored_event(uuid, version, topic, bytes(state))
        return found


class SkillfundSnapshotRecorder(FastSelect, SQLAlchemyAggregateRecorder):
    """The library's snapshot recorder, reading with FastSelect."""


class SkillfundRecorder(FastSelect, SQLAlchemyApplicationRecorder):
    """The library's application recorder, inserting with one executemany and chaining,
    writing the snapshots a save makes due in the same transaction, and reading with
    FastSelect."""

    # The snapshots table (the Ledger sets it): `snapshots=` of an insert are written there.
    snapshots_table: sa.Table | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tables += [CHAIN, SEALS]

    def _insert_stored_events(
        self,
        session: Session,
        stored_events: Sequence[StoredEvent],
        *,
        expected_head: int | None = None,
        snapshots: Sequence[StoredEvent] = (),
        **kwargs: Any,
    ) -> Sequence[int]:
        """Insert the events and their chain rows, and `snapshots` into the snapshots
        table, in the caller's transaction; return the notification ids in the order of
        `stored_events`.

        On PostgreSQL the library's table lock comes first: ids then commit in the order
        they are assigned, and writers queue, so the head read is the one this insert
        extends. SQLite has one writer at a time, from the insert on.

        With `expected_head` (the Ledger's batches), the insert refuses when anyone has
        recorded events since the caller read the log at that head: the caller's
        decisions may rest on what it read, so it must read again.
        """
        if not stored_events:
            return []
        if self.datastore.engine.dialect.name == "sqlite":
            try:
                return self._insert_sqlite(session, stored_events, expected_head, snapshots)
            except sqlite3.Error as error:
                raise library_error(error) from error
        try:
            return self._insert_postgres(session, stored_events, expected_head, snapshots)
        except psycopg2.Error as error:
            raise library_error(error) from error

    def snapshots_table_set(self) -> sa.Table:
        if self.snapshots_table is None:
            raise RuntimeError("snapshots given to a recorder that has no snapshots table")
        return self.snapshots_table

    def _insert_postgres(
        self,
        session: Session,
        stored_events: Sequence[StoredEvent],
        expected_head: int | None,
        snapshots: Sequence[StoredEvent] = (),
    ) -> list[int]:
        """The same on PostgreSQL, on psycopg2's cursor in the session's transaction.

        Under the library's table lock (writers queue; ids then commit in the order they
        are given) one statement reads the head and the chain's last hash; the ids are
        given explicitly, head + 1 onwards, as on SQLite; the events and their chain rows
        go by COPY (text format: the state as hex bytea, the topic escaped), then one
        statement writes the snapshots and moves the id sequence to the last id (for any
        writer that takes its ids from it); then the library's NOTIFY. Measured per event
        of 1,000 (scratch table, this machine): rows rendered by `mogrify` 4.8 µs, sent as
        one INSERT 13.2 µs; rendered as COPY text 1.3 µs, copied 7.6 µs. SQLAlchemy's
        multi-row insert with RETURNING in parameter order, and the chain head read in it,
        cost 14 s of a 64 s city ingest under the profiler, most of it building and
        binding the parameter sets."""
        table = self.events_record_cls.__table__.name
        self._lock_table(session)
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(
                f"SELECT (SELECT max(id) FROM {table}), (SELECT chain_hash FROM {CHAIN_TABLE}"
                " ORDER BY position DESC LIMIT 1)"
            )
            found, last_hash = cursor.fetchone()
            head = check_head(found, expected_head)
            ids = list(range(head + 1, head + 1 + len(stored_events)))
            previous = GENESIS if last_hash is None else bytes.fromhex(last_hash)
            copy = cursor.copy_expert
            copy(
                f"COPY {table} (id, originator_id, originator_version, topic, state) FROM STDIN",
                io.StringIO(
                    "".join(
                        f"{n}\t{e.originator_id}\t{e.originator_version}\t"
                        f"{e.topic.translate(COPY_ESCAPES)}\t\\\\x{e.state.hex()}\n"
                        for n, e in zip(ids, stored_events, strict=True)
                    )
                ),
                COPY_CHUNK,
            )
            copy(
                f"COPY {CHAIN_TABLE} (position, event_hash, chain_hash) FROM STDIN",
                io.StringIO(
                    "".join(
                        f"{r['position']}\t{r['event_hash']}\t{r['chain_hash']}\n"
                        for r in chain_rows(previous, ids, stored_events)
                    )
                ),
                COPY_CHUNK,
            )
            mogrify = cursor.mogrify
            statements = []
            if snapshots:
                statements.append(
                    f"INSERT INTO {self.snapshots_table_set().name} "
                    "(originator_id, originator_version, topic, state) VALUES ".encode()
                    + b",".join(
                        mogrify(
                            "(%s::uuid,%s,%s,%s)",
                            (str(s.originator_id), s.originator_version, s.topic, s.state),
                        )
                        for s in snapshots
                    )
                    + b" ON CONFLICT DO NOTHING"
                )
            statements.append(
                mogrify("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", (table, ids[-1]))
            )
            cursor.execute(b";\n".join(statements))
        finally:
            cursor.close()
        self._notify_channel(session)
        return ids

    def _insert_sqlite(
        self,
        session: Session,
        stored_events: Sequence[StoredEvent],
        expected_head: int | None,
        snapshots: Sequence[StoredEvent] = (),
    ) -> list[int]:
        """The same on SQLite, on the driver's cursor in the session's transaction: ids
        are given explicitly, head + 1 onwards (SQLite has one writer; a writer that
        committed after this transaction's first read makes the insert fail, and nothing
        is written), and both tables are filled with plain executemany, without the bind
        processing and RETURNING the dialect adds (measured: 4.5 s of 27 s on 30,000
        commands under the profiler)."""
        table = self.events_record_cls.__table__.name
        cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        # A write that changes nothing takes SQLite's write lock (waiting for another
        # writer to finish) before the head is read; a plain SELECT would read outside
        # the transaction and another writer could slip in before the insert.
        cursor.execute(f"UPDATE {CHAIN_TABLE} SET position = position WHERE 0")
        head = check_head(
            cursor.execute(f"SELECT max(id) FROM {table}").fetchone()[0], expected_head
        )
        ids = list(range(head + 1, head + 1 + len(stored_events)))
        cursor.executemany(
            f"INSERT INTO {table} (id, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (n, e.originator_id.bytes, e.originator_version, e.topic, e.state)  # type: ignore[union-attr]
                for n, e in zip(ids, stored_events, strict=True)
            ],
        )
        last = cursor.execute(
            f"SELECT chain_hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1"
        ).fetchone()
        previous = GENESIS if last is None else bytes.fromhex(last[0])
        cursor.executemany(
            f"INSERT INTO {CHAIN_TABLE} (position, event_hash, chain_hash) VALUES (?, ?, ?)",
            [
                (r["position"], r["event_hash"], r["chain_hash"])
                for r in chain_rows(previous, ids, stored_events)
            ],
        )
        if snapshots:
            cursor.executemany(
                f"INSERT OR IGNORE INTO {self.snapshots_table_set().name} "
                "(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                [
                    (s.originator_id.bytes, s.originator_version, s.topic, s.state)  # type: ignore[union-attr]
                    for s in snapshots
                ],
            )
        cursor.close()
        self._notify_channel(session)
        return ids


class SkillfundFactory(library_factory.SQLAlchemyFactory):
    """The library's factory with the chaining recorder; it creates the chain and seal
    tables with the events table."""

    application_recorder_class = SkillfundRecorder
    aggregate_recorder_class = SkillfundSnapshotRecorder


Factory = SkillfundFactory
