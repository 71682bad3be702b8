"""The claim register, the directory and the journal read and write a batch at a time: how
the log is cut into batches must not change a row."""

from __future__ import annotations

import pytest

import projections.runner
from ledger import demo
from ledger.service import Skillfund
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
