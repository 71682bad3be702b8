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
from ledger import demo
from ledger.generate import generate
from ledger.service import Skillfund, all_projections, open_skillfund
from projections.base import queries_only, query_indexes
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
    lookups that go to the raw cursor included), is planned again with EXPLAIN QUERY PLAN
    on the tables as the rebuild had them, without the indexes marked `queries_only`:
    none reads a projection's whole table. Such a read costs a batch the size of the
    store, so a rebuild or an ingest slows down as the store grows (the directory's
    enrolment lookup by aggregate id did, before its index); an index marked
    `queries_only` that a batch reads by would do the same to every rebuild. The
    whole-store checks at the head (`Projection.finish`) read whole tables by design and
    are left out."""
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
        for projection in all_projections():
            for table in projection.tables:
                for index in query_indexes(table):
                    planner.execute(f'DROP INDEX "{index.name}"')
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


# --- Indexes for queries alone, built when a rebuild reaches the head ----------------------


def query_index_names(url: str) -> set[str]:
    """The `queries_only` indexes the database holds."""
    tables = {t for p in all_projections() for t in p.tables}
    wanted = {str(i.name) for t in tables for i in query_indexes(t)}
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        present = {i["name"] for t in tables for i in inspector.get_indexes(t.name)}
    finally:
        engine.dispose()
    return wanted & {str(name) for name in present}


def test_the_indexes_batches_read_by_are_not_marked_for_queries_alone() -> None:
    marked = {str(i.name) for p in all_projections() for t in p.tables for i in query_indexes(t)}
    assert "ix_pj_links_to" in marked  # Trace's; a batch reads edges by their key.
    assert "ix_pj_entities_aggregate_id" not in marked
    assert "ix_pj_fraud_attendance_person_day" not in marked


def test_marking_an_index_that_does_not_exist_is_refused() -> None:
    from projections.claims import CLAIMS

    with pytest.raises(ValueError, match="pj_claims has no index ix_pj_claims_nothing"):
        queries_only(CLAIMS, "ix_pj_claims_nothing")


def test_a_rebuild_builds_the_query_indexes_when_it_reaches_the_head(db_url: str) -> None:
    sf = open_skillfund(db_url, create=True)
    try:
        submit(sf, *demo.demo_lines())
        before = sf.runner.digest()
        every = query_index_names(db_url)
        assert len(every) == sum(
            len(query_indexes(t)) for p in sf.runner.projections for t in p.tables
        )

        sf.runner.drop_all()  # A rebuild's start.
        assert query_index_names(db_url) == set()
        sf.runner.catch_up(finish=False)  # At the head, even without the whole-store checks.
        assert query_index_names(db_url) == every
        sf.catch_up()  # The whole-store checks, over the indexes just built.
        assert sf.runner.digest() == before
    finally:
        sf.close()


def test_a_rebuild_that_stopped_before_the_head_has_its_query_indexes_built_by_the_next(
    db_url: str,
) -> None:
    sf = open_skillfund(db_url, create=True)
    try:
        submit(sf, *demo.demo_lines())
        before = sf.runner.digest()
        every = query_index_names(db_url)
        sf.runner.drop_all()
    finally:
        sf.close()
    later = open_skillfund(db_url)  # Another process, after the rebuild stopped.
    try:
        assert query_index_names(db_url) == set()
        later.catch_up()
        assert query_index_names(db_url) == every
        assert later.runner.digest() == before
    finally:
        later.close()
