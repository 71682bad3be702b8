"""On a SQLite file a catch-up computes outside the database's write lock, under the
per-projection locks of projections/locks.py; a hold query catches up only when behind."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import projections.flags as flags_module
from ledger import demo
from ledger.persistence import EVENTS_TABLE
from ledger.service import Skillfund, open_skillfund, submit_lines
from projections.base import Projection
from projections.locks import ProjectionLocks, lock_file_of
from tests.conftest import submit


def recorded_without_catch_up(sf: Skillfund, lines: list[str]) -> None:
    submit_lines(sf, lines, lambda _: None)


@pytest.fixture
def file_sf(tmp_path: Path) -> Any:
    skillfund = open_skillfund(f"sqlite:///{tmp_path / 'store.db'}", create=True)
    yield skillfund
    skillfund.close()


def test_a_sqlite_file_has_a_lock_file_and_memory_and_postgres_have_none(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    assert lock_file_of(engine) == (tmp_path / "a.db-projections.lock").resolve()
    assert lock_file_of(sa.create_engine("sqlite://")) is None
    assert lock_file_of(sa.create_engine("postgresql+psycopg2://u@h/db")) is None


def test_another_connection_writes_while_a_catch_up_computes(file_sf: Skillfund) -> None:
    """While the projections apply a batch, SQLite's write lock is free: a command could be
    recorded meanwhile (before, the catch-up held it from its first statement)."""
    recorded_without_catch_up(file_sf, demo.demo_lines()[:30])
    database = file_sf.engine.url.database
    written: list[int] = []
    journal: Projection = next(p for p in file_sf.runner.projections if p.name == "journal")
    prepare = journal.prepare

    def prepare_and_write_elsewhere(connection: Any, events: Any) -> int:
        other = sqlite3.connect(database, timeout=0)  # No busy wait: locked means refused.
        try:
            other.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
            other.execute("INSERT INTO probe VALUES (1)")
            other.commit()
            written.append(1)
        finally:
            other.close()
        return prepare(connection, events)

    journal.prepare = prepare_and_write_elsewhere  # type: ignore[method-assign]
    file_sf.catch_up()

    assert written  # The write went through during the batch.
    assert file_sf.runner.positions()["journal"] == file_sf.runner.head()


def test_a_catch_up_waits_for_the_projections_another_holds(file_sf: Skillfund) -> None:
    recorded_without_catch_up(file_sf, demo.demo_lines()[:30])
    locks = file_sf.runner.locks
    assert isinstance(locks, ProjectionLocks)
    done = threading.Event()

    def catch_up() -> None:
        file_sf.catch_up()
        done.set()

    with locks.held(["claims"]):
        worker = threading.Thread(target=catch_up)
        worker.start()
        assert not done.wait(0.5)  # Blocked on the claims projection.
    worker.join(30)
    assert done.is_set()
    assert set(file_sf.runner.positions().values()) == {file_sf.runner.head()}


def test_behind_sees_only_the_events_the_named_projections_handle(sf: Skillfund) -> None:
    lines = demo.demo_lines()
    submit(sf, *lines[:30])
    assert not sf.runner.behind(only={"flags"})
    assert not sf.runner.behind()
    recorded_without_catch_up(sf, lines[30:40])
    flags = next(p for p in sf.runner.projections if p.name == "flags")
    position = sf.runner.positions()["flags"]
    query = sa.text(f"SELECT topic FROM {EVENTS_TABLE} WHERE id > :p")
    with sf.engine.connect() as connection:
        new = [t for (t,) in connection.execute(query, {"p": position})]

    assert any(t in flags.topics for t in new)  # The demo's lines 31-40 hold some.
    assert sf.runner.behind(only={"flags"})
    assert sf.runner.behind()
    sf.catch_up()
    assert not sf.runner.behind()


def test_behind_is_false_when_only_events_of_other_projections_came(sf: Skillfund) -> None:
    submit(sf, *demo.demo_lines())
    flags = next(p for p in sf.runner.projections if p.name == "flags")
    sf.runner.catch_up(only={"flags"})
    with sf.engine.begin() as connection:  # Move the flags back past events they ignore.
        position = sf.runner.head()
        ignored = connection.execute(
            sa.text(f"SELECT id, topic FROM {EVENTS_TABLE} WHERE id <= :p ORDER BY id DESC"),
            {"p": position},
        ).all()
        tail = []
        for n, topic in ignored:
            if topic in flags.topics:
                break
            tail.append(n)
        assert tail, "the demo ends with events the flags do not handle"
        connection.execute(
            sa.text("UPDATE pj_tracking SET notification_id = :n WHERE projection = 'flags'"),
            {"n": min(tail) - 1},
        )
    assert not sf.runner.behind(only={"flags"})


def test_a_hold_query_catches_up_only_when_the_flags_are_behind(sf: Skillfund) -> None:
    submit(sf, *demo.demo_lines())
    calls: list[bool] = []
    read_model: Any = sf.ledger.read_model
    catch_up = read_model.catch_up
    read_model.catch_up = lambda **kw: calls.append(True) or catch_up(**kw)

    read_model.expect([])
    read_model.holds("no-such-claim")
    assert calls == []  # At the head: no catch-up, no lock.

    behind = read_model.behind
    read_model.behind = lambda: True
    read_model.holds("no-such-claim")
    assert calls == []  # Answered from what this unit of work read.
    read_model.expect([])  # The next unit.
    read_model.holds("no-such-claim")
    read_model.behind = behind
    assert calls == [True]


def test_a_unit_reads_the_holds_of_the_claims_it_expects_in_one_query(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(sf, *demo.demo_lines())
    read_model: Any = sf.ledger.read_model
    asked: list[list[str]] = []
    real = flags_module.holds_for_claims

    def counted(connection: Any, claim_ids: Any) -> Any:
        asked.append(list(claim_ids))
        return real(connection, claim_ids)

    monkeypatch.setattr(flags_module, "holds_for_claims", counted)
    read_model.expect(["A", "B", "C"])
    answers = [read_model.holds(c) for c in ("A", "B", "C", "D")]

    assert answers == [[], [], [], []]
    assert asked == [["A", "B", "C", "A"], ["A", "B", "C", "D"]]  # D was not expected.
