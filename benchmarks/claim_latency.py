"""Claim latency on an existing store, claim by claim: where a slow tail comes from.

    python benchmarks/claim_latency.py --url URL --workload FILE [--count 200] [--skip 0]

Files `--count` new claims (picked from the workload as bench.py picks them, after
skipping the first `--skip` of its picks, so that each run claims certificates no earlier
run claimed) one at a time against the store at URL, each in its own transaction as
`skillfund submit` runs a single line, catching the projections up between claims as the
benchmark does. Prints wall and CPU milliseconds (p50, p90, p99, max), the time the
statements SQLAlchemy executes took, and the slowest claims with the garbage-collector
passes that ran inside them. Wall far above CPU and SQL means waiting on something the
client does not see as a statement: on PostgreSQL, set `log_min_duration_statement` on
the database to find it (docs/performance.md, "Interactive latency").

The claims are recorded: run it on a benchmark store, never on a fund's.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench

from ledger.service import freeze_startup_heap, open_skillfund, submit_line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="the store (a benchmark's)")
    parser.add_argument("--workload", required=True, help="the generated file it was built from")
    parser.add_argument("--count", type=int, default=200, help="claims to file")
    parser.add_argument("--skip", type=int, default=0, help="picks to skip (earlier runs')")
    args = parser.parse_args(argv)
    if args.count < 1 or args.skip < 0:
        parser.error("--count must be at least 1 and --skip at least 0")

    with tempfile.TemporaryDirectory() as folder:
        picks = Path(folder) / "claims.jsonl"
        bench.claim_samples(Path(args.workload), picks, count=args.skip + args.count)
        lines = picks.read_text(encoding="utf-8").splitlines()[args.skip :]
    if not lines:
        parser.error("--workload: no certificates left to claim")
    bench.quiet_logs()
    sf = open_skillfund(args.url)
    freeze_startup_heap()  # As the CLI does.
    sf.catch_up()
    sql_ms: list[float] = []
    started_at: dict[int, float] = {}

    @sa.event.listens_for(sf.engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: Any, *rest: Any) -> None:
        started_at[id(conn)] = time.perf_counter()

    @sa.event.listens_for(sf.engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: Any, *rest: Any) -> None:
        sql_ms.append((time.perf_counter() - started_at.pop(id(conn), time.perf_counter())) * 1000)

    collections: list[int] = []
    gc.callbacks.append(
        lambda phase, info: collections.append(info["generation"]) if phase == "start" else None
    )
    rows: list[tuple[float, float, float, str, list[int]]] = []
    for number, line in enumerate(lines, start=1):
        sql_ms.clear()
        collections.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        result = submit_line(sf, line, number)
        wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
        outcome = result.decision.outcome if result.decision else result.status
        rows.append((wall, cpu, sum(sql_ms), outcome, list(collections)))
        sf.catch_up()
    sf.close()

    print(f"{len(rows)} claims on {args.url.split('@')[-1]}")
    columns = {
        "wall": [r[0] for r in rows],
        "cpu": [r[1] for r in rows],
        "sql": [r[2] for r in rows],
    }
    for name, values in columns.items():
        q = bench.quantiles(values)
        print(
            f"  {name:4} ms  p50 {q['p50']:7.2f}  p90 {q['p90']:7.2f}"
            f"  p99 {q['p99']:7.2f}  max {q['max']:7.2f}"
        )
    print("  slowest: wall / cpu / sql ms, outcome, garbage-collector generations run")
    for wall, cpu, sql, outcome, gens in sorted(rows, reverse=True)[:5]:
        print(f"    {wall:7.2f} {cpu:7.2f} {sql:7.2f}  {outcome:9} {gens}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
