"""Double entry as an invariant: random valid sequences of money commands, checked after
every step — each fund's trial balance is zero, no channel is below zero, the journal's
cash by channel equals the Fund aggregate's, and cash = deposits − payments − advances
+ recoveries ± allocations."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from domain.fund import Fund
from ledger import demo
from ledger.queries import fund_balance, show
from ledger.service import Skillfund, open_skillfund
from tests.conftest import submit

FUND, DISTRICT = demo.FUND, "KS-ZXZ-2020-HQ"
CLASSES = {"KS-2020-YX-04": (demo.SCHOOL, 600_000), "KS-2020-GQ-03": (demo.ELECTRIC, 60_000)}
APPROVED = [
    "KS-C-2020-0001",
    "KS-C-2020-0003",
    "KS-C-2020-0007",
    "KS-C-2020-0009",
    "KS-C-2020-0010",
    "KS-C-2020-0011",
]
CHANNELS = ["unemployment_insurance_surplus", "employment_subsidy", "talent_fund"]

operations = st.one_of(
    st.tuples(st.just("deposit"), st.sampled_from(CHANNELS), st.integers(1, 10_000_000)),
    st.tuples(st.just("allocate"), st.integers(1, 300_000_000_00)),
    st.tuples(st.just("advance"), st.sampled_from(sorted(CLASSES)), st.integers(1, 60)),
    st.tuples(st.just("publicize"), st.sampled_from(APPROVED)),
    st.tuples(st.just("pay"), st.sampled_from(APPROVED)),
    st.tuples(st.just("publicize_and_pay"), st.sampled_from(APPROVED)),
    st.tuples(st.just("uphold_objection"), st.sampled_from(APPROVED)),
)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def command(op: tuple[Any, ...], n: int) -> list[dict[str, Any]]:
    """The command lines of one operation; ids are numbered so each step is new."""
    kind = op[0]
    if kind == "deposit":
        return [
            {
                "type": "deposit",
                "deposit_id": f"D-{n}",
                "fund_id": FUND,
                "amount": yuan(op[2]),
                "channel": op[1],
                "date": "2020-10-01",
                "reference": f"R-{n}",
            }
        ]
    if kind == "allocate":
        return [
            {
                "type": "allocate",
                "allocation_id": f"AL-{n}",
                "from_fund_id": FUND,
                "to_fund_id": DISTRICT,
                "amount": yuan(op[1]),
                "date": "2020-10-02",
            }
        ]
    if kind == "advance":
        institution, expected_fen = CLASSES[op[1]]
        return [
            {
                "type": "pay_advance",
                "advance_id": f"ADV-{n}",
                "fund_id": FUND,
                "institution_id": institution,
                "class_id": op[1],
                "amount": yuan(max(1, expected_fen * op[2] // 100)),
                "date": "2020-10-05",
            }
        ]
    if kind == "publicize":
        return [
            {
                "type": "start_publicity",
                "publicity_id": f"GS-{n}",
                "fund_id": FUND,
                "claim_ids": [op[1]],
                "start_date": "2020-11-02",
            }
        ]
    if kind == "publicize_and_pay":
        return command(("publicize", op[1]), n) + command(("pay", op[1]), n)
    if kind == "pay":
        return [
            {
                "type": "pay_claim",
                "payment_id": f"PAY-{n}",
                "claim_id": op[1],
                "date": "2020-11-20",
                "reference": f"B-{n}",
            }
        ]
    return [
        {
            "type": "record_objection",
            "objection_id": f"OB-{n}",
            "publicity_id": publicity_of(op[1]),
            "claim_id": op[1],
            "date": "2020-11-03",
            "summary": "实名举报",
        },
        {
            "type": "resolve_objection",
            "objection_id": f"OB-{n}",
            "date": "2020-11-04",
            "upheld": True,
        },
    ]


PUBLICITY_OF: dict[str, str] = {}


def publicity_of(claim_id: str) -> str:
    return PUBLICITY_OF.get(claim_id, "GS-none")


def check_invariants(sf: Skillfund, model: dict[str, int]) -> None:
    for fund_id in (FUND, DISTRICT):
        data = fund_balance(sf, fund_id, None)
        by_channel = {k: int(v.replace(".", "")) for k, v in data["cash_by_channel"].items()}
        fund = sf.ledger.repository.get(Fund.create_id(fund_id))
        assert data["trial_balance"] == "0.00"
        assert all(v >= 0 for v in by_channel.values())
        assert {k: v for k, v in by_channel.items() if v} == {
            k: v for k, v in fund.cash_by_channel.items() if v
        }
        assert int(data["cash"].replace(".", "")) == model[fund_id]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operations, min_size=1, max_size=12))
def test_every_step_of_a_random_money_sequence_keeps_the_books_balanced(
    tmp_path_factory: Any, ops: list
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('money') / 'money.db'}"
    sf = open_skillfund(url, create=True)
    district = {
        "type": "open_fund",
        "fund_id": DISTRICT,
        "jurisdiction": "kunshan",
        "name": "昆山花桥子账户",
        "date": "2020-06-10",
        "parent_fund_id": FUND,
    }
    submit(sf, *demo.reference_data(), *demo.training(), *demo.claims(), district)
    model = {FUND: 253_000_000_00, DISTRICT: 0}
    PUBLICITY_OF.clear()
    try:
        for n, op in enumerate(ops):
            results = submit(sf, *command(op, n))
            apply_to_model(sf, op, n, results, model)
            check_invariants(sf, model)
    finally:
        sf.close()


def apply_to_model(
    sf: Skillfund, op: tuple[Any, ...], n: int, results: list, model: dict[str, int]
) -> None:
    """What each accepted command of an operation does to each fund's cash, computed
    independently of the ledger's own arithmetic."""
    kind = op[0]
    accepted = [r.status == "accepted" for r in results]
    for outcome in accepted:
        event(f"{kind} {'accepted' if outcome else 'refused'}")
    if kind == "deposit" and accepted[0]:
        model[FUND] += op[2]
    elif kind == "allocate" and accepted[0]:
        model[FUND] -= op[1]
        model[DISTRICT] += op[1]
    elif kind == "advance" and accepted[0]:
        model[FUND] -= max(1, CLASSES[op[1]][1] * op[2] // 100)
    if kind in ("publicize", "publicize_and_pay") and accepted[0]:
        PUBLICITY_OF[op[1]] = f"GS-{n}"
    paid = (kind == "pay" and accepted[0]) or (kind == "publicize_and_pay" and accepted[1])
    if paid:
        shown = show(sf, "claim", op[1])
        model[FUND] -= int(shown["paid"].replace(".", ""))
