"""Auditors' time travel: views as of a business date, as known at a recorded time, or both."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ledger import demo
from ledger.cli import main
from ledger.queries import claim_register, fund_balance, history, show
from ledger.service import Skillfund
from ledger.timetravel import Cutoff, parse_known_at
from tests.conftest import submit


@pytest.fixture
def before_money(sf: Skillfund) -> tuple[Skillfund, datetime]:
    """The demo year recorded in two sittings: claims first, the money a moment later."""
    submit(sf, *demo.reference_data(), *demo.training(), *demo.claims())
    time.sleep(0.01)
    moment = datetime.now(UTC)
    time.sleep(0.01)
    submit(sf, *demo.money())
    return sf, moment


def test_a_balance_known_at_a_time_shows_only_what_was_recorded_by_then(before_money) -> None:
    sf, moment = before_money

    then = fund_balance(sf, demo.FUND, None, Cutoff(known_at=moment))
    now = fund_balance(sf, demo.FUND, None)

    assert (then["cash"], now["cash"]) == ("253000000.00", "242985500.00")
    assert then["known_at"] == moment.isoformat()


def test_as_of_and_known_at_combine(before_money) -> None:
    sf, moment = before_money

    data = fund_balance(
        sf, demo.FUND, date(2020, 6, 10), Cutoff(as_of=date(2020, 6, 10), known_at=moment)
    )

    assert data["cash"] == "248000000.00"


def test_a_claim_known_at_a_time_has_the_status_it_had_then(before_money) -> None:
    sf, moment = before_money

    then = show(sf, "claim", "KS-C-2020-0001", Cutoff(known_at=moment))

    assert (then["status"], then["paid"]) == ("approved", "0.00")
    assert show(sf, "claim", "KS-C-2020-0001")["status"] == "paid"


def test_the_claim_register_as_of_a_date_lists_the_claims_filed_by_then(before_money) -> None:
    sf, _ = before_money

    rows = claim_register(sf, Cutoff(as_of=date(2020, 8, 14)))

    assert sorted(r["claim_id"] for r in rows) == [
        "KS-C-2020-0003",
        "KS-C-2020-0004",
        "KS-C-2020-0008",
        "KS-C-2020-0009",
    ]


def test_history_known_at_a_time_stops_there(before_money) -> None:
    sf, moment = before_money

    events = history(sf, "KS-C-2020-0011", Cutoff(known_at=moment))["events"]

    assert [e["event"] for e in events] == ["ClaimFiled", "ClaimApproved"]


def test_a_person_as_of_a_date_shows_the_facts_in_force_then(before_money) -> None:
    sf, _ = before_money

    before = show(sf, "person", demo.CHEN, Cutoff(as_of=date(2020, 7, 1)))
    after = show(sf, "person", demo.CHEN)

    assert before["facts"]["employer_id"] is None
    assert after["facts"]["employer_id"] == demo.ELECTRIC


def test_an_entity_not_yet_recorded_at_the_cutoff_is_not_found(before_money) -> None:
    sf, _ = before_money
    from ledger.queries import NotFoundError

    with pytest.raises(NotFoundError, match="by then"):
        show(sf, "fund", demo.DISTRICT, Cutoff(as_of=date(2020, 6, 1)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-11-02", datetime(2020, 11, 2, 15, 59, 59, 999999, tzinfo=UTC)),
        ("2020-11-02T08:00:00", datetime(2020, 11, 2, 0, 0, tzinfo=UTC)),
        ("2020-11-02T08:00:00+00:00", datetime(2020, 11, 2, 8, 0, tzinfo=UTC)),
    ],
)
def test_known_at_is_read_in_china_time_unless_an_offset_is_given(
    text: str, expected: datetime
) -> None:
    assert parse_known_at(text) == expected


def test_a_bad_known_at_is_a_usage_error(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    main(["--db", db, "init"])

    assert main(["--db", db, "claims", "--known-at", "yesterday"]) == 2
    assert "--known-at" in capsys.readouterr().err


def test_the_cli_combines_as_of_and_known_at(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 't.db'}"
    main(["--db", db, "demo"])
    capsys.readouterr()

    assert (
        main(
            [
                "--db",
                db,
                "balance",
                demo.FUND,
                "--as-of",
                "2020-06-30",
                "--known-at",
                "2099-01-01",
                "--json",
            ]
        )
        == 0
    )
    assert (
        json.loads(capsys.readouterr().out)["cash"] == "238000000.00"
    )  # 248m − 10m allocated on 06-15.
