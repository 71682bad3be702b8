"""The recorder: the library's contract (ids in order, conflicts as IntegrityError) kept,
with the hash chain written alongside, also under concurrent writers."""

from __future__ import annotations

import sqlite3
import threading
from uuid import UUID, uuid4

import psycopg2
import pytest
import sqlalchemy as sa
from eventsourcing import persistence
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger import audit
from ledger.persistence import CHAIN_TABLE, EVENTS_TABLE
from ledger.recorder import SkillfundRecorder, library_error
from ledger.service import Skillfund, open_skillfund

WRITERS, SAVES_PER_WRITER = 4, 15


def stored(originator_id: UUID, version: int, text: str = "{}") -> StoredEvent:
    return StoredEvent(originator_id, version, "skillfund:Test.Happened", text.encode())


def positions(sf: Skillfund, statement: str) -> list[int]:
    with sf.engine.connect() as connection:
        return [int(r[0]) for r in connection.execute(sa.text(statement))]


def test_the_ledger_records_through_the_chaining_recorder(sf: Skillfund) -> None:
    assert isinstance(sf.ledger.recorder, SkillfundRecorder)


def test_the_recorder_returns_notification_ids_in_order(sf: Skillfund) -> None:
    a, b = uuid4(), uuid4()

    first = sf.ledger.recorder.insert_events([stored(a, 1), stored(b, 1), stored(a, 2)])
    second = sf.ledger.recorder.insert_events([stored(b, 2)])

    assert list(first or []) == [1, 2, 3] and list(second or []) == [4]
    with sf.engine.connect() as connection:
        rows = connection.execute(
            sa.text(f"SELECT id, originator_version FROM {EVENTS_TABLE} ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [(1, 1), (2, 1), (3, 2), (4, 2)]
    assert positions(sf, f"SELECT position FROM {CHAIN_TABLE} ORDER BY position") == [1, 2, 3, 4]


def test_two_saves_of_one_version_raise_the_librarys_integrity_error(sf: Skillfund) -> None:
    aggregate = uuid4()
    sf.ledger.recorder.insert_events([stored(aggregate, 1)])

    with pytest.raises(IntegrityError):
        sf.ledger.recorder.insert_events([stored(uuid4(), 1), stored(aggregate, 1, '{"x":1}')])

    assert positions(sf, f"SELECT position FROM {CHAIN_TABLE}") == [1]
    assert audit.verify(sf.engine).ok


def test_states_and_snapshots_are_stored_byte_for_byte(sf: Skillfund) -> None:
    """Quotes, backslashes, percent signs, Chinese and bytes that are not UTF-8: the rows
    are rendered into the statement on PostgreSQL, so what is stored must be what was
    given."""
    a, b = uuid4(), uuid4()
    texts = ['{"x":"it\'s 100% \\\\ 职业技能"}', "%(x)s %s ';--"]
    events = [stored(a, 1, texts[0]), stored(b, 1, texts[1])]
    odd = StoredEvent(a, 2, "skillfund:Test.Happened", bytes(range(256)))
    snapshot = StoredEvent(a, 1, "skillfund:Test.Snapshot", b"\x00\\'%s")
    recorder = sf.ledger.recorder
    assert recorder.snapshots_table is not None

    recorder.insert_events([*events, odd], snapshots=[snapshot])

    read = [(e.originator_id, e.originator_version, e.state) for e in recorder.select_events(a)]
    assert read == [(a, 1, texts[0].encode()), (a, 2, bytes(range(256)))]
    assert [e.state for e in recorder.select_events(b)] == [texts[1].encode()]
    snapshots = sf.ledger.snapshots
    assert snapshots is not None
    assert [s.state for s in snapshots.recorder.select_events(a)] == [snapshot.state]
    assert audit.verify(sf.engine).ok


def test_the_id_sequence_stays_ahead_of_the_ids_given(sf: Skillfund) -> None:
    """On PostgreSQL the recorder gives ids itself (head + 1 onwards) and moves the table's
    sequence to the last, so a writer that takes ids from it cannot collide."""
    if sf.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no sequence: its ids are always max(id) + 1")
    sf.ledger.recorder.insert_events([stored(uuid4(), 1), stored(uuid4(), 1)])
    with sf.engine.begin() as connection:
        following = connection.execute(
            sa.text(f"SELECT nextval(pg_get_serial_sequence('{EVENTS_TABLE}', 'id'))")
        ).scalar_one()
    assert following > max(positions(sf, f"SELECT id FROM {EVENTS_TABLE}")) == 2


@pytest.mark.parametrize(
    ("driver_error", "library_class"),
    [
        (psycopg2.errors.UniqueViolation("duplicate key"), persistence.IntegrityError),
        (psycopg2.OperationalError("server closed"), persistence.OperationalError),
        (psycopg2.errors.InvalidTextRepresentation("bad uuid"), persistence.DataError),
        (psycopg2.errors.UndefinedTable("no table"), persistence.ProgrammingError),
        (psycopg2.DatabaseError("other"), persistence.DatabaseError),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), persistence.IntegrityError),
        (sqlite3.OperationalError("database is locked"), persistence.OperationalError),
    ],
)
def test_driver_errors_are_raised_as_the_librarys(
    driver_error: Exception, library_class: type[Exception]
) -> None:
    translated = library_error(driver_error)
    assert type(translated) is library_class
    assert translated.args == (driver_error,)


def test_an_empty_insert_writes_nothing(sf: Skillfund) -> None:
    assert list(sf.ledger.recorder.insert_events([]) or []) == []
    assert positions(sf, f"SELECT position FROM {CHAIN_TABLE}") == []


def test_concurrent_writers_extend_one_unbroken_chain(db_url: str) -> None:
    setup = open_skillfund(db_url, create=True)
    barrier = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def write() -> None:
        sf = open_skillfund(db_url)
        try:
            barrier.wait()
            aggregate = uuid4()
            for version in range(1, SAVES_PER_WRITER + 1):
                sf.ledger.recorder.insert_events([stored(aggregate, version)])
        except BaseException as failure:  # Reported by the assertion below.
            failures.append(failure)
        finally:
            sf.close()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    report = audit.verify(setup.engine)
    setup.close()
    assert failures == []
    assert report.ok, report.problems[:3]
    assert report.events_checked == report.chain_rows_checked == WRITERS * SAVES_PER_WRITER
