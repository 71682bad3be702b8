"""The lookups a catch-up makes on every batch have an index: a full scan per batch makes
ingest slow down as the store grows."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.service import Skillfund


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
