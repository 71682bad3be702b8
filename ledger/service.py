"""Wiring: a Ledger and its projections over one database, and the submit loop."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import structlog

# Importing the handler modules registers their commands with the Ledger.
from ledger import cases, claims, finance, handlers  # noqa: F401
from ledger.app import Ledger
from ledger.commands import InvalidCommandError, parse_line
from ledger.logs import configure_logging
from ledger.persistence import SNAPSHOTS_TABLE, check_reachable, install_append_only_guards
from ledger.results import INVALID, Result, error
from ledger.unit import SUBMIT_BATCH
from projections.base import Projection
from projections.claims import ClaimRegister
from projections.directory import Directory
from projections.flags import Flags, FlagsReadModel
from projections.journal import Journal
from projections.links import Links
from projections.runner import Progress, Runner

log = structlog.get_logger("skillfund")


_heap_frozen = False


def freeze_startup_heap() -> None:
    """Take the objects alive now (the imported modules: SQLAlchemy, the library, the
    rule tables, command specs) out of the garbage collector's full passes, once per
    process: a full pass otherwise walks them all, and it lands inside whichever command
    is running. Measured on single claims (PostgreSQL, small store, 200 claims): full
    passes of 51–64 ms became 4–7 ms, claim p99 47–76 ms → 24–35 ms. Garbage is
    collected first, so only live objects are frozen."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.collect()
        gc.freeze()


# The collector's thresholds for a long batch job (see collect_in_bulk); Python's are
# (700, 10, 10).
BULK_GC_THRESHOLDS = (20_000, 20, 10)


def collect_in_bulk() -> None:
    """For a long batch job (`submit` of a file, a rebuild, the catch-up worker): the
    garbage collector's young generation collected every 20,000 allocations instead of
    every 700, and the older generations a twentieth as often. Such a job allocates
    millions of objects that live until their batch is recorded, and the aggregate
    cache grows with the store: every older-generation pass walks it all. Measured on
    120,000 city lines through `submit` on SQLite (with the projector), alternating
    runs: time in the collector 1.54 and 1.46 s -> 0.19 and 0.20 s, wall 18.6 and 18.1
    -> 16.9 and 17.4 s; the four projections of a city rebuild besides the links, 0.97
    -> 0.51 s. Not for single commands: a young pass of 20,000 objects takes about
    3 ms, and it lands inside whichever command is running."""
    gc.set_threshold(*BULK_GC_THRESHOLDS)


def all_projections() -> list[Projection]:
    return [Journal(), ClaimRegister(), Directory(), Links(), Flags()]


@dataclass
class Skillfund:
    """The application and its projections, opened on one database URL."""

    ledger: Ledger
    runner: Runner

    @property
    def engine(self) -> Any:
        return self.ledger.engine

    def close(self) -> None:
        self.ledger.close()

    def catch_up(self, progress: Progress | None = None, *, finish: bool = True) -> int:
        return self.runner.catch_up(progress, finish=finish)


def open_skillfund(url: str, *, create: bool = False) -> Skillfund:
    """Open the ledger on `url`; with `create`, make the schema (idempotent)."""
    if not structlog.is_configured():
        configure_logging()  # Never structlog's default of printing to standard output.
    check_reachable(url, create=create)
    app = Ledger(url)
    recorder: Any = app.recorder
    runner = Runner(
        engine=app.engine,
        events=recorder.events_record_cls.__table__,
        decode=app.mapper.to_domain_event,
        projections=all_projections(),
        analysed_too=(SNAPSHOTS_TABLE,),
    )
    runner.create_tables()
    flags = next(p for p in runner.projections if isinstance(p, Flags))
    app.read_model = FlagsReadModel(
        app.engine,
        partial(runner.catch_up, only={flags.name}),
        frozenset(flags.topics),
        partial(runner.behind, only={flags.name}),
    )
    if create:
        install_append_only_guards(app.engine)
    return Skillfund(app, runner)


@contextmanager
def opened(url: str, *, create: bool = False) -> Iterator[Skillfund]:
    skillfund = open_skillfund(url, create=create)
    try:
        yield skillfund
    finally:
        skillfund.close()


def parse(text: str, line: int) -> Any:
    """A validated command, or the `invalid` result of a line that is not one."""
    try:
        return parse_line(text)
    except InvalidCommandError as invalid:
        return Result(
            status=INVALID,
            type=guess_type(text),
            line=line,
            error=error("invalid", invalid.message, invalid.field),
        )


def guess_type(text: str) -> str:
    """The `type` of a line that failed validation, when it can be read at all."""
    try:
        value = json.loads(text)
    except ValueError:
        return ""
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else ""


def submit_lines(
    skillfund: Skillfund,
    lines: Iterable[str],
    on_result: Callable[[Result], None],
    batch_size: int = SUBMIT_BATCH,
    keep: bool = True,
) -> list[Result]:
    """Run every non-blank line in order, `batch_size` lines per transaction (1: each line
    its own). The results are the same for any batch size: a bad line fails alone. Each
    result goes to `on_result` once its batch is recorded; with `keep=False` they are not
    also collected (a file of millions of lines)."""
    if batch_size < 1:
        raise ValueError(f"batch_size: must be at least 1, not {batch_size}")
    results: list[Result] = []
    pending: list[tuple[int, Any]] = []
    for number, text in enumerate(lines, start=1):
        if text.strip():
            pending.append((number, parse(text, number)))
        if len(pending) >= batch_size:
            done = run_batch(skillfund, pending, on_result)
            results += done if keep else []
            pending = []
    done = run_batch(skillfund, pending, on_result)
    return results + done if keep else []


def submit_line(skillfund: Skillfund, text: str, line: int) -> Result:
    """Validate and run one line in its own transaction; a bad line is reported, never raised."""
    return run_batch(skillfund, [(line, parse(text, line))], lambda _: None)[0]


def run_batch(
    skillfund: Skillfund, pending: list[tuple[int, Any]], on_result: Callable[[Result], None]
) -> list[Result]:
    """Execute the valid commands of a batch together; report every line in order."""
    commands = [item for _, item in pending if not isinstance(item, Result)]
    executed = iter(skillfund.ledger.execute_many(commands) if commands else [])
    results = []
    # Bound once per batch: the module's lazy logger binds anew on every call, even below
    # the level configured (243,000 binds for the city file, 0.9 s under the profiler).
    logger = log.bind()
    for line, item in pending:
        result = item if isinstance(item, Result) else next(executed)
        result.line = line
        if not isinstance(item, Result):
            logger.info(
                "command",
                command=item.type,
                key=item.key,
                fund_id=item.fields.get("fund_id"),
                status=result.status,
                events=result.events,
            )
        on_result(result)
        results.append(result)
    return results
