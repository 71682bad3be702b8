"""The command schema: parsing, validation and normalisation of one line of input.

Every command type is declared once, in SPECS, as a table of fields; the validator, the
JSON Schema (schema/commands.schema.json) and the reference (docs/commands.md) are all
generated from that table, so the code and the documents cannot drift. Run
`python -m ledger.commands --write-docs` after changing it; `--check` fails when stale.

Input is strict (unknown keys, missing keys and wrong JSON types are invalid), because a
ledger of public money must not guess. Output is normalised (amounts in integer fen,
dates as `datetime.date`, ids in their canonical spelling), so that semantically equal
commands have equal digests and the ledger can tell a duplicate from a conflict.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import math
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import orjson

from domain.identity import credit_code_problem, is_valid_resident_id, resident_id_problem
from domain.vocabulary import (
    CATALOG_KINDS,
    CERTIFICATE_FINDINGS,
    CERTIFICATE_KINDS,
    CHANNELS,
    INSTITUTION_KINDS,
    JURISDICTIONS,
    LEVELS,
    PERSON_GROUPS,
    SCHEMES,
    SUBSIDIES,
    UPLIFT_REASONS,
)
from projections.plain import plain

LINE_LENGTH_MAX = 4_000_000  # Characters in one JSON line; a large catalog fits.
ID_LENGTH_MAX = 64
TEXT_LENGTH_MAX = 500
LIST_LENGTH_MAX = 10_000  # Items in any list, catalog entries included.
AMOUNT_FEN_MAX = 10**14  # 10^12 yuan: far above any fund, far below int64.
AMOUNT_TEXT_LENGTH_MAX = 16  # len("1000000000000.00"); checked before int() runs.
SHOWN_VALUE_LENGTH_MAX = 60  # Characters of an offending value quoted in an error.

AMOUNT_SHAPE = re.compile(r"(0|[1-9][0-9]*)(\.[0-9]{1,2})?")
# The exact amount rule (shape, > 0, <= 10^12) as one ECMA-262 pattern, for the JSON Schema.
AMOUNT_PATTERN = (
    r"^(?!0(?:\.00?)?$)(?:(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?|1000000000000(?:\.00?)?)$"
)
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_PATTERN = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"
HOURS_PATTERN = r"^(?!0(?:\.00?)?$)(?:(?:[0-9]|1[0-9]|2[0-3])(?:\.[0-9]{1,2})?|24(?:\.00?)?)$"
# Compiled once: re.fullmatch(pattern, ...) looks its pattern up in re's cache every call.
DATE_RE, TIME_RE, HOURS_RE = (re.compile(p) for p in (DATE_PATTERN, TIME_PATTERN, HOURS_PATTERN))
RESIDENT_ID_PATTERN = r"^[0-9]{17}[0-9Xx]$"
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
HOURS_MAX = Decimal(24)
HUNDREDTH = Decimal("0.01")


class InvalidCommandError(Exception):
    """A malformed command: `field` names the offending field ("" for the whole line, a
    dotted path such as "entries[2].occupation" inside a list), `message` says what was
    expected, in an English sentence."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Command:
    """A valid command: its type, natural key, normalised fields and content digest."""

    type: str
    key: str
    fields: dict[str, Any]
    digest: str


# --- Errors -----------------------------------------------------------------------------


def _show(value: object) -> str:
    """An offending value as JSON, shortened, for an error message."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):  # Circular, too deep, or an int too long to print.
        text = f"a value of type {type(value).__name__} too large to show"
    if len(text) > SHOWN_VALUE_LENGTH_MAX:
        return text[: SHOWN_VALUE_LENGTH_MAX - 3] + "..."
    return text


def _subject(field: str) -> str:
    return f"Field '{field}'" if field else "The line"


def _fail(field: str, expected: str, value: object) -> InvalidCommandError:
    """An error saying that `field` must be `expected` and showing what it was."""
    return InvalidCommandError(field, f"{_subject(field)} must be {expected}; got {_show(value)}.")


# --- Scalar parsers ---------------------------------------------------------------------


def parse_amount_fen(value: object, field: str) -> int:
    """A yuan amount given as a JSON string ("2600", "2600.5", "2600.50") in integer fen.

    Numbers are refused: a float cannot carry money exactly, and "one way to write it"
    keeps digests stable. The amount must be > 0 and at most 10^12 yuan.
    """
    expected = 'a string of yuan with at most two decimals, such as "2600.00"'
    if not isinstance(value, str):
        raise _fail(field, expected + " (money is never a JSON number)", value)
    if len(value) > AMOUNT_TEXT_LENGTH_MAX or not AMOUNT_SHAPE.fullmatch(value):
        raise _fail(field, expected, value)
    whole, _, cents = value.partition(".")
    amount_fen = int(whole) * 100 + int(cents.ljust(2, "0") or "0")
    if amount_fen <= 0:
        raise _fail(field, "an amount greater than zero", value)
    if amount_fen > AMOUNT_FEN_MAX:
        raise _fail(field, "at most 1000000000000 yuan", value)
    return amount_fen


def _parse_date(value: object, field: str) -> date:
    """A "YYYY-MM-DD" string that is a real calendar date."""
    expected = 'a date written "YYYY-MM-DD" that exists in the calendar'
    if not isinstance(value, str) or not DATE_RE.fullmatch(value):
        raise _fail(field, expected, value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(field, expected, value) from None


def _parse_time(value: object, field: str) -> str:
    """An "HH:MM" string from 00:00 to 23:59, kept as given (it is already canonical)."""
    if not isinstance(value, str) or not TIME_RE.fullmatch(value):
        raise _fail(field, 'a time of day written "HH:MM" (00:00 to 23:59)', value)
    return value


def _parse_minutes(value: object, field: str) -> int:
    """Hours of attendance (a JSON number or numeric string, > 0, <= 24, at most two
    decimals) as whole minutes, rounded half up. Hours are not money: numbers are fine."""
    expected = "a number of hours greater than 0 and at most 24, with at most two decimals"
    if isinstance(value, str):
        if not HOURS_RE.fullmatch(value):
            raise _fail(field, expected, value)
        hours = Decimal(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or not 0 < value <= HOURS_MAX:
            raise _fail(field, expected, value)
        hours = Decimal(repr(value))  # The shortest spelling: 1.1 stays 1.1.
        if hours != hours.quantize(HUNDREDTH):
            raise _fail(field, expected, value)
    else:
        raise _fail(field, expected, value)
    return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _parse_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(field, "true or false", value)
    return value


def _parse_string(value: object, field: str, length_max: int, what: str) -> str:
    """A string that is not blank and at most `length_max` long, trimmed of outer spaces."""
    if not isinstance(value, str) or not value.strip() or len(value) > length_max:
        raise _fail(field, f"a non-blank string ({what}) of at most {length_max} characters", value)
    return value.strip()


def _parse_id(value: object, field: str) -> str:
    return _parse_string(value, field, ID_LENGTH_MAX, "an id")


def _parse_text(value: object, field: str) -> str:
    return _parse_string(value, field, TEXT_LENGTH_MAX, "text")


def _parse_resident_id(value: object, field: str) -> str:
    """A GB 11643 resident id, check character verified, `x` normalised to `X`."""
    problem = resident_id_problem(value)
    if problem:
        raise _fail(field, f"an 18-character resident id (GB 11643-1999), but {problem}", value)
    assert isinstance(value, str)
    return value.upper()


def _parse_credit_code(value: object, field: str) -> str:
    """A GB 32100 unified social credit code, check character verified."""
    problem = credit_code_problem(value)
    if problem:
        what = "an 18-character unified social credit code (GB 32100-2015)"
        raise _fail(field, f"{what}, but {problem}", value)
    assert isinstance(value, str)
    return value


def _parse_party_id(value: object, field: str) -> str:
    """A resident id (a person) or a credit code (an institution), each normalised."""
    if is_valid_resident_id(value):
        return _parse_resident_id(value, field)
    if not credit_code_problem(value):
        return _parse_credit_code(value, field)
    raise _fail(field, "a valid resident id (a person) or unified social credit code", value)


def _parse_subject_id(value: object, field: str) -> str:
    """Any id a case may concern: a resident id (normalised), a credit code or a claim id."""
    text = _parse_id(value, field)
    return text.upper() if is_valid_resident_id(text) else text


def _parse_entry(value: object, field: str) -> dict[str, Any]:
    """A catalog entry's outer shape; its fields are checked per catalog kind later."""
    if not isinstance(value, dict):
        raise _fail(field, "a JSON object (a catalog entry)", value)
    return value


# --- Kinds and specs --------------------------------------------------------------------


@dataclass(frozen=True)
class Kind:
    """A field type: its parser, its JSON Schema, and how the reference describes it."""

    label: str
    parse: Callable[[object, str], Any]
    schema: dict[str, Any]
    ref: str = ""  # Its name under "$defs" when shared.
    values: Mapping[str, str] | None = None  # A closed vocabulary, code -> Chinese label.
    note: str = ""  # The allowed values in words, where there is no vocabulary.
    item: Kind | None = None  # For a list: the kind of each item.
    rename: str = ""  # Its name in Command.fields, a template over {name}, when it differs.


@dataclass(frozen=True)
class FieldSpec:
    """One field of a command: name, kind, one-line description, and what absence means."""

    name: str
    kind: Kind
    doc: str
    required: bool = True
    default: Any = None  # The value in Command.fields when an optional field is absent.
    out: str = ""  # Its name in Command.fields when it differs (amount -> amount_fen).

    @property
    def out_name(self) -> str:
        return self.out or self.name


@dataclass(frozen=True)
class CommandSpec:
    """One command type: its fields, its natural key template, and cross-field checks."""

    type: str
    doc: str
    fields: tuple[FieldSpec, ...]
    key: str  # A str.format template over the normalised fields.
    checks: tuple[Callable[[dict[str, Any]], None], ...] = ()
    partial: bool = False  # Absent optional fields stay absent (absent means "unchanged").


def _integer(minimum: int, maximum: int) -> Kind:
    """An integer kind bounded to [minimum, maximum]; JSON booleans and floats are refused."""

    def parse(value: object, field: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _fail(field, f"a JSON integer from {minimum} to {maximum}", value)
        if not minimum <= value <= maximum:
            raise _fail(field, f"a JSON integer from {minimum} to {maximum}", value)
        return value

    schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
    return Kind("integer", parse, schema, note=f"{minimum} to {maximum}")


def _enum(ref: str, vocabulary: Mapping[str, str]) -> Kind:
    """A kind whose values are the codes of one closed vocabulary of domain.vocabulary."""

    def parse(value: object, field: str) -> str:
        if not isinstance(value, str) or value not in vocabulary:
            raise _fail(field, "one of " + ", ".join(vocabulary), value)
        return value

    labels = "; ".join(f"{code}: {label}" for code, label in vocabulary.items())
    schema = {"type": "string", "enum": list(vocabulary), "description": labels}
    return Kind(f"{ref} code", parse, schema, ref=ref, values=vocabulary)


def _reject_repeats(items: list[Any], field: str) -> None:
    """Refuse a list naming the same item twice: each list here is a set of things."""
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        if item in seen:
            message = f"Field '{field}[{index}]' repeats {field}[{seen[item]}] ({_show(item)})."
            raise InvalidCommandError(f"{field}[{index}]", message)
        seen[item] = index


def _list_of(item: Kind, *, min_items: int = 0, unique: bool = True, sort: bool = False) -> Kind:
    """A JSON array of `item`; errors name the item as "field[i]"."""

    def parse(value: object, field: str) -> list[Any]:
        if not isinstance(value, list) or not min_items <= len(value) <= LIST_LENGTH_MAX:
            size = f"{min_items} to {LIST_LENGTH_MAX}"
            raise _fail(field, f"a JSON array of {size} items, each {item.label}", value)
        items = [item.parse(element, f"{field}[{i}]") for i, element in enumerate(value)]
        if unique:
            _reject_repeats(items, field)
        return sorted(items) if sort else items

    schema: dict[str, Any] = {"type": "array", "minItems": min_items, "maxItems": LIST_LENGTH_MAX}
    if unique:
        schema["uniqueItems"] = True
    note = "non-empty" if min_items else ""
    return Kind(f"list of {item.label}", parse, schema, values=item.values, note=note, item=item)


def _string_kind(label: str, parse: Callable[[object, str], Any], schema: dict[str, Any]) -> Kind:
    return Kind(label, parse, {"type": "string", **schema}, ref=label.replace(" ", "_"))


ID = _string_kind("id", _parse_id, {"minLength": 1, "maxLength": ID_LENGTH_MAX, "pattern": r"\S"})
TEXT = _string_kind(
    "text", _parse_text, {"minLength": 1, "maxLength": TEXT_LENGTH_MAX, "pattern": r"\S"}
)
AMOUNT = replace(
    _string_kind("amount", parse_amount_fen, {"pattern": AMOUNT_PATTERN}), rename="{name}_fen"
)
DATE = _string_kind("date", _parse_date, {"format": "date", "pattern": DATE_PATTERN})
TIME = _string_kind("time", _parse_time, {"pattern": TIME_PATTERN})
RESIDENT_ID = _string_kind("resident id", _parse_resident_id, {"pattern": RESIDENT_ID_PATTERN})
CREDIT_CODE = _string_kind("credit code", _parse_credit_code, {"pattern": CREDIT_CODE_PATTERN})
PARTY_ID = _string_kind(
    "resident id or credit code",
    _parse_party_id,
    {"pattern": f"(?:{RESIDENT_ID_PATTERN})|(?:{CREDIT_CODE_PATTERN})"},
)
HOURS = Kind(
    "hours",
    _parse_minutes,
    {
        "anyOf": [
            {"type": "number", "exclusiveMinimum": 0, "maximum": 24},
            {"type": "string", "pattern": HOURS_PATTERN},
        ]
    },
    ref="hours",
    note="> 0 and <= 24, at most 2 decimals",
    rename="minutes",
)
BOOL = Kind("boolean", _parse_bool, {"type": "boolean"}, note="true, false")
SUBJECT_ID = Kind("id", _parse_subject_id, ID.schema, ref="id")
ENTRY = Kind("catalog entry", _parse_entry, {"type": "object"})
ENTRIES = _list_of(ENTRY, min_items=1, unique=False)
CLAIM_IDS = _list_of(ID, min_items=1)
JURISDICTION = _enum("jurisdiction", JURISDICTIONS)
LEVEL = _enum("level", LEVELS)


Row = tuple[Any, ...]  # (name, kind, description) or (name, kind, description, default).


def _field(row: Row | FieldSpec) -> FieldSpec:
    """A FieldSpec from a table row; a trailing "?" on the name marks it optional, as in
    the contract, and a fourth element is its default."""
    if isinstance(row, FieldSpec):
        return row
    name, kind, doc, *default = row
    name, required = name.rstrip("?"), not name.endswith("?")
    out = kind.rename.format(name=name)
    return FieldSpec(name, kind, doc, required, default[0] if default else None, out)


def _fields(*rows: Row | FieldSpec) -> tuple[FieldSpec, ...]:
    return tuple(_field(row) for row in rows)


GROUPS = _list_of(_enum("person_group", PERSON_GROUPS), sort=True)
PERSON_NAME = ("name", TEXT, "The person's name as on the identity card.")
PERSON_JURISDICTION = ("jurisdiction", JURISDICTION, "Where the person's hukou or residence is.")
PERSON_FACTS: tuple[Row, ...] = (
    ("groups?", GROUPS, "The policy groups the person belongs to (a set, recorded sorted).", []),
    ("insured_months?", _integer(0, 1200), "Months of unemployment insurance paid to date.", 0),
    ("pensioner?", BOOL, "Whether the person draws a pension.", False),
    ("unemployment_benefit?", BOOL, "Whether the person draws unemployment benefit.", False),
    ("employer_id?", CREDIT_CODE, "The person's current employer."),
    ("account?", TEXT, "The social-security card or bank account subsidies are paid into."),
    ("phone?", TEXT, "A contact telephone number."),
)
# In update_person every fact is optional and has no default: absent means "unchanged".
UPDATABLE_FACTS = tuple(
    replace(spec, required=False, default=None)
    for spec in _fields(PERSON_NAME, PERSON_JURISDICTION, *PERSON_FACTS)
)

ENTRY_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "shortage_occupations": _fields(
        ("occupation", TEXT, "An occupation (工种) in short supply."),
    ),
    "training_standards": _fields(
        ("occupation", TEXT, "The occupation (工种) trained."),
        ("level", LEVEL, "The certificate level the standard applies to."),
        ("training", AMOUNT, "The training subsidy per person, in yuan."),
        ("appraisal", AMOUNT, "The appraisal (鉴定) subsidy per person, in yuan."),
    ),
    "uplift_enterprises": _fields(
        ("institution_id", CREDIT_CODE, "An enterprise whose subsidies are raised."),
        ("reason", _enum("uplift_reason", UPLIFT_REASONS), "Why it is on the list."),
    ),
}
# The fields that identify an entry: a catalog naming the same thing twice is ambiguous.
ENTRY_KEYS: dict[str, tuple[str, ...]] = {
    "shortage_occupations": ("occupation",),
    "training_standards": ("occupation", "level"),
    "uplift_enterprises": ("institution_id",),
}


def _check_catalog_entries(fields: dict[str, Any]) -> None:
    """Parse each entry by the catalog's kind, in place, and refuse repeated entries."""
    kind = fields["kind"]
    entries = [
        _parse_object(entry, ENTRY_FIELDS[kind], f"entries[{i}]", f"an entry of kind {kind}")
        for i, entry in enumerate(fields["entries"])
    ]
    identities = [tuple(entry[name] for name in ENTRY_KEYS[kind]) for entry in entries]
    _reject_repeats(identities, "entries")
    fields["entries"] = entries


def _check_class_dates(fields: dict[str, Any]) -> None:
    """A class cannot end before it starts."""
    if fields["end_date"] < fields["start_date"]:
        expected = f"on or after start_date ({fields['start_date'].isoformat()})"
        raise _fail("end_date", expected, fields["end_date"].isoformat())


def _check_session_times(fields: dict[str, Any]) -> None:
    """A session given both a start and an end must end after it starts."""
    start, end = fields["start"], fields["end"]
    if start is not None and end is not None and end <= start:
        raise _fail("end", f"a time after start ({start})", end)


def _check_some_fact(fields: dict[str, Any]) -> None:
    """An update that changes nothing is almost certainly a mistake upstream."""
    names = [f.name for f in UPDATABLE_FACTS]
    if not any(name in fields for name in names):
        message = "The line must give at least one fact to update: " + ", ".join(names) + "."
        raise InvalidCommandError("", message)


def _cmd(
    type_: str, doc: str, key: str, rows: tuple[Row | FieldSpec, ...], **options: Any
) -> CommandSpec:
    """One command of the spec table."""
    return CommandSpec(type_, doc, _fields(*rows), key, **options)


FUND_ID = ("fund_id", ID, "The fund the money is paid from.")
PERSON_ID = ("person_id", RESIDENT_ID, "The trainee.")
CLASS_ID = ("class_id", ID, "The class.")
REFERENCE = ("reference", TEXT, "The bank transaction or document reference.")
SUBJECT_IDS = _list_of(SUBJECT_ID, min_items=1)
FINDING = _enum("finding", CERTIFICATE_FINDINGS)

_SPEC_LIST = (
    _cmd("open_fund", "Open a fund's dedicated account (专账), or a district sub-account.",
         "{fund_id}", (
        ("fund_id", ID, "The new fund's id."),
        ("jurisdiction", JURISDICTION, "The city or county whose fund it is."),
        ("name", TEXT, "The fund's name."),
        ("date", DATE, "The day the account opens."),
        ("parent_fund_id?", ID, "The fund this is a district sub-account of."),
    )),
    _cmd("deposit", "Record money received into a fund.", "{deposit_id}", (
        ("deposit_id", ID, "The deposit's id."),
        ("fund_id", ID, "The fund receiving the money."),
        ("amount", AMOUNT, "The amount received, in yuan."),
        ("channel", _enum("channel", CHANNELS), "Where the money comes from."),
        ("date", DATE, "The day the money arrived."),
        REFERENCE,
    )),
    _cmd("allocate", "Move money from one fund to another (say, to a district sub-account).",
         "{allocation_id}", (
        ("allocation_id", ID, "The allocation's id."),
        ("from_fund_id", ID, "The fund paying out."),
        ("to_fund_id", ID, "The fund receiving."),
        ("amount", AMOUNT, "The amount moved, in yuan."),
        ("date", DATE, "The day of the transfer."),
    )),
    _cmd("publish_catalog", "Publish a catalog in force from a date; entries depend on its kind.",
         "{catalog_id}", (
        ("catalog_id", ID, "The catalog's id (its document number does well)."),
        ("jurisdiction", JURISDICTION, "The jurisdiction publishing it."),
        ("kind", _enum("catalog_kind", CATALOG_KINDS), "What the catalog lists."),
        ("effective_from", DATE, "The first day the catalog is in force."),
        ("entries", ENTRIES, "The entries, objects whose fields depend on kind."),
    ), checks=(_check_catalog_entries,)),
    _cmd("register_institution", "Register an enterprise, school, organisation or department.",
         "{institution_id}", (
        ("institution_id", CREDIT_CODE, "The institution's unified social credit code."),
        ("name", TEXT, "The institution's registered name."),
        ("kind", _enum("institution_kind", INSTITUTION_KINDS), "What it is."),
        ("jurisdiction", JURISDICTION, "Where it is registered."),
        ("date", DATE, "The day it is registered in the ledger."),
        ("insured?", BOOL, "Whether it takes part in unemployment insurance.", False),
        ("account?", TEXT, "The bank account subsidies are paid into."),
        ("address?", TEXT, "The institution's address."),
    )),
    _cmd("register_person", "Register a person and the facts the rules read.", "{person_id}", (
        ("person_id", RESIDENT_ID, "The person's resident id."),
        PERSON_NAME,
        ("date", DATE, "The day the facts are in force from."),
        PERSON_JURISDICTION,
        *PERSON_FACTS,
    )),
    _cmd("update_person", "Change a person's facts from a date on; facts not given are unchanged.",
         "{person_id}/{date}", (
        ("person_id", RESIDENT_ID, "The person's resident id."),
        ("date", DATE, "The day the new facts are in force from."),
        *UPDATABLE_FACTS,
    ), checks=(_check_some_fact,), partial=True),
    _cmd("open_class", "File a class (开班备案) before its training starts.", "{class_id}", (
        ("class_id", ID, "The class's id."),
        ("fund_id", ID, "The fund the class's subsidies are paid from."),
        ("institution_id", CREDIT_CODE, "The institution running the class."),
        ("scheme", _enum("scheme", SCHEMES), "The kind of training."),
        ("occupation", TEXT, "The occupation (工种) trained."),
        ("level?", LEVEL, "The certificate level trained for."),
        ("start_date", DATE, "The first day of training."),
        ("end_date", DATE, "The last day of training, not before start_date."),
        ("class_hours", _integer(1, 10_000), "The class hours (课时) planned."),
        ("venue?", TEXT, "Where the training takes place."),
    ), checks=(_check_class_dates,)),
    _cmd("enroll", "Enrol a person in a class.", "{class_id}/{person_id}", (
        CLASS_ID,
        PERSON_ID,
        ("date", DATE, "The day of enrolment."),
    )),
    _cmd("record_attendance", "Record a trainee's attendance at one session of a class.",
         "{class_id}/{person_id}/{date}/{start}", (
        CLASS_ID,
        PERSON_ID,
        ("date", DATE, "The day of the session."),
        ("hours", HOURS, "The hours attended."),
        ("start?", TIME, "When the session started."),
        ("end?", TIME, "When the session ended, after start."),
    ), checks=(_check_session_times,)),
    _cmd("complete_training", "Record that a trainee finished a class, passed or not.",
         "{class_id}/{person_id}", (
        CLASS_ID,
        PERSON_ID,
        ("date", DATE, "The day training ended for this trainee."),
        ("passed", BOOL, "Whether the trainee passed the class's assessment."),
    )),
    _cmd("record_employment", "Record that a trainee was placed in a job.", "{employment_id}", (
        ("employment_id", ID, "The placement's id."),
        PERSON_ID,
        ("employer_id", CREDIT_CODE, "The employer."),
        ("date", DATE, "The day the employment started."),
    )),
    _cmd("issue_certificate", "Record a certificate issued to a person.", "{certificate_no}", (
        ("certificate_no", ID, "The certificate's number."),
        ("person_id", RESIDENT_ID, "The holder."),
        ("kind", _enum("certificate_kind", CERTIFICATE_KINDS), "The kind of certificate."),
        ("occupation", TEXT, "The occupation (工种) certified."),
        ("level?", LEVEL, "The level certified, where the certificate has one."),
        ("issued_on", DATE, "The day of issue."),
        ("issuer_id", CREDIT_CODE, "The department or evaluation organisation issuing it."),
        ("issued_in", JURISDICTION, "The jurisdiction it was issued in."),
    )),
    _cmd("file_claim", "File a subsidy claim; it is assessed at once and the decision recorded.",
         "{claim_id}", (
        ("claim_id", ID, "The claim's id."),
        FUND_ID,
        ("date", DATE, "The day the claim is filed."),
        ("subsidy", _enum("subsidy", SUBSIDIES), "The subsidy claimed."),
        ("beneficiary_id", PARTY_ID, "The person or institution to be paid."),
        ("person_id", RESIDENT_ID, "The trainee the claim is for."),
        ("class_id?", ID, "The class the training took place in."),
        ("certificate_no?", ID, "The certificate the claim rests on."),
        ("months?", _integer(1, 120), "Months claimed, for per-month subsidies."),
        ("days?", _integer(1, 366), "Days claimed, for per-day subsidies."),
        ("amount?", AMOUNT, "The actual cost, where a rule pays actual cost if lower."),
        ("enterprise_paid?", BOOL, "Whether the enterprise paid for the training.", False),
    )),
    _cmd("pay_advance", "Pay an institution an advance (预拨) on a class's subsidies.",
         "{advance_id}", (
        ("advance_id", ID, "The advance's id."),
        FUND_ID,
        ("institution_id", CREDIT_CODE, "The institution paid."),
        CLASS_ID,
        ("amount", AMOUNT, "The amount advanced, in yuan."),
        ("date", DATE, "The day of payment."),
    )),
    _cmd("start_publicity", "Publish approved claims (公示) for public scrutiny before payment.",
         "{publicity_id}", (
        ("publicity_id", ID, "The publicity's id."),
        FUND_ID,
        ("claim_ids", CLAIM_IDS, "The claims published, in the order listed."),
        ("start_date", DATE, "The first day of publicity."),
        ("working_days?", _integer(1, 60), "Its length in working days, if not the rule's."),
    )),
    _cmd("record_objection", "Record an objection to a claim raised during publicity.",
         "{objection_id}", (
        ("objection_id", ID, "The objection's id."),
        ("publicity_id", ID, "The publicity it was raised in."),
        ("claim_id", ID, "The claim objected to."),
        ("date", DATE, "The day it was received."),
        ("summary", TEXT, "What the objection says."),
    )),
    _cmd("resolve_objection", "Record the outcome of looking into an objection.",
         "{objection_id}", (
        ("objection_id", ID, "The objection."),
        ("date", DATE, "The day it was resolved."),
        ("upheld", BOOL, "Whether the objection was upheld."),
    )),
    _cmd("pay_claim", "Pay a claim, net of any advance settled against it.", "{payment_id}", (
        ("payment_id", ID, "The payment's id."),
        ("claim_id", ID, "The claim paid."),
        ("date", DATE, "The day of payment."),
        REFERENCE,
    )),
    _cmd("open_case", "Open an investigation into suspected fraud.", "{case_id}", (
        ("case_id", ID, "The case's id."),
        ("date", DATE, "The day the case opens."),
        ("subject_ids", SUBJECT_IDS, "The people, institutions or claims investigated."),
        ("reason", TEXT, "Why the case was opened."),
    )),
    _cmd("conclude_case", "Conclude an investigation: fraud found, or cleared.", "{case_id}", (
        ("case_id", ID, "The case."),
        ("date", DATE, "The day of the finding."),
        ("finding", FINDING, "What was found."),
        ("claim_ids?", _list_of(ID), "The claims to claw back.", []),
        ("ban_institution_ids?", _list_of(CREDIT_CODE, sort=True),
         "The institutions banned (a set, recorded sorted).", []),
    )),
    _cmd("record_recovery", "Record money recovered under a case.", "{recovery_id}", (
        ("recovery_id", ID, "The recovery's id."),
        ("case_id", ID, "The case it was recovered under."),
        ("amount", AMOUNT, "The amount recovered, in yuan."),
        ("date", DATE, "The day the money arrived."),
        REFERENCE,
    )),
    _cmd("confirm_reconciliation",
         "Skillfund extension: finance confirms the account reconciled with the bank statement "
         "through a date (`skillfund reconcile --confirm` submits it).", "{reconciliation_id}", (
        ("reconciliation_id", ID, "The confirmation's id."),
        FUND_ID,
        ("through", DATE, "The last statement date reconciled."),
        ("date", DATE, "The day of the confirmation."),
        ("confirmed_by", TEXT, "Who confirmed it (name and post)."),
        ("statement_sha256", TEXT, "The sha256 of the statement file reconciled."),
        ("matched", _integer(0, 10_000_000), "How many statement lines were matched."),
    )),
    _cmd("clear_flag",
         "Skillfund extension: an inspector clears an anti-fraud flag (releasing its hold), "
         "saying who and why.", "{flag_id}", (
        ("flag_id", TEXT, "The flag, as `skillfund flags` lists it."),
        ("date", DATE, "The day of the decision."),
        ("cleared_by", TEXT, "Who cleared it (name and post)."),
        ("reason", TEXT, "Why it is cleared."),
    )),
)  # fmt: skip
SPECS: dict[str, CommandSpec] = {spec.type: spec for spec in _SPEC_LIST}
COMMAND_TYPES: tuple[str, ...] = tuple(SPECS)


# --- Validation -------------------------------------------------------------------------


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _parse_object(
    obj: object, fields: tuple[FieldSpec, ...], prefix: str, what: str, partial: bool = False
) -> dict[str, Any]:
    """Check a JSON object against `fields` and return its normalised fields.

    Unknown keys are refused first; then each field in spec order, so the error reported
    for a line is always the same one. A JSON null in an optional field counts as absent.
    """
    if not isinstance(obj, dict):
        raise _fail(prefix, f"a JSON object ({what})", obj)
    known = {spec.name for spec in fields}
    for name in obj:
        if name not in known:
            message = f"{_subject(_path(prefix, str(name)))} is not a field of {what}; "
            message += "expected fields: " + ", ".join(spec.name for spec in fields) + "."
            raise InvalidCommandError(_path(prefix, str(name)), message)
    parsed: dict[str, Any] = {}
    for spec in fields:
        field = _path(prefix, spec.name)
        if obj.get(spec.name) is not None or (spec.required and spec.name in obj):
            parsed[spec.out_name] = spec.kind.parse(obj[spec.name], field)
        elif spec.required:
            raise InvalidCommandError(field, f"{_subject(field)} is required in {what}.")
        elif not partial:
            default = spec.default
            mutable = isinstance(default, list | dict | set)
            parsed[spec.out_name] = copy.deepcopy(default) if mutable else default
    return parsed


def _spec_for(obj: dict[Any, Any]) -> CommandSpec:
    """The spec named by the object's "type", or an error on field "type"."""
    if "type" not in obj:
        raise InvalidCommandError("type", "Field 'type' is required: it names the command.")
    spec = SPECS.get(obj["type"]) if isinstance(obj["type"], str) else None
    if spec is None:
        raise _fail("type", "one of " + ", ".join(COMMAND_TYPES), obj["type"])
    return spec


def _json_default(value: object) -> str:
    """Dates in canonical JSON are ISO strings; nothing else non-JSON may reach it."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def _digest(type_: str, fields: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of the normalised command: equal meaning, equal digest.

    The canonical JSON is `json.dumps(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)`, dates as ISO strings. orjson writes the same bytes for values
    of exact str, int, bool, None and dates, in lists and string-keyed dicts
    (`projections.plain`), in 3.0 µs a command instead of 5.2 (measured on 60,000 city
    lines, every digest the same); anything else goes through `json`, as before."""
    data = {"type": type_, **fields}
    if plain(data):
        try:
            encoded = orjson.dumps(data, default=_json_default, option=CANONICAL)
        except TypeError:  # An integer beyond 64 bits.
            pass
        else:
            return hashlib.sha256(encoded).hexdigest()
    text = json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def _natural_key(template: str, fields: dict[str, Any]) -> str:
    """Fill the key template; absent values are empty and dates are ISO."""
    values = {name: "" if value is None else str(value) for name, value in fields.items()}
    return template.format_map(values)


def validate(obj: object) -> Command:
    """A decoded JSON value as a Command, or InvalidCommandError naming the field at fault."""
    if not isinstance(obj, dict):
        raise _fail("", 'a JSON object with a "type" key', obj)
    spec = _spec_for(obj)
    body = {name: value for name, value in obj.items() if name != "type"}
    fields = _parse_object(body, spec.fields, "", f"the {spec.type} command", spec.partial)
    for check in spec.checks:
        check(fields)
    return Command(spec.type, _natural_key(spec.key, fields), fields, _digest(spec.type, fields))


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads hook: a key given twice would silently lose one value, so refuse it."""
    obj: dict[str, Any] = {}
    for name, value in pairs:
        if name in obj:
            raise InvalidCommandError(name, f"Field '{name}' is given twice in one object.")
        obj[name] = value
    return obj


def _refuse_constant(name: str) -> Any:
    """json.loads hook: NaN and Infinity are not JSON, whatever Python's parser allows."""
    raise InvalidCommandError("", f"The line must be strict JSON; {name} is not a JSON value.")


# One decoder for every line: json.loads with hooks builds a new JSONDecoder per call
# (1.4 µs of a line's 21, measured under the sampler).
LINE_DECODER = json.JSONDecoder(
    object_pairs_hook=_refuse_repeated_keys, parse_constant=_refuse_constant
)


def parse_line(text: str) -> Command:
    """One line of JSON Lines input as a Command, or InvalidCommandError."""
    if not isinstance(text, str) or len(text) > LINE_LENGTH_MAX:
        raise _fail("", f"JSON text of at most {LINE_LENGTH_MAX} characters", text)
    try:
        if text.startswith("\ufeff"):  # As json.loads refuses it; the decoder does not.
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        obj = LINE_DECODER.decode(text)
    except (ValueError, RecursionError) as error:
        raise InvalidCommandError("", f"The line is not valid JSON: {error}.") from None
    return validate(obj)


# --- Generated documents ----------------------------------------------------------------

SCHEMA_PATH = Path("schema/commands.schema.json")
DOCS_PATH = Path("docs/commands.md")
WRITE_DOCS = "python -m ledger.commands --write-docs"


def _kind_schema(kind: Kind, defs: dict[str, Any]) -> dict[str, Any]:
    """A kind's JSON Schema; shared kinds go to `defs` once and are referenced."""
    if kind.item is not None:
        return {**kind.schema, "items": _kind_schema(kind.item, defs)}
    if kind.ref:
        defs[kind.ref] = kind.schema
        return {"$ref": f"#/$defs/{kind.ref}"}
    return dict(kind.schema)


def _field_schema(spec: FieldSpec, defs: dict[str, Any]) -> dict[str, Any]:
    """A field's schema with its description; optional fields also accept null."""
    schema = _kind_schema(spec.kind, defs)
    if not spec.required:
        schema = {"anyOf": [schema, {"type": "null"}]}
    return {**schema, "description": spec.doc}


def _object_schema(
    fields: tuple[FieldSpec, ...], defs: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A closed JSON object with `fields` (and `extra` properties first, such as "type")."""
    properties = dict(extra or {})
    properties.update({spec.name: _field_schema(spec, defs) for spec in fields})
    required = [*(extra or {}), *(spec.name for spec in fields if spec.required)]
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


def _entries_by_kind(defs: dict[str, Any]) -> list[dict[str, Any]]:
    """publish_catalog's entries, one if/then per catalog kind."""
    return [
        {
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            "then": {"properties": {"entries": {"items": _object_schema(fields, defs)}}},
        }
        for kind, fields in ENTRY_FIELDS.items()
    ]


def _command_schema(spec: CommandSpec, defs: dict[str, Any]) -> dict[str, Any]:
    """One branch of the oneOf: a closed object whose "type" is the command's name."""
    schema = _object_schema(spec.fields, defs, {"type": {"const": spec.type}})
    schema = {"title": spec.type, "description": spec.doc, **schema}
    if spec.type == "publish_catalog":
        schema["allOf"] = _entries_by_kind(defs)
    if spec.partial:
        names = [f.name for f in UPDATABLE_FACTS]
        schema["anyOf"] = [{"required": [name]} for name in names]
    return schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one command line, generated from SPECS.

    It checks shape and format; check characters, calendar dates and cross-field rules
    are checked by validate() only.
    """
    defs: dict[str, Any] = {}
    branches = [_command_schema(spec, defs) for spec in SPECS.values()]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Skillfund command",
        "description": "One line of a Skillfund JSON Lines command file. "
        f"Generated from ledger/commands.py by `{WRITE_DOCS}`; do not edit.",
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": list(COMMAND_TYPES)}},
        "oneOf": branches,
        "$defs": dict(sorted(defs.items())),
    }


CONVENTIONS = f"""\
## Conventions

- **Lines.** Input is JSON Lines in UTF-8: one JSON object per line, with a `"type"` key naming
  the command. Unknown keys, missing required keys, keys given twice and wrong JSON types are
  `invalid`; the error names the field (a dotted path such as `entries[2].occupation` inside a
  list, `type` for a missing or unknown type, empty for the line as a whole).
- **Optional fields** may be left out or given as `null`; both mean "not given". Where a
  default is listed, the command is recorded with it. In `update_person` a fact not given is
  unchanged.
- **Amounts** are JSON strings of yuan with at most two decimals: `"2600"`, `"2600.5"`,
  `"2600.50"`. They must be greater than zero and at most 1000000000000 yuan. JSON numbers,
  signs, exponents, spaces, `"12."` and `".5"` are refused. They are recorded as integer fen
  (field `<name>_fen`: `amount` becomes `amount_fen`) and printed back as `"2600.00"`.
- **Dates** are business dates (Asia/Shanghai) written `YYYY-MM-DD` that exist in the calendar
  (`"2020-02-30"` and `"2020-2-3"` are refused).
- **Times** are `HH:MM`, 00:00 to 23:59. **Hours** are a JSON number or a numeric string,
  greater than 0 and at most 24, with at most two decimals; they are recorded as whole
  `minutes`, rounded half up.
- **Resident ids** (`person_id`) are 18-character resident identity numbers (GB 11643-1999): the
  check character and the birth date are verified, and `x` is recorded as `X`.
- **Credit codes** (`institution_id`, `employer_id`, `issuer_id`, `ban_institution_ids`) are
  18-character unified social credit codes (GB 32100-2015), uppercase, check character verified.
- **Other ids** are non-blank strings of at most {ID_LENGTH_MAX} characters; **text** is a
  non-blank string of at most {TEXT_LENGTH_MAX} characters. Both are recorded trimmed of
  surrounding spaces.
- **Lists** hold at most {LIST_LENGTH_MAX} items and may not repeat an item. `groups` and
  `ban_institution_ids` are sets and are recorded sorted; other lists keep their order.
- **Natural keys.** Every command has a natural key (below), unique within its command type;
  in a composite key an optional part not given is empty.
  A command is recorded with the sha256 digest of its normalised content (canonical JSON:
  sorted keys, amounts in fen, dates ISO). Submitting a key already recorded with the same
  digest is a `duplicate` (nothing new is written); with a different digest it is a
  `conflict` (nothing is written). So `"2600"` and `"2600.00"`, or `x` and `X` in a resident
  id, or a different key order, are the same command.
- **Schema.** `schema/commands.schema.json` (JSON Schema draft 2020-12) checks the shape and
  format of a line; check characters, calendar dates and the cross-field rules are checked
  by the ledger only.
"""


def _allowed(kind: Kind) -> str:
    """The allowed-values cell: vocabulary codes with their Chinese labels, or a note."""
    if kind.values is not None:
        values = ", ".join(f"`{code}` {label}" for code, label in kind.values.items())
        return f"{kind.note}: {values}" if kind.note else values
    return kind.note


def _field_rows(fields: tuple[FieldSpec, ...], partial: bool = False) -> list[str]:
    """A Markdown table of fields: name, required, type, allowed values, description."""
    rows = ["| field | required | type | allowed values | description |", "|---|---|---|---|---|"]
    for spec in fields:
        required = "required" if spec.required else "optional"
        if not spec.required and not partial and spec.default is not None:
            required += f", default `{json.dumps(spec.default)}`"
        doc = spec.doc + (f" Recorded as `{spec.out}`." if spec.out else "")
        cells = [f"`{spec.name}`", required, spec.kind.label, _allowed(spec.kind), doc]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _command_section(spec: CommandSpec) -> list[str]:
    """The reference of one command."""
    lines = [f"### `{spec.type}`", "", spec.doc, "", f"Natural key: `{spec.key}`.", ""]
    lines += _field_rows(spec.fields, spec.partial)
    if spec.partial:
        lines += ["", "At least one of the optional facts must be given."]
    if spec.type == "publish_catalog":
        for kind, fields in ENTRY_FIELDS.items():
            keys = ", ".join(f"`{name}`" for name in ENTRY_KEYS[kind])
            title = f"Entries when `kind` is `{kind}` ({CATALOG_KINDS[kind]}), unique by {keys}:"
            lines += ["", title]
            lines += ["", *_field_rows(fields)]
    return [*lines, ""]


def render_markdown() -> str:
    """docs/commands.md: the conventions, the natural keys and every command's fields."""
    lines = [
        "# Commands",
        "",
        f"<!-- Generated from ledger/commands.py by `{WRITE_DOCS}`; do not edit. -->",
        "",
        CONVENTIONS,
        "## Natural keys",
        "",
        "| command | natural key |",
        "|---|---|",
        *(f"| `{spec.type}` | `{spec.key}` |" for spec in SPECS.values()),
        "",
        "## Commands",
        "",
    ]
    for spec in SPECS.values():
        lines += _command_section(spec)
    return "\n".join(lines).rstrip("\n") + "\n"


def _generated() -> dict[Path, str]:
    """Each generated file, relative to the repository root, with its content."""
    schema_text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    return {DOCS_PATH: render_markdown(), SCHEMA_PATH: schema_text}


def main(argv: list[str] | None = None) -> int:
    """`--write-docs` writes docs/commands.md and schema/commands.schema.json; `--check`
    exits 1 when either differs from what the spec table generates (for CI)."""
    parser = argparse.ArgumentParser(prog="python -m ledger.commands", description=main.__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write-docs", action="store_true", help="write the generated files")
    action.add_argument("--check", action="store_true", help="fail if they are stale")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    stale = []
    for relative, content in _generated().items():
        path = root / relative
        if args.write_docs:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(str(relative))
    if stale:
        print(f"stale (run `{WRITE_DOCS}`): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
