"""The recorder: the library's contract (ids in order, conflicts as IntegrityError) kept,
with the hash chain written alongside, also under concurrent writers."""

from __future__ import annotations

import threading
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError, StoredEvent

from ledger import audit
from ledger.persistence import CHAIN_TABLE, EVENTS_TABLE
from ledger.recorder import SkillfundRecorder
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
