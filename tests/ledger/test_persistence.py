"""The event store: a real database or a clear error, and an append-only events table."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa

from ledger import demo
from ledger.persistence import (
    EVENTS_TABLE,
    DatabaseUnavailableError,
    check_reachable,
    normalize_db_url,
)
from ledger.service import Skillfund, open_skillfund
from tests.conftest import submit


def test_a_missing_sqlite_file_is_refused_rather_than_created(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'absent.db'}"

    with pytest.raises(DatabaseUnavailableError, match="does not exist"):
        open_skillfund(url)
    assert not (tmp_path / "absent.db").exists()


def test_an_unreachable_postgresql_is_one_clear_error() -> None:
    with pytest.raises(DatabaseUnavailableError, match="unreachable"):
        check_reachable("postgresql+psycopg2://nobody@127.0.0.1:1/none", create=False)


def test_an_unsupported_database_url_is_refused() -> None:
    with pytest.raises(DatabaseUnavailableError, match="use sqlite"):
        normalize_db_url("mysql://root@localhost/x")


def test_a_plain_postgresql_url_is_read_as_psycopg2() -> None:
    assert (
        normalize_db_url("postgresql://postgres@127.0.0.1/test")
        == "postgresql+psycopg2://postgres@127.0.0.1/test"
    )


def test_the_events_table_is_named_after_the_pinned_application_name(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data()[:1])

    assert sa.inspect(sf.engine).has_table(EVENTS_TABLE)


@pytest.mark.parametrize(
    "statement", [f"UPDATE {EVENTS_TABLE} SET topic = 'x'", f"DELETE FROM {EVENTS_TABLE}"]
)
def test_the_database_refuses_to_change_or_delete_an_event(sf: Skillfund, statement: str) -> None:
    submit(sf, *demo.reference_data()[:2])

    with pytest.raises(sa.exc.DatabaseError, match="append-only"), sf.engine.begin() as connection:
        connection.execute(sa.text(statement))


def test_events_are_stored_with_explicit_topics_not_module_paths(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data()[:2])

    with sf.engine.connect() as connection:
        topics = (
            connection.execute(sa.text(f"SELECT DISTINCT topic FROM {EVENTS_TABLE}"))
            .scalars()
            .all()
        )

    assert sorted(topics) == [
        "skillfund:Deposit.Received",
        "skillfund:Fund.CashMoved",
        "skillfund:Fund.Opened",
    ]


def test_replaying_a_claim_reads_its_decision_and_never_runs_the_rules(
    sf: Skillfund, monkeypatch
) -> None:
    submit(sf, *demo.demo_lines())
    before, _ = sf.runner.digest()
    import rules

    def refuse(*_args: object) -> None:
        raise AssertionError("rules must not run on replay")

    monkeypatch.setattr(rules, "assess", refuse)
    sf.runner.rebuild()
    from domain.claim import Claim

    claim = sf.ledger.repository.get(Claim.create_id("KS-C-2020-0001"))
    assert claim.decision is not None and claim.decision.amount_fen == 260000
    assert sf.runner.digest()[0] == before


def test_a_new_sqlite_ledger_is_in_write_ahead_log_mode(tmp_path) -> None:
    """Set once at open, not lazily by the library in each process's first write."""
    path = tmp_path / "wal.db"
    open_skillfund(f"sqlite:///{path}", create=True).close()

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_opening_a_file_while_another_process_writes_waits_for_the_switch(tmp_path) -> None:
    """A file still in rollback-journal mode (made before this setting) is switched when
    opened; SQLite refuses the switch at once while someone writes, so the open waits."""
    path = tmp_path / "old.db"
    open_skillfund(f"sqlite:///{path}", create=True).close()
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("PRAGMA journal_mode=DELETE")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(f"SELECT count(*) FROM {EVENTS_TABLE}")
    release = threading.Timer(0.3, lambda: writer.execute("COMMIT"))
    release.start()
    try:
        sf = open_skillfund(f"sqlite:///{path}")
    finally:
        release.join()
        writer.close()
    sf.close()

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
