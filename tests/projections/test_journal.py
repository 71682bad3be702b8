"""The double-entry journal and the balance view."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ledger import demo
from ledger.queries import fund_balance
from ledger.service import Skillfund
from projections.balance import trial_balance
from projections.journal import POSTINGS
from tests.conftest import submit


def test_the_deposits_are_the_cash_of_the_dedicated_account_by_channel(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data())

    data = fund_balance(sf, demo.FUND, None)

    assert data["cash"] == "253000000.00"
    assert data["deposits_by_channel"] == {
        "employment_subsidy": "5000000.00",
        "unemployment_insurance_surplus": "248000000.00",
    }


def test_a_balance_as_of_a_date_counts_only_what_happened_by_then(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data())

    assert fund_balance(sf, demo.FUND, date(2020, 6, 4))["cash"] == "0.00"
    assert fund_balance(sf, demo.FUND, date(2020, 6, 5))["cash"] == "248000000.00"


def test_approved_claims_are_payable_by_subsidy_and_every_posting_balances(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data(), *demo.training(), *demo.claims())

    data = fund_balance(sf, demo.FUND, None)
    with sf.engine.connect() as connection:
        total = trial_balance(connection)
        entries = connection.execute(
            sa.select(
                POSTINGS.c.entry_id, sa.func.sum(POSTINGS.c.debit_fen - POSTINGS.c.credit_fen)
            ).group_by(POSTINGS.c.entry_id)
        ).all()

    assert data["payable_by_subsidy"]["skill_upgrade"] == "4550.00"  # 2600 + 1950
    assert data["payable_by_subsidy"]["work_based"] == "3000.00"
    assert data["trial_balance"] == "0.00" and total == 0
    assert entries and all(net == 0 for _, net in entries)
