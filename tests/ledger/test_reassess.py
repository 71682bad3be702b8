"""Re-assessment: every recorded decision decided again with the facts known at the time."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger import demo
from ledger.cli import main
from ledger.reassess import reassess
from ledger.service import Skillfund
from rules import pack as packs
from tests.conftest import submit


def test_every_decision_of_the_demo_comes_out_the_same(sf: Skillfund) -> None:
    submit(sf, *demo.demo_lines())

    checked, differences = reassess(sf)

    assert (checked, differences) == (12, [])


@pytest.fixture
def replace_kunshan() -> Iterator[Callable[..., None]]:
    """Swap the Kunshan pack in the registry (in place: lookups hold the list) for a test."""
    index = next(i for i, p in enumerate(packs.PACKS) if p.jurisdiction == "kunshan")
    original = packs.PACKS[index]

    def swap(**changes: object) -> None:
        packs.PACKS[index] = dataclasses.replace(original, **changes)

    yield swap
    packs.PACKS[index] = original


def test_a_rule_changed_after_the_fact_shows_the_decisions_it_would_change(
    sf: Skillfund, replace_kunshan
) -> None:
    submit(sf, *demo.demo_lines())
    kunshan = next(p for p in packs.PACKS if p.jurisdiction == "kunshan")
    changed = dict(kunshan.parameters)
    changed["pre_job_fen"] = dataclasses.replace(kunshan.parameters["pre_job_fen"], value=40_000)
    replace_kunshan(parameters=changed)

    _, differences = reassess(sf)

    assert [d.claim_id for d in differences] == ["KS-C-2020-0009"]
    assert (differences[0].recorded["amount_fen"], differences[0].reassessed["amount_fen"]) == (
        30_000,
        40_000,
    )


def test_facts_are_those_known_when_the_claim_was_decided(sf: Skillfund) -> None:
    # The pensioner's claim was rejected; a later update making him no pensioner must not
    # change what reassessment finds for a decision taken before it.
    later = {
        "type": "update_person",
        "person_id": demo.ZHANG,
        "date": "2020-06-01",
        "pensioner": False,
    }
    submit(sf, *demo.demo_lines(), later)

    _, differences = reassess(sf)

    assert differences == []


def test_the_cli_exits_1_when_a_decision_differs(tmp_path: Path, capsys, replace_kunshan) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    main(["--db", db, "demo"])
    capsys.readouterr()
    assert main(["--db", db, "reassess", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"checked": 12, "differences": []}

    kunshan = next(p for p in packs.PACKS if p.jurisdiction == "kunshan")
    replace_kunshan(effective_to=kunshan.effective_from)

    assert main(["--db", db, "reassess", "--json"]) == 1


@pytest.mark.parametrize("fund", [demo.FUND])
def test_reassessment_can_be_limited_to_one_fund(sf: Skillfund, fund: str) -> None:
    submit(sf, *demo.demo_lines())

    checked, _ = reassess(sf, fund)

    assert checked == 12
