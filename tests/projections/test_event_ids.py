"""The aggregate ids of the events a catch-up reads keep their text once made."""

from __future__ import annotations

import copy
import json
import pickle
from uuid import UUID, uuid4

import sqlalchemy as sa

from ledger import demo
from ledger.service import Skillfund
from projections.runner import TextUUID, to_uuid
from tests.conftest import submit


def test_an_id_read_from_the_log_is_the_same_uuid_and_keeps_its_text() -> None:
    plain = uuid4()
    for stored in (plain.bytes, memoryview(plain.bytes), str(plain)):
        read = to_uuid(stored)
        assert isinstance(read, TextUUID)
        assert read == plain and plain == read and hash(read) == hash(plain)
        assert {plain: "row"}[read] == "row"
        assert str(read) == str(plain) == f"{read}" and repr(read) == repr(plain)
        assert str(read) is str(read)  # Made once, then kept.
        assert read.hex == plain.hex and read.bytes == plain.bytes
        assert json.dumps({"id": read}, default=str) == json.dumps({"id": str(plain)})
        assert copy.deepcopy(read) == plain and pickle.loads(pickle.dumps(read)) == plain
    made = to_uuid(plain)  # A UUID the driver made (psycopg2's adapter).
    assert type(made) is TextUUID and made == plain and to_uuid(made) is made


def test_the_events_a_catch_up_reads_carry_such_ids(sf: Skillfund) -> None:
    """Read from the log and decoded by the ledger's mapper, on either database: every
    event's id is a TextUUID equal to its aggregate's id as recorded."""
    submit(sf, *demo.demo_lines()[:30])
    runner = sf.runner
    topics = sorted({t for p in runner.projections for t in p.topics})
    with runner.engine.connect() as connection:
        events, _ = runner.read_batch(connection, topics, 0, runner.max_notification_id(connection))
        recorded = {
            UUID(str(row[0])) if not isinstance(row[0], bytes) else UUID(bytes=row[0])
            for row in connection.execute(sa.select(runner.events.c.originator_id))
        }
    assert len(events) >= 30
    assert all(type(e.originator_id) is TextUUID for _, e in events)
    assert {e.originator_id for _, e in events} <= recorded
