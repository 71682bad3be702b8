"""The national identifiers: resident ids (GB 11643-1999) and credit codes (GB 32100-2015)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identity import (
    CREDIT_CODE_CHARSET,
    birth_date_of,
    credit_code_check_char,
    credit_code_problem,
    is_valid_credit_code,
    is_valid_resident_id,
    make_credit_code,
    make_resident_id,
    normalize_resident_id,
    resident_id_check_char,
    resident_id_problem,
)

STANDARD_EXAMPLE = "11010519491231002X"  # The worked example of GB 11643-1999.
# Published codes whose check characters were verified by hand against GB 32100-2015.
PUBLISHED_CREDIT_CODES = ["91350100M000100Y43", "9144030071526726XG"]


def test_the_standards_example_resident_id_is_valid() -> None:
    assert is_valid_resident_id(STANDARD_EXAMPLE)


def test_the_check_character_of_the_standards_example_is_x() -> None:
    check = resident_id_check_char(STANDARD_EXAMPLE[:17])

    assert check == "X"


def test_a_lowercase_x_check_character_is_accepted_and_normalised_to_uppercase() -> None:
    lowercase = STANDARD_EXAMPLE.lower()

    assert is_valid_resident_id(lowercase)
    assert normalize_resident_id(lowercase) == STANDARD_EXAMPLE


@pytest.mark.parametrize("wrong", list("0123456789"))
def test_a_resident_id_with_a_wrong_check_character_is_invalid(wrong: str) -> None:
    candidate = STANDARD_EXAMPLE[:17] + wrong

    assert not is_valid_resident_id(candidate)
    assert "check character should be X" in resident_id_problem(candidate)


def test_a_resident_id_with_an_impossible_birth_date_is_invalid() -> None:
    first17 = "110105" + "19490230" + "002"  # 30 February.
    candidate = first17 + resident_id_check_char(first17)

    assert not is_valid_resident_id(candidate)
    assert "birth date 19490230" in resident_id_problem(candidate)


@pytest.mark.parametrize(
    "candidate",
    ["", "11010519491231002", "11010519491231002X0", "1101051949123100AX", "11010519491231002Y", 1],
)
def test_a_resident_id_of_the_wrong_shape_is_invalid(candidate: object) -> None:
    assert not is_valid_resident_id(candidate)


def test_fullwidth_digits_are_not_resident_id_digits() -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in STANDARD_EXAMPLE[:17]) + "X"

    assert not is_valid_resident_id(fullwidth)


def test_normalising_an_invalid_resident_id_raises() -> None:
    with pytest.raises(ValueError):
        normalize_resident_id(STANDARD_EXAMPLE[:17] + "0")


def test_the_birth_date_is_read_from_positions_7_to_14() -> None:
    assert birth_date_of(STANDARD_EXAMPLE) == date(1949, 12, 31)


@given(
    region=st.from_regex(r"[1-6][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    seq=st.integers(0, 999),
)
def test_a_made_resident_id_is_valid_and_carries_its_birth_date(
    region: str, birth: date, seq: int
) -> None:
    resident_id = make_resident_id(region, birth, seq)

    assert is_valid_resident_id(resident_id)
    assert birth_date_of(resident_id) == birth


@given(
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    position=st.integers(0, 17),
    digit=st.sampled_from("0123456789X"),
)
def test_changing_one_character_of_a_resident_id_is_always_detected(
    birth: date, position: int, digit: str
) -> None:
    resident_id = make_resident_id("320583", birth, 7)
    if (position < 17 and digit == "X") or resident_id[position] == digit:
        return  # Not a substitution that yields a candidate of the right shape.

    changed = resident_id[:position] + digit + resident_id[position + 1 :]

    assert not is_valid_resident_id(changed)


@pytest.mark.parametrize("code", PUBLISHED_CREDIT_CODES)
def test_published_credit_codes_are_valid(code: str) -> None:
    assert is_valid_credit_code(code)


def test_a_made_credit_code_round_trips() -> None:
    code = make_credit_code("91320583MA1MXXXXX")

    assert code == "91320583MA1MXXXXXY"
    assert is_valid_credit_code(code)


def test_a_check_value_of_31_is_written_as_zero() -> None:
    assert credit_code_check_char("91320583MA1M00005") == "0"
    assert is_valid_credit_code("91320583MA1M000050")


@pytest.mark.parametrize("wrong", [c for c in CREDIT_CODE_CHARSET if c != "3"])
def test_a_credit_code_with_a_wrong_check_character_is_invalid(wrong: str) -> None:
    candidate = PUBLISHED_CREDIT_CODES[0][:17] + wrong

    assert not is_valid_credit_code(candidate)
    assert "check character should be 3" in credit_code_problem(candidate)


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z", "m"])
def test_letters_outside_the_credit_code_alphabet_are_invalid(letter: str) -> None:
    candidate = "91350100" + letter + "000100Y43"

    assert not is_valid_credit_code(candidate)


@pytest.mark.parametrize("candidate", ["", "91350100M000100Y4", "91350100M000100Y433", None])
def test_a_credit_code_of_the_wrong_length_is_invalid(candidate: object) -> None:
    assert not is_valid_credit_code(candidate)


@given(
    body=st.text(alphabet=CREDIT_CODE_CHARSET, min_size=17, max_size=17),
    position=st.integers(0, 17),
    char=st.sampled_from(CREDIT_CODE_CHARSET),
)
def test_changing_one_character_of_a_credit_code_is_always_detected(
    body: str, position: int, char: str
) -> None:
    code = make_credit_code(body)
    if code[position] == char:
        return

    changed = code[:position] + char + code[position + 1 :]

    assert not is_valid_credit_code(changed)


def test_making_a_credit_code_from_a_bad_body_raises() -> None:
    with pytest.raises(ValueError):
        make_credit_code("91320583MA1MXXXXI")
