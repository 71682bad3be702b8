"""A second version of a rule pack, through the real ledger: it decides the trainings from
its effective date; claims decided before keep their recorded decisions, also when the
ledger is reopened and every aggregate is replayed from the event log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

import rules
from domain.claim import Claim
from domain.identity import make_credit_code, make_resident_id
from ledger.service import open_skillfund
from rules.jinhua import JINHUA_2020
from rules.pack import PACKS
from tests.conftest import submit

FUND = "JH-V-2021"
EVALUATOR = make_credit_code("52330702MA0000001")


def person(n: int) -> str:
    return make_resident_id("330702", date(1990, 1, n), 100 + n)


def certificate_claim(n: int, issued: str) -> list[dict[str, Any]]:
    """A person with a 专项能力证书 issued on `issued`, and their claim for it."""
    return [
        {
            "type": "register_person",
            "person_id": person(n),
            "name": f"学员{n}",
            "date": "2020-01-06",
            "jurisdiction": "jinhua",
        },
        {
            "type": "issue_certificate",
            "certificate_no": f"ZX-{n}",
            "person_id": person(n),
            "kind": "special_ability",
            "occupation": "面点制作",
            "issued_on": issued,
            "issuer_id": EVALUATOR,
            "issued_in": "jinhua",
        },
        {
            "type": "file_claim",
            "claim_id": f"C-{n}",
            "fund_id": FUND,
            "date": "2021-03-01",
            "subsidy": "skill_upgrade",
            "beneficiary_id": person(n),
            "person_id": person(n),
            "certificate_no": f"ZX-{n}",
        },
    ]


REFERENCE = [
    {
        "type": "open_fund",
        "fund_id": FUND,
        "jurisdiction": "jinhua",
        "name": "金华",
        "date": "2020-01-06",
    },
    {
        "type": "register_institution",
        "institution_id": EVALUATOR,
        "name": "鉴定中心",
        "kind": "evaluation_org",
        "jurisdiction": "jinhua",
        "date": "2020-01-06",
    },
]


@pytest.fixture
def version_2021() -> Iterator[None]:
    """Jinhua's pack ends 2020-12-31 and a version raising 专项能力 to 700 yuan takes over
    on 2021-01-01, in the registry the ledger uses; restored afterwards."""
    saved = list(PACKS)
    parameters = dict(JINHUA_2020.parameters)
    parameters["skill_upgrade_special_ability_fen"] = replace(
        parameters["skill_upgrade_special_ability_fen"], value=70_000
    )
    PACKS[PACKS.index(JINHUA_2020)] = replace(JINHUA_2020, effective_to=date(2020, 12, 31))
    rules.pack.register(
        replace(
            JINHUA_2020,
            version="2021-01-01",
            effective_from=date(2021, 1, 1),
            parameters=parameters,
        )
    )
    try:
        yield
    finally:
        PACKS[:] = saved


def decided(results: list[Any]) -> dict[str, tuple[str, int]]:
    return {
        r.key: (r.decision.pack, r.decision.amount_fen) for r in results if r.type == "file_claim"
    }


def test_claims_decided_before_a_new_version_keep_their_decisions(
    db_url: str, request: pytest.FixtureRequest
) -> None:
    """C-1, a 2021 training decided while the 2020 pack still covered 2021, keeps 600
    yuan; after the 2021 version is registered, a 2021 training gets 700 and a 2020
    training still 600; reopening the ledger replays C-1 without re-running the rules."""
    sf = open_skillfund(db_url, create=True)
    first = decided(submit(sf, *REFERENCE, *certificate_claim(1, "2021-01-15")))
    sf.close()

    request.getfixturevalue("version_2021")
    sf = open_skillfund(db_url)
    later = decided(
        submit(sf, *certificate_claim(2, "2020-12-31"), *certificate_claim(3, "2021-01-15"))
    )
    replayed = sf.ledger.find(Claim, Claim.create_id("C-1"))
    sf.close()

    assert first == {"C-1": ("jinhua@2020-01-05", 60_000)}
    assert later == {"C-2": ("jinhua@2020-01-05", 60_000), "C-3": ("jinhua@2021-01-01", 70_000)}
    assert replayed is not None
    assert (replayed.decision.pack, replayed.decision.amount_fen) == ("jinhua@2020-01-05", 60_000)


def test_explain_lists_the_version_in_force_on_the_day(version_2021: None) -> None:
    packs = {
        on: {r["pack"] for r in rules.explain("jinhua", on)}
        for on in (date(2020, 12, 31), date(2021, 1, 1))
    }

    assert packs == {
        date(2020, 12, 31): {"jinhua@2020-01-05"},
        date(2021, 1, 1): {"jinhua@2021-01-01"},
    }
