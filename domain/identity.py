"""Checks of the two national identifiers the ledger keys people and institutions by.

- The resident identity number (公民身份号码, GB 11643-1999): 17 digits and a check
  character computed with ISO 7064 MOD 11-2; digits 7-14 are the birth date.
- The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
  31-character alphabet, the last a weighted MOD 31 check character.

A mistyped identifier would silently split one person or institution into two, and every
per-person limit (one subsidy per occupation and level, three a year) would leak; so the
check characters are verified at the edge. Pure stdlib: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

DIGITS = "0123456789"

RESIDENT_ID_LENGTH = 18
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"  # Indexed by the weighted sum modulo 11.

CREDIT_CODE_LENGTH = 18
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # No I, O, S, V, Z.
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character ("0"-"9" or "X") of the first 17 digits of a resident id.

    Raises ValueError unless `first17` is exactly 17 ASCII digits.
    """
    if len(first17) != RESIDENT_ID_LENGTH - 1 or any(c not in DIGITS for c in first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def _birth_date_or_none(first17: str) -> date | None:
    """The birth date in positions 7-14 (YYYYMMDD), or None where it is no calendar date."""
    try:
        return date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
    except ValueError:
        return None


def resident_id_problem(s: object) -> str:
    """See _resident_id_problem; memoised for strings (ids repeat on every line about a person)."""
    return _resident_id_problem(s) if isinstance(s, str) else _resident_id_problem.__wrapped__(s)


@lru_cache(maxsize=65_536)
def _resident_id_problem(s: object) -> str:
    """What is wrong with `s` as a resident id, as a phrase; "" when it is valid.

    A lowercase `x` check character is accepted (it is read as `X`). The phrase lets the
    command edge tell a caller which part to fix rather than only "invalid".
    """
    if not isinstance(s, str) or len(s) != RESIDENT_ID_LENGTH:
        return "it is not 18 characters long"
    first17, check = s[:17], s[17].upper()
    if any(c not in DIGITS for c in first17) or check not in DIGITS + "X":
        return "it is not 17 digits followed by a digit or X"
    if _birth_date_or_none(first17) is None:
        return f"its birth date {first17[6:14]} is not a calendar date"
    expected = resident_id_check_char(first17)
    if expected != check:
        return f"its check character should be {expected}, not {s[17]}"
    return ""


def is_valid_resident_id(s: object) -> bool:
    """Whether `s` is an 18-character resident id with a correct check character and a real
    birth date. A lowercase `x` check character is accepted (it is read as `X`)."""
    return resident_id_problem(s) == ""


def normalize_resident_id(s: str) -> str:
    """The canonical spelling of a valid resident id (`x` becomes `X`), so that one person
    never has two keys. Raises ValueError if `s` is not a valid resident id."""
    if not is_valid_resident_id(s):
        raise ValueError(f"not a valid resident id: {s!r}")
    return s.upper()


def birth_date_of(resident_id: str) -> date:
    """The birth date embedded in a valid resident id; raises ValueError otherwise."""
    canonical = normalize_resident_id(resident_id)
    born = _birth_date_or_none(canonical)
    assert born is not None  # A valid id has a real birth date.
    return born


def make_resident_id(region6: str, birth: date, seq3: int) -> str:
    """A valid resident id from a 6-digit region code, a birth date and a 3-digit sequence
    number (odd for men, even for women), for tests, the demo and generators."""
    if len(region6) != 6 or any(c not in DIGITS for c in region6):
        raise ValueError(f"expected a 6-digit region code, got {region6!r}")
    if not 0 <= seq3 <= 999:
        raise ValueError(f"expected a sequence number 0-999, got {seq3}")
    first17 = f"{region6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq3:03d}"
    return first17 + resident_id_check_char(first17)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters of a unified social credit code.

    Raises ValueError unless `first17` is 17 characters from CREDIT_CODE_CHARSET.
    """
    if len(first17) != CREDIT_CODE_LENGTH - 1 or any(c not in CREDIT_CODE_CHARSET for c in first17):
        raise ValueError(f"expected 17 characters of {CREDIT_CODE_CHARSET}, got {first17!r}")
    values = (CREDIT_CODE_CHARSET.index(c) for c in first17)
    total = sum(v * w for v, w in zip(values, CREDIT_CODE_WEIGHTS, strict=True))
    check = 31 - total % 31
    return CREDIT_CODE_CHARSET[0 if check == 31 else check]


def credit_code_problem(s: object) -> str:
    """See _credit_code_problem; memoised for strings (ids repeat on every line about a person)."""
    return _credit_code_problem(s) if isinstance(s, str) else _credit_code_problem.__wrapped__(s)


@lru_cache(maxsize=65_536)
def _credit_code_problem(s: object) -> str:
    """What is wrong with `s` as a unified social credit code, as a phrase; "" when valid."""
    if not isinstance(s, str) or len(s) != CREDIT_CODE_LENGTH:
        return "it is not 18 characters long"
    if any(c not in CREDIT_CODE_CHARSET for c in s):
        return f"it has characters outside {CREDIT_CODE_CHARSET}"
    expected = credit_code_check_char(s[:17])
    if expected != s[17]:
        return f"its check character should be {expected}, not {s[17]}"
    return ""


def is_valid_credit_code(s: object) -> bool:
    """Whether `s` is 18 characters of the GB 32100 alphabet (uppercase letters only) whose
    last is the correct check character."""
    return credit_code_problem(s) == ""


def make_credit_code(body17: str) -> str:
    """A valid credit code from its first 17 characters, for tests, the demo and generators."""
    return body17 + credit_code_check_char(body17)
