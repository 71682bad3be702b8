"""The demo's Kunshan year, decided as 昆政办发〔2020〕67号 says."""

from __future__ import annotations

import pytest

from ledger import demo
from ledger.service import Skillfund
from tests.conftest import submit

KUNSHAN = "昆政办发〔2020〕67号"

# claim -> (outcome, amount, reason codes that must be among the reasons, a clause cited)
EXPECTED = {
    "KS-C-2020-0001": ("approved", "2600.00", set(), "四.4"),
    "KS-C-2020-0002": ("rejected", "0.00", {"pensioner"}, "十四"),
    "KS-C-2020-0003": ("approved", "1950.00", set(), "四.4"),
    "KS-C-2020-0004": ("rejected", "0.00", {"certificate_already_claimed"}, None),
    "KS-C-2020-0005": ("rejected", "0.00", {"same_occupation_level"}, "十四"),
    "KS-C-2020-0006": ("rejected", "0.00", {"certificate_of_another_person"}, None),
    "KS-C-2020-0007": ("approved", "3000.00", set(), "四.2"),
    "KS-C-2020-0008": ("rejected", "0.00", {"exclusive_subsidy"}, "四.2"),
    "KS-C-2020-0009": ("approved", "300.00", set(), "四.2"),
    "KS-C-2020-0010": ("approved", "650.00", set(), "六"),
    "KS-C-2020-0011": ("approved", "6000.00", set(), "四.5"),
    "KS-C-2020-0012": ("rejected", "0.00", {"attendance_below_minimum"}, None),
}


@pytest.fixture
def decisions(sf: Skillfund) -> dict[str, dict]:
    results = submit(sf, *demo.demo_lines())
    assert [r.status for r in results if r.status != "accepted"] == []
    return {r.key: r.to_json()["decision"] for r in results if r.type == "file_claim"}


@pytest.mark.parametrize("claim_id", sorted(EXPECTED))
def test_each_demo_claim_is_decided_as_the_document_says(
    decisions: dict[str, dict], claim_id: str
) -> None:
    outcome, amount, codes, clause = EXPECTED[claim_id]

    decision = decisions[claim_id]

    assert (decision["outcome"], decision["amount"]) == (outcome, amount)
    assert codes <= {r["code"] for r in decision["reasons"]}
    assert all(c.startswith(KUNSHAN) for c in decision["citations"])
    if clause is not None:
        assert f"{KUNSHAN} {clause}" in decision["citations"]
    assert decision["pack"].startswith("kunshan@")
