"""Many commands per transaction: the same results, events and projections as one by one,
a refused line leaves no trace in its batch, and another writer is never overlooked."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from domain.errors import DomainError
from domain.fund import Fund
from domain.parties import Person
from ledger import demo
from ledger.app import Ledger, Outcome
from ledger.commands import parse_line
from ledger.generate import generate
from ledger.persistence import EVENTS_TABLE
from ledger.recorder import StaleReadError
from ledger.service import Skillfund, open_skillfund, submit_lines
from tests.conftest import event_count, submit

FUND = demo.FUND


@cache
def workload() -> tuple[str, ...]:
    """The generated small city (every command type, rejected claims, fraud holds at
    payment) with, in the middle, a duplicate, a conflict, a refusal and a broken line."""
    lines = [json.dumps(c, ensure_ascii=False) for c in generate("small", 1)]
    deposit = json.loads(lines[1])
    assert deposit["type"] == "deposit"
    bad = [
        lines[1],  # duplicate
        json.dumps(deposit | {"amount": "1.00"}),  # conflict
        json.dumps(deposit | {"deposit_id": "D-NOWHERE", "fund_id": "NO-SUCH-FUND"}),  # refused
        "{broken",  # invalid
    ]
    return tuple(lines[:100] + bad + lines[100:])


WORKLOADS = {
    "generated": workload,
    # The demo year: payments, advances, publicity, objections, a fraud hold at payment.
    "demo": lambda: tuple(demo.demo_lines()),
}


def run(
    url: str, batch_size: int, name: str = "generated"
) -> tuple[list[dict[str, Any]], str, list[tuple[Any, ...]]]:
    """Submit a workload; the results, the projections' digest and the event sequence."""
    sf = open_skillfund(url, create=True)
    try:
        results = submit_lines(sf, WORKLOADS[name](), lambda _: None, batch_size=batch_size)
        sf.catch_up()
        digest, _ = sf.runner.digest()
        with sf.engine.connect() as connection:
            events = connection.execute(
                sa.text(
                    f"SELECT originator_id, originator_version, topic FROM {EVENTS_TABLE} "
                    "ORDER BY id"
                )
            ).all()
    finally:
        sf.close()
    sequence = [(str(uuid_of(e[0])), int(e[1]), str(e[2])) for e in events]
    return [r.to_json() for r in results], digest, sequence


def uuid_of(value: Any) -> UUID:
    return UUID(bytes=value) if isinstance(value, bytes) else UUID(str(value))


@pytest.fixture(scope="module")
def one_by_one(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run(f"sqlite:///{tmp_path_factory.mktemp('alone') / 'a.db'}", batch_size=1)


@pytest.mark.parametrize("batch_size", [3, 500])
def test_the_demo_year_with_its_payments_and_holds_is_the_same_in_batches(
    db_url: str, batch_size: int, tmp_path: Path
) -> None:
    alone = run(f"sqlite:///{tmp_path / 'alone.db'}", 1, "demo")
    batched = run(db_url, batch_size, "demo")

    assert batched == alone
    types = {r["type"] for r in alone[0]}
    assert {"pay_claim", "pay_advance", "start_publicity", "record_objection"} <= types


@pytest.mark.parametrize("batch_size", [7, 500])
def test_batches_give_exactly_the_results_events_and_projections_of_one_by_one(
    db_url: str, batch_size: int, one_by_one: Any
) -> None:
    results, digest, events = run(db_url, batch_size)
    expected_results, expected_digest, expected_events = one_by_one

    assert results == expected_results
    assert {r["status"] for r in results} == {
        "accepted",
        "duplicate",
        "conflict",
        "refused",
        "invalid",
    }
    assert events == expected_events
    assert digest == expected_digest


def fake(type_: str, key: str) -> Any:
    return type("Fake", (), {"type": type_, "key": key, "fields": {}, "digest": "0" * 64})()


def test_a_command_refused_after_changing_an_aggregate_leaves_no_trace_in_its_batch(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit(sf, *demo.reference_data()[:1])

    def move_then_refuse(ledger: Ledger, _: Any) -> Outcome:
        fund = ledger.find(Fund, Fund.create_id(FUND))
        assert fund is not None
        fund.move_cash(
            "deposit", "PHANTOM", "unemployment_insurance_surplus", 999, demo.date(2020, 6, 2)
        )
        raise DomainError("amount: refused after the change")

    monkeypatch.setitem(Ledger.handlers, "move_then_refuse", move_then_refuse)
    deposit = parse_line(json.dumps(demo.reference_data()[1], ensure_ascii=False))
    results = sf.ledger.execute_many(
        [fake("move_then_refuse", "X"), deposit, fake("move_then_refuse", "Y")]
    )

    assert [r.status for r in results] == ["refused", "accepted", "refused"]
    fund = sf.ledger.find(Fund, Fund.create_id(FUND))
    assert fund is not None
    assert fund.cash_fen == deposit.fields["amount_fen"]
    assert event_count(sf) == 1 + len(results[1].events)


def test_the_cache_sees_what_another_writer_recorded(db_url: str) -> None:
    first = open_skillfund(db_url, create=True)
    second = open_skillfund(db_url)
    try:
        submit(first, *demo.reference_data())
        person_id = demo.WANG
        before = first.ledger.find(Person, Person.create_id(person_id))
        assert before is not None
        update = {
            "type": "update_person",
            "person_id": person_id,
            "date": "2020-07-01",
            "insured_months": 3,
        }
        assert submit(second, update)[0].status == "accepted"

        after = first.ledger.find(Person, Person.create_id(person_id))

        assert after is not None and after.version == before.version + 1
    finally:
        first.close()
        second.close()


def test_a_batch_that_read_before_another_writer_recorded_is_run_again(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_skillfund(db_url, create=True)
    second = open_skillfund(db_url)
    try:
        submit(first, *demo.reference_data()[:1])
        deposits = [dict(demo.reference_data()[1], deposit_id=f"D-{n}") for n in range(3)]
        interleaved = {"done": False}

        def other_writer_records(ledger: Ledger, _: Any) -> Outcome:
            if not interleaved["done"]:  # Only during the batch, not in its replay.
                interleaved["done"] = True
                assert submit(second, deposits[2])[0].status == "accepted"
            return Outcome([])

        monkeypatch.setitem(Ledger.handlers, "other_writer_records", other_writer_records)
        commands = [parse_line(json.dumps(d, ensure_ascii=False)) for d in deposits[:2]]
        results = first.ledger.execute_many(
            [commands[0], fake("other_writer_records", "W"), commands[1]]
        )

        assert [r.status for r in results] == ["accepted", "accepted", "accepted"]
        fund = first.ledger.find(Fund, Fund.create_id(FUND))
        assert fund is not None
        assert fund.cash_fen == 3 * commands[0].fields["amount_fen"]
    finally:
        first.close()
        second.close()


def test_the_recorder_refuses_an_insert_when_the_log_moved(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data()[:1])
    fund = sf.ledger.find(Fund, Fund.create_id(FUND))
    assert fund is not None
    fund.move_cash("deposit", "D-X", "unemployment_insurance_surplus", 1, demo.date(2020, 6, 2))
    head = sf.ledger.known_head or 0
    before = event_count(sf)

    with pytest.raises(StaleReadError, match="moved"):
        sf.ledger.save(fund, expected_head=head - 1)

    assert event_count(sf) == before


def test_batch_size_must_be_positive(sf: Skillfund, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        submit_lines(sf, ["{}"], lambda _: None, batch_size=0)


def test_an_aggregate_missing_once_is_found_when_another_writer_records_it(db_url: str) -> None:
    first = open_skillfund(db_url, create=True)
    second = open_skillfund(db_url)
    try:
        submit(first, *demo.reference_data())
        newcomer = demo.person(90, demo.date(1995, 5, 5))
        assert first.ledger.find(Person, Person.create_id(newcomer)) is None  # Remembered absent.
        register = {
            "type": "register_person",
            "person_id": newcomer,
            "name": "新人",
            "jurisdiction": "kunshan",
            "date": "2020-07-01",
        }
        assert submit(second, register)[0].status == "accepted"

        found = first.ledger.find(Person, Person.create_id(newcomer))

        assert found is not None and found.person_id == newcomer
    finally:
        first.close()
        second.close()
