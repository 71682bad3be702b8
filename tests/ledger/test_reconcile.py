"""Reconciling the ledger's cash movements against the bank statement."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.reconcile import CashMovement, Reconciliation, reconcile
from ledger.statements import StatementLine

DAY = date(2020, 6, 1)


def movement(entry_id: int, amount_fen: int, reference: str = "", days: int = 0) -> CashMovement:
    kind = "deposit" if amount_fen > 0 else "claim_paid"
    return CashMovement(entry_id, DAY + timedelta(days), amount_fen, reference, kind)


def line(line_no: int, amount_fen: int, reference: str = "", days: int = 0) -> StatementLine:
    return StatementLine(line_no, DAY + timedelta(days), amount_fen, reference, "对方")


def shape(result: Reconciliation) -> list[tuple[str, list[int], list[int]]]:
    """Each matched group as (how, entry ids, line numbers)."""
    return [
        (g.how, [m.entry_id for m in g.ledger], [b.line_no for b in g.bank]) for g in result.matched
    ]


def test_a_reference_match_ignores_case_and_spaces() -> None:
    result = reconcile([movement(1, 10_000, "dep 2020-001")], [line(2, 10_000, "DEP2020-001", 9)])

    assert shape(result) == [("reference", [1], [2])]
    assert result.reconciled


def test_one_bank_line_matches_several_movements_with_its_reference_and_sum() -> None:
    ledger = [movement(1, -260_000, "BATCH-7"), movement(2, -150_000, "BATCH-7")]

    result = reconcile(ledger, [line(9, -410_000, "batch-7", 1)])

    assert shape(result) == [("reference", [1, 2], [9])]
    assert result.reconciled


def test_several_bank_lines_match_one_movement_with_their_reference_and_sum() -> None:
    bank = [line(3, 6_000, "DEP-9"), line(4, 4_000, "DEP-9", 1)]

    result = reconcile([movement(1, 10_000, "DEP-9")], bank)

    assert shape(result) == [("reference", [1], [3, 4])]


def test_equal_references_with_equal_amounts_pair_one_to_one_by_closest_date() -> None:
    ledger = [movement(1, 500, "FEE", 0), movement(2, 500, "FEE", 10)]
    bank = [line(7, 500, "FEE", 9), line(8, 500, "FEE", 1)]

    result = reconcile(ledger, bank)

    assert shape(result) == [("reference", [1], [8]), ("reference", [2], [7])]


def test_a_reference_whose_amounts_disagree_is_an_amount_difference() -> None:
    result = reconcile([movement(1, -260_000, "PAY-7")], [line(5, -250_000, "PAY-7")])

    (difference,) = result.amount_differences
    assert (difference.ledger_fen, difference.bank_fen, difference.difference_fen) == (
        -260_000,
        -250_000,
        10_000,
    )
    assert not result.matched and not result.bank_only and not result.ledger_only
    assert not result.reconciled


@pytest.mark.parametrize("days", [-3, 0, 2, 3])
def test_equal_amounts_within_the_window_match_without_a_reference(days: int) -> None:
    result = reconcile([movement(1, -430_000, "PAY-8")], [line(4, -430_000, "BK0001", days)])

    assert shape(result) == [("amount_date", [1], [4])]


@pytest.mark.parametrize("days", [-4, 4, 10])
def test_equal_amounts_outside_the_window_do_not_match(days: int) -> None:
    result = reconcile([movement(1, -430_000)], [line(4, -430_000, days=days)])

    assert not result.matched
    assert [m.entry_id for m in result.ledger_only] == [1]
    assert [b.line_no for b in result.bank_only] == [4]


def test_the_window_can_be_widened() -> None:
    result = reconcile([movement(1, -430_000)], [line(4, -430_000, days=5)], window_days=5)

    assert shape(result) == [("amount_date", [1], [4])]


def test_equal_amounts_pair_with_the_closest_date_first() -> None:
    ledger = [movement(1, 100, days=0), movement(2, 100, days=2)]
    bank = [line(5, 100, days=3), line(6, 100, days=1)]

    result = reconcile(ledger, bank)

    # Entry 2 and line 5 are a day apart, as are entry 1 and line 6: both pairs are closest.
    assert shape(result) == [("amount_date", [1], [6]), ("amount_date", [2], [5])]


def test_opposite_signs_never_match() -> None:
    result = reconcile([movement(1, 100)], [line(1, -100)])

    assert not result.matched


def test_a_batch_line_matches_several_movements_of_one_date_that_sum_to_it() -> None:
    ledger = [
        movement(1, -100_000, days=1),
        movement(2, -150_000, days=1),
        movement(3, -70_000, days=1),
    ]

    result = reconcile(ledger, [line(9, -250_000, "代发 0601", 2)])

    assert shape(result) == [("aggregate", [1, 2], [9])]
    assert [m.entry_id for m in result.ledger_only] == [3]


def test_several_bank_lines_of_one_date_match_one_movement_that_they_sum_to() -> None:
    bank = [line(1, 30_000, days=1), line(2, 20_000, days=1), line(3, 50_000, days=1)]

    result = reconcile([movement(7, 50_000 + 50_000)], bank)

    # Lines 1+2+3 sum to 100,000 as a whole day: the day's batch is preferred to a subset.
    assert shape(result) == [("aggregate", [7], [1, 2, 3])]


def test_items_of_different_dates_do_not_make_an_aggregate() -> None:
    ledger = [movement(1, -100, days=0), movement(2, -200, days=1)]

    result = reconcile(ledger, [line(9, -300, days=1)])

    assert not result.matched


def test_a_subset_larger_than_the_group_limit_is_not_searched() -> None:
    ledger = [movement(n, -100, days=0) for n in range(1, 8)]  # Seven payments of 1.00.
    bank = [line(9, -600), line(10, -400)]

    result = reconcile(ledger, bank)

    # Line 9 would need six of them (and the whole day is seven); line 10 takes four.
    assert shape(result) == [("aggregate", [1, 2, 3, 4], [10])]
    assert [b.line_no for b in result.bank_only] == [9]
    assert [m.entry_id for m in result.ledger_only] == [5, 6, 7]


def test_unmatched_items_on_both_sides_are_reported_in_date_order() -> None:
    ledger = [movement(2, 999, "X", days=2), movement(1, 500, "Y", days=5)]
    bank = [line(4, -77, "Z", days=3), line(3, 12, days=1)]

    result = reconcile(ledger, bank)

    assert [b.line_no for b in result.bank_only] == [3, 4]
    assert [m.entry_id for m in result.ledger_only] == [2, 1]
    assert not result.reconciled


def test_reference_matching_comes_before_amount_and_date() -> None:
    ledger = [movement(1, 100, "A", days=0), movement(2, 100, "B", days=0)]
    bank = [line(1, 100, "B", days=0), line(2, 100, "A", days=3)]

    result = reconcile(ledger, bank)

    # Both groups start on one date, so they are listed in the order of their bank lines.
    assert shape(result) == [("reference", [2], [1]), ("reference", [1], [2])]


def test_empty_inputs_are_reconciled() -> None:
    result = reconcile([], [])

    assert result.reconciled
    assert result.to_json()["difference"] == "0.00"


def mixed_case() -> tuple[list[CashMovement], list[StatementLine]]:
    ledger = [
        movement(1, 500_000_000, "DEP-2020-001"),
        movement(2, -260_000, "PAY-7", 3),
        movement(3, -150_000, "PAY-8", 3),
        movement(4, -100_000, days=6),
        movement(5, -70_000, days=6),
        movement(6, -1_000, "PAY-9", 8),
        movement(7, 42, days=20),
    ]
    bank = [
        line(1, 500_000_000, " dep - 2020-001 "),
        line(2, -410_000, "", 4),
        line(3, -170_000, "", 7),
        line(4, -1_500, "pay-9", 8),
        line(5, -50, "", 29),
    ]
    return ledger, bank


def test_the_result_does_not_depend_on_the_order_of_the_inputs() -> None:
    ledger, bank = mixed_case()
    expected = reconcile(ledger, bank).to_json()

    for seed in range(20):
        rng = random.Random(seed)
        shuffled_ledger, shuffled_bank = ledger[:], bank[:]
        rng.shuffle(shuffled_ledger)
        rng.shuffle(shuffled_bank)
        assert reconcile(shuffled_ledger, shuffled_bank).to_json() == expected


def test_a_mixed_statement_is_matched_pass_by_pass() -> None:
    ledger, bank = mixed_case()

    result = reconcile(ledger, bank)

    assert shape(result) == [
        ("reference", [1], [1]),
        ("aggregate", [2, 3], [2]),
        ("aggregate", [4, 5], [3]),
    ]
    assert [d.reference for d in result.amount_differences] == ["pay-9"]
    assert [b.line_no for b in result.bank_only] == [5]
    assert [m.entry_id for m in result.ledger_only] == [7]


def test_the_json_report_writes_amounts_as_yuan_strings() -> None:
    ledger, bank = mixed_case()

    report = reconcile(ledger, bank).to_json()

    assert report["reconciled"] is False
    assert (report["ledger_total"], report["bank_total"]) == ("4994190.42", "4994184.50")
    assert report["matched"][0]["ledger"] == [
        {
            "entry_id": 1,
            "date": "2020-06-01",
            "amount": "5000000.00",
            "reference": "DEP-2020-001",
            "kind": "deposit",
        }
    ]
    assert report["amount_differences"][0]["difference"] == "-5.00"
    assert report["bank_only"][0]["amount"] == "-0.50"
    json.dumps(report)  # Everything in it is JSON.


def test_the_text_report_has_chinese_and_english_headings() -> None:
    ledger, bank = mixed_case()

    text = reconcile(ledger, bank).render_text()

    for heading in ("NOT reconciled 未平", "matched 已匹配 (3)", "amount differences 金额不符 (1)"):
        assert heading in text
    assert "bank only 银行有、账簿无 (1)" in text
    assert "ledger only 账簿有、银行无 (1)" in text
    assert "5000000.00" in text


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(ValueError, match="window_days"):
        reconcile([], [], window_days=-1)


def test_two_movements_with_one_entry_id_are_refused() -> None:
    with pytest.raises(ValueError, match="entry_id"):
        reconcile([movement(1, 100), movement(1, 200)], [])


AMOUNTS = st.sampled_from([-260_000, -150_000, -100_000, -50, 100, 10_000, 500_000_000])
REFERENCES = st.sampled_from(["", "", "PAY-7", "pay 7", "DEP-1", "X"])
MOVEMENTS = st.lists(st.tuples(AMOUNTS, REFERENCES, st.integers(0, 9)), max_size=12)


@given(ledger_rows=MOVEMENTS, bank_rows=MOVEMENTS)
def test_every_movement_and_line_is_reported_exactly_once(
    ledger_rows: list[tuple[int, str, int]], bank_rows: list[tuple[int, str, int]]
) -> None:
    ledger = [movement(n, a, r, d) for n, (a, r, d) in enumerate(ledger_rows, start=1)]
    bank = [line(n, a, r, d) for n, (a, r, d) in enumerate(bank_rows, start=1)]

    result = reconcile(ledger, bank)

    groups = [(g.ledger, g.bank) for g in result.matched]
    groups += [(d.ledger, d.bank) for d in result.amount_differences]
    reported_ledger = [m for movements, _ in groups for m in movements] + list(result.ledger_only)
    reported_bank = [b for _, lines in groups for b in lines] + list(result.bank_only)
    assert sorted(m.entry_id for m in reported_ledger) == [m.entry_id for m in ledger]
    assert sorted(b.line_no for b in reported_bank) == [b.line_no for b in bank]
    assert all(sum(m.amount_fen for m in g.ledger) == g.amount_fen for g in result.matched)


@given(ledger_rows=MOVEMENTS)
def test_a_statement_that_mirrors_the_ledger_reconciles(
    ledger_rows: list[tuple[int, str, int]],
) -> None:
    ledger = [movement(n, a, r, d) for n, (a, r, d) in enumerate(ledger_rows, start=1)]
    bank = [line(m.entry_id, m.amount_fen, m.reference, (m.date - DAY).days) for m in ledger]

    result = reconcile(ledger, bank)

    assert result.reconciled
