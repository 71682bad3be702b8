"""Inspectors' cases: a fraud finding rejects, claws back and bans in one transaction;
recoveries return cash to the dedicated account."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import demo
from ledger.queries import fund_balance, show
from ledger.service import Skillfund
from tests.conftest import event_count, submit, submit_one

FUND = demo.FUND


def case(case_id: str = "CASE-1", subjects: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "open_case",
        "case_id": case_id,
        "date": "2020-11-10",
        "subject_ids": subjects or [demo.SCHOOL],
        "reason": "举报：研修班学员未到课",
    }


def conclude(
    case_id: str = "CASE-1",
    finding: str = "fraud",
    claims: list[str] | None = None,
    ban: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "type": "conclude_case",
        "case_id": case_id,
        "date": "2020-11-20",
        "finding": finding,
        "claim_ids": claims or [],
        "ban_institution_ids": ban or [],
    }


def recovery(recovery_id: str, amount: str, case_id: str = "CASE-1") -> dict[str, Any]:
    return {
        "type": "record_recovery",
        "recovery_id": recovery_id,
        "case_id": case_id,
        "amount": amount,
        "date": "2020-12-01",
        "reference": f"BANK-{recovery_id}",
    }


@pytest.fixture
def paid(sf: Skillfund) -> Skillfund:
    """The demo year: its approved claims paid, the technician research one net of an advance."""
    assert all(r.ok for r in submit(sf, *demo.demo_lines()))
    return sf


def test_a_fraud_finding_claws_back_what_was_paid_including_the_settled_advance(
    paid: Skillfund,
) -> None:
    submit(paid, case())

    result = submit_one(paid, conclude(claims=["KS-C-2020-0011"], ban=[demo.SCHOOL]))

    shown = show(paid, "claim", "KS-C-2020-0011")
    balance = fund_balance(paid, FUND, None)
    assert result.status == "accepted"
    assert {"CaseConcluded", "ClaimClawedBack", "InstitutionBanned"} <= set(result.events)
    assert (shown["status"], shown["clawback"]) == ("clawback", "6000.00")
    assert balance["clawbacks_receivable"] == "6000.00"
    assert balance["trial_balance"] == "0.00"


def test_a_fraud_finding_rejects_a_claim_not_yet_paid_and_reverses_its_payable(
    sf: Skillfund,
) -> None:
    submit(sf, *demo.reference_data(), *demo.training(), *demo.claims(), case())

    submit(sf, conclude(claims=["KS-C-2020-0011"]))

    shown = show(sf, "claim", "KS-C-2020-0011")
    assert shown["status"] == "rejected"
    assert shown["reasons"][-1]["code"] == "fraud_finding"
    assert fund_balance(sf, FUND, None)["payable_by_subsidy"]["technician_research"] == "0.00"


def test_an_unsettled_advance_of_a_fraudulent_class_is_clawed_back(sf: Skillfund) -> None:
    advance = {
        "type": "pay_advance",
        "advance_id": "ADV-1",
        "fund_id": FUND,
        "institution_id": demo.SCHOOL,
        "class_id": "KS-2020-YX-04",
        "amount": "3000",
        "date": "2020-09-02",
    }
    submit(sf, *demo.reference_data(), *demo.training(), advance, *demo.claims(), case())

    submit(sf, conclude(claims=["KS-C-2020-0011"], ban=[demo.SCHOOL]))

    balance = fund_balance(sf, FUND, None)
    assert balance["advances_outstanding"] == "0.00"
    assert balance["clawbacks_receivable"] == "3000.00"


def test_a_banned_institution_gets_no_new_class(paid: Skillfund) -> None:
    submit(paid, case(), conclude(claims=["KS-C-2020-0011"], ban=[demo.SCHOOL]))

    result = submit_one(
        paid,
        demo.klass(
            "KS-2021-NEW",
            demo.SCHOOL,
            "certificate_training",
            "电工",
            "junior",
            "2021-03-01",
            "2021-03-20",
            40,
        ),
    )

    assert (result.status, result.error["code"]) == ("refused", "institution_banned")


def test_payments_in_the_pipeline_of_a_banned_institution_are_withheld(sf: Skillfund) -> None:
    publicity = {
        "type": "start_publicity",
        "publicity_id": "GS-1",
        "fund_id": FUND,
        "claim_ids": ["KS-C-2020-0009"],
        "start_date": "2020-10-26",
    }
    submit(
        sf,
        *demo.reference_data(),
        *demo.training(),
        *demo.claims(),
        publicity,
        case(subjects=[demo.ELECTRIC]),
    )
    submit(sf, conclude(claims=["KS-C-2020-0007"], ban=[demo.ELECTRIC]))

    result = submit_one(
        sf,
        {
            "type": "pay_claim",
            "payment_id": "P-1",
            "claim_id": "KS-C-2020-0009",
            "date": "2020-11-25",
            "reference": "B-1",
        },
    )

    assert (result.status, result.error["code"]) == ("refused", "institution_banned")


def test_a_claim_paying_a_banned_institution_is_rejected(paid: Skillfund) -> None:
    submit(paid, case(), conclude(claims=["KS-C-2020-0011"], ban=[demo.SCHOOL]))
    demo_school_claim = demo.claim(
        "KS-C-2021-0001",
        "school_graduate",
        demo.SCHOOL,
        demo.ZHOU,
        "2021-01-10",
        certificate_no="KS-ZS-2020-000106",
    )

    result = submit_one(paid, demo_school_claim)

    assert result.decision is not None and result.decision.outcome == "rejected"
    assert "institution_banned" in {r.code for r in result.decision.reasons}


def test_a_recovery_returns_cash_and_reduces_the_receivable(paid: Skillfund) -> None:
    submit(paid, case(), conclude(claims=["KS-C-2020-0011"], ban=[demo.SCHOOL]))
    cash_before = fund_balance(paid, FUND, None)["cash"]

    submit(paid, recovery("RC-1", "2000"))

    balance = fund_balance(paid, FUND, None)
    assert (cash_before, balance["cash"]) == ("242985500.00", "242987500.00")
    assert (balance["clawbacks_receivable"], balance["recovered"]) == ("4000.00", "2000.00")
    assert show(paid, "claim", "KS-C-2020-0011")["status"] == "clawback"


def test_a_claim_recovered_in_full_is_marked_recovered(paid: Skillfund) -> None:
    submit(paid, case(), conclude(claims=["KS-C-2020-0011"], ban=[demo.SCHOOL]))

    submit(paid, recovery("RC-1", "2000"), recovery("RC-2", "4000"))

    assert show(paid, "claim", "KS-C-2020-0011")["status"] == "recovered"
    assert fund_balance(paid, FUND, None)["clawbacks_receivable"] == "0.00"


def test_a_recovery_above_what_is_owed_is_refused(paid: Skillfund) -> None:
    submit(paid, case(), conclude(claims=["KS-C-2020-0011"]))
    before = event_count(paid)

    result = submit_one(paid, recovery("RC-1", "6000.01"))

    assert result.status == "refused"
    assert event_count(paid) == before


def test_a_recovery_under_a_cleared_case_is_refused(paid: Skillfund) -> None:
    submit(paid, case(), conclude(finding="cleared"))

    assert submit_one(paid, recovery("RC-1", "1")).status == "refused"


def test_a_case_concluded_twice_is_a_duplicate_or_a_conflict(paid: Skillfund) -> None:
    submit(paid, case(), conclude(claims=["KS-C-2020-0011"]))

    assert submit_one(paid, conclude(claims=["KS-C-2020-0011"])).status == "duplicate"
    assert submit_one(paid, conclude(finding="cleared")).status == "conflict"


def test_clearing_a_flag_that_never_fired_is_refused(paid: Skillfund) -> None:
    result = submit_one(
        paid,
        {
            "type": "clear_flag",
            "flag_id": "ATT-01:nothing",
            "date": "2020-12-01",
            "cleared_by": "稽查科",
            "reason": "误报",
        },
    )

    assert (result.status, result.error["message"].split(":")[0]) == ("refused", "flag_id")
