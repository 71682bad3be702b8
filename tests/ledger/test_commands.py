"""The input edge: one JSON line in, a normalised Command (or an InvalidCommandError) out."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identity import make_credit_code, make_resident_id
from domain.money import format_fen
from ledger.commands import (
    AMOUNT_PATTERN,
    COMMAND_TYPES,
    HOURS_PATTERN,
    SPECS,
    Command,
    InvalidCommandError,
    json_schema,
    main,
    parse_amount_fen,
    parse_line,
    render_markdown,
    validate,
)

REPO = Path(__file__).resolve().parents[2]
ALICE = make_resident_id("320583", date(1990, 5, 17), 124)
BOB = "11010519491231002X"
ACME = make_credit_code("91320583MA1MXXXXX")
SCHOOL = "91350100M000100Y43"

GOOD: dict[str, dict[str, Any]] = {
    "open_fund": {"fund_id": "KS", "jurisdiction": "kunshan", "name": "昆山专账", "date": "2020-05-01"},
    "deposit": {"deposit_id": "D-1", "fund_id": "KS", "amount": "1000000", "channel": "other",
                "date": "2020-05-02", "reference": "BANK-1"},
    "allocate": {"allocation_id": "A-1", "from_fund_id": "KS", "to_fund_id": "KS-ZJ",
                 "amount": "50000.00", "date": "2020-05-03"},
    "publish_catalog": {"catalog_id": "CAT-1", "jurisdiction": "kunshan",
                        "kind": "shortage_occupations", "effective_from": "2020-01-01",
                        "entries": [{"occupation": "电工"}]},
    "register_institution": {"institution_id": ACME, "name": "Acme", "kind": "enterprise",
                             "jurisdiction": "kunshan", "date": "2020-05-01", "insured": True},
    "register_person": {"person_id": ALICE, "name": "李丽", "date": "2020-05-01",
                        "jurisdiction": "kunshan", "groups": ["enterprise_employee"],
                        "insured_months": 12, "employer_id": ACME},
    "update_person": {"person_id": ALICE, "date": "2020-07-01", "insured_months": 14},
    "open_class": {"class_id": "K-1", "fund_id": "KS", "institution_id": SCHOOL,
                   "scheme": "certificate_training", "occupation": "电工", "level": "senior",
                   "start_date": "2020-06-01", "end_date": "2020-06-30", "class_hours": 120},
    "enroll": {"class_id": "K-1", "person_id": ALICE, "date": "2020-05-20"},
    "record_attendance": {"class_id": "K-1", "person_id": ALICE, "date": "2020-06-01",
                          "hours": 3.5, "start": "08:30", "end": "12:00"},
    "complete_training": {"class_id": "K-1", "person_id": ALICE, "date": "2020-06-30",
                          "passed": True},
    "record_employment": {"employment_id": "E-1", "person_id": ALICE, "employer_id": ACME,
                          "date": "2020-07-01"},
    "issue_certificate": {"certificate_no": "CERT-1", "person_id": ALICE, "kind": "skill_level",
                          "occupation": "电工", "level": "senior", "issued_on": "2020-07-10",
                          "issuer_id": SCHOOL, "issued_in": "kunshan"},
    "file_claim": {"claim_id": "C-1", "fund_id": "KS", "date": "2020-07-15",
                   "subsidy": "skill_upgrade", "beneficiary_id": ALICE, "person_id": ALICE,
                   "class_id": "K-1", "certificate_no": "CERT-1"},
    "pay_advance": {"advance_id": "ADV-1", "fund_id": "KS", "institution_id": SCHOOL,
                    "class_id": "K-1", "amount": "3000", "date": "2020-06-02"},
    "start_publicity": {"publicity_id": "PUB-1", "fund_id": "KS", "claim_ids": ["C-1"],
                        "start_date": "2020-07-20", "working_days": 5},
    "record_objection": {"objection_id": "O-1", "publicity_id": "PUB-1", "claim_id": "C-1",
                         "date": "2020-07-21", "summary": "Never attended."},
    "resolve_objection": {"objection_id": "O-1", "date": "2020-07-25", "upheld": False},
    "pay_claim": {"payment_id": "PAY-1", "claim_id": "C-1", "date": "2020-08-01",
                  "reference": "BANK-2"},
    "open_case": {"case_id": "CASE-1", "date": "2020-09-01", "subject_ids": [SCHOOL, "C-1"],
                  "reason": "Attendance sheets look copied."},
    "conclude_case": {"case_id": "CASE-1", "date": "2020-10-01", "finding": "fraud",
                      "claim_ids": ["C-1"], "ban_institution_ids": [SCHOOL]},
    "record_recovery": {"recovery_id": "R-1", "case_id": "CASE-1", "amount": "2600",
                        "date": "2020-11-01", "reference": "BANK-3"},
    "confirm_reconciliation": {"reconciliation_id": "REC-1", "fund_id": "KS", "through": "2020-11-30",
                               "date": "2020-12-02", "confirmed_by": "财务科", "statement_sha256": "ab" * 32,
                               "matched": 12},
    "clear_flag": {"flag_id": "ATT-01:X", "date": "2020-12-02", "cleared_by": "稽查科", "reason": "排课记录有误，已核实"},
}  # fmt: skip

CONTRACT_TYPES = [
    "open_fund", "deposit", "allocate", "publish_catalog", "register_institution",
    "register_person", "update_person", "open_class", "enroll", "record_attendance",
    "complete_training", "record_employment", "issue_certificate", "file_claim", "pay_advance",
    "start_publicity", "record_objection", "resolve_objection", "pay_claim", "open_case",
    "conclude_case", "record_recovery",
]  # fmt: skip
# Extensions of the contract (allowed: "names may be extended"), listed after its own.
EXTENSION_TYPES = ["confirm_reconciliation", "clear_flag"]


def good(type_: str, **changes: Any) -> dict[str, Any]:
    """A valid command object of `type_`, with some fields changed (None removes one)."""
    obj = {"type": type_, **GOOD[type_], **changes}
    return {name: value for name, value in obj.items() if value is not None}


def invalid_field(obj: object) -> str:
    """The field an invalid command is rejected on."""
    with pytest.raises(InvalidCommandError) as caught:
        validate(obj)
    return caught.value.field


# --- Command types and natural keys -----------------------------------------------------


def test_the_command_types_are_exactly_those_of_the_contract() -> None:
    assert list(COMMAND_TYPES) == CONTRACT_TYPES + EXTENSION_TYPES


@pytest.mark.parametrize("type_", CONTRACT_TYPES)
def test_a_good_command_of_every_type_is_valid(type_: str) -> None:
    command = parse_line(json.dumps(good(type_), ensure_ascii=False))

    assert isinstance(command, Command)
    assert command.type == type_
    assert re.fullmatch("[0-9a-f]{64}", command.digest)


@pytest.mark.parametrize(
    ("type_", "key"),
    [
        ("open_fund", "KS"),
        ("deposit", "D-1"),
        ("allocate", "A-1"),
        ("publish_catalog", "CAT-1"),
        ("register_institution", ACME),
        ("register_person", ALICE),
        ("update_person", f"{ALICE}/2020-07-01"),
        ("open_class", "K-1"),
        ("enroll", f"K-1/{ALICE}"),
        ("record_attendance", f"K-1/{ALICE}/2020-06-01/08:30"),
        ("complete_training", f"K-1/{ALICE}"),
        ("record_employment", "E-1"),
        ("issue_certificate", "CERT-1"),
        ("file_claim", "C-1"),
        ("pay_advance", "ADV-1"),
        ("start_publicity", "PUB-1"),
        ("record_objection", "O-1"),
        ("resolve_objection", "O-1"),
        ("pay_claim", "PAY-1"),
        ("open_case", "CASE-1"),
        ("conclude_case", "CASE-1"),
        ("record_recovery", "R-1"),
    ],
)
def test_every_command_has_its_natural_key(type_: str, key: str) -> None:
    assert validate(good(type_)).key == key


def test_an_attendance_without_a_start_time_has_an_empty_last_key_part() -> None:
    command = validate(good("record_attendance", start=None, end=None))

    assert command.key == f"K-1/{ALICE}/2020-06-01/"


def test_a_natural_key_uses_the_normalised_resident_id() -> None:
    command = validate(good("enroll", person_id=BOB.lower()))

    assert command.key == f"K-1/{BOB}"


# --- Amounts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount_fen"),
    [
        ("2600", 260000),
        ("2600.00", 260000),
        ("2600.5", 260050),
        ("0.50", 50),
        ("0.01", 1),
        ("1000000000000", 10**14),
        ("1000000000000.00", 10**14),
    ],
)
def test_a_yuan_string_is_read_as_integer_fen(text: str, amount_fen: int) -> None:
    assert parse_amount_fen(text, "amount") == amount_fen


@pytest.mark.parametrize(
    "text",
    ["1.234", "-5", "0", "0.00", "0.0", "1e3", " 12", "12 ", "12.", ".5", "", "+5", "01",
     "1,000", "１２", "1000000000000.01", "10000000000000", "9" * 5000],
)  # fmt: skip
def test_a_malformed_or_non_positive_amount_is_invalid(text: str) -> None:
    with pytest.raises(InvalidCommandError) as caught:
        parse_amount_fen(text, "amount")

    assert caught.value.field == "amount"
    assert "'amount'" in caught.value.message


@pytest.mark.parametrize("number", [2600, 2600.0, 0.5, True, None, ["2600"]])
def test_an_amount_that_is_not_a_json_string_is_invalid(number: object) -> None:
    with pytest.raises(InvalidCommandError, match=r"JSON number|string"):
        parse_amount_fen(number, "amount")


def test_a_json_number_for_an_amount_in_a_command_is_invalid_on_that_field() -> None:
    line = json.dumps(good("deposit", amount=2600))

    with pytest.raises(InvalidCommandError) as caught:
        parse_line(line)

    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    ("amount_fen", "text"), [(260000, "2600.00"), (-50, "-0.50"), (0, "0.00"), (1, "0.01")]
)
def test_fen_are_printed_as_yuan_with_two_decimals(amount_fen: int, text: str) -> None:
    assert format_fen(amount_fen) == text


def test_an_amount_is_recorded_as_amount_fen() -> None:
    fields = validate(good("deposit", amount="2600.5")).fields

    assert fields["amount_fen"] == 260050
    assert "amount" not in fields


@st.composite
def yuan_spellings(draw: st.DrawFn) -> tuple[int, str]:
    """A valid amount in fen and one of its valid spellings ("12", "12.5", "12.50")."""
    amount_fen = draw(st.integers(1, 10**14))
    yuan, fen = divmod(amount_fen, 100)
    spellings = [f"{yuan}.{fen:02d}"]
    if fen % 10 == 0:
        spellings.append(f"{yuan}.{fen // 10}")
    if fen == 0:
        spellings.append(str(yuan))
    return amount_fen, draw(st.sampled_from(spellings))


@given(yuan_spellings())
def test_every_valid_amount_round_trips_through_fen(case: tuple[int, str]) -> None:
    amount_fen, text = case

    parsed = parse_amount_fen(text, "amount")

    assert parsed == amount_fen
    assert parse_amount_fen(format_fen(parsed), "amount") == parsed
    assert format_fen(parsed) == f"{amount_fen // 100}.{amount_fen % 100:02d}"


@given(st.one_of(st.text(alphabet="0123456789.-+e ", max_size=18), yuan_spellings().map(str)))
def test_the_schema_amount_pattern_accepts_exactly_the_valid_amounts(text: str) -> None:
    try:
        parse_amount_fen(text, "amount")
        valid = True
    except InvalidCommandError:
        valid = False

    assert bool(re.fullmatch(AMOUNT_PATTERN, text)) == valid


# --- Dates, times and hours -------------------------------------------------------------


def test_a_date_is_recorded_as_a_date() -> None:
    assert validate(good("enroll", date="2020-02-29")).fields["date"] == date(2020, 2, 29)


@pytest.mark.parametrize(
    "value", ["2020-02-30", "2021-02-29", "2020-2-3", "20200203", "2020-02-03T00:00", "", 20200203]
)
def test_an_impossible_or_misspelt_date_is_invalid(value: object) -> None:
    assert invalid_field(good("enroll", date=value)) == "date"


def test_a_class_cannot_end_before_it_starts() -> None:
    obj = good("open_class", start_date="2020-06-30", end_date="2020-06-29")

    assert invalid_field(obj) == "end_date"


def test_a_one_day_class_is_valid() -> None:
    obj = good("open_class", start_date="2020-06-30", end_date="2020-06-30")

    assert validate(obj).fields["end_date"] == date(2020, 6, 30)


@pytest.mark.parametrize(
    ("hours", "minutes"),
    [(3.5, 210), (1.1, 66), ("2", 120), ("1.25", 75), (0.01, 1), (24, 1440), ("24.00", 1440),
     (0.05, 3), (1, 60)],
)  # fmt: skip
def test_hours_are_recorded_as_whole_minutes_rounded_half_up(hours: object, minutes: int) -> None:
    fields = validate(good("record_attendance", hours=hours)).fields

    assert fields["minutes"] == minutes
    assert "hours" not in fields


@pytest.mark.parametrize(
    "hours", [0, 0.0, "0", -1, 24.01, "25", 0.005, "1.234", True, "1e1", "abc", float("nan"),
              float("inf"), [1]],
)  # fmt: skip
def test_hours_out_of_range_or_too_precise_are_invalid(hours: object) -> None:
    assert invalid_field(good("record_attendance", hours=hours)) == "hours"


@given(st.text(alphabet="0123456789.-", max_size=6))
def test_the_schema_hours_pattern_accepts_exactly_the_valid_hour_strings(text: str) -> None:
    try:
        validate(good("record_attendance", hours=text))
        valid = True
    except InvalidCommandError:
        valid = False

    assert bool(re.fullmatch(HOURS_PATTERN, text)) == valid


@pytest.mark.parametrize(
    ("field", "value"), [("start", "24:00"), ("start", "8:30"), ("end", "12:60")]
)
def test_a_time_that_is_not_hh_mm_is_invalid(field: str, value: str) -> None:
    assert invalid_field(good("record_attendance", **{field: value})) == field


def test_a_session_must_end_after_it_starts() -> None:
    obj = good("record_attendance", start="12:00", end="12:00")

    assert invalid_field(obj) == "end"


# --- Shape: type, unknown, missing and wrong-typed fields ------------------------------


@pytest.mark.parametrize("type_", ["bogus", "", None, 1, "File_Claim"])
def test_an_unknown_type_is_invalid_on_type(type_: object) -> None:
    assert invalid_field(good("deposit", type=type_) | {"type": type_}) == "type"


def test_a_missing_type_is_invalid_on_type() -> None:
    obj = good("deposit")
    del obj["type"]

    assert invalid_field(obj) == "type"


def test_an_unknown_field_is_invalid_and_named() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        validate(good("deposit", amout="5"))

    assert caught.value.field == "amout"
    assert "'amout'" in caught.value.message


@pytest.mark.parametrize("field", ["deposit_id", "fund_id", "amount", "channel", "date"])
def test_a_missing_required_field_is_invalid_and_named(field: str) -> None:
    assert invalid_field(good("deposit", **{field: None})) == field


@pytest.mark.parametrize(
    ("type_", "field", "value"),
    [
        ("open_class", "class_hours", True),
        ("open_class", "class_hours", 12.0),
        ("open_class", "class_hours", "12"),
        ("open_class", "class_hours", 0),
        ("complete_training", "passed", 1),
        ("complete_training", "passed", "true"),
        ("file_claim", "months", 121),
        ("file_claim", "days", 0),
        ("register_person", "insured_months", -1),
        ("register_person", "groups", "veteran"),
        ("deposit", "reference", "   "),
        ("deposit", "reference", 7),
        ("deposit", "deposit_id", "D" * 65),
        ("start_publicity", "claim_ids", []),
        ("start_publicity", "claim_ids", "C-1"),
        ("open_case", "subject_ids", []),
    ],
)
def test_a_field_of_the_wrong_json_type_or_range_is_invalid_and_named(
    type_: str, field: str, value: object
) -> None:
    assert invalid_field(good(type_, **{field: value})) == field


@pytest.mark.parametrize("value", [None, [], "text", 1])
def test_a_line_that_is_not_an_object_is_invalid_as_a_whole(value: object) -> None:
    assert invalid_field(value) == ""


@pytest.mark.parametrize("text", ["", "{", "not json", "{'type': 'deposit'}", "NaN", "[1e400]"])
def test_text_that_is_not_a_json_object_is_invalid_as_a_whole(text: str) -> None:
    with pytest.raises(InvalidCommandError) as caught:
        parse_line(text)

    assert caught.value.field == ""


def test_a_key_given_twice_is_invalid() -> None:
    line = '{"type": "resolve_objection", "objection_id": "O-1", "date": "2020-07-25", ' \
           '"upheld": true, "upheld": false}'  # fmt: skip

    with pytest.raises(InvalidCommandError) as caught:
        parse_line(line)

    assert caught.value.field == "upheld"


def test_an_id_is_recorded_trimmed() -> None:
    assert validate(good("deposit", deposit_id="  D-1 ")).fields["deposit_id"] == "D-1"


# --- Vocabularies and identifiers -------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "field", "value", "named"),
    [
        ("open_fund", "jurisdiction", "beijing", "jurisdiction"),
        ("deposit", "channel", "lottery", "channel"),
        ("open_class", "scheme", "yoga", "scheme"),
        ("open_class", "level", "master", "level"),
        ("register_institution", "kind", "club", "kind"),
        ("issue_certificate", "issued_in", "Kunshan", "issued_in"),
        ("file_claim", "subsidy", "bonus", "subsidy"),
        ("conclude_case", "finding", "guilty", "finding"),
        ("register_person", "groups", ["veteran", "pirate"], "groups[1]"),
        ("register_person", "groups", ["veteran", "veteran"], "groups[1]"),
    ],
)
def test_a_value_outside_its_vocabulary_is_invalid_and_named(
    type_: str, field: str, value: object, named: str
) -> None:
    assert invalid_field(good(type_, **{field: value})) == named


def test_an_error_lists_the_allowed_values() -> None:
    with pytest.raises(InvalidCommandError, match="kunshan, yuncheng, jinhua, rugao, linkou"):
        validate(good("open_fund", jurisdiction="beijing"))


def test_a_resident_id_with_a_wrong_check_character_is_invalid() -> None:
    with pytest.raises(InvalidCommandError, match="check character should be X") as caught:
        validate(good("enroll", person_id=BOB[:17] + "1"))

    assert caught.value.field == "person_id"


def test_a_lowercase_x_in_a_resident_id_is_recorded_uppercase() -> None:
    assert validate(good("enroll", person_id=BOB.lower())).fields["person_id"] == BOB


@pytest.mark.parametrize(
    ("type_", "field"),
    [
        ("register_institution", "institution_id"),
        ("register_person", "employer_id"),
        ("issue_certificate", "issuer_id"),
        ("pay_advance", "institution_id"),
    ],
)
def test_a_credit_code_with_a_wrong_check_character_is_invalid(type_: str, field: str) -> None:
    assert invalid_field(good(type_, **{field: ACME[:17] + "0"})) == field


def test_a_credit_code_in_a_list_is_named_by_its_index() -> None:
    obj = good("conclude_case", ban_institution_ids=[SCHOOL, ACME.lower()])

    assert invalid_field(obj) == "ban_institution_ids[1]"


def test_a_person_id_field_refuses_a_credit_code() -> None:
    assert invalid_field(good("enroll", person_id=ACME)) == "person_id"


@pytest.mark.parametrize("beneficiary", [BOB.lower(), ACME])
def test_a_claims_beneficiary_may_be_a_person_or_an_institution(beneficiary: str) -> None:
    fields = validate(good("file_claim", beneficiary_id=beneficiary)).fields

    assert fields["beneficiary_id"] == beneficiary.upper()


def test_a_claims_beneficiary_must_be_a_valid_identifier() -> None:
    assert invalid_field(good("file_claim", beneficiary_id="ACME Ltd")) == "beneficiary_id"


def test_case_subjects_may_be_people_institutions_or_claims() -> None:
    fields = validate(good("open_case", subject_ids=[BOB.lower(), ACME, "C-1"])).fields

    assert fields["subject_ids"] == [BOB, ACME, "C-1"]


# --- Catalog entries --------------------------------------------------------------------

STANDARD = {"occupation": "电工", "level": "senior", "training": "1500", "appraisal": "200.5"}


def catalog(kind: str, *entries: object) -> dict[str, Any]:
    return good("publish_catalog", kind=kind, entries=list(entries))


def test_training_standard_amounts_are_recorded_in_fen() -> None:
    fields = validate(catalog("training_standards", STANDARD)).fields

    assert fields["entries"] == [
        {"occupation": "电工", "level": "senior", "training_fen": 150000, "appraisal_fen": 20050}
    ]


@pytest.mark.parametrize(
    ("kind", "entries", "named"),
    [
        ("training_standards", [STANDARD, STANDARD | {"appraisal": "0"}], "entries[1].appraisal"),
        ("training_standards", [STANDARD | {"training": 1500}], "entries[0].training"),
        ("training_standards", [{k: v for k, v in STANDARD.items() if k != "level"}],
         "entries[0].level"),
        ("training_standards", [STANDARD | {"price": "1"}], "entries[0].price"),
        ("training_standards", [STANDARD, STANDARD], "entries[1]"),
        ("shortage_occupations", [{"occupation": "电工"}, {"occupation": " "}],
         "entries[1].occupation"),
        ("shortage_occupations", [{"occupation": "电工"}, "焊工"], "entries[1]"),
        ("uplift_enterprises", [{"institution_id": ACME, "reason": "luck"}], "entries[0].reason"),
        ("uplift_enterprises", [{"institution_id": "ACME", "reason": "trade_friction"}],
         "entries[0].institution_id"),
        ("shortage_occupations", [], "entries"),
        ("lottery_winners", [{"occupation": "电工"}], "kind"),
    ],
)  # fmt: skip
def test_a_bad_catalog_entry_is_named_by_its_dotted_path(
    kind: str, entries: list[object], named: str
) -> None:
    assert invalid_field(catalog(kind, *entries)) == named


def test_entries_of_another_catalog_kind_are_invalid() -> None:
    assert invalid_field(catalog("shortage_occupations", STANDARD)) == "entries[0].level"


# --- Optional fields and update_person --------------------------------------------------


def test_absent_optional_fields_are_recorded_with_their_defaults() -> None:
    obj = {"type": "register_person", "person_id": ALICE, "name": "李丽", "date": "2020-05-01",
           "jurisdiction": "kunshan"}  # fmt: skip

    fields = validate(obj).fields

    assert fields["groups"] == []
    assert fields["insured_months"] == 0
    assert fields["pensioner"] is False
    assert fields["unemployment_benefit"] is False
    assert fields["employer_id"] is None
    assert fields["account"] is None
    assert fields["phone"] is None


def test_a_null_optional_field_is_the_same_command_as_an_absent_one() -> None:
    with_null = validate(good("file_claim") | {"months": None})

    assert with_null.digest == validate(good("file_claim")).digest
    assert with_null.fields["months"] is None


def test_a_null_required_field_is_invalid() -> None:
    assert invalid_field(good("deposit") | {"amount": None}) == "amount"


def test_an_update_keeps_facts_not_given_absent() -> None:
    fields = validate(good("update_person")).fields

    assert fields == {"person_id": ALICE, "date": date(2020, 7, 1), "insured_months": 14}


def test_an_update_may_clear_the_groups() -> None:
    fields = validate(good("update_person", groups=[])).fields

    assert fields["groups"] == []


def test_an_update_without_any_fact_is_invalid() -> None:
    assert invalid_field(good("update_person", insured_months=None)) == ""


# --- Digests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (good("deposit", amount="2600"), good("deposit", amount="2600.00")),
        (good("deposit", amount="0.5"), good("deposit", amount="0.50")),
        (good("enroll", person_id=BOB.lower()), good("enroll", person_id=BOB)),
        (good("deposit"), dict(reversed(list(good("deposit").items())))),
        (good("register_person", groups=["veteran", "disabled"]),
         good("register_person", groups=["disabled", "veteran"])),
        (good("register_person", pensioner=False), good("register_person")),
        (good("record_attendance", hours=1.5), good("record_attendance", hours="1.50")),
    ],
)  # fmt: skip
def test_semantically_equal_commands_have_equal_digests(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert validate(first).digest == validate(second).digest


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (good("deposit", amount="2600"), good("deposit", amount="2600.01")),
        (good("deposit", date="2020-05-02"), good("deposit", date="2020-05-03")),
        (good("register_person", pensioner=True), good("register_person")),
        (good("start_publicity", claim_ids=["C-1", "C-2"]),
         good("start_publicity", claim_ids=["C-2", "C-1"])),
        (good("record_objection"), good("record_objection", summary="Never attended!")),
    ],
)  # fmt: skip
def test_commands_that_differ_have_different_digests(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert validate(first).digest != validate(second).digest


def test_the_digest_is_the_sha256_of_the_canonical_json() -> None:
    command = validate(good("enroll"))
    canonical = json.dumps(
        {"type": "enroll", "class_id": "K-1", "person_id": ALICE, "date": "2020-05-20"},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )

    assert command.digest == hashlib.sha256(canonical.encode()).hexdigest()


def canonical_digest(type_: str, fields: dict[str, Any]) -> str:
    """The digest as `json` writes the canonical JSON (what every stored digest was made by)."""
    text = json.dumps(
        {"type": type_, **fields},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=lambda d: d.isoformat(),
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_every_digest_of_the_demo_and_the_scenarios_is_the_canonical_jsons() -> None:
    """The digest is written by orjson where it gives json's bytes (ledger/commands.py:
    _digest); a changed digest would turn a resubmitted line from a duplicate into a
    conflict."""
    from ledger.demo import demo_lines

    lines = demo_lines()
    for path in sorted((REPO / "tests" / "scenarios").glob("*.jsonl")):
        lines += path.read_text(encoding="utf-8").splitlines()
    commands = [parse_line(line) for line in lines if line.strip()]
    assert len(commands) > 1_000
    for command in commands:
        assert command.digest == canonical_digest(command.type, command.fields), command.key


class Tag(str):
    pass


@pytest.mark.parametrize(
    "fields",
    [
        {"hours": 1.5, "on": date(2020, 3, 9)},
        {"big": 2**70},
        {"tag": Tag("x"), "list": [Tag("y"), 1]},
        {"nested": {"b": [1, {"z": None, "a": "中文\n"}], "a": date(2021, 1, 2)}},
        {"order": {"é": 1, "e": 2, "Z": 3, "中": 4, "\U0001f600": 5}},
    ],
    ids=repr,
)
def test_a_digest_of_any_value_is_the_canonical_jsons(fields: dict[str, Any]) -> None:
    from ledger.commands import _digest

    assert _digest("any", fields) == canonical_digest("any", fields)


def test_a_line_with_a_byte_order_mark_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(InvalidCommandError) as caught:
        parse_line("\ufeff" + json.dumps(good("enroll")))

    assert caught.value.field == ""
    assert "Unexpected UTF-8 BOM" in caught.value.message


# --- Robustness ---------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
FIELD_NAMES = sorted({spec.name for cmd in SPECS.values() for spec in cmd.fields})


@given(st.text())
def test_random_text_raises_nothing_but_invalid_command_error(text: str) -> None:
    with contextlib.suppress(InvalidCommandError):
        parse_line(text)


@given(
    st.sampled_from(COMMAND_TYPES),
    st.dictionaries(st.sampled_from(FIELD_NAMES), JSON_VALUES, max_size=8),
)
def test_random_command_objects_raise_nothing_but_invalid_command_error(
    type_: str, body: dict[str, Any]
) -> None:
    try:
        validate({"type": type_, **body})
    except InvalidCommandError as error:
        assert error.message


@given(st.sampled_from(COMMAND_TYPES), st.sampled_from(FIELD_NAMES), JSON_VALUES)
def test_a_good_command_with_one_field_changed_never_raises_anything_else(
    type_: str, field: str, value: object
) -> None:
    try:
        validate(good(type_) | {field: value})
    except InvalidCommandError as error:
        assert error.field == "" or error.field.split("[")[0].split(".")[0] in FIELD_NAMES


# --- Generated documents ----------------------------------------------------------------


def test_the_committed_reference_is_what_the_spec_table_generates() -> None:
    committed = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")

    assert committed == render_markdown(), "run: python -m ledger.commands --write-docs"


def test_the_committed_json_schema_is_what_the_spec_table_generates() -> None:
    committed = json.loads((REPO / "schema" / "commands.schema.json").read_text(encoding="utf-8"))

    assert committed == json_schema(), "run: python -m ledger.commands --write-docs"


def test_the_reference_documents_every_field_and_its_chinese_labels() -> None:
    markdown = render_markdown()

    for spec in SPECS.values():
        assert f"### `{spec.type}`" in markdown
        for field in spec.fields:
            assert f"| `{field.name}` |" in markdown
    assert "`kunshan` 昆山市" in markdown
    assert "`work_based` 以工代训" in markdown


@pytest.mark.parametrize("type_", CONTRACT_TYPES)
def test_good_commands_satisfy_the_json_schema(type_: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")

    jsonschema.Draft202012Validator(json_schema()).validate(good(type_))


@pytest.mark.parametrize(
    "obj",
    [
        good("deposit", amount=2600),
        good("deposit", amount="0"),
        good("deposit", colour="red"),
        good("enroll", date="2020-2-3"),
        good("publish_catalog", entries=[{"occupation": "电工", "level": "senior"}]),
        good("update_person", insured_months=None),
        {"type": "bogus"},
    ],
)
def test_bad_commands_fail_the_json_schema(obj: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")

    assert not jsonschema.Draft202012Validator(json_schema()).is_valid(obj)


def test_the_json_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")

    jsonschema.Draft202012Validator.check_schema(json_schema())


@given(st.sampled_from(COMMAND_TYPES), st.sampled_from(FIELD_NAMES), JSON_VALUES)
def test_the_json_schema_accepts_whatever_the_validator_accepts(
    type_: str, field: str, value: object
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    obj = good(type_) | {field: value}
    try:
        validate(obj)
    except InvalidCommandError:
        return

    jsonschema.Draft202012Validator(json_schema()).validate(obj)


def test_the_docs_check_passes_on_the_committed_files() -> None:
    assert main(["--check"]) == 0
