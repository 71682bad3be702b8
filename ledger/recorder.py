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

from collections.abc import Sequence
from typing import Any

import eventsourcing_sqlalchemy.factory as library_factory
import sqlalchemy as sa
from eventsourcing.persistence import StoredEvent
from eventsourcing_sqlalchemy.recorders import SQLAlchemyApplicationRecorder
from sqlalchemy.orm import Session
from sqlalchemy_utils.types.uuid import UUIDType

from ledger.chain import GENESIS, chain_hash, event_hash
from ledger.persistence import CHAIN_TABLE, EVENTS_TABLE, SEALS_TABLE

AUDIT_METADATA = sa.MetaData()
POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

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


# The chain head as the events insert sees it: read in the insert's own statement, which
# saves a round trip per save. The chain is not written until after that statement, so
# every inserted row returns the same head.
CHAIN_HEAD = (
    sa.select(CHAIN.c.chain_hash)
    .order_by(CHAIN.c.position.desc())
    .limit(1)
    .scalar_subquery()
    .label("chain_head")
)


class SkillfundRecorder(SQLAlchemyApplicationRecorder):
    """The library's application recorder, inserting with one executemany and chaining."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tables += [CHAIN, SEALS]

    def _insert_stored_events(
        self, session: Session, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int]:
        """Insert the events and their chain rows in the caller's transaction; return the
        notification ids in the order of `stored_events`.

        On PostgreSQL the library's table lock comes first: ids then commit in the order
        they are assigned, and writers queue, so the head read is the one this insert
        extends. SQLite has one writer at a time, from the insert on.
        """
        if not stored_events:
            return []
        table = self.events_record_cls.__table__
        self._lock_table(session)
        inserted = session.execute(
            table.insert().returning(table.c.id, CHAIN_HEAD, sort_by_parameter_order=True),
            [
                {
                    "originator_id": e.originator_id,
                    "originator_version": e.originator_version,
                    "topic": e.topic,
                    "state": e.state,
                }
                for e in stored_events
            ],
        ).all()
        ids = [row.id for row in inserted]
        head = inserted[0].chain_head
        previous = GENESIS if head is None else bytes.fromhex(head)
        session.execute(CHAIN.insert(), chain_rows(previous, ids, stored_events))
        self._notify_channel(session)
        return ids


class SkillfundFactory(library_factory.SQLAlchemyFactory):
    """The library's factory with the chaining recorder; it creates the chain and seal
    tables with the events table."""

    application_recorder_class = SkillfundRecorder


Factory = SkillfundFactory
