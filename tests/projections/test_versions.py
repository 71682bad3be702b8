"""A projection whose definition changed (`Projection.version`) is rebuilt from the log when
a store built by the older definition is opened; the others are left as they are."""

from __future__ import annotations

import sqlalchemy as sa

from ledger import demo
from ledger.service import Skillfund, open_skillfund
from projections.base import TRACKING, VERSIONS
from projections.flag_store import FLAGS
from projections.flags import Flags
from tests.conftest import submit


def versions(sf: Skillfund) -> dict[str, int]:
    with sf.ledger.engine.connect() as connection:
        return dict(connection.execute(sa.select(VERSIONS.c.projection, VERSIONS.c.version)).all())


def positions(sf: Skillfund) -> dict[str, int]:
    with sf.ledger.engine.connect() as connection:
        query = sa.select(TRACKING.c.projection, TRACKING.c.notification_id)
        return dict(connection.execute(query).all())


def count(sf: Skillfund, table: sa.Table) -> int:
    with sf.ledger.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_new_store_records_the_version_of_every_projection(sf: Skillfund) -> None:
    assert versions(sf) == {p.name: p.version for p in sf.runner.projections}


def test_a_changed_definition_rebuilds_that_projection_alone(
    sf: Skillfund, db_url: str, monkeypatch
) -> None:
    submit(sf, *demo.demo_lines())
    before, counts = sf.runner.digest()
    head = sf.runner.head()
    assert count(sf, FLAGS) > 0
    sf.close()

    monkeypatch.setattr(Flags, "version", Flags.version + 1)
    reopened = open_skillfund(db_url)
    try:
        assert positions(reopened)["flags"] == 0
        assert count(reopened, FLAGS) == 0
        assert {n: p for n, p in positions(reopened).items() if n != "flags"} == {
            p.name: head for p in reopened.runner.projections if p.name != "flags"
        }
        assert versions(reopened)["flags"] == Flags.version

        reopened.catch_up()

        assert reopened.runner.digest() == (before, counts)
    finally:
        reopened.close()


def test_a_store_from_before_versions_counts_as_version_one(
    sf: Skillfund, db_url: str, monkeypatch
) -> None:
    submit(sf, *demo.demo_lines()[:30])
    with sf.ledger.engine.begin() as connection:
        connection.execute(VERSIONS.delete())
    sf.close()

    monkeypatch.setattr(Flags, "version", 1)
    same = open_skillfund(db_url)
    assert positions(same)["flags"] > 0  # Version 1 built it: nothing to redo.
    same.close()

    monkeypatch.setattr(Flags, "version", 2)
    newer = open_skillfund(db_url)
    try:
        assert positions(newer)["flags"] == 0
        assert versions(newer)["flags"] == 2
    finally:
        newer.close()
