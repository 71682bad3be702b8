"""On PostgreSQL a catch-up keeps the planner's statistics of the tables it fills, so the
batches' key lookups keep using their indexes however the store grows (autovacuum may be
off, and never analyses during one long catch-up)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import projections.runner
from ledger import demo
from ledger.persistence import SNAPSHOTS_TABLE
from ledger.service import Skillfund
from tests.conftest import submit


def analysed(sf: Skillfund, table: str) -> bool:
    """pg_class.reltuples is -1 until a table is first analysed (or vacuumed)."""
    with sf.engine.connect() as connection:
        query = sa.text("SELECT reltuples FROM pg_class WHERE relname = :t AND relkind = 'r'")
        return float(connection.execute(query, {"t": table}).scalar_one()) >= 0


@pytest.fixture
def pg(sf: Skillfund, monkeypatch: pytest.MonkeyPatch) -> Skillfund:
    """The ledger on PostgreSQL, its statistics looked at on every batch, from one page."""
    if sf.engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans without statistics")
    monkeypatch.setattr(projections.runner, "STATISTICS_PAGES_MIN", 1)
    monkeypatch.setattr(projections.runner, "STATISTICS_EVERY_SECONDS", 0.0)
    return sf


def test_a_catch_up_analyses_the_tables_that_grew(pg: Skillfund) -> None:
    sf = pg
    assert not analysed(sf, "pj_entities")

    submit(sf, *demo.demo_lines())

    assert analysed(sf, "pj_entities")
    assert analysed(sf, "skillfund_events")


def test_a_table_is_analysed_again_only_once_it_has_doubled(
    pg: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    sf = pg
    lines = demo.demo_lines()
    submit(sf, *lines)
    analyses: list[str] = []
    original = sa.engine.Connection.execute

    def spy(self: sa.engine.Connection, statement: object, *args: object, **kw: object) -> object:
        if str(statement).startswith("ANALYZE"):
            analyses.append(str(statement))
        return original(self, statement, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sa.engine.Connection, "execute", spy)
    sf.catch_up()  # Nothing grew since the last catch-up analysed every table.

    assert analyses == []


def test_a_catch_up_analyses_the_ledgers_snapshots_too(pg: Skillfund) -> None:
    """The ledger looks snapshots up by lists of ids; with no statistics PostgreSQL costs
    such a lookup as a scan of the whole table (and may compile it)."""
    sf = pg
    assert not analysed(sf, SNAPSHOTS_TABLE)

    submit(sf, *demo.demo_lines())

    assert analysed(sf, SNAPSHOTS_TABLE)


def test_the_ledgers_key_lookups_run_without_jit(pg: Skillfund) -> None:
    cursor = pg.ledger.recorder.reader()  # type: ignore[attr-defined]
    cursor.execute("SHOW jit")
    assert cursor.fetchone()[0] == "off"
