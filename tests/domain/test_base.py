"""The aggregate base: events recorded and replayed through fixed signatures
(domain/base.py: `records`, `Created`, `Entity._create`)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from eventsourcing.utils import get_topic, resolve_topic

from domain.base import Created, Entity, entity_id, records
from domain.claim import Claim
from domain.decision import Decision
from domain.training import Enrollment

ON = date(2021, 3, 1)


class Tally(Entity):
    """A test aggregate: a creation event and two others, one applied by keyword."""

    TOPIC = "skillfund-test:Tally"

    class Begun(Created):
        TOPIC = "skillfund-test:Tally.Begun"
        name: str
        start: int

    class Added(Entity.Event):
        TOPIC = "skillfund-test:Tally.Added"
        amount: int
        on: date

    class Renamed(Entity.Event):
        TOPIC = "skillfund-test:Tally.Renamed"
        name: str

    @staticmethod
    def create_id(name: str) -> UUID:
        return entity_id(f"/test-tallies/{name}")

    def __init__(self, start: int, name: str) -> None:  # Not in the event's field order.
        self.name, self.total, self.history = name, start, [start]

    @records(Added)
    def add(self, on: date, amount: int) -> None:  # Nor here.
        self.total += amount
        self.history.append(self.total)

    @records(Renamed)
    def rename(self, name: str) -> None:
        self.name = name


def replayed(aggregate: Entity) -> Entity:
    """The aggregate rebuilt from its pending events, as a load rebuilds it."""
    events = list(aggregate.pending_events)
    rebuilt = events[0].mutate(None)
    for domain_event in events[1:]:
        rebuilt = domain_event.mutate(rebuilt)
    return rebuilt


def state(aggregate: Entity) -> dict[str, object]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def test_recording_applies_the_event_and_a_replay_rebuilds_the_same_state() -> None:
    tally = Tally(name="t1", start=5)
    tally.add(ON, 3)
    tally.add(amount=4, on=ON)
    tally.rename("t1-renamed")
    assert (tally.total, tally.history, tally.name, tally.version) == (
        12,
        [5, 8, 12],
        "t1-renamed",
        4,
    )
    assert tally.id == Tally.create_id("t1")
    begun, added, _, renamed = tally.pending_events
    assert (begun.name, begun.start, begun.originator_topic) == ("t1", 5, "skillfund-test:Tally")
    assert (added.amount, added.on, added.originator_version) == (3, ON, 2)
    assert renamed.name == "t1-renamed"
    assert state(replayed(tally)) == state(tally)


def test_every_recorded_event_is_of_the_class_its_topic_resolves_to() -> None:
    tally = Tally(name="t2", start=0)
    tally.add(ON, 1)
    for domain_event in tally.pending_events:
        assert resolve_topic(get_topic(type(domain_event))) is type(domain_event)
    claim_events = Enrollment(class_id="C", person_id="P", on=ON, digest="d")
    claim_events.record_attendance("k", ON, 60, None, None, "d2")
    assert [get_topic(type(e)) for e in claim_events.pending_events] == [
        "skillfund:Enrollment.Enrolled",
        "skillfund:Enrollment.AttendanceRecorded",
    ]


def test_a_method_must_take_exactly_the_fields_of_the_event_it_records() -> None:
    with pytest.raises(TypeError, match=r"must take exactly the fields of .*Added"):

        class Wrong(Entity):
            TOPIC = "skillfund-test:Wrong"

            class Begun(Created):
                TOPIC = "skillfund-test:Wrong.Begun"

            class Added(Entity.Event):
                TOPIC = "skillfund-test:Wrong.Added"
                amount: int

            def __init__(self) -> None:
                pass

            @records(Added)
            def add(self, amount: int, note: str) -> None:
                pass


def test_an_aggregate_must_define_one_creation_event_and_an_init_taking_its_fields() -> None:
    with pytest.raises(TypeError, match=r"__init__ must take exactly the fields of .*Begun"):

        class Mismatch(Entity):
            TOPIC = "skillfund-test:Mismatch"

            class Begun(Created):
                TOPIC = "skillfund-test:Mismatch.Begun"
                name: str

            def __init__(self, title: str) -> None:
                pass

    with pytest.raises(TypeError, match="one Created event and __init__"):

        class NoCreation(Entity):
            TOPIC = "skillfund-test:NoCreation"

            def __init__(self) -> None:
                pass


def test_a_wrong_call_fails_before_anything_is_recorded() -> None:
    tally = Tally(name="t3", start=0)
    with pytest.raises(TypeError):
        tally.add(ON, 1, 2)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        tally.add(ON)  # type: ignore[call-arg]
    assert (tally.version, tally.total, len(tally.pending_events)) == (1, 0, 1)


def test_a_real_claim_replays_to_the_state_it_was_recorded_with() -> None:
    claim = Claim(
        claim_id="C-1",
        fund_id="F",
        subsidy="skill_upgrade",
        beneficiary_id="P",
        person_id="P",
        class_id="K",
        certificate_no=None,
        months=None,
        days=None,
        cost_fen=None,
        enterprise_paid=False,
        on=ON,
        digest="d",
    )
    claim.decide(Decision.approve(150_000, "R-1", "clause 1", level="5"), ON)
    claim.publicize("PUB-1", ON, date(2021, 3, 8))
    assert (claim.status, claim.version) == ("publicized", 3)
    assert state(replayed(claim)) == state(claim)
