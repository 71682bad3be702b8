"""Projections rebuilt from the log equal the projections built as events arrived."""

from __future__ import annotations

import threading

from ledger import demo
from ledger.service import Skillfund, open_skillfund
from tests.conftest import submit


def test_the_digest_after_a_rebuild_equals_the_incremental_digest(sf: Skillfund) -> None:
    lines = demo.demo_lines()
    submit(sf, *lines[:40])
    submit(sf, *lines[40:])  # Built in two increments.
    incremental, counts = sf.runner.digest()

    sf.runner.rebuild()
    rebuilt, rebuilt_counts = sf.runner.digest()

    assert rebuilt == incremental
    assert rebuilt_counts == counts
    assert counts["pj_claims"] == 12


def test_a_redelivered_batch_is_not_counted_twice(sf: Skillfund) -> None:
    submit(sf, *demo.demo_lines())
    before, _ = sf.runner.digest()

    applied = sf.catch_up()

    assert applied == 0
    assert sf.runner.digest()[0] == before


def test_two_workers_catching_up_one_projection_apply_each_event_once(db_url: str) -> None:
    writer = open_skillfund(db_url, create=True)
    submit_without_catch_up(writer, demo.demo_lines())
    workers = [open_skillfund(db_url) for _ in range(2)]
    failures: list[BaseException] = []

    def work(worker: Skillfund) -> None:
        try:
            worker.catch_up()
        except BaseException as failure:
            failures.append(failure)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    concurrent, _ = workers[0].runner.digest()
    writer.runner.rebuild()

    assert writer.runner.digest()[0] == concurrent
    for skillfund in (writer, *workers):
        skillfund.close()


def submit_without_catch_up(sf: Skillfund, lines: list[str]) -> None:
    from ledger.service import submit_lines

    submit_lines(sf, lines, lambda _: None)
