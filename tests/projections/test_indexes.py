"""The lookups a catch-up makes on every batch have an index: a full scan per batch makes
ingest slow down as the store grows."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

import projections.runner as runner_module
from ledger.generate import generate
from ledger.service import Skillfund, open_skillfund
from projections.runner import REBUILD_BATCH_FACTOR
from tests.conftest import submit


def test_every_lookup_of_the_directory_by_aggregate_id_has_an_index(sf: Skillfund) -> None:
    """Each batch of enrolments looks its aggregates up by id: a full scan per batch made
    ingest slow down as the store grew."""
    indexes = sa.inspect(sf.ledger.engine).get_indexes("pj_entities")
    assert any(index["column_names"] == ["aggregate_id"] for index in indexes)


def test_the_edges_target_index_holds_the_whole_edge_key(sf: Skillfund) -> None:
    """A batch looks its edges up by their whole key. With the target index on
    (to_kind, to_key) only, PostgreSQL chose it over the primary key for those lookups and
    filtered every edge into the class or institution (60 ms per lookup of 470 edges on a
    city rebuild); an index holding the whole key searches either way."""
    from projections.links_store import EDGE_KEY

    indexes = sa.inspect(sf.ledger.engine).get_indexes("pj_links")
    by_target = [i for i in indexes if i["column_names"][:2] == ["to_kind", "to_key"]]
    assert by_target, "the edges into a node need an index for trace"
    for index in by_target:
        assert set(index["column_names"]) == set(EDGE_KEY), index


# The key tables a batch fills before a lookup (projections/buffer.py: key_table), replayed
# on the planning connection; and a plan line that reads a projection's whole table.
TEMP_KEYS = re.compile(
    r'^(CREATE TEMPORARY TABLE( IF NOT EXISTS)?|DELETE FROM|INSERT INTO) "?tmp_keys_'
)
FULL_SCAN = re.compile(r"^SCAN (pj_\w+)")


def test_no_read_of_a_rebuilds_batches_scans_a_projections_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every statement a rebuild's batches run on SQLite, traced by the driver (the key
    lookups that go to the raw cursor included), is planned again with EXPLAIN QUERY PLAN:
    none reads a projection's whole table. Such a read costs a batch the size of the
    store, so a rebuild or an ingest slows down as the store grows (the directory's
    enrolment lookup by aggregate id did, before its index). The whole-store checks at
    the head (`Projection.finish`) read whole tables by design and are left out."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    sf = open_skillfund(url, create=True)
    statements: list[str] = []
    try:
        submit(sf, *[json.dumps(c, ensure_ascii=False) for c in generate("small", 1)])
        # Batches of a few hundred events, so that later batches read what earlier wrote.
        monkeypatch.setattr(runner_module, "CATCH_UP_BATCH_SIZE", 100)
        sf.runner.drop_all()
        sf.runner.engine.dispose()
        sa.event.listen(
            sf.runner.engine,
            "connect",
            lambda dbapi_connection, _: dbapi_connection.set_trace_callback(statements.append),
        )
        sf.runner.catch_up(finish=False, batch_factor=REBUILD_BATCH_FACTOR)
    finally:
        sf.close()
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) > 100
    assert any("tmp_keys_" in s for s in selects)  # The raw cursor's lookups are traced.

    planner = sqlite3.connect(tmp_path / "store.db")
    scans = []
    try:
        for statement in statements:
            text = statement.strip()
            if TEMP_KEYS.match(text):
                planner.execute(text)
            elif text.upper().startswith("SELECT"):
                for row in planner.execute("EXPLAIN QUERY PLAN " + text):
                    if FULL_SCAN.match(row[3]):
                        scans.append((row[3], text[:200]))
    finally:
        planner.close()
    assert scans == []
