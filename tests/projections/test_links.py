"""The links projection: the edges and nodes of the entity graph, written from events."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

import projections.runner
from domain.case import Case, Recovery
from domain.claim import Claim
from domain.parties import Institution
from ledger import demo
from ledger.service import Skillfund, open_skillfund
from projections.links import LINKS, NODES, Links
from projections.links_store import dumps
from projections.runner import Runner
from tests.conftest import submit

WANG_ACCOUNT = "6217000000000000101"


@pytest.fixture
def linked(db_url: str) -> Iterator[Skillfund]:
    """A Skillfund (its projections include the links)."""
    skillfund = open_skillfund(db_url, create=True)
    assert any(isinstance(p, Links) for p in skillfund.runner.projections)
    yield skillfund
    skillfund.close()


@pytest.fixture
def played(linked: Skillfund) -> Skillfund:
    submit(linked, *demo.demo_lines())
    return linked


def edges(sf: Skillfund, **where: str) -> list[dict[str, Any]]:
    """Edges matching column values, with decoded attributes."""
    query = sa.select(LINKS).where(*(LINKS.c[k] == v for k, v in where.items()))
    with sf.engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(query)]
    return [r | {"attributes": json.loads(r["attributes"])} for r in rows]


def targets(sf: Skillfund, kind: str, key: str) -> set[tuple[str, str, str]]:
    return {
        (e["relation"], e["to_kind"], e["to_key"]) for e in edges(sf, from_kind=kind, from_key=key)
    }


def node_attributes(sf: Skillfund, kind: str, key: str) -> dict[str, Any]:
    query = sa.select(NODES.c.attributes).where(NODES.c.kind == kind, NODES.c.key == key)
    with sf.engine.connect() as connection:
        return dict(json.loads(connection.execute(query).scalar_one()))


def test_a_claim_is_linked_to_its_person_beneficiary_class_certificate_and_fund(
    played: Skillfund,
) -> None:
    linked = targets(played, "claim", "KS-C-2020-0003")

    assert linked == {
        ("for", "person", demo.LI),
        ("pays", "institution", demo.PRECISION),
        ("in_class", "class", "KS-2020-GJ-02"),
        ("on_certificate", "certificate", "KS-ZS-2020-000103"),
        ("charged_to", "fund", demo.FUND),
    }


def test_the_claim_node_carries_its_decision_and_payment(played: Skillfund) -> None:
    paid = node_attributes(played, "claim", "KS-C-2020-0001")
    rejected = node_attributes(played, "claim", "KS-C-2020-0002")

    assert (paid["status"], paid["amount_fen"], paid["paid_fen"]) == ("paid", 260_000, 260_000)
    assert (rejected["status"], rejected["reasons"]) == ("rejected", ["pensioner"])


def test_attendance_adds_up_on_the_attended_edge(played: Skillfund) -> None:
    [edge] = edges(played, from_key=demo.WANG, relation="attended")

    assert edge["to_key"] == "KS-2020-DG-01"
    assert edge["attributes"] == {
        "enrolled_on": "2020-07-01",
        "sessions": 10,
        "minutes": 4800,
        "completed_on": "2020-07-31",
        "passed": True,
    }


def test_a_certificate_is_held_by_its_person_and_issued_by_its_issuer(played: Skillfund) -> None:
    assert targets(played, "certificate", "KS-ZS-2020-000101") == {
        ("held_by", "person", demo.WANG),
        ("issued_by", "institution", demo.EVALUATOR),
    }


def test_a_changed_account_adds_an_edge_and_keeps_the_old_one_until_the_change(
    played: Skillfund,
) -> None:
    submit(
        played,
        {
            "type": "update_person",
            "person_id": demo.WANG,
            "date": "2020-12-01",
            "account": "6217000000000000999",
        },
    )

    accounts = {
        e["to_key"]: e["attributes"]
        for e in edges(played, from_key=demo.WANG, relation="paid_into")
    }

    assert accounts == {
        WANG_ACCOUNT: {"since": "2020-06-01", "until": "2020-12-01"},
        "6217000000000000999": {"since": "2020-12-01"},
    }


def test_a_changed_employer_keeps_the_old_employer_edge(played: Skillfund) -> None:
    employers = {
        e["to_key"]: e["attributes"]
        for e in edges(played, from_key=demo.CHEN, relation="works_for")
    }

    assert employers == {demo.ELECTRIC: {"since": "2020-08-01"}}  # CHEN had no employer before.


def test_people_sharing_an_account_point_at_one_account_node(played: Skillfund) -> None:
    submit(
        played,
        {
            "type": "register_person",
            "person_id": demo.person(40, date(1991, 1, 1)),
            "name": "钱多多",
            "date": "2020-09-01",
            "jurisdiction": "kunshan",
            "groups": ["enterprise_employee"],
            "insured_months": 12,
            "account": WANG_ACCOUNT,
        },
    )

    holders = {e["from_key"] for e in edges(played, to_kind="account", to_key=WANG_ACCOUNT)}

    assert holders == {demo.WANG, demo.person(40, date(1991, 1, 1))}


def test_payment_advance_publicity_and_objection_are_linked(played: Skillfund) -> None:
    assert targets(played, "payment", "KS-ZF-2020-0001") == {
        ("pays_claim", "claim", "KS-C-2020-0001")
    }
    assert targets(played, "advance", "KS-ADV-2020-01") == {
        ("advance_for", "class", "KS-2020-YX-04"),
        ("advanced_to", "institution", demo.SCHOOL),
        ("charged_to", "fund", demo.FUND),
    }
    assert ("publicizes", "claim", "KS-C-2020-0010") in targets(
        played, "publicity", "KS-GS-2020-10"
    )
    assert targets(played, "objection", "KS-YY-2020-01") == {
        ("objects_to", "claim", "KS-C-2020-0010"),
        ("raised_in", "publicity", "KS-GS-2020-10"),
    }
    assert node_attributes(played, "objection", "KS-YY-2020-01")["status"] == "dismissed"


def open_and_conclude_case(sf: Skillfund) -> None:
    """A fraud finding on the school and its paid claim, then a recovery: the aggregates
    are saved directly, as the case handlers would save them."""
    on = date(2020, 12, 1)
    case = Case(
        case_id="KS-AJ-2020-01",
        subject_ids=[demo.SCHOOL, demo.ZHOU],
        reason="虚假研修",
        on=on,
        digest="t",
    )
    claim = sf.ledger.repository.get(Claim.create_id("KS-C-2020-0011"))
    owed = claim.find_fraud(case.case_id, "云政办发 三.17", on)
    school = sf.ledger.repository.get(Institution.create_id(demo.SCHOOL))
    school.ban(case.case_id, on)
    clawbacks = [
        {"kind": "claim", "id": "KS-C-2020-0011", "fund_id": demo.FUND, "amount_fen": owed}
    ]
    case.conclude("fraud", ["KS-C-2020-0011"], [demo.SCHOOL], [], clawbacks, on, "t")
    recovery = Recovery(
        recovery_id="KS-ZH-2020-01",
        case_id=case.case_id,
        fund_id=demo.FUND,
        amount_fen=100_000,
        channel="unemployment_insurance_surplus",
        reference="追回-01",
        on=on,
        digest="t",
    )
    claim.recover(case.case_id, 100_000, on)
    sf.ledger.save(case, claim, school, recovery)
    sf.catch_up()


def test_a_case_links_its_subjects_claims_bans_and_recoveries(played: Skillfund) -> None:
    open_and_conclude_case(played)

    assert targets(played, "case", "KS-AJ-2020-01") == {
        ("investigates", "institution", demo.SCHOOL),
        ("investigates", "person", demo.ZHOU),
        ("covers", "claim", "KS-C-2020-0011"),
        ("banned", "institution", demo.SCHOOL),
    }
    assert targets(played, "recovery", "KS-ZH-2020-01") == {
        ("recovered_under", "case", "KS-AJ-2020-01"),
        ("returned_to", "fund", demo.FUND),
    }
    assert node_attributes(played, "claim", "KS-C-2020-0011")["status"] == "clawback"
    assert node_attributes(played, "institution", demo.SCHOOL)["banned"] is True
    case = node_attributes(played, "case", "KS-AJ-2020-01")
    assert {
        "status": "fraud",
        "receivable_fen": 600_000,
        "recovered_fen": 100_000,
    }.items() <= case.items()


def test_the_digest_after_a_rebuild_equals_the_incremental_digest(linked: Skillfund) -> None:
    lines = demo.demo_lines()
    submit(linked, *lines[:60])
    submit(linked, *lines[60:])  # Built in two increments.
    open_and_conclude_case(linked)
    incremental, counts = linked.runner.digest()

    linked.runner.rebuild()

    assert linked.runner.digest() == (incremental, counts)
    assert counts["pj_links"] > 100 and counts["pj_link_nodes"] > 50


class Watched(Links):
    """The links, counting the statements run while a batch's events are applied (between
    the batch's reads in `begin` and its writes in `flush`)."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        super().__init__()
        self.applying, self.statements = False, 0
        sa.event.listen(engine, "before_cursor_execute", self.count)

    def count(self, *_: Any) -> None:
        self.statements += self.applying

    def apply(self, connection: Connection, domain_event: Any, notification_id: int) -> None:
        self.applying = True
        try:
            super().apply(connection, domain_event, notification_id)
        finally:
            self.applying = False


def links_runner(sf: Skillfund, links: Links) -> Runner:
    """A runner over the links only, on the store of `sf`."""
    runner = sf.runner
    return Runner(
        engine=runner.engine, events=runner.events, decode=runner.decode, projections=[links]
    )


@pytest.mark.parametrize("batch_size", [1, 4, 5_000])
def test_a_rebuild_in_batches_of_any_size_gives_the_rows_built_as_events_arrived(
    linked: Skillfund, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    submit(linked, *demo.demo_lines())
    open_and_conclude_case(linked)
    incremental = links_runner(linked, Links()).digest()

    monkeypatch.setattr(projections.runner, "CATCH_UP_BATCH_SIZE", batch_size)
    runner = links_runner(linked, Links())
    runner.rebuild()

    assert runner.digest() == incremental


def test_a_batch_reads_every_row_it_needs_before_its_events_are_applied(
    linked: Skillfund,
) -> None:
    submit(linked, *demo.demo_lines())
    open_and_conclude_case(linked)
    watched = Watched(linked.engine)

    links_runner(linked, watched).rebuild()

    assert watched.statements == 0


def test_attributes_are_written_as_json_dumps_writes_them() -> None:
    """The links' attributes go through orjson only where it writes json.dumps's text."""

    class Level(enum.Enum):
        HIGH = 3

    values: list[object] = [
        {"status": "paid", "amount_fen": 123_400, "passed": True, "case_id": None},
        {"名称": "昆山市 培训", "on": date(2021, 3, 4), "citations": ["苏人社发〔2020〕1号 三.2"]},
        {"z": {"b": [1, {"y": 2, "x": date(1, 1, 1)}], "a": []}, "a": [[], {}]},
        {"big": 2**70, "negative": -(2**63)},
        {"float": 1e16, "small": 1e-5, "half": 0.5},
        {"at": datetime(2021, 3, 4, 5, 6, 7), "pair": (1, "x"), "level": Level.HIGH},
        {"tags": {"b", "a"} - {"a", "b"} | {"only"}},
        [3, "x", {"k": "v"}],
        {"quote": 'a"b\\c\n\t\u2028'},
    ]
    for value in values:
        expected = json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
        )
        assert dumps(value) == expected, value
    assert dumps({}) == "{}" and dumps([]) == "[]"
    with pytest.raises(TypeError):  # json.dumps cannot sort int and str keys together.
        dumps({1: "a", "b": 2})
