"""The one masking policy of public files: exact formats at their boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from domain.identity import make_resident_id
from domain.masking import mask_account, mask_name, mask_phone, mask_resident_id


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("赵磊", "赵*"),
        ("张三丰", "张*丰"),
        ("王建国", "王*国"),
        ("欧阳娜娜", "欧**娜"),
        ("阿卜杜热合曼", "阿****曼"),
        ("张", "*"),
        ("", ""),
        (" 李秀英 ", "李*英"),
    ],
)
def test_a_name_keeps_its_first_and_from_three_characters_its_last_character(
    name: str, masked: str
) -> None:
    assert mask_name(name) == masked


def test_a_resident_id_keeps_the_region_and_last_four_and_hides_the_birth_date() -> None:
    resident_id = make_resident_id("320583", date(1990, 3, 14), 101)

    masked = mask_resident_id(resident_id)

    assert masked == resident_id[:6] + "********" + resident_id[-4:]
    assert "19900314" not in masked
    assert len(masked) == 18


def test_a_resident_id_with_x_check_character_keeps_the_x() -> None:
    assert mask_resident_id("11010519491231002X") == "110105********002X"


@pytest.mark.parametrize(
    ("value", "masked"),
    [("1234567890", "**********"), ("12345678901", "123456*8901"), ("", "")],
)
def test_a_resident_id_too_short_to_hide_anything_is_masked_whole(value: str, masked: str) -> None:
    assert mask_resident_id(value) == masked


@pytest.mark.parametrize(
    ("account", "masked"),
    [
        ("6217000000000000101", "***************0101"),
        ("6222 0200 0000 0000 001", "***************0001"),
        ("12345", "*2345"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_an_account_shows_only_its_last_four(account: str, masked: str) -> None:
    assert mask_account(account) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("051257501234", "051*****1234"),
        ("1234567", "*******"),
    ],
)
def test_a_phone_number_shows_its_first_three_and_last_four(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked


def test_masking_never_returns_the_value_it_masks() -> None:
    values = ["张三", "张三丰", "6217000000000000101", "13812345678", "320583199003141011"]

    masked = [mask_name(values[0]), mask_name(values[1]), mask_account(values[2])]
    masked += [mask_phone(values[3]), mask_resident_id(values[4])]

    assert all(m != v and len(m) == len(v) for m, v in zip(masked, values, strict=True))
