"""The claim register, the directory and the journal read and write a batch at a time: how
the log is cut into batches must not change a row."""

from __future__ import annotations

from typing import Any

import pytest

import projections.runner
from ledger import demo
from ledger.service import Skillfund, submit_lines
from projections.claims import ClaimRegister
from projections.directory import Directory
from projections.journal import Journal
from projections.runner import Runner
from tests.conftest import submit
from tests.ledger.test_cases import case, conclude, recovery


def runner_of(sf: Skillfund) -> Runner:
    """A runner over these three projections only, on the store of `sf`."""
    return Runner(
        engine=sf.runner.engine,
        events=sf.runner.events,
        decode=sf.runner.decode,
        projections=[Journal(), ClaimRegister(), Directory()],
    )


@pytest.mark.parametrize("batch_size", [1, 3, 50])
def test_a_rebuild_in_batches_of_any_size_gives_the_rows_built_as_events_arrived(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    lines = demo.demo_lines()
    submit(sf, *lines[:40])
    submit(sf, *lines[40:], case())
    submit(sf, conclude(claims=["KS-C-2020-0011"], ban=[demo.SCHOOL]))
    submit(sf, recovery("RC-1", "2000"), recovery("RC-2", "4000"))
    incremental, counts = runner_of(sf).digest()

    monkeypatch.setattr(projections.runner, "CATCH_UP_BATCH_SIZE", batch_size)
    runner = runner_of(sf)
    runner.rebuild()

    assert runner.digest() == (incremental, counts)
    assert counts["pj_journal_entries"] > 0 and counts["pj_enrollments"] > 0


def test_a_rebuild_reads_bigger_batches_than_a_catch_up_and_builds_the_same_rows(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild reads REBUILD_BATCH_FACTOR times as many events per batch as a catch-up
    (fewer reads and writes of the rows its batches share), with the same rows."""
    monkeypatch.setattr(projections.runner, "CATCH_UP_BATCH_SIZE", 4)
    sizes: list[int] = []
    read_batch = Runner.read_batch

    def counted(self: Runner, *args: Any, **kwargs: Any) -> Any:
        events, last = read_batch(self, *args, **kwargs)
        sizes.append(len(events))
        return events, last

    monkeypatch.setattr(Runner, "read_batch", counted)
    submit_lines(sf, demo.demo_lines(), lambda _: None)
    runner = runner_of(sf)
    runner.catch_up()
    caught_up = runner.digest()
    assert len(sizes) > 10 and max(sizes) == 4

    sizes.clear()
    runner.rebuild()
    assert runner.digest() == caught_up
    assert max(sizes) == 4 * projections.runner.REBUILD_BATCH_FACTOR
    assert projections.runner.REBUILD_BATCH_FACTOR > 1
