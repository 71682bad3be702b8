"""Statuses of submitted lines: accepted, refused, invalid, duplicate, conflict — and
that nothing but an accepted line ever writes."""

from __future__ import annotations

import json

import pytest

from ledger import demo
from ledger.commands import Command
from ledger.service import Skillfund
from tests.conftest import event_count, submit, submit_one
from tests.ledger.factories import FUND, certificate, claim, opening


def test_every_opening_command_is_accepted_with_its_events(sf: Skillfund) -> None:
    results = submit(sf, *opening())

    assert [r.status for r in results] == ["accepted"] * len(results)
    assert results[0].events == ["FundOpened"]
    assert results[1].events == ["DepositReceived", "FundCashMoved"]
    assert results[3].events == ["CatalogPublished", "CatalogIndexStarted", "CatalogIndexListed"]


def test_the_same_command_twice_is_a_duplicate_and_writes_nothing(sf: Skillfund) -> None:
    submit(sf, *opening())
    before = event_count(sf)

    result = submit_one(sf, opening()[1])

    assert result.status == "duplicate"
    assert result.events == []
    assert event_count(sf) == before


def test_an_amount_written_differently_is_still_a_duplicate(sf: Skillfund) -> None:
    submit(sf, *opening())
    again = dict(opening()[1], amount="248000000.00")

    assert submit_one(sf, again).status == "duplicate"


def test_the_same_key_with_other_content_is_a_conflict_and_writes_nothing(sf: Skillfund) -> None:
    submit(sf, *opening())
    before = event_count(sf)

    result = submit_one(sf, dict(opening()[1], amount="1.00"))

    assert result.status == "conflict"
    assert result.error is not None and result.error["code"] == "conflict"
    assert event_count(sf) == before


def test_an_attendance_record_submitted_twice_is_a_duplicate(sf: Skillfund) -> None:
    lines = (
        opening()
        + demo.training()[:1]
        + demo.train(
            "KS-2020-DG-01", demo.WANG, "2020-07-01", demo.date(2020, 7, 6), 1, 8, "2020-07-31"
        )
    )
    submit(sf, *lines)

    result = submit_one(sf, lines[-2])

    assert result.status == "duplicate"


@pytest.mark.parametrize(
    ("command", "field"),
    [
        (
            {
                "type": "deposit",
                "deposit_id": "D-9",
                "fund_id": "NO-SUCH-FUND",
                "amount": "1",
                "channel": "other",
                "date": "2020-07-01",
                "reference": "x",
            },
            "fund_id",
        ),
        (
            {
                "type": "enroll",
                "class_id": "NO-SUCH-CLASS",
                "person_id": demo.WANG,
                "date": "2020-07-01",
            },
            "class_id",
        ),
        (
            {
                "type": "enroll",
                "class_id": "KS-2020-DG-01",
                "person_id": demo.make_resident_id("320583", demo.date(2001, 1, 1), 999),
                "date": "2020-07-01",
            },
            "person_id",
        ),
        (
            {
                "type": "register_person",
                "person_id": demo.make_resident_id("320583", demo.date(2001, 1, 1), 998),
                "name": "无名",
                "date": "2020-07-01",
                "jurisdiction": "kunshan",
                "employer_id": demo.org(99),
            },
            "employer_id",
        ),
    ],
)
def test_a_reference_to_something_not_recorded_is_refused_naming_the_field(
    sf: Skillfund, command: dict, field: str
) -> None:
    submit(sf, *opening(), *demo.training()[:1])
    before = event_count(sf)

    result = submit_one(sf, command)

    assert result.status == "refused"
    assert result.error is not None and result.error["field"] == field
    assert event_count(sf) == before


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("{not json", ""),
        (json.dumps({"type": "no_such_command"}), "type"),
        (
            json.dumps(
                {
                    "type": "deposit",
                    "deposit_id": "D-1",
                    "fund_id": FUND,
                    "amount": "1.234",
                    "channel": "other",
                    "date": "2020-07-01",
                    "reference": "x",
                }
            ),
            "amount",
        ),
        (
            json.dumps(
                {
                    "type": "deposit",
                    "deposit_id": "D-1",
                    "fund_id": FUND,
                    "amount": 100,
                    "channel": "other",
                    "date": "2020-07-01",
                    "reference": "x",
                }
            ),
            "amount",
        ),
        (
            json.dumps(
                {
                    "type": "deposit",
                    "deposit_id": "D-1",
                    "fund_id": FUND,
                    "amount": "100",
                    "channel": "other",
                    "date": "2020-02-30",
                    "reference": "x",
                }
            ),
            "date",
        ),
        (
            json.dumps(
                {
                    "type": "deposit",
                    "deposit_id": "D-1",
                    "fund_id": FUND,
                    "amount": "100",
                    "channel": "other",
                    "date": "2020-07-01",
                    "reference": "x",
                    "memo": "?",
                }
            ),
            "memo",
        ),
        (
            json.dumps(
                {
                    "type": "deposit",
                    "deposit_id": "D-1",
                    "fund_id": FUND,
                    "amount": "100",
                    "channel": "other",
                    "date": "2020-07-01",
                }
            ),
            "reference",
        ),
        (
            json.dumps(
                {
                    "type": "open_fund",
                    "fund_id": "F-2",
                    "jurisdiction": "shanghai",
                    "name": "x",
                    "date": "2020-07-01",
                }
            ),
            "jurisdiction",
        ),
        (
            json.dumps(
                {
                    "type": "register_person",
                    "person_id": demo.WANG[:-1] + ("0" if demo.WANG[-1] != "0" else "1"),
                    "name": "x",
                    "date": "2020-07-01",
                    "jurisdiction": "kunshan",
                }
            ),
            "person_id",
        ),
    ],
)
def test_a_malformed_line_is_invalid_naming_the_field_and_writes_nothing(
    sf: Skillfund, line: str, field: str
) -> None:
    submit(sf, *opening())
    before = event_count(sf)

    result = submit_one(sf, line)

    assert result.status == "invalid"
    assert result.error is not None and result.error["field"] == field
    assert event_count(sf) == before


def test_a_bad_line_does_not_stop_the_lines_after_it(sf: Skillfund) -> None:
    lines = opening()
    results = submit(sf, lines[0], "{broken", lines[1])

    assert [r.status for r in results] == ["accepted", "invalid", "accepted"]
    assert [r.line for r in results] == [1, 2, 3]


def test_a_command_type_the_ledger_has_no_handler_for_is_refused_not_dropped(sf: Skillfund) -> None:
    command = Command(type="unheard_of", key="X-1", fields={}, digest="0" * 64)

    result = sf.ledger.execute(command)

    assert result.status == "refused"
    assert result.error is not None and result.error["code"] == "not_supported"


def test_a_certificate_claim_records_the_certificate_as_used(sf: Skillfund) -> None:
    submit(sf, *opening(), certificate("KS-T-1", demo.WANG))

    result = submit_one(
        sf, claim("C-1", "skill_upgrade", demo.WANG, demo.WANG, certificate_no="KS-T-1")
    )

    assert result.status == "accepted"
    assert result.events[:2] == ["ClaimFiled", "ClaimApproved"]
    assert "CertificateClaimedBy" in result.events
