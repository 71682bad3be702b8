"""The dedicated account as finance runs it: advances, publicity, objections, payments,
funding channels and district sub-accounts."""

from __future__ import annotations

from typing import Any

import pytest

from ledger import demo
from ledger.queries import fund_balance, show
from ledger.service import Skillfund
from tests.conftest import submit, submit_one

FUND = demo.FUND
YX = "KS-2020-YX-04"  # Technician research at the school: 1 trainee, 6000 expected.
GQ = "KS-2020-GQ-03"  # Pre-job at the enterprise: 2 trainees, 300 each expected.


def advance(
    advance_id: str, class_id: str, institution: str, amount: str, on: str = "2020-09-02"
) -> dict[str, Any]:
    return {
        "type": "pay_advance",
        "advance_id": advance_id,
        "fund_id": FUND,
        "institution_id": institution,
        "class_id": class_id,
        "amount": amount,
        "date": on,
    }


def publicity(publicity_id: str, claim_ids: list[str], start: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "start_publicity",
        "publicity_id": publicity_id,
        "fund_id": FUND,
        "claim_ids": claim_ids,
        "start_date": start,
        **extra,
    }


def payment(payment_id: str, claim_id: str, on: str) -> dict[str, Any]:
    return {
        "type": "pay_claim",
        "payment_id": payment_id,
        "claim_id": claim_id,
        "date": on,
        "reference": f"BANK-{payment_id}",
    }


def objection(objection_id: str, publicity_id: str, claim_id: str, on: str) -> dict[str, Any]:
    return {
        "type": "record_objection",
        "objection_id": objection_id,
        "publicity_id": publicity_id,
        "claim_id": claim_id,
        "date": on,
        "summary": "举报：学员未实际参训",
    }


def resolve(objection_id: str, on: str, upheld: bool) -> dict[str, Any]:
    return {"type": "resolve_objection", "objection_id": objection_id, "date": on, "upheld": upheld}


@pytest.fixture
def trained(sf: Skillfund) -> Skillfund:
    """The demo's reference data and training, without its claims."""
    submit(sf, *demo.reference_data(), *demo.training())
    return sf


def claims(sf: Skillfund) -> None:
    assert all(r.ok for r in submit(sf, *demo.claims()))


def test_an_advance_up_to_half_the_expected_subsidy_is_paid_from_the_dedicated_account(
    trained: Skillfund,
) -> None:
    result = submit_one(trained, advance("ADV-1", YX, demo.SCHOOL, "3000"))

    assert result.status == "accepted"
    data = fund_balance(trained, FUND, None)
    assert data["advances_outstanding"] == "3000.00"
    assert data["cash_by_channel"]["unemployment_insurance_surplus"] == "247997000.00"


def test_an_advance_above_half_the_expected_subsidy_is_refused(trained: Skillfund) -> None:
    result = submit_one(trained, advance("ADV-1", YX, demo.SCHOOL, "3000.01"))

    assert result.status == "refused"
    assert "above 50%" in result.error["message"]


def test_a_second_advance_for_a_class_while_the_first_is_open_is_refused(
    trained: Skillfund,
) -> None:
    submit(trained, advance("ADV-1", YX, demo.SCHOOL, "1000"))

    result = submit_one(trained, advance("ADV-2", YX, demo.SCHOOL, "1000"))

    assert (result.status, result.error["code"]) == ("refused", "advance_open")


def test_an_advance_to_an_institution_that_does_not_run_the_class_is_refused(
    trained: Skillfund,
) -> None:
    result = submit_one(trained, advance("ADV-1", YX, demo.ELECTRIC, "1000"))

    assert result.status == "refused"
    assert result.error["message"].startswith("institution_id:")


def test_publicity_lasts_five_working_days_and_payment_waits_for_its_end(
    trained: Skillfund,
) -> None:
    claims(trained)
    # From Wednesday 2020-09-30, 5 working days cross National Day (10-1 to 10-8 off) and
    # the adjusted working Saturday 10-10: 9-30, 10-9, 10-10, 10-12, 10-13.
    submit(trained, publicity("GS-1", ["KS-C-2020-0011"], "2020-09-30"))

    assert show(trained, "claim", "KS-C-2020-0011")["publicity_end"] == "2020-10-13"
    early = submit_one(trained, payment("PAY-1", "KS-C-2020-0011", "2020-10-13"))
    assert (early.status, early.error["message"].split(":")[0]) == ("refused", "date")
    assert (
        submit_one(trained, payment("PAY-1", "KS-C-2020-0011", "2020-10-14")).status == "accepted"
    )


def test_a_payment_nets_off_the_advance_of_its_class(trained: Skillfund) -> None:
    submit(trained, advance("ADV-1", YX, demo.SCHOOL, "3000"))
    claims(trained)
    submit(trained, publicity("GS-1", ["KS-C-2020-0011"], "2020-10-26"))

    result = submit_one(trained, payment("PAY-1", "KS-C-2020-0011", "2020-11-02"))

    shown = show(trained, "claim", "KS-C-2020-0011")
    assert result.status == "accepted"
    assert (shown["status"], shown["amount"], shown["paid"], shown["advance_settled"]) == (
        "paid",
        "6000.00",
        "3000.00",
        "3000.00",
    )
    data = fund_balance(trained, FUND, None)
    assert data["advances_outstanding"] == "0.00"
    assert data["paid_by_subsidy"] == {"technician_research": "6000.00"}
    assert data["cash"] == "252994000.00"  # 253,000,000 − 3000 advance − 3000 net payment.


def test_an_unpaid_claim_is_refused_payment_until_publicized(trained: Skillfund) -> None:
    claims(trained)

    result = submit_one(trained, payment("PAY-1", "KS-C-2020-0011", "2020-11-02"))

    assert result.status == "refused"
    assert "approved" in result.error["message"]


def test_paying_a_rejected_claim_is_refused(trained: Skillfund) -> None:
    claims(trained)

    result = submit_one(trained, payment("PAY-1", "KS-C-2020-0002", "2020-11-02"))

    assert result.status == "refused"
    assert "rejected" in result.error["message"]


def test_a_claim_is_paid_once(trained: Skillfund) -> None:
    claims(trained)
    submit(
        trained,
        publicity("GS-1", ["KS-C-2020-0011"], "2020-10-26"),
        payment("PAY-1", "KS-C-2020-0011", "2020-11-02"),
    )

    again = submit_one(trained, payment("PAY-2", "KS-C-2020-0011", "2020-11-03"))

    assert (again.status, "already paid" in again.error["message"]) == ("refused", True)


def test_an_objection_holds_the_claim_and_payment_is_refused_while_it_is_open(
    trained: Skillfund,
) -> None:
    claims(trained)
    submit(
        trained,
        publicity("GS-1", ["KS-C-2020-0011"], "2020-10-26"),
        objection("OB-1", "GS-1", "KS-C-2020-0011", "2020-10-27"),
    )

    result = submit_one(trained, payment("PAY-1", "KS-C-2020-0011", "2020-11-02"))

    assert show(trained, "claim", "KS-C-2020-0011")["status"] == "held"
    assert result.status == "refused"


def test_a_dismissed_objection_releases_the_claim_for_payment(trained: Skillfund) -> None:
    claims(trained)
    submit(
        trained,
        publicity("GS-1", ["KS-C-2020-0011"], "2020-10-26"),
        objection("OB-1", "GS-1", "KS-C-2020-0011", "2020-10-27"),
        resolve("OB-1", "2020-10-29", False),
    )

    assert (
        submit_one(trained, payment("PAY-1", "KS-C-2020-0011", "2020-11-02")).status == "accepted"
    )


def test_an_upheld_objection_rejects_the_claim_and_reverses_what_was_payable(
    trained: Skillfund,
) -> None:
    claims(trained)
    before = fund_balance(trained, FUND, None)["payable_by_subsidy"]["technician_research"]
    submit(
        trained,
        publicity("GS-1", ["KS-C-2020-0011"], "2020-10-26"),
        objection("OB-1", "GS-1", "KS-C-2020-0011", "2020-10-27"),
        resolve("OB-1", "2020-10-29", True),
    )

    shown = show(trained, "claim", "KS-C-2020-0011")
    assert before == "6000.00"
    assert shown["status"] == "rejected"
    assert [r["code"] for r in shown["reasons"]] == ["objection_upheld"]
    assert fund_balance(trained, FUND, None)["payable_by_subsidy"]["technician_research"] == "0.00"


def test_an_objection_outside_the_publicity_period_is_refused(trained: Skillfund) -> None:
    claims(trained)
    submit(trained, publicity("GS-1", ["KS-C-2020-0011"], "2020-10-26"))

    result = submit_one(trained, objection("OB-1", "GS-1", "KS-C-2020-0011", "2020-11-20"))

    assert (result.status, result.error["message"].split(":")[0]) == ("refused", "date")


def test_an_advance_left_over_when_the_class_is_done_becomes_owed_by_the_institution(
    trained: Skillfund,
) -> None:
    submit(trained, advance("ADV-1", GQ, demo.ELECTRIC, "300", on="2020-08-05"))
    claims(trained)  # Of the class, only KS-C-2020-0009 (300) is approved.
    submit(
        trained,
        publicity("GS-1", ["KS-C-2020-0009"], "2020-08-11"),
        objection("OB-1", "GS-1", "KS-C-2020-0009", "2020-08-12"),
        resolve("OB-1", "2020-08-14", True),
    )

    data = fund_balance(trained, FUND, None)

    assert data["advances_outstanding"] == "0.00"
    assert data["institution_receivable"] == "300.00"
    assert data["trial_balance"] == "0.00"


def test_only_approved_claims_can_be_publicized(trained: Skillfund) -> None:
    claims(trained)

    result = submit_one(
        trained, publicity("GS-1", ["KS-C-2020-0011", "KS-C-2020-0002"], "2020-10-26")
    )

    assert result.status == "refused"
    assert "KS-C-2020-0002" in result.error["message"]
    assert show(trained, "claim", "KS-C-2020-0011")["status"] == "approved"  # Nothing half-written.


def district(fund_id: str = "KS-ZXZ-2020-KFQ") -> dict[str, Any]:
    return {
        "type": "open_fund",
        "fund_id": fund_id,
        "jurisdiction": "kunshan",
        "name": "昆山开发区子账户",
        "date": "2020-06-10",
        "parent_fund_id": FUND,
    }


def allocation(allocation_id: str, amount: str, to: str = "KS-ZXZ-2020-KFQ") -> dict[str, Any]:
    return {
        "type": "allocate",
        "allocation_id": allocation_id,
        "from_fund_id": FUND,
        "to_fund_id": to,
        "amount": amount,
        "date": "2020-06-15",
    }


def test_an_allocation_moves_cash_to_a_district_sub_account_and_the_city_consolidates(
    sf: Skillfund,
) -> None:
    submit(sf, *demo.reference_data(), district())

    result = submit_one(sf, allocation("AL-1", "1000000"))

    data = fund_balance(sf, FUND, None)
    assert result.status == "accepted"
    assert data["cash"] == "252000000.00"
    assert data["sub_accounts"][0]["cash"] == "1000000.00"
    assert data["consolidated"]["cash"] == "253000000.00"
    assert data["consolidated"]["trial_balance"] == "0.00"


def test_an_allocation_to_a_fund_that_is_not_a_sub_account_is_refused(sf: Skillfund) -> None:
    other = {
        "type": "open_fund",
        "fund_id": "KS-OTHER",
        "jurisdiction": "kunshan",
        "name": "另一账户",
        "date": "2020-06-10",
    }
    submit(sf, *demo.reference_data(), other)

    result = submit_one(sf, allocation("AL-1", "1", to="KS-OTHER"))

    assert result.status == "refused"


def test_no_channel_goes_below_zero(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data(), district())

    result = submit_one(sf, allocation("AL-1", "253000000.01"))

    assert (result.status, result.error["code"]) == ("refused", "insufficient_funds")


def test_a_publicity_outside_the_holiday_calendar_is_refused_naming_the_start_date(
    trained: Skillfund,
) -> None:
    claims(trained)

    result = submit_one(trained, publicity("GS-1", ["KS-C-2020-0011"], "2024-03-01"))

    assert (result.status, result.error["message"].split(":")[0]) == ("refused", "start_date")
