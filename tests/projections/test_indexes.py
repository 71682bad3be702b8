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
