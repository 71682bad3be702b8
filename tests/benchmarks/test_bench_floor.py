"""The benchmark's floor: the rows the projections hold, written again into copies, and
the ratios it puts beside the targets."""

from __future__ import annotations

import importlib.util
import sys
from argparse import Namespace
from pathlib import Path
from types import ModuleType
from typing import Any

import sqlalchemy as sa

from ledger.service import Skillfund, submit_lines
from projections.base import query_indexes
from tests.conftest import submit

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "tests" / "scenarios" / "rugao.jsonl"


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "skillfund_bench", REPO / "benchmarks" / "bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_floor_writes_every_projection_row_again_and_leaves_the_store_as_it_was(
    sf: Skillfund, db_url: str
) -> None:
    lines = SCENARIO.read_text(encoding="utf-8").splitlines()
    results = submit_lines(sf, lines, lambda _: None)
    assert {r.status for r in results} == {"accepted"}
    submit(sf)  # The projections caught up.
    digest, counts = sf.runner.digest()
    tables = [t.name for p in sf.runner.projections for t in p.tables]
    bench = bench_module()
    # Per pass, the copies' indexes (by table and columns) before and after those for
    # queries alone are built.
    passes: list[tuple[set[Any], set[Any]]] = []
    building = bench.floor_indexes

    def indexes(target: sa.Engine, copies: list[sa.Table]) -> set[Any]:
        inspector = sa.inspect(target)
        return {
            (c.name, tuple(i["column_names"]))
            for c in copies
            for i in inspector.get_indexes(c.name, schema=c.schema)
        }

    def floor_indexes(target: sa.Engine, copies: list[sa.Table]) -> float:
        before = indexes(target, copies)
        seconds = building(target, copies)
        passes.append((before, indexes(target, copies)))
        return seconds

    bench.floor_indexes = floor_indexes

    result = bench.child_floor(Namespace(url=db_url, label="test"))

    assert result["tables"] == len(tables) == len(counts)
    assert result["rows"] == result["engine_rows"] == sum(counts.values()) > 1_000
    assert result["seconds"] > 0 and result["engine_seconds"] > 0
    assert sf.runner.digest() == (digest, counts)
    # Both passes made the copies as a rebuild makes its tables, and built every index of
    # the originals in the end, those for queries alone after the rows.
    tables_of = [t for p in sf.runner.projections for t in p.tables]
    every = {(t.name, tuple(c.name for c in i.columns)) for t in tables_of for i in t.indexes}
    deferred = {
        (t.name, tuple(c.name for c in i.columns)) for t in tables_of for i in query_indexes(t)
    }
    assert len(passes) == 2 and len(deferred) >= 10
    for before, after in passes:
        assert every <= after
        assert before & deferred == set()
    if db_url.startswith("sqlite"):
        store = Path(sa.make_url(db_url).database or "")
        assert not list(store.parent.glob(f"{store.name}.floor*"))
    else:
        with sf.engine.connect() as connection:
            schemas = connection.exec_driver_sql(
                "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
                (bench.FLOOR_SCHEMA,),
            ).scalar_one()
        assert schemas == 0


def test_floor_ratios_put_the_targets_beside_the_rows_written() -> None:
    bench = bench_module()
    runs = {
        "floor": {"rows": 1_800, "seconds": 2.0, "engine_seconds": 0.5},
        "rebuild": {"events": 1_000},
        "ingest": {"events": 1_000},
    }
    rates = {"scan_events_per_s": 1_000.0, "raw_insert_rows_per_s": 500.0}

    out = bench.floors(runs, rates)

    assert out["floor_rows_per_s"] == 900.0
    # Only the rows written: 1,000 events in 2 s, against a scan of 1,000 events/s.
    assert out["rebuild_floor_events_per_s"] == 500.0
    assert out["rebuild_floor_over_raw_scan"] == 0.5
    assert out["rebuild_engine_floor_over_raw_scan"] == 2.0
    # 1,000 events at 500 rows/s (2 s) and the rows' 2 s: 250 events/s.
    assert out["ingest_ceiling_events_per_s"] == 250.0
    assert out["ingest_ceiling_over_raw_insert"] == 0.5


def test_floor_ratios_are_missing_not_invented_without_a_floor() -> None:
    out = bench_module().floors(
        {"rebuild": {"events": 1_000}, "ingest": {"events": 1_000}},
        {"scan_events_per_s": 1_000.0, "raw_insert_rows_per_s": 500.0},
    )
    assert set(out.values()) == {None}
