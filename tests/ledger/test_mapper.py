"""The orjson mapper (ledger/mapper.py) writes exactly the bytes the library's mapper
writes and reads back exactly the events it reads: on every event of the demo, the four
scenario files and the generated small workload, and on values orjson would write or
read differently, which go through the library's own encoder and decoder."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import IntEnum
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.demo import demo_lines
from ledger.generate import write
from ledger.mapper import SkillfundMapper
from ledger.persistence import EVENTS_TABLE, SNAPSHOTS_TABLE
from ledger.service import open_skillfund, submit_lines

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def library_twin(mapper: SkillfundMapper) -> Mapper[UUID]:
    return Mapper(transcoder=mapper.transcoder)


def same_event(a: Any, b: Any) -> bool:
    """Equal fields of equal types (1 == 1.0 == True would hide a changed type)."""
    return (
        type(a) is type(b)
        and a.__dict__ == b.__dict__
        and {k: type(v) for k, v in a.__dict__.items()}
        == {k: type(v) for k, v in b.__dict__.items()}
    )


def stored_rows(url: str, table: str) -> list[StoredEvent]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text(f"SELECT originator_id, originator_version, topic, state FROM {table}")
            ).all()
    finally:
        engine.dispose()
    return [StoredEvent(UUID(bytes=bytes(i)), v, t, bytes(s)) for i, v, t, s in rows]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """SQLite stores written through the orjson mapper, one per input (they share keys):
    the demo year, the generated small workload and each scenario file."""
    folder = tmp_path_factory.mktemp("mapper")
    small = folder / "small.jsonl"
    write("small", 1, small, progress=io.StringIO())
    inputs = [demo_lines(), small.read_text(encoding="utf-8").splitlines()]
    inputs += [
        p.read_text(encoding="utf-8").splitlines() for p in sorted(SCENARIOS.glob("*.jsonl"))
    ]
    urls = []
    for number, lines in enumerate(inputs):
        url = f"sqlite:///{folder / f'store{number}.db'}"
        sf = open_skillfund(url, create=True)
        try:
            assert isinstance(sf.ledger.mapper, SkillfundMapper)
            results = submit_lines(sf, lines, lambda _: None)
            assert sum(r.status == "accepted" for r in results) > len(results) / 2
        finally:
            sf.close()
        urls.append(url)
    return urls


@pytest.fixture
def mappers(stores: list[str]) -> Iterator[tuple[SkillfundMapper, Mapper[UUID]]]:
    """The ledger's mapper, as an opened store has it, and the library's with its transcoder."""
    sf = open_skillfund(stores[0])
    try:
        fast = sf.ledger.mapper
        assert isinstance(fast, SkillfundMapper)
        yield fast, library_twin(fast)
    finally:
        sf.close()


def test_every_stored_event_is_the_librarys_bytes_and_reads_back_as_the_library_reads_it(
    stores: list[str], mappers: tuple[SkillfundMapper, Mapper[UUID]]
) -> None:
    fast, library = mappers
    stored = [row for url in stores for row in stored_rows(url, EVENTS_TABLE)]
    assert len(stored) > 5_000
    topics = set()
    for row in stored:
        ours, theirs = fast.to_domain_event(row), library.to_domain_event(row)
        assert same_event(ours, theirs), row.topic
        assert (
            fast.to_stored_event(ours).state == row.state == library.to_stored_event(theirs).state
        ), row.topic
        topics.add(row.topic)
    assert len(topics) > 40  # Every kind of event the ledger records, nearly.


def test_snapshots_go_through_the_librarys_mapper(
    stores: list[str], mappers: tuple[SkillfundMapper, Mapper[UUID]]
) -> None:
    fast, library = mappers
    snapshots = [row for url in stores for row in stored_rows(url, SNAPSHOTS_TABLE)]
    assert snapshots
    for row in snapshots:
        ours, theirs = fast.to_domain_event(row), library.to_domain_event(row)
        assert same_event(ours, theirs)
        assert fast.to_stored_event(ours) == library.to_stored_event(theirs)
        assert not fast.simple[type(ours)]


class Level(IntEnum):
    ONE = 1


class Code(str):
    pass


class Thing(Aggregate):
    @dataclass(frozen=True)
    class Noted(Aggregate.Event):
        value: Any
        on: date


@pytest.mark.parametrize(
    "value",
    [
        "plain 中文 \n\t\x00\x1f\u2028 \U0001f600",
        {"nested": [1, True, None, date(2020, 3, 9), {"at": datetime(2020, 3, 9, 8, 30)}]},
        (1, "two", date(2021, 1, 1)),
        uuid4(),
        {"deep": [uuid4()]},
        0.1,
        {"ratio": 1e16},
        Decimal("12.30"),
        [Decimal("0.5")],
        Level.ONE,
        Code("KS-2020"),
        {"k": Code("v")},
        2**70,
        -(2**64),
        {"big": [2**64]},
        {1: "int key"},
        datetime(2020, 3, 9, 8, 30, tzinfo=UTC),
    ],
    ids=repr,
)
def test_values_orjson_would_write_differently_are_written_as_the_library_writes_them(
    value: Any,
) -> None:
    fast = SkillfundMapper(transcoder=library_transcoder())
    library = library_twin(fast)
    event = Thing.Noted(
        originator_id=uuid4(),
        originator_version=2,
        timestamp=Thing.Noted.create_timestamp(),
        value=value,
        on=date(2020, 3, 9),
    )
    try:
        expected = library.to_stored_event(event)
    except Exception as refused:
        with pytest.raises(type(refused)):
            fast.to_stored_event(event)
        return
    ours = fast.to_stored_event(event)
    assert ours == expected
    assert same_event(fast.to_domain_event(ours), library.to_domain_event(expected))


@pytest.mark.parametrize(
    "state",
    [
        b'{"n":123456789012345678901234567890,"on":{"_type_":"date_iso","_data_":"2020-03-09"}}',
        b'{"x":NaN}',
        b'{"x":1e400}',
        b'{"s":"\\ud800"}',
        b'{"f":0.25,"l":[{"_type_":"date_iso","_data_":"2020-01-02"}]}',
        b'{"t":{"_type_":"decimal_str","_data_":"1.50"}}',
    ],
)
def test_states_orjson_would_read_differently_are_read_as_the_library_reads_them(
    state: bytes,
) -> None:
    fast = SkillfundMapper(transcoder=library_transcoder())
    library = library_twin(fast)
    row = StoredEvent(uuid4(), 1, "tests.ledger.test_mapper:Thing.Noted", state)
    ours, theirs = fast.to_domain_event(row), library.to_domain_event(row)
    assert repr(ours.__dict__) == repr(theirs.__dict__)  # NaN != NaN, but reprs agree.
    assert {k: type(v) for k, v in ours.__dict__.items()} == {
        k: type(v) for k, v in theirs.__dict__.items()
    }


def library_transcoder() -> Any:
    """The transcoder the ledger's application configures (the library's, plus dates)."""
    from eventsourcing.persistence import JSONTranscoder

    from ledger.app import Ledger

    transcoder = JSONTranscoder()
    Ledger.register_transcodings(object.__new__(Ledger), transcoder)
    return transcoder
