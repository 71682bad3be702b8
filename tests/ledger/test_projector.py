"""`submit` of a large input catches the projections up in a second process meanwhile:
the same results and the same projections as without it, and nothing lost if it fails."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ledger import demo, projector
from ledger.cli import main
from ledger.generate import generate
from ledger.projector import BackgroundCatchUp
from ledger.service import Skillfund, open_skillfund, submit_lines
from projections.base import TRACKING


def submitted(url: str, path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """Submit a file with the CLI; its output and the projections' digest."""
    assert main(["--db", url, "init"]) == 0
    capsys.readouterr()
    assert main(["--db", url, "submit", "--json", str(path)]) == 0
    output = capsys.readouterr().out
    sf = open_skillfund(url)
    try:
        return output, sf.runner.digest()[0]
    finally:
        sf.close()


def test_a_worker_gives_the_results_and_projections_of_submit_without_one(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    path = tmp_path / "small.jsonl"
    path.write_text(
        "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in generate("small", 1)),
        encoding="utf-8",
    )
    monkeypatch.setattr(projector, "BACKGROUND_MIN_LINES", 1)
    monkeypatch.setattr(projector.os, "cpu_count", lambda: 2)
    with_worker, digest_with = submitted(db_url, path, capsys)

    sf = open_skillfund(db_url)
    sf.runner.rebuild()
    assert sf.runner.digest()[0] == digest_with  # As if caught up from zero in one process.
    sf.close()
    monkeypatch.setattr(projector, "BACKGROUND_MIN_LINES", 10**9)
    other = f"sqlite:///{tmp_path / 'alone.db'}"
    alone, digest_alone = submitted(other, path, capsys)
    assert with_worker == alone
    assert digest_with == digest_alone


def test_a_worker_is_started_only_for_a_large_input_on_two_cores(monkeypatch) -> None:
    monkeypatch.setattr(projector.os, "cpu_count", lambda: 2)
    assert projector.worth_a_worker(projector.BACKGROUND_MIN_LINES)
    assert not projector.worth_a_worker(projector.BACKGROUND_MIN_LINES - 1)
    monkeypatch.setattr(projector.os, "cpu_count", lambda: 1)
    assert not projector.worth_a_worker(10**7)


def test_a_worker_that_fails_leaves_its_work_to_the_final_catch_up(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'nowhere.db'}"  # The worker cannot open it.
    with BackgroundCatchUp(missing) as worker:
        process = worker.process
    assert process.exitcode not in (0, None)
    assert worker.process is None


def test_an_interrupted_submit_stops_its_worker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    open_skillfund(url, create=True).close()
    with pytest.raises(KeyboardInterrupt), BackgroundCatchUp(url) as worker:
        process = worker.process
        raise KeyboardInterrupt
    assert not process.is_alive()


def test_the_worker_catches_the_projections_up_while_the_block_runs(db_url: str) -> None:
    writer = open_skillfund(db_url, create=True)
    submit_lines(writer, demo.demo_lines(), lambda _: None)  # Recorded, not projected.
    head = writer.runner.head()
    assert min(tracked(writer)) == 0  # (Payments catch the flags up for their holds.)

    with BackgroundCatchUp(db_url):
        deadline = time.monotonic() + 60
        while tracked(writer) != {head} and time.monotonic() < deadline:
            time.sleep(0.1)
        caught_up = tracked(writer)

    assert caught_up == {head}  # By the worker: this process never caught up.
    # The final catch-up of `submit`: no event left to apply, the whole-store checks run.
    assert writer.catch_up() == 0
    digest = writer.runner.digest()[0]
    writer.runner.rebuild()
    assert writer.runner.digest()[0] == digest
    writer.close()


def tracked(sf: Skillfund) -> set[int]:
    with sf.engine.connect() as connection:
        return {int(n) for (n,) in connection.execute(sa.select(TRACKING.c.notification_id))}


def built_store(url: str) -> tuple[Skillfund, str, int]:
    """A store holding the small generated workload, caught up; its digest and the
    number of applications a serial rebuild makes."""
    sf = open_skillfund(url, create=True)
    lines = [json.dumps(c, ensure_ascii=False) for c in generate("small", 1)]
    submit_lines(sf, lines, lambda _: None)
    sf.catch_up()
    digest = sf.runner.digest()[0]
    applied = sf.runner.rebuild()
    assert sf.runner.digest()[0] == digest
    return sf, digest, applied


class Recorded:
    """Stands in for the projector's logger: what it said, as (event, fields)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, dict[str, Any]]] = []

    def info(self, event: str, **fields: Any) -> None:
        self.said.append((event, fields))

    warning = info

    def events(self) -> list[str]:
        return [event for event, _ in self.said]


def test_a_rebuild_in_two_processes_equals_the_serial_one(db_url: str, monkeypatch) -> None:
    sf, digest, applied = built_store(db_url)
    monkeypatch.setattr(projector, "REBUILD_PARALLEL_MIN_EVENTS", 1)
    monkeypatch.setattr(projector.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(projector, "log", logs := Recorded())
    seen: list[tuple[int, int]] = []

    parallel = projector.rebuild(sf, db_url, lambda _n, done, head: seen.append((done, head)))

    assert parallel == applied
    assert sf.runner.digest()[0] == digest
    finished = [f for e, f in logs.said if e == "rebuild: second process finished"]
    assert len(finished) == 1 and finished[0]["applied"] > 0  # Links and journal, over there.
    assert finished[0]["projections"] == ["journal", "links"]
    assert seen and seen[-1][0] == seen[-1][1] == sf.runner.head()
    sf.close()


def test_a_rebuild_finishes_the_part_of_a_second_process_that_failed(
    tmp_path: Path, monkeypatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    sf, digest, applied = built_store(url)
    monkeypatch.setattr(projector, "REBUILD_PARALLEL_MIN_EVENTS", 1)
    monkeypatch.setattr(projector.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(projector, "log", logs := Recorded())
    unreachable = f"sqlite:///{tmp_path / 'no-such-dir' / 'store.db'}"  # The child fails.

    assert projector.rebuild(sf, unreachable) == applied

    assert sf.runner.digest()[0] == digest
    assert "rebuild: the second process failed; finishing its part here" in logs.events()
    sf.close()


def test_a_small_store_is_rebuilt_in_one_process(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    sf, digest, applied = built_store(url)
    monkeypatch.setattr(projector.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(projector, "log", logs := Recorded())
    assert sf.runner.head() < projector.REBUILD_PARALLEL_MIN_EVENTS

    assert projector.rebuild(sf, url) == applied

    assert logs.said == []
    assert sf.runner.digest()[0] == digest
    sf.close()
