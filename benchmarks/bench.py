"""Skillfund benchmarks: each measurement beside its physical limit, on SQLite and PostgreSQL.

    python benchmarks/bench.py --scale small|city|kunshan[,...] [--db sqlite|postgres|both]
        [--seed N] [--out results.json] [--markdown table.md] [--workdir DIR]
        [--pg-url URL] [--profile FILE]

One run generates the workload (`ledger.generate`, cached in the work folder), then for
each database and scale measures, each in its own child process so that the child's peak
resident memory (ru_maxrss, from os.wait4) belongs to that measurement alone:

- ingest: the whole submit path, as `skillfund submit` runs it (ledger.service.open_skillfund,
  submit_lines over the file, then catch_up of every projection): commands/s and events/s;
- raw insert: DB-API executemany of as many rows as ingest wrote, shaped like the events
  table (id, originator_id, originator_version, topic, state of the same mean size), in
  batches, into a scratch table of the same database: ingest's physical limit;
- rebuild: every projection from zero (`Runner.rebuild`, as `skillfund rebuild`): events/s;
- raw scan: a paged scan of the events table with json.loads of every state: replay's limit;
- floor: the rows the rebuild wrote (every projection table), written again into empty
  copies made as a rebuild makes its tables (keys and the indexes batches read by; the
  indexes for queries alone built after the rows, and timed), by the driver in committed
  batches the way the projections write them (executemany on SQLite, COPY on
  PostgreSQL), then by the database alone (INSERT … SELECT): what any rebuild pays to
  write its rows whatever it computes, and so where the ratio targets sit against them;
- claims: latency of single file_claim submits against the full store, p50 and p99
  (assessment alone, and with the projections caught up after each);
- peer: one stock eventsourcing-sqlalchemy Application.save per command, of a minimal
  aggregate (one event per command, appended to the enrolment or person it concerns):
  the peer baseline.

The ratios are set against the targets of issue 4. `--profile FILE` runs only a profiled
ingest (cProfile) of the first scale on the first database and prints the top costs.
Every measurement has a time limit (the constants below); a child that reaches it stops
between commands and reports a partial result, marked as such.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/bench"
PG_URL_ENV_VAR = "SKILLFUND_BENCH_POSTGRES_URL"
SEED = 1

INGEST_SECONDS_MAX = 3 * 3600  # The submit loop; catch-up runs after it.
REBUILD_SECONDS_MAX = 3600
SCAN_SECONDS_MAX = 1800
RAW_INSERT_SECONDS_MAX = 1800
FLOOR_SECONDS_MAX = 1800
PEER_SECONDS_MAX = 120  # A sample: its rate per command is flat (one save each); marked partial.
CLAIM_SECONDS_MAX = 600
CHILD_GRACE_SECONDS = 3600  # Past its own limit (catch-up, counting) before a child is killed.
PROGRESS_SECONDS = 15.0

RAW_BATCH_ROWS = 1_000  # Rows per executemany and per commit.
RAW_ROWS_MAX = 10_000_000
SCAN_PAGE_ROWS = 2_000  # As projections.base.CATCH_UP_BATCH_SIZE.
CLAIM_SAMPLES = 200  # New claims timed one by one after ingest.
CLAIM_REJECTED_EVERY = 4  # One in four samples re-files a claimed certificate.
PROFILE_TOP = 30
LOAD_SAMPLE_POLLS = 25  # Polls of 0.2 s between load-average samples (5 s).

TARGETS = {
    "ingest_over_raw_insert_min": 0.5,
    "rebuild_over_raw_scan_min": 0.5,
    "ingest_over_peer_min": 10.0,
    "claim_p99_ms_max": 20.0,
    "peak_rss_mib_max": 1024.0,
}
MEASUREMENTS = ("ingest", "rebuild", "scan", "floor", "claims", "raw_insert", "peer")


# --- Progress -------------------------------------------------------------------------


class Progress:
    """A line on standard error every PROGRESS_SECONDS: done/total, the rate over the last
    window in wall time and per CPU-second of this process, and the time left. The
    samples (done, wall seconds, CPU seconds) are kept, to see whether cost grows with
    the store and to tell that from other load on the machine."""

    def __init__(self, label: str, total: int = 0, unit: str = "lines") -> None:
        self.label, self.total, self.unit = label, total, unit
        self.started = self.shown = time.perf_counter()
        self.cpu_started = time.process_time()
        self.samples: list[tuple[int, float, float]] = [(0, 0.0, 0.0)]

    def update(self, done: int, total: int | None = None) -> None:
        now = time.perf_counter()
        if now - self.shown < PROGRESS_SECONDS:
            return
        self.shown = now
        sample = (
            done,
            round(now - self.started, 2),
            round(time.process_time() - self.cpu_started, 2),
        )
        last = self.samples[-1]
        self.samples.append(sample)
        wall_rate = (done - last[0]) / max(sample[1] - last[1], 1e-9)
        cpu_rate = (done - last[0]) / max(sample[2] - last[2], 1e-9)
        total = total or self.total
        overall = done / max(sample[1], 1e-9)
        left = f", {(total - done) / overall / 60:.1f} min left" if total and overall else ""
        of = f"/{total:,}" if total else ""
        print(
            f"[{self.label}] {done:,}{of} {self.unit}: {wall_rate:,.0f}/s "
            f"({cpu_rate:,.0f} per CPU-s, load {os.getloadavg()[0]:.1f}){left}",
            file=sys.stderr,
            flush=True,
        )


# --- Databases ------------------------------------------------------------------------


def db_url(kind: str, workdir: Path, scale: str, pg_url: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / f'bench-{scale}.db'}"
    return pg_url


def reset_database(url: str) -> None:
    """An empty database: the SQLite file removed, or the PostgreSQL database recreated."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        remove_sqlite_file(parsed.database or "")
        return
    name = parsed.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: its name must contain 'bench'")
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def database_facts(url: str) -> dict[str, Any]:
    """Version and durability settings, for the record."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            facts = {
                "version": sqlite3.sqlite_version,
                "journal_mode": "wal (set when the ledger opens)",
                "synchronous": connection.exec_driver_sql("PRAGMA synchronous").scalar(),
            }
        else:
            names = (
                "shared_buffers",
                "synchronous_commit",
                "fsync",
                "max_wal_size",
                "work_mem",
                "autovacuum",  # Off on our machines: nothing vacuums or analyses by itself.
            )
            rows = connection.exec_driver_sql(
                "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%(names)s)",
                {"names": list(names)},
            ).all()
            facts = {name: f"{setting}{unit or ''}" for name, setting, unit in rows}
            facts["version"] = connection.exec_driver_sql("SHOW server_version").scalar()
    engine.dispose()
    return facts


def store_size(url: str) -> dict[str, Any]:
    """Events, mean state bytes, and bytes on disk (table and whole database)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from ledger.persistence import EVENTS_TABLE

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        events, state = connection.exec_driver_sql(
            f"SELECT COUNT(*), COALESCE(AVG(LENGTH(state)), 0) FROM {EVENTS_TABLE}"
        ).one()
        if engine.dialect.name == "sqlite":
            path = Path(make_url(url).database or "")
            total = sum(
                Path(f"{path}{s}").stat().st_size
                for s in ("", "-wal")
                if Path(f"{path}{s}").exists()
            )
            table = connection.exec_driver_sql(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                f"('{EVENTS_TABLE}', '{EVENTS_TABLE}_aggregate_idx')"
            ).scalar()
        else:
            table = connection.exec_driver_sql(
                f"SELECT pg_total_relation_size('{EVENTS_TABLE}')"
            ).scalar()
            total = connection.exec_driver_sql(
                "SELECT pg_database_size(current_database())"
            ).scalar()
    engine.dispose()
    return {
        "events": int(events),
        "state_bytes_mean": round(float(state), 1),
        "events_table_bytes": table,
        "database_bytes": total,
    }


# --- Children: each runs one measurement and prints one JSON line ----------------------


def quiet_logs() -> None:
    from ledger.logs import configure_logging

    configure_logging("WARNING")


def lines_until(path: Path, deadline: float, state: dict[str, Any]) -> Iterator[str]:
    """The file's lines, stopping (and noting it) when the deadline passes."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if time.perf_counter() > deadline:
                state["partial"] = True
                return
            yield line.rstrip("\n")


def backend_cpu_seconds(engine: Any) -> float:
    """CPU seconds used so far by every PostgreSQL backend on this database (read from
    /proc: the server runs on this machine); 0 for SQLite, which runs in-process."""
    if engine.dialect.name == "sqlite":
        return 0.0
    with engine.connect() as connection:
        pids = connection.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        ).scalars()
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # Not visible (another host or user): count nothing.
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class CpuClock:
    """CPU seconds of a measured window: this process's, and the database server's."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.client, self.server = self.process_and_workers(), backend_cpu_seconds(engine)

    @staticmethod
    def process_and_workers() -> float:
        """This process's CPU seconds and its finished children's (a projector worker)."""
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    def stop(self) -> dict[str, float]:
        client = self.process_and_workers() - self.client
        server = backend_cpu_seconds(self.engine) - self.server
        return {"client_cpu_seconds": round(client, 2), "server_cpu_seconds": round(server, 2)}


def child_ingest(args: argparse.Namespace) -> dict[str, Any]:
    """The submit path over the whole file, then the projections caught up."""
    from ledger.projector import BackgroundCatchUp, worth_a_worker
    from ledger.service import collect_in_bulk, freeze_startup_heap, open_skillfund, submit_lines

    quiet_logs()
    total = int(args.lines or 0)
    progress = Progress(f"ingest {args.label}", total)
    statuses: Counter[str] = Counter()
    decisions: Counter[str] = Counter()
    not_accepted: list[dict[str, Any]] = []  # The first few lines refused or invalid.

    def on_result(result: Any) -> None:
        statuses[result.status] += 1
        if result.decision is not None:
            decisions[result.decision.outcome] += 1
        if result.status != "accepted" and len(not_accepted) < 20:
            not_accepted.append(
                {
                    "line": result.line,
                    "type": result.type,
                    "key": result.key,
                    "status": result.status,
                    "error": result.error,
                }
            )
        progress.update(sum(statuses.values()))

    sf = open_skillfund(args.url, create=True)
    freeze_startup_heap()  # As the CLI does.
    if worth_a_worker(total):
        collect_in_bulk()  # As `skillfund submit` does for a large input.
    state: dict[str, Any] = {"partial": False}
    clock = CpuClock(sf.engine)
    started = time.perf_counter()
    lines = lines_until(Path(args.file), started + args.limit, state)
    # As `skillfund submit` does: a large input has its projections caught up meanwhile
    # by a second process (ledger/projector.py), whose CPU time CpuClock counts too.
    with BackgroundCatchUp(args.url, enabled=worth_a_worker(int(args.lines))):
        submit_lines(sf, lines, on_result, keep=False)  # Counted in on_result, not kept.
    submitted = time.perf_counter()
    catch = Progress(f"catch-up {args.label}", unit="events")
    applied = sf.catch_up(lambda _name, done, head: catch.update(done, head))
    finished = time.perf_counter()
    cpu = clock.stop()
    sf.close()
    commands = sum(statuses.values())
    size = store_size(args.url)
    return {
        "commands": commands,
        "partial": state["partial"],
        "samples": progress.samples,
        "submit_seconds": round(submitted - started, 2),
        "catch_up_seconds": round(finished - submitted, 2),
        "catch_up_events_applied": applied,
        "seconds": round(finished - started, 2),
        "statuses": dict(statuses),
        "decisions": dict(decisions),
        "not_accepted": not_accepted,
        **cpu,
        **size,
    }


def child_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    """Every projection dropped and replayed from the log, then the digest."""
    from ledger import projector
    from ledger.service import collect_in_bulk, freeze_startup_heap, open_skillfund

    quiet_logs()
    sf = open_skillfund(args.url)
    freeze_startup_heap()  # As the CLI does.
    collect_in_bulk()  # As `skillfund rebuild` does.
    progress = Progress(f"rebuild {args.label}", unit="events")
    clock = CpuClock(sf.engine)
    started = time.perf_counter()
    applied = projector.rebuild(sf, args.url, lambda _name, done, head: progress.update(done, head))
    rebuilt = time.perf_counter()
    cpu = clock.stop()
    digest, counts = sf.runner.digest()
    finished = time.perf_counter()
    sf.close()
    events = store_size(args.url)["events"]
    return {
        "events": events,
        "events_applied": applied,
        "seconds": round(rebuilt - started, 2),
        "digest_seconds": round(finished - rebuilt, 2),
        "digest": digest,
        "row_counts": counts,
        **cpu,
    }


def raw_connection(url: str) -> Any:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    return engine, engine.raw_connection()


def child_scan(args: argparse.Namespace) -> dict[str, Any]:
    """Read every event in pages by id and json.loads each state: replay's limit."""
    from ledger.persistence import EVENTS_TABLE

    engine, connection = raw_connection(args.url)
    marker = "?" if engine.dialect.name == "sqlite" else "%s"
    sql = (
        f"SELECT id, originator_id, originator_version, topic, state FROM {EVENTS_TABLE} "
        f"WHERE id > {marker} ORDER BY id LIMIT {marker}"
    )
    progress = Progress(f"scan {args.label}", unit="events")
    clock = CpuClock(engine)
    started = time.perf_counter()
    deadline, last, events, partial = started + args.limit, 0, 0, False
    cursor = connection.cursor()
    while True:
        cursor.execute(sql, (last, SCAN_PAGE_ROWS))
        rows = cursor.fetchall()
        for row in rows:
            json.loads(bytes(row[4]))
        events += len(rows)
        progress.update(events)
        if len(rows) < SCAN_PAGE_ROWS:
            break
        last = rows[-1][0]
        if time.perf_counter() > deadline:
            partial = True
            break
    seconds = time.perf_counter() - started
    cpu = clock.stop()
    connection.close()
    engine.dispose()
    return {"events": events, "seconds": round(seconds, 2), "partial": partial, **cpu}


def child_claims(args: argparse.Namespace) -> dict[str, Any]:
    """Single file_claim submits on the full store, each timed, then the projections."""
    from ledger.service import freeze_startup_heap, open_skillfund, submit_line

    quiet_logs()
    sf = open_skillfund(args.url)
    freeze_startup_heap()  # As the CLI does.
    sf.catch_up()
    assess_ms, assess_cpu_ms, with_projections_ms = [], [], []
    outcomes: Counter[str] = Counter()
    deadline = time.perf_counter() + args.limit
    lines = Path(args.file).read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = submit_line(sf, line, number)
        assessed, cpu_assessed = time.perf_counter(), time.process_time()
        sf.catch_up()
        projected = time.perf_counter()
        assess_ms.append((assessed - started) * 1000)
        assess_cpu_ms.append((cpu_assessed - cpu_started) * 1000)
        with_projections_ms.append((projected - started) * 1000)
        outcomes[result.decision.outcome if result.decision else result.status] += 1
        if projected > deadline:
            break
    sf.close()
    return {
        "claims": len(assess_ms),
        "outcomes": dict(outcomes),
        "assess_ms": quantiles(assess_ms),
        "assess_client_cpu_ms": quantiles(assess_cpu_ms),
        "with_projections_ms": quantiles(with_projections_ms),
    }


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)

    return {"p50": at(0.50), "p90": at(0.90), "p99": at(0.99), "max": round(ordered[-1], 2)}


RAW_TOPICS = (
    "skillfund:Enrollment.AttendanceRecorded",
    "skillfund:Enrollment.Enrolled",
    "skillfund:TrainingClass.TraineeAdded",
    "skillfund:Enrollment.Completed",
    "skillfund:Person.Registered",
    "skillfund:Claim.Filed",
    "skillfund:Claim.Approved",
)


def raw_rows(count: int, state_bytes: int) -> Iterator[tuple[bytes, int, str, bytes]]:
    """Rows like the events table's: ~2 events per aggregate, JSON states of the given size."""
    filler = "x" * max(0, state_bytes - 60)
    for n in range(count):
        aggregate, version = divmod(n, 2)
        originator = uuid.uuid5(uuid.NAMESPACE_OID, str(aggregate)).bytes
        state = json.dumps({"n": n, "on": "2020-07-06", "pad": filler}).encode()
        yield originator, version + 1, RAW_TOPICS[n % len(RAW_TOPICS)], state


def raw_table_sql(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            "DROP TABLE IF EXISTS bench_raw_events",
            "CREATE TABLE bench_raw_events (id INTEGER NOT NULL PRIMARY KEY, "
            "originator_id BINARY(16) NOT NULL, originator_version INTEGER NOT NULL, "
            "topic TEXT NOT NULL, state BLOB NOT NULL)",
            "CREATE UNIQUE INDEX bench_raw_events_idx "
            "ON bench_raw_events (originator_id, originator_version)",
        ]
    return [
        "DROP TABLE IF EXISTS bench_raw_events",
        "CREATE TABLE bench_raw_events (id BIGSERIAL PRIMARY KEY, originator_id UUID NOT NULL, "
        "originator_version BIGINT NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL)",
        "CREATE UNIQUE INDEX bench_raw_events_idx "
        "ON bench_raw_events (originator_id, originator_version)",
    ]


def child_raw_insert(args: argparse.Namespace) -> dict[str, Any]:
    """executemany of event-shaped rows in committed batches: ingest's physical limit."""
    engine, connection = raw_connection(args.url)
    dialect = engine.dialect.name
    cursor = connection.cursor()
    for statement in raw_table_sql(dialect):
        cursor.execute(statement)
    connection.commit()
    insert = cursor.executemany
    sql = (
        "INSERT INTO bench_raw_events (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)"
    )
    if dialect != "sqlite":
        from psycopg2.extras import execute_values

        sql = (
            "INSERT INTO bench_raw_events (originator_id, originator_version, topic, state) "
            "VALUES %s"
        )

        def insert(statement: str, rows: list[Any]) -> None:
            fixed = [(str(uuid.UUID(bytes=r[0])), r[1], r[2], r[3]) for r in rows]
            execute_values(cursor, statement, fixed, page_size=RAW_BATCH_ROWS)

    count = min(int(args.events), RAW_ROWS_MAX)
    progress = Progress(f"raw insert {args.label}", count, "rows")
    clock = CpuClock(engine)
    started = time.perf_counter()
    deadline, done, batch, partial = started + args.limit, 0, [], False
    for row in raw_rows(count, int(args.state_bytes)):
        batch.append(row)
        if len(batch) == RAW_BATCH_ROWS:
            insert(sql, batch)
            connection.commit()
            done += len(batch)
            batch = []
            progress.update(done)
            if time.perf_counter() > deadline:
                partial = True
                break
    if batch:
        insert(sql, batch)
        connection.commit()
        done += len(batch)
    seconds = time.perf_counter() - started
    cpu = clock.stop()
    cursor.execute("DROP TABLE bench_raw_events")
    connection.commit()
    connection.close()
    engine.dispose()
    return {"rows": done, "seconds": round(seconds, 2), "partial": partial, **cpu}


FLOOR_SCHEMA = "bench_floor"  # PostgreSQL: the copies' schema. SQLite: a file beside the store.


def floor_target(url: str) -> tuple[Any, Any, str | None]:
    """An engine on the store, an engine where the copies go, and the schema they go in.
    On SQLite the copies are a file of their own beside the store (same disk, WAL and
    synchronous FULL as the ledger's), so the store is left as it was."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    source = sa.create_engine(url)
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return source, source, FLOOR_SCHEMA
    return source, sa.create_engine(parsed.set(database=f"{parsed.database}.floor")), None


def remove_sqlite_file(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def floor_copies(target: Any, schema: str | None, tables: list[Any]) -> list[Any]:
    """Empty copies of the tables, made anew as `Runner.drop_all` makes them: keys,
    constraints and the indexes batches read by. Returns the copies, whose indexes for
    queries alone (`projections.base.queries_only`) `floor_indexes` builds after the rows."""
    import sqlalchemy as sa

    from projections.base import QUERIES_ONLY, create_without_query_indexes, query_indexes

    metadata, copies = sa.MetaData(), []
    for table in tables:
        copy = table.to_metadata(metadata, schema=schema)
        # `to_metadata` leaves an index's `info` behind, and names a column's index after
        # the schema too: the copies' indexes are known by their columns.
        deferred = {tuple(c.name for c in index.columns) for index in query_indexes(table)}
        for index in copy.indexes:
            if tuple(c.name for c in index.columns) in deferred:
                index.info[QUERIES_ONLY] = True
        copies.append(copy)
    if schema is None:
        target.dispose()
        remove_sqlite_file(target.url.database)
    with target.begin() as connection:
        if schema is None:
            connection.exec_driver_sql("PRAGMA journal_mode = WAL")
        else:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
        for copy in copies:
            create_without_query_indexes(connection, copy)
    return copies


def floor_indexes(target: Any, copies: list[Any]) -> float:
    """Build the copies' indexes for queries alone, as a rebuild does at the head; returns
    the seconds it took."""
    from projections.base import create_query_indexes

    started = time.perf_counter()
    with target.begin() as connection:
        create_query_indexes(connection, copies)
    return time.perf_counter() - started


def quoted_columns(table: Any) -> str:
    return ", ".join(f'"{c.name}"' for c in table.columns)


def child_floor(args: argparse.Namespace) -> dict[str, Any]:
    """The rows a rebuild writes, written again without computing them: every projection
    table's rows into empty copies of it, made as a rebuild makes its tables (keys and the
    indexes batches read by; the indexes for queries alone built after the rows), first
    by the driver in committed batches, the way the projections write (executemany on
    SQLite, COPY in text format on PostgreSQL) and committing as seldom as a rebuild does,
    then by the database alone (INSERT … SELECT, one transaction a table).
    Any rebuild whose rows pass through Python pays at least the first; one computed in
    SQL at least the second. Only the writes, the commits and the indexes built after are
    timed, not the reads."""
    from ledger.service import all_projections
    from projections.base import CATCH_UP_BATCH_SIZE
    from projections.buffer import COPY_CHUNK, copy_field
    from projections.runner import REBUILD_BATCH_FACTOR

    # A commit per rebuild batch's worth of events: the rebuild writes more rows than it
    # reads events, so it commits no less often than this.
    rows_per_commit = CATCH_UP_BATCH_SIZE * REBUILD_BATCH_FACTOR
    tables = [table for p in all_projections() for table in p.tables]
    source, target, schema = floor_target(args.url)
    dialect = source.dialect.name
    copies = floor_copies(target, schema, tables)
    reading, writing = source.raw_connection(), target.raw_connection()
    if dialect == "sqlite":
        writing.cursor().execute("PRAGMA synchronous = FULL")
    progress = Progress(f"floor {args.label}", unit="rows")
    clock = CpuClock(source)
    driver_seconds, rows = 0.0, 0
    for table in tables:
        columns = quoted_columns(table)
        name = f"{schema}.{table.name}" if schema else table.name
        marks = ", ".join("?" * len(table.columns))
        insert = f"INSERT INTO {name} ({columns}) VALUES ({marks})"
        copy = f"COPY {name} ({columns}) FROM STDIN"
        cursor = reading.cursor(f"floor_{table.name}") if dialect != "sqlite" else reading.cursor()
        cursor.execute(f"SELECT {columns} FROM {table.name}")
        out = writing.cursor()
        while batch := cursor.fetchmany(rows_per_commit):
            started = time.perf_counter()
            if dialect == "sqlite":
                out.executemany(insert, batch)
            else:  # As the projections write on PostgreSQL (projections/buffer.py).
                text = "".join("\t".join([copy_field(v) for v in row]) + "\n" for row in batch)
                out.copy_expert(copy, io.StringIO(text), COPY_CHUNK)
            writing.commit()
            driver_seconds += time.perf_counter() - started
            rows += len(batch)
            progress.update(rows)
        cursor.close()
        if dialect != "sqlite":
            reading.commit()  # Closes the named cursor's transaction.
    reading.close()
    writing.close()
    driver_seconds += floor_indexes(target, copies)
    driver_cpu = clock.stop()
    # The same rows again, by the database alone. `WHERE 1 = 1` keeps SQLite from copying
    # the pages as they are (its transfer optimisation), which is not inserting them.
    copies = floor_copies(target, schema, tables)
    connection, into = source.raw_connection(), schema
    if schema is None:
        target.dispose()
        into = "copies"
        connection.cursor().execute(f"ATTACH DATABASE '{target.url.database}' AS copies")
        connection.cursor().execute("PRAGMA copies.synchronous = FULL")
    clock = CpuClock(source)
    started, engine_rows = time.perf_counter(), 0
    for table in tables:
        columns = quoted_columns(table)
        cursor = connection.cursor()
        cursor.execute(
            f"INSERT INTO {into}.{table.name} ({columns}) "
            f"SELECT {columns} FROM {table.name} WHERE 1 = 1"
        )
        engine_rows += cursor.rowcount
        connection.commit()
    connection.close()
    engine_seconds = time.perf_counter() - started + floor_indexes(target, copies)
    engine_cpu = clock.stop()
    if schema is not None:
        with target.begin() as dropping:
            dropping.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    source.dispose()
    target.dispose()
    if schema is None:
        remove_sqlite_file(target.url.database)
    return {
        "rows": rows,
        "tables": len(tables),
        "seconds": round(driver_seconds, 2),
        **driver_cpu,
        "engine_rows": engine_rows,
        "engine_seconds": round(engine_seconds, 2),
        "engine_client_cpu_seconds": engine_cpu["client_cpu_seconds"],
        "engine_server_cpu_seconds": engine_cpu["server_cpu_seconds"],
    }


def peer_application(url: str) -> Any:
    """A stock eventsourcing Application with one minimal aggregate class."""
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event

    class Record(Aggregate):
        @event("Recorded")
        def __init__(self, kind: str, key: str, data: dict[str, Any]) -> None:
            self.kind, self.key, self.entries = kind, key, [data]

        @staticmethod
        def create_id(kind: str, key: str, data: dict[str, Any]) -> uuid.UUID:
            return uuid.uuid5(uuid.NAMESPACE_URL, f"/{kind}/{key}")

        @event("Appended")
        def append(self, data: dict[str, Any]) -> None:
            self.entries.append(data)

    class PeerBaseline(Application[uuid.UUID]):
        name = "peerbaseline"

    env = {"PERSISTENCE_MODULE": "eventsourcing_sqlalchemy", "SQLALCHEMY_URL": url}
    return PeerBaseline(env=env | {"CREATE_TABLE": "yes"}), Record


# The aggregate an appending command adds an event to: (creating type, key fields).
PEER_PARENTS = {
    "record_attendance": ("enroll", ("class_id", "person_id")),
    "complete_training": ("enroll", ("class_id", "person_id")),
    "update_person": ("register_person", ("person_id",)),
}


def child_peer(args: argparse.Namespace) -> dict[str, Any]:
    """One Application.save per command: create an aggregate, or load and append."""
    from ledger.commands import SPECS

    app, record = peer_application(args.url)
    progress = Progress(f"peer {args.label}", int(args.lines or 0))
    state: dict[str, Any] = {"partial": False}
    engine = app.recorder.datastore.engine
    clock = CpuClock(engine)
    started = time.perf_counter()
    commands = 0
    for line in lines_until(Path(args.file), started + args.limit, state):
        data = json.loads(line)
        kind = data["type"]
        if kind in PEER_PARENTS:
            parent, fields = PEER_PARENTS[kind]
            key = "/".join(str(data[f]) for f in fields)
            aggregate = app.repository.get(record.create_id(parent, key, {}))
            aggregate.append(data)
        else:
            key = SPECS[kind].key.format_map(defaultdict(str, data))
            aggregate = record(kind, key, data)
        app.save(aggregate)
        commands += 1
        progress.update(commands)
    seconds = time.perf_counter() - started
    cpu = clock.stop()
    with engine.begin() as connection:
        events = connection.exec_driver_sql("SELECT COUNT(*) FROM peerbaseline_events").scalar()
        connection.exec_driver_sql("DROP TABLE peerbaseline_events")
    app.close()
    engine.dispose()
    return {
        "commands": commands,
        "events": events,
        "seconds": round(seconds, 2),
        "partial": state["partial"],
        **cpu,
    }


def child_profile(args: argparse.Namespace) -> dict[str, Any]:
    """child_ingest under cProfile; the stats go to args.profile."""
    profiler = cProfile.Profile()
    result = profiler.runcall(child_ingest, args)
    profiler.dump_stats(args.profile)
    result["top_tottime"] = top_costs(args.profile, "tottime")
    result["top_cumulative"] = top_costs(args.profile, "cumulative")
    return result


def top_costs(path: str, key: str) -> list[dict[str, Any]]:
    stats = pstats.Stats(path, stream=io.StringIO())
    rows = []
    for (filename, line, name), (_cc, calls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(filename).name}:{line}({name})"
        short = filename.split("site-packages/")[-1].replace(str(REPO) + "/", "")
        rows.append({"function": where, "file": short, "calls": calls, "tottime": round(tottime, 2),
                     "cumtime": round(cumtime, 2)})  # fmt: skip
    rows.sort(key=lambda r: r["tottime" if key == "tottime" else "cumtime"], reverse=True)
    return rows[:PROFILE_TOP]


CHILDREN: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "ingest": child_ingest,
    "rebuild": child_rebuild,
    "scan": child_scan,
    "claims": child_claims,
    "raw_insert": child_raw_insert,
    "floor": child_floor,
    "peer": child_peer,
    "profile": child_profile,
}


# --- The parent: run children, collect, report ------------------------------------------


def run_child(name: str, limit: float, **options: Any) -> dict[str, Any]:
    """Run one measurement in a child process; its result plus its own peak RSS."""
    out = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed after the child ends.
        prefix=f"bench-{name}-", suffix=".json", delete=False
    )
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        name,
        "--limit",
        str(limit),
    ]
    for key, value in options.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=out, cwd=REPO, start_new_session=True)
    hard_limit = started + limit + CHILD_GRACE_SECONDS
    status, usage, loads = wait_for(child, hard_limit)
    wall = time.perf_counter() - started
    out.close()
    text = Path(out.name).read_text(encoding="utf-8").strip().splitlines()
    Path(out.name).unlink()
    result: dict[str, Any] = json.loads(text[-1]) if text and status == 0 else {}
    if status != 0:
        result["error"] = f"child exited with status {status}"
    result["peak_rss_mib"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes.
    result["wall_seconds"] = round(wall, 2)
    # CPU time of the Python process is steadier than wall time on a shared machine;
    # the load average says how shared it was.
    result["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 2)
    result["load_mean"] = round(sum(loads) / len(loads), 2) if loads else None
    result["load_max"] = round(max(loads), 2) if loads else None
    return result


def wait_for(child: subprocess.Popen[bytes], hard_limit: float) -> tuple[int, Any, list[float]]:
    """os.wait4 the child (for its own rusage), sampling the 1-minute load average;
    kill the child's process group past the hard limit."""
    loads: list[float] = []
    polls = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(status)
            return child.returncode, usage, loads
        if time.perf_counter() > hard_limit:
            os.killpg(child.pid, 9)
        if polls % LOAD_SAMPLE_POLLS == 0:
            loads.append(os.getloadavg()[0])
        polls += 1
        time.sleep(0.2)


def workload(scale: str, seed: int, workdir: Path) -> tuple[Path, dict[str, Any]]:
    """The generated file (made once per scale and seed and kept), with its summary."""
    from ledger.generate import GENERATOR_VERSION, labels_path

    path = workdir / f"{scale}-seed{seed}.jsonl"
    summary_path = path.with_suffix(".summary.json")
    if summary_path.exists():
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
        if summary.get("generator_version") == GENERATOR_VERSION and path.exists():
            return path, summary
    started = time.perf_counter()
    command = [sys.executable, "-m", "ledger.generate", "--scale", scale, "--seed", str(seed)]
    output = subprocess.run([*command, "--out", str(path), "--json"], cwd=REPO, check=True,
                            stdout=subprocess.PIPE, text=True).stdout  # fmt: skip
    summary = json.loads(output.strip().splitlines()[-1])
    summary["generator_version"] = GENERATOR_VERSION
    summary["generate_seconds"] = round(time.perf_counter() - started, 2)
    summary["expected_decisions"] = json.loads(labels_path(path).read_text("utf-8"))[
        "expected_decisions"
    ]
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, summary


def claim_samples(path: Path, out: Path, count: int = CLAIM_SAMPLES) -> int:
    """New claims for the latency test: certificates never claimed (most approved) and,
    one in CLAIM_REJECTED_EVERY, a certificate claimed already (rejected)."""
    classes: dict[str, tuple[str, str]] = {}
    enrolled: dict[str, list[str]] = defaultdict(list)
    certificates: dict[str, dict[str, Any]] = {}
    claimed: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            c = json.loads(line)
            kind = c["type"]
            if kind == "open_class":
                classes[c["class_id"]] = (c["occupation"], c.get("level", ""))
            elif kind == "enroll":
                enrolled[c["person_id"]].append(c["class_id"])
            elif kind == "issue_certificate":
                certificates[c["certificate_no"]] = c
            elif kind == "file_claim" and "certificate_no" in c:
                claimed.add(c["certificate_no"])
    fresh = [n for n in certificates if n not in claimed]
    again = [n for n in certificates if n in claimed]
    lines = []
    for i in range(count):
        pool = (
            again if (i % CLAIM_REJECTED_EVERY == CLAIM_REJECTED_EVERY - 1 or not fresh) else fresh
        )
        if not pool:
            break
        cert = certificates[pool[(i * 7919) % len(pool)]]
        if pool is fresh:  # A fresh certificate is claimed once; a claimed one may recur.
            pool.remove(cert["certificate_no"])
        lines.append(json.dumps(sample_claim(i, cert, classes, enrolled), ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def sample_claim(
    i: int,
    cert: dict[str, Any],
    classes: dict[str, tuple[str, str]],
    enrolled: dict[str, list[str]],
) -> dict[str, Any]:
    person = cert["person_id"]
    special = cert["kind"] in ("special_operation", "special_equipment")
    claim: dict[str, Any] = {
        "type": "file_claim",
        "claim_id": f"KS-C-BENCH-{i + 1:05d}",
        "fund_id": "KS-ZXZ-2020",
        "date": "2021-12-31",
        "subsidy": "special_operation" if special else "skill_upgrade",
        "beneficiary_id": person,
        "person_id": person,
    }
    wanted = (cert["occupation"], cert.get("level", ""))
    class_id = next((k for k in enrolled[person] if classes.get(k) == wanted), None)
    if class_id:
        claim["class_id"] = class_id
    claim["certificate_no"] = cert["certificate_no"]
    if special:
        claim["amount"] = "700"
    return claim


def measure(
    scale: str, kind: str, url: str, path: Path, summary: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    """Every measurement of one scale on one database, in order, each in a child."""
    label = f"{scale} {kind}"
    print(f"== {label}: resetting {kind} database", file=sys.stderr)
    reset_database(url)
    results: dict[str, Any] = {"url": url.split("@")[-1], "database": database_facts(url)}
    lines = summary["commands"]
    common = {"url": url, "label": label}
    results["ingest"] = run_child("ingest", INGEST_SECONDS_MAX, file=path, lines=lines, **common)
    ingest = results["ingest"]
    report_step(label, "ingest", ingest)
    results["rebuild"] = run_child("rebuild", REBUILD_SECONDS_MAX, **common)
    report_step(label, "rebuild", results["rebuild"])
    results["scan"] = run_child("scan", SCAN_SECONDS_MAX, **common)
    report_step(label, "scan", results["scan"])
    results["floor"] = run_child("floor", FLOOR_SECONDS_MAX, **common)
    report_step(label, "floor", results["floor"])
    claims_file = workdir / f"{scale}-claims.jsonl"
    claim_samples(path, claims_file)
    results["claims"] = run_child("claims", CLAIM_SECONDS_MAX, file=claims_file, **common)
    report_step(label, "claims", results["claims"])
    raw = {
        "events": ingest.get("events", 0),
        "state_bytes": int(ingest.get("state_bytes_mean", 300)),
    }
    results["raw_insert"] = run_child("raw_insert", RAW_INSERT_SECONDS_MAX, **raw, **common)
    report_step(label, "raw_insert", results["raw_insert"])
    results["peer"] = run_child("peer", PEER_SECONDS_MAX, file=path, lines=lines, **common)
    report_step(label, "peer", results["peer"])
    results["ratios"] = ratios(results)
    return results


def report_step(label: str, name: str, result: dict[str, Any]) -> None:
    shown = {
        k: v
        for k, v in result.items()
        if k not in ("row_counts", "samples", "top_tottime", "top_cumulative")
    }
    print(f"== {label}: {name} {json.dumps(shown, ensure_ascii=False)}", file=sys.stderr)


def rate(count: Any, seconds: Any) -> float | None:
    return round(count / seconds, 1) if count and seconds else None


def ratios(r: dict[str, Any]) -> dict[str, Any]:
    """Rates of each measurement and the ratios the targets are set on."""
    ingest, raw, rebuild, scan, peer, claims = (
        r["ingest"], r["raw_insert"], r["rebuild"], r["scan"], r["peer"], r["claims"],
    )  # fmt: skip
    out = {
        "ingest_commands_per_s": rate(ingest.get("commands"), ingest.get("seconds")),
        "ingest_events_per_s": rate(ingest.get("events"), ingest.get("seconds")),
        "raw_insert_rows_per_s": rate(raw.get("rows"), raw.get("seconds")),
        # Replay reads the whole log, so its rate is over every event, like the raw scan's.
        "rebuild_events_per_s": rate(rebuild.get("events"), rebuild.get("seconds")),
        "scan_events_per_s": rate(scan.get("events"), scan.get("seconds")),
        "peer_commands_per_s": rate(peer.get("commands"), peer.get("seconds")),
        "claim_p50_ms": claims.get("assess_ms", {}).get("p50"),
        "claim_p99_ms": claims.get("assess_ms", {}).get("p99"),
        "peak_rss_mib": max(r.get(m, {}).get("peak_rss_mib", 0) for m in MEASUREMENTS),
        # The same rates per CPU-second (this process and the database server together):
        # steadier than wall time when other work shares the machine.
        "ingest_commands_per_cpu_s": rate(ingest.get("commands"), cpu_of(ingest)),
        "ingest_events_per_cpu_s": rate(ingest.get("events"), cpu_of(ingest)),
        "raw_insert_rows_per_cpu_s": rate(raw.get("rows"), cpu_of(raw)),
        "rebuild_events_per_cpu_s": rate(rebuild.get("events"), cpu_of(rebuild)),
        "scan_events_per_cpu_s": rate(scan.get("events"), cpu_of(scan)),
        "peer_commands_per_cpu_s": rate(peer.get("commands"), cpu_of(peer)),
        "load_mean_max": max((r[m].get("load_mean") or 0) for m in MEASUREMENTS),
    }
    out["ingest_over_raw_insert"] = share(out["ingest_events_per_s"], out["raw_insert_rows_per_s"])
    out["rebuild_over_raw_scan"] = share(out["rebuild_events_per_s"], out["scan_events_per_s"])
    out["ingest_over_peer"] = share(out["ingest_commands_per_s"], out["peer_commands_per_s"])
    out |= floors(r, out)
    for name, (a, b) in CPU_RATIOS.items():
        out[name] = share(out[a], out[b])
    out["met"] = {
        name: met(out[name], TARGETS[f"{name}_min"])
        for name in ("ingest_over_raw_insert", "rebuild_over_raw_scan", "ingest_over_peer")
    } | {name: met(TARGETS[f"{name}_max"], out[name]) for name in ("claim_p99_ms", "peak_rss_mib")}
    return out


def floors(r: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    """Where the ratio targets sit against the rows the projections must write (the
    floor child): the ratio of a rebuild that did nothing but write its rows, through the
    driver and by the database alone, and of an ingest that did nothing but insert its
    events and those rows (each at the raw insert's and the floor's rates). The floor builds
    the indexes for queries alone after the rows, as a rebuild does, where an ingest keeps
    them as it goes: as a ceiling for the ingest it errs high."""
    floor, events = r.get("floor", {}), r["rebuild"].get("events")
    driver = rate(events, floor.get("seconds"))
    engine = rate(events, floor.get("engine_seconds"))
    raw_rate, ingested = out["raw_insert_rows_per_s"], r["ingest"].get("events")
    ceiling = None
    if raw_rate and ingested and floor.get("seconds"):
        ceiling = round(ingested / (ingested / raw_rate + floor["seconds"]), 1)
    return {
        "floor_rows_per_s": rate(floor.get("rows"), floor.get("seconds")),
        "rebuild_floor_events_per_s": driver,
        "rebuild_floor_over_raw_scan": share(driver, out["scan_events_per_s"]),
        "rebuild_engine_floor_over_raw_scan": share(engine, out["scan_events_per_s"]),
        "ingest_ceiling_events_per_s": ceiling,
        "ingest_ceiling_over_raw_insert": share(ceiling, raw_rate),
    }


CPU_RATIOS = {
    "ingest_over_raw_insert_cpu": ("ingest_events_per_cpu_s", "raw_insert_rows_per_cpu_s"),
    "rebuild_over_raw_scan_cpu": ("rebuild_events_per_cpu_s", "scan_events_per_cpu_s"),
    "ingest_over_peer_cpu": ("ingest_commands_per_cpu_s", "peer_commands_per_cpu_s"),
}


def cpu_of(result: dict[str, Any]) -> float | None:
    client = result.get("client_cpu_seconds")
    return None if client is None else client + (result.get("server_cpu_seconds") or 0)


def share(numerator: float | None, denominator: float | None) -> float | None:
    return round(numerator / denominator, 4) if numerator and denominator else None


def met(high: float | None, low: float | None) -> bool | None:
    """Whether high >= low, or None when either is missing."""
    return None if high is None or low is None else high >= low


# --- Reporting --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )  # fmt: skip
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(memory_kib / 1024**2, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def cell(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def mark(ok: bool | None) -> str:
    return {True: " ✓", False: " ✗", None: ""}[ok]


def markdown(results: dict[str, Any]) -> str:
    """One table per scale: absolute figures, ratios and targets, a column per database."""
    out = []
    for scale, by_db in results["scales"].items():
        dbs = list(by_db["databases"])
        w = by_db["workload"]
        out.append(
            f"### {scale}: {w['commands']:,} commands, {w['trainings']:,} trainings, "
            f"{w['classes']:,} classes, {w['people']:,} people, {w['claims']:,} claims\n"
        )
        out.append("| measure | " + " | ".join(DB_TITLES[d] for d in dbs) + " | target |")
        out.append("|---|" + "---|" * len(dbs) + "---|")
        for title, pick, target in TABLE_ROWS:
            cells = [pick(by_db["databases"][d]) for d in dbs]
            out.append(f"| {title} | " + " | ".join(cells) + f" | {target} |")
        out.append("")
    return "\n".join(out)


DB_TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def _r(d: dict[str, Any], key: str, digits: int = 0) -> str:
    return cell(d["ratios"].get(key), digits)


def _met(d: dict[str, Any], key: str) -> str:
    return mark(d["ratios"]["met"][key])


def _partial(d: dict[str, Any], name: str) -> str:
    return " (partial)" if d[name].get("partial") else ""


def _ingest_seconds(d: dict[str, Any]) -> str:
    i = d["ingest"]
    parts = f"{cell(i.get('submit_seconds'), 0)} + {cell(i.get('catch_up_seconds'), 0)}"
    return f"{cell(i.get('seconds'), 0)} ({parts}){_partial(d, 'ingest')}"


def _floor(d: dict[str, Any]) -> str:
    f = d.get("floor", {})
    return f"{cell(f.get('rows'))}; {cell(f.get('seconds'), 1)}"


def _quantiles(d: dict[str, Any], key: str) -> str:
    q = d["claims"].get(key, {})
    return f"{cell(q.get('p50'), 1)} / {cell(q.get('p99'), 1)}"


def _rss(d: dict[str, Any], names: tuple[str, ...]) -> str:
    return " / ".join(cell(d.get(m, {}).get("peak_rss_mib"), 0) for m in names)


def _bytes_per_event(d: dict[str, Any]) -> str:
    i = d["ingest"]
    table, total = i.get("events_table_bytes"), i.get("database_bytes")
    return f"{cell(per(table, i.get('events')), 0)} / {cell(per(total, i.get('events')), 0)}"


def _accepted(d: dict[str, Any]) -> str:
    accepted = set(d["ingest"].get("statuses", {})) == {"accepted"}
    return f"{yes(accepted)}; {yes(d.get('decisions_as_expected'))}"


Row = tuple[str, Callable[[dict[str, Any]], str], str]
TABLE_ROWS: list[Row] = [
    ("ingest: wall seconds (submit + catch-up)", _ingest_seconds, ""),
    ("ingest: events written", lambda d: cell(d["ingest"].get("events")), ""),
    ("ingest: commands/s", lambda d: _r(d, "ingest_commands_per_s"), ""),
    ("ingest: events/s", lambda d: _r(d, "ingest_events_per_s"), ""),
    ("raw executemany: rows/s", lambda d: _r(d, "raw_insert_rows_per_s"), ""),
    (
        "**ingest ÷ raw insert** (events/s)",
        lambda d: _r(d, "ingest_over_raw_insert", 3) + _met(d, "ingest_over_raw_insert"),
        "≥ 0.5",
    ),
    (
        "ingest's ceiling: the events and the projections' rows inserted, nothing computed "
        "(raw insert + floor) ÷ raw insert",
        lambda d: _r(d, "ingest_ceiling_over_raw_insert", 3),
        "",
    ),
    ("rebuild: events/s", lambda d: _r(d, "rebuild_events_per_s"), ""),
    ("raw paged scan + json.loads: events/s", lambda d: _r(d, "scan_events_per_s"), ""),
    (
        "**rebuild ÷ raw scan**",
        lambda d: _r(d, "rebuild_over_raw_scan", 3) + _met(d, "rebuild_over_raw_scan"),
        "≥ 0.5",
    ),
    ("floor: projection rows; written by the driver, seconds", _floor, ""),
    (
        "rebuild's floor: only its rows written, by the driver ÷ raw scan",
        lambda d: _r(d, "rebuild_floor_over_raw_scan", 3),
        "",
    ),
    (
        "rebuild's floor: only its rows written, by the database (INSERT … SELECT) ÷ raw scan",
        lambda d: _r(d, "rebuild_engine_floor_over_raw_scan", 3),
        "",
    ),
    (
        "peer baseline (stock save per command): commands/s",
        lambda d: _r(d, "peer_commands_per_s") + _partial(d, "peer"),
        "",
    ),
    (
        "**ingest ÷ peer** (commands/s)",
        lambda d: _r(d, "ingest_over_peer", 2) + _met(d, "ingest_over_peer"),
        "≥ 10",
    ),
    (
        "claim assessment p50 / p99 ms",
        lambda d: _quantiles(d, "assess_ms") + _met(d, "claim_p99_ms"),
        "p99 ≤ 20",
    ),
    (
        "claim assessment, CPU ms of the client p50 / p99",
        lambda d: _quantiles(d, "assess_client_cpu_ms"),
        "",
    ),
    (
        "claim + projections caught up p50 / p99 ms",
        lambda d: _quantiles(d, "with_projections_ms"),
        "",
    ),
    (
        "peak RSS MiB: ingest / rebuild / claims",
        lambda d: _rss(d, ("ingest", "rebuild", "claims")),
        "",
    ),
    (
        "peak RSS MiB: scan / floor / raw insert / peer",
        lambda d: _rss(d, ("scan", "floor", "raw_insert", "peer")),
        "",
    ),
    ("**peak RSS, max** MiB", lambda d: _r(d, "peak_rss_mib") + _met(d, "peak_rss_mib"), "≤ 1024"),
    (
        "per CPU-second (client + server): ingest ÷ raw insert",
        lambda d: _r(d, "ingest_over_raw_insert_cpu", 3),
        "≥ 0.5",
    ),
    (
        "per CPU-second: rebuild ÷ raw scan",
        lambda d: _r(d, "rebuild_over_raw_scan_cpu", 3),
        "≥ 0.5",
    ),
    ("per CPU-second: ingest ÷ peer", lambda d: _r(d, "ingest_over_peer_cpu", 2), "≥ 10"),
    (
        "per CPU-second: ingest commands / peer commands",
        lambda d: f"{_r(d, 'ingest_commands_per_cpu_s')} / {_r(d, 'peer_commands_per_cpu_s')}",
        "",
    ),
    (
        "load average during ingest / peer (2 cores)",
        lambda d: (
            f"{cell(d['ingest'].get('load_mean'), 1)} / {cell(d['peer'].get('load_mean'), 1)}"
        ),
        "",
    ),
    ("store: bytes per event (events table / whole database)", _bytes_per_event, ""),
    ("all lines accepted; decisions as generated", _accepted, ""),
]


def per(total: Any, count: Any) -> float | None:
    return total / count if total and count else None


def yes(flag: Any) -> str:
    return "yes" if flag else "no"


GROWTH_HEADER = (
    "| scale | database | commands | events | ingest µs/command | ingest µs/event "
    "| rebuild µs/event | claim p99 ms | peak RSS MiB |\n" + "|---" * 9 + "|"
)


def growth(results: dict[str, Any]) -> str:
    """Cost per command and per event at each scale, per database (linear = flat)."""
    rows = [GROWTH_HEADER]
    for scale, by_db in results["scales"].items():
        for db, d in by_db["databases"].items():
            i, b = d["ingest"], d["rebuild"]
            cells = [
                scale,
                DB_TITLES[db],
                cell(i.get("commands")),
                cell(i.get("events")),
                cell(micro(i.get("seconds"), i.get("commands")), 0),
                cell(micro(i.get("seconds"), i.get("events")), 0),
                cell(micro(b.get("seconds"), b.get("events")), 0),
                _r(d, "claim_p99_ms", 1),
                _r(d, "peak_rss_mib"),
            ]
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def micro(seconds: Any, count: Any) -> float | None:
    return seconds * 1e6 / count if seconds and count else None


# --- Command line -----------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="small", help="small, city, kunshan, or a comma list")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", help="write the results as JSON here")
    parser.add_argument("--markdown", help="write the Markdown tables here")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "skillfund-bench"))
    parser.add_argument("--pg-url", default=os.environ.get(PG_URL_ENV_VAR, DEFAULT_PG_URL))
    parser.add_argument("--profile", help="only a profiled ingest; cProfile stats to this file")
    parser.add_argument("--report", help="print the tables of a saved results file, run nothing")
    # The options of a child process (one measurement).
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    for name in ("url", "file", "label", "lines", "events", "state-bytes"):
        parser.add_argument(f"--{name}", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=float, default=3600, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: dict[str, Any] = {
        "machine": machine(),
        "targets": TARGETS,
        "seed": args.seed,
        "command": " ".join(["python", "benchmarks/bench.py", *sys.argv[1:]]),
        "scales": {},
    }
    for scale in args.scale.split(","):
        path, summary = workload(scale, args.seed, workdir)
        print(f"== {scale}: workload {path} ({summary['commands']:,} lines)", file=sys.stderr)
        by_db: dict[str, Any] = {"workload": summary, "databases": {}}
        results["scales"][scale] = by_db
        for kind in dbs:
            url = db_url(kind, workdir, scale, args.pg_url)
            d = measure(scale, kind, url, path, summary, workdir)
            expected = summary.get("expected_decisions", {})
            got = d["ingest"].get("decisions", {})
            rejected = sum(n for code, n in expected.items() if code != "approved")
            d["decisions_as_expected"] = got == {
                "approved": expected.get("approved", 0),
                "rejected": rejected,
            }
            by_db["databases"][kind] = d
            if kind == "sqlite":
                remove_sqlite_file(url.removeprefix("sqlite:///"))
    return results


def profile(args: argparse.Namespace) -> None:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    scale = args.scale.split(",")[0]
    kind = "sqlite" if args.db in ("sqlite", "both") else "postgres"
    path, summary = workload(scale, args.seed, workdir)
    url = db_url(kind, workdir, scale, args.pg_url)
    reset_database(url)
    result = run_child("profile", INGEST_SECONDS_MAX, file=path, lines=summary["commands"],
                       url=url, label=f"profile {scale} {kind}", profile=args.profile)  # fmt: skip
    print(json.dumps(result, ensure_ascii=False, indent=1))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        args.limit = float(args.limit)
        print(json.dumps(CHILDREN[args.child](args), ensure_ascii=False))
        return 0
    if args.profile:
        profile(args)
        return 0
    if args.report:
        results = json.loads(Path(args.report).read_text(encoding="utf-8"))
        print(markdown(results) + "\n#### Cost by scale\n\n" + growth(results))
        return 0
    results = run(args)
    table = markdown(results) + "\n#### Cost by scale\n\n" + growth(results) + "\n"
    print(table)
    if args.out:
        Path(args.out).write_text(
            json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    if args.markdown:
        Path(args.markdown).write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
