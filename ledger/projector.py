"""Projections caught up in a second process while `submit` records commands.

The command path (validation, rules, events) and the projections (journal, claims,
directory, links, flags) are each about half of an ingest's work, and they need not wait
for each other: the projections read only the recorded log. On a machine with two cores,
`submit` of a large file starts a worker process that catches the projections up while
the commands are being recorded; when the input ends, the worker drains what is left and
stops, and `submit` finishes with its usual catch-up (the whole-store fraud checks run
there once, not after every batch).

Nothing depends on the worker for correctness. Two workers on one projection queue on
its tracking row (tests/projections/test_rebuild.py), so the worker and a payment's hold
query never apply an event twice; if the worker fails or is stopped, its open transaction
is rolled back and the final catch-up does the rest.
"""

from __future__ import annotations

import multiprocessing
import os
from types import TracebackType
from typing import Any

import structlog

from projections.runner import REBUILD_BATCH_FACTOR

log = structlog.get_logger("skillfund.projector")

BACKGROUND_MIN_LINES = 20_000  # Below this, starting a process costs more than it saves.
IDLE_SECONDS = 0.2  # The worker's pause when the log has nothing new.
DRAIN_SECONDS_MAX = 3600.0  # How long `submit` waits for the worker to drain, at most.


def worth_a_worker(lines: int) -> bool:
    """A worker for a large input, when the machine has a second core for it."""
    return lines >= BACKGROUND_MIN_LINES and (os.cpu_count() or 1) > 1


def catch_up_until_stopped(url: str, stop: Any) -> None:
    """The worker: catch every projection up (without the whole-store checks), again and
    again, until told to stop; a catch-up in progress runs to the log's head first."""
    from ledger.service import collect_in_bulk, freeze_startup_heap, open_skillfund
    from projections.flags import Flags

    sf = open_skillfund(url)
    freeze_startup_heap()
    collect_in_bulk()
    try:
        # The flags first, on their own: a payment's hold query waits for them (and for
        # nothing else), so holding their lock only while they apply a batch, not while
        # all five do, shortens that wait. City ingest on SQLite: 87 → 70 s wall.
        flags = {Flags.name}
        others = {p.name for p in sf.runner.projections} - flags
        while not stop.is_set():
            applied = sf.runner.catch_up(finish=False, only=flags)
            applied += sf.runner.catch_up(finish=False, only=others)
            if applied == 0:
                stop.wait(IDLE_SECONDS)
    finally:
        sf.close()


class BackgroundCatchUp:
    """`with BackgroundCatchUp(url, enabled):` a worker catching up while the block runs."""

    def __init__(self, url: str, enabled: bool = True) -> None:
        self.url = url
        self.enabled = enabled
        self.process: Any = None
        self.stop: Any = None

    def __enter__(self) -> BackgroundCatchUp:
        if self.enabled:
            context = multiprocessing.get_context("spawn")  # No forked database connections.
            self.stop = context.Event()
            self.process = context.Process(
                target=catch_up_until_stopped,
                args=(self.url, self.stop),
                name="skillfund-projector",
                daemon=True,
            )
            self.process.start()
            log.info("projector started", pid=self.process.pid)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.process is None:
            return
        self.stop.set()
        if error is not None:  # Interrupted: nothing to wait for; its transaction rolls back.
            self.process.terminate()
        self.process.join(DRAIN_SECONDS_MAX)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()
        if self.process.exitcode not in (0, None) and error is None:
            log.warning(
                "projector stopped with an error; the final catch-up does its work",
                exitcode=self.process.exitcode,
            )
        self.process = None


# --- Rebuild in two processes ------------------------------------------------------------

REBUILD_PARALLEL_MIN_EVENTS = 20_000  # Below this, starting a process costs more than it saves.
# The projections a second process rebuilds: about half the work. Measured on the city store
# on SQLite, CPU seconds of each projection rebuilt alone: links 19.4, flags 13.1, directory
# 5.4, claims 2.9, journal 2.3; after the links' attributes went through orjson and the ids
# kept their text (thirteenth session) links 11.3, flags 8.6, directory 5.1, claims 2.2,
# journal 2.4, and the first process, with the journal, was the one the rebuild waited for.
# With the journal here, seven alternating city rebuilds on SQLite: 19.7 -> 18.1 s on
# average (faster in six of seven); on PostgreSQL three each, no difference (29.2, 32.9,
# 27.6 -> 29.2, 33.6, 26.9 s).
SECOND_PROCESS = frozenset({"links", "journal"})
REPORT_SECONDS = 0.5


def catch_up_these(url: str, names: list[str], applied: Any) -> None:
    """The second process of a rebuild: these projections caught up to the log's head."""
    from ledger.service import collect_in_bulk, freeze_startup_heap, open_skillfund

    sf = open_skillfund(url)
    freeze_startup_heap()
    collect_in_bulk()
    try:
        applied.put(sf.runner.catch_up(only=set(names), batch_factor=REBUILD_BATCH_FACTOR))
    finally:
        sf.close()


def rebuild(sf: Any, url: str, progress: Any = None) -> int:
    """Every projection dropped and replayed from the log, as `Runner.rebuild`, in two
    processes when the store is large, the machine has a second core and the database can
    be shared (a file or a server, not in-memory SQLite): this one replays most
    projections while a second replays SECOND_PROCESS. They share nothing but the
    database: each holds its own projections' locks, and on SQLite they take turns only
    for their writes (projections/locks.py). Returns the number of applications, as
    `Runner.rebuild` does; `progress(name, done, total)` sees the lowest position."""
    runner = sf.runner
    head = runner.head()
    second = sorted(p.name for p in runner.projections if p.name in SECOND_PROCESS)
    shareable = runner.locks is not None or runner.engine.dialect.name == "postgresql"
    parallel = second and shareable and head >= REBUILD_PARALLEL_MIN_EVENTS
    if not parallel or (os.cpu_count() or 1) < 2:
        return int(runner.rebuild(progress))
    runner.drop_all()
    first = {p.name for p in runner.projections} - set(second)
    context = multiprocessing.get_context("spawn")
    applied_there = context.SimpleQueue()
    process = context.Process(
        target=catch_up_these, args=(url, second, applied_there), name="skillfund-rebuild"
    )
    process.start()
    log.info("rebuild: second process started", pid=process.pid, projections=second)

    def report(*_: Any) -> None:
        if progress is not None:
            progress("projections", min(runner.positions().values()), head)

    try:
        applied = int(runner.catch_up(report, only=first, batch_factor=REBUILD_BATCH_FACTOR))
        while process.is_alive():
            process.join(REPORT_SECONDS)
            report()
    except BaseException:
        process.terminate()  # Its open transaction rolls back; the next catch-up redoes it.
        process.join()
        raise
    if process.exitcode == 0 and not applied_there.empty():
        there = int(applied_there.get())
        log.info("rebuild: second process finished", applied=there, projections=second)
        applied += there
    else:
        log.warning(
            "rebuild: the second process failed; finishing its part here", exitcode=process.exitcode
        )
    return applied + int(runner.catch_up(progress))  # Anything left (nothing, normally).
