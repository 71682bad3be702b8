"""Snapshots: an enrolment is snapshotted when it completes, classes, class fundings and
funds every so many events; a load reads the latest snapshot and the events after it,
and gives exactly the state that replaying every event gives."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import StoredEvent

from domain.claim import Claim
from domain.finance import ClassFunding
from domain.fund import Fund
from domain.parties import Person
from domain.training import Enrollment, TrainingClass
from ledger.app import Ledger
from ledger.generate import write
from ledger.persistence import EVENTS_TABLE, SNAPSHOTS_TABLE
from ledger.service import Skillfund, open_skillfund, submit_lines


def submitted_small(db_url: str, folder: Path, chunk: int | None = None) -> Skillfund:
    """The generated small workload (seed 1), every line accepted; submitted `chunk` lines
    at a time if given (each call records its own units of work)."""
    out = folder / "small.jsonl"
    write("small", 1, out, progress=io.StringIO())
    sf = open_skillfund(db_url, create=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    size = chunk or len(lines)
    results = []
    for start in range(0, len(lines), size):
        results += submit_lines(sf, lines[start : start + size], lambda _: None)
    assert Counter(r.status for r in results) == {"accepted": len(results)}
    return sf


def ids(sf: Skillfund, table: str) -> list[UUID]:
    with sf.engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT DISTINCT originator_id FROM {table}"))
        return [sf.ledger.recorder.id_value(r[0]) for r in rows]  # type: ignore[attr-defined]


def replayed(ledger: Ledger, aggregate_id: UUID) -> Any:
    """The aggregate from every one of its events, no snapshot."""
    aggregate = None
    for record in ledger.recorder.select_events(aggregate_id):
        aggregate = ledger.mapper.to_domain_event(record).mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def state(aggregate: Any) -> dict[str, Any]:
    return {"type": type(aggregate), **vars(aggregate)}


def test_every_aggregate_loads_as_its_events_replay_whether_preloaded_or_loaded_alone(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snapshots every 3 events, and the lines submitted a few at a time, so that many
    # aggregates have several snapshots and some have events after their latest.
    monkeypatch.setattr(
        Ledger, "snapshotting_intervals", {Fund: 3, ClassFunding: 3, TrainingClass: 3}
    )
    sf = submitted_small(db_url, tmp_path, chunk=7)
    every = ids(sf, EVENTS_TABLE)
    snapshotted = set(ids(sf, SNAPSHOTS_TABLE))
    sf.close()

    fresh = open_skillfund(db_url)
    try:
        ledger = fresh.ledger
        kinds = Counter(type(replayed(ledger, i)).__name__ for i in snapshotted)
        assert kinds["Enrollment"] > 100 and kinds["Fund"] and kinds["TrainingClass"] > 10
        # Some snapshotted aggregates have events after their latest snapshot.
        latest = ledger.snapshots.recorder.select_latest(list(snapshotted))  # type: ignore[union-attr]
        after = ledger.recorder.select_after(  # type: ignore[attr-defined]
            {i: s.originator_version for i, s in latest.items()}
        )
        assert len(after) > 5

        ledger.preload(every)  # Two statements for snapshotted and plain ids alike.
        for aggregate_id in every:
            assert state(ledger.load(aggregate_id)) == state(replayed(ledger, aggregate_id))
        ledger.clear_cache()
        for aggregate_id in every:
            assert state(ledger.load(aggregate_id)) == state(replayed(ledger, aggregate_id))
        ledger.clear_cache()
        for aggregate_id in every:  # As handlers ask: by class (the snapshot table only
            expected = replayed(ledger, aggregate_id)  # for snapshotted classes).
            assert state(ledger.find(type(expected), aggregate_id)) == state(expected)
    finally:
        fresh.close()


def test_only_aggregates_of_snapshotted_classes_ask_the_snapshot_table(db_url: str) -> None:
    sf = open_skillfund(db_url, create=True)
    try:
        ledger = sf.ledger
        assert ledger.may_have_snapshots(Enrollment) and ledger.may_have_snapshots(Fund)
        assert ledger.may_have_snapshots(Aggregate)  # Could be any of them.
        assert not ledger.may_have_snapshots(Person) and not ledger.may_have_snapshots(Claim)
    finally:
        sf.close()


def test_an_enrolment_is_snapshotted_at_its_completion_and_loads_from_that_one_row(
    db_url: str, tmp_path: Path
) -> None:
    sf = submitted_small(db_url, tmp_path)
    try:
        ledger = sf.ledger
        with sf.engine.connect() as connection:
            completed = [
                ledger.recorder.id_value(r[0])  # type: ignore[attr-defined]
                for r in connection.execute(
                    sa.text(
                        f"SELECT originator_id FROM {EVENTS_TABLE} "
                        "WHERE topic = 'skillfund:Enrollment.Completed'"
                    )
                )
            ]
        assert len(completed) > 100
        latest = ledger.snapshots.recorder.select_latest(completed)  # type: ignore[union-attr]
        assert set(latest) == set(completed)
        for enrollment_id in completed:
            last = ledger.recorder.select_events(enrollment_id, desc=True, limit=1)[0]
            assert latest[enrollment_id].originator_version == last.originator_version
        ledger.clear_cache()
        stored = ledger.read_stored(completed)
        assert all(len(records) == 1 for records in stored.values())
        enrollment = ledger.load(completed[0])
        assert isinstance(enrollment, Enrollment) and enrollment.completed_on is not None
    finally:
        sf.close()


def test_a_snapshot_that_cannot_be_taken_loses_nothing(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot is only a saving: when taking one fails, every line is still accepted,
    nothing goes to the snapshots table, and every load is the replay of its events."""
    failures: list[str] = []

    def refusing(cls: type, aggregate: Any) -> Any:
        failures.append(type(aggregate).__name__)
        raise ValueError("cannot encode this aggregate")

    monkeypatch.setattr(Snapshot, "take", classmethod(refusing))
    sf = submitted_small(db_url, tmp_path)
    try:
        assert "Enrollment" in failures
        assert ids(sf, SNAPSHOTS_TABLE) == []
        sf.ledger.clear_cache()
        for aggregate_id in ids(sf, EVENTS_TABLE)[:300]:
            assert state(sf.ledger.load(aggregate_id)) == state(replayed(sf.ledger, aggregate_id))
    finally:
        sf.close()


def test_snapshots_are_written_in_the_events_transaction(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshots a save makes due go in with its events, or not at all: when the
    save fails after its events, chain and snapshots statements, neither table keeps
    a row of that save; the same save succeeds afterwards with both."""
    sf = submitted_small(db_url, tmp_path)
    try:
        ledger = sf.ledger
        snapshots_before = len(ids(sf, SNAPSHOTS_TABLE))
        enrollment_id = next(
            i for i in ids(sf, EVENTS_TABLE) if isinstance(ledger.load(i), Enrollment)
        )
        before = ledger.recorder.select_events(enrollment_id)
        # A completion snapshots the enrolment: record one more by hand, through the
        # recorder, with a snapshot of a fake later version, and make the save fail.
        last = before[-1]
        later = StoredEvent(enrollment_id, last.originator_version + 1, last.topic, last.state)
        snapshot = StoredEvent(enrollment_id, last.originator_version + 1, "x:Snapshot", b"{}")
        recorder = ledger.recorder

        def failing(*args: Any) -> Any:  # The insert's last step, after the snapshots.
            raise sa.exc.OperationalError("NOTIFY", {}, Exception("disk full"))

        monkeypatch.setattr(recorder, "_notify_channel", failing)
        with pytest.raises(Exception, match="disk full"):
            recorder.insert_events([later], snapshots=[snapshot])  # type: ignore[call-arg]
        assert ledger.recorder.select_events(enrollment_id) == before
        assert len(ids(sf, SNAPSHOTS_TABLE)) == snapshots_before
        latest = ledger.snapshots.recorder.select_latest([enrollment_id])  # type: ignore[union-attr]
        assert all(s.originator_version <= last.originator_version for s in latest.values())
        monkeypatch.undo()
        recorder.insert_events([later], snapshots=[snapshot])  # type: ignore[call-arg]
        latest = ledger.snapshots.recorder.select_latest([enrollment_id])  # type: ignore[union-attr]
        assert latest[enrollment_id].originator_version == later.originator_version
    finally:
        sf.close()
