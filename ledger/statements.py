"""Bank statements of the dedicated account, read into lines for reconciliation.

Two formats (docs/reconciliation.md describes them):
- CSV with a header naming `date, amount, direction, reference, counterparty` (or the
  Chinese 日期, 金额, 借贷, 摘要/凭证号, 对方户名), UTF-8 with or without BOM, or GBK;
- ISO 20022 camt.053 XML (BkToCstmrStmt/Stmt/Ntry), whatever its namespace version.
Amounts become signed integer fen (+ into the account, − out of it), never floats. The only
I/O is `read_statement`, which reads the file; everything else is pure.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

STATEMENT_BYTES_MAX = 64 * 1024 * 1024
STATEMENT_LINES_MAX = 1_000_000
HEADER_SEARCH_LINES_MAX = 20  # Bank exports put an account title above the header.
AMOUNT_FEN_MAX = 10**14  # 10^12 yuan, as for commands.
ENCODINGS = ("utf-8-sig", "gbk")
CURRENCY = "CNY"

# Header (stripped, case-insensitive) -> field. Several headers may give the reference; the
# first non-empty one in this order is used: a voucher number is more precise than a memo.
HEADERS = {
    "date": "date", "日期": "date",
    "amount": "amount", "金额": "amount",
    "direction": "direction", "借贷": "direction",
    "reference": "reference",
    "凭证号": "reference", "摘要/凭证号": "reference", "摘要": "reference",
    "counterparty": "counterparty", "对方户名": "counterparty",
}  # fmt: skip
REQUIRED_FIELDS = ("date", "amount", "direction")
DIRECTIONS = {
    "credit": 1, "crdt": 1, "贷": 1, "贷方": 1,
    "debit": -1, "dbit": -1, "借": -1, "借方": -1,
}  # fmt: skip
AMOUNT_SHAPE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")
DATE_SHAPES = (
    re.compile(r"(\d{4})-(\d{2})-(\d{2})"),
    re.compile(r"(\d{4})/(\d{2})/(\d{2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)
SKIPPED_STATUSES = {"PDNG", "INFO"}  # Pending and information-only entries moved no money.
NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True)
class StatementLine:
    """One movement on the bank statement; `amount_fen` is + money in, − money out.

    `line_no` is the CSV line the record starts on (the header is a line too), or for
    camt.053 the entry's position in the file, counting from 1.
    """

    line_no: int
    date: dt.date
    amount_fen: int
    reference: str = ""
    counterparty: str = ""


class StatementError(ValueError):
    """A statement that cannot be read; the message names the line (or entry) and column."""

    def __init__(
        self, problem: str, line: int | None = None, column: str | None = None, unit: str = "line"
    ) -> None:
        place = [f"{unit} {line}"] if line is not None else []
        place += [f"{'column' if unit == 'line' else 'element'} {column}"] if column else []
        super().__init__(f"{', '.join(place)}: {problem}" if place else problem)
        self.line, self.column, self.problem = line, column, problem


def read_statement(path: str | Path) -> list[StatementLine]:
    """Read a statement file, CSV or camt.053 (told apart by a leading '<')."""
    path = Path(path)
    if path.stat().st_size > STATEMENT_BYTES_MAX:
        raise StatementError(f"{path} is larger than {STATEMENT_BYTES_MAX} bytes")
    return parse_statement(path.read_bytes())


def parse_statement(data: bytes) -> list[StatementLine]:
    """Parse statement bytes: XML when the first non-blank character is '<', else CSV."""
    if data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"<":
        return parse_camt053(data)
    return parse_csv(data)


# --- CSV ------------------------------------------------------------------------------


def decode(data: bytes) -> str:
    """Text of a statement in UTF-8 (a BOM is dropped) or else GBK."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementError(f"the file is neither UTF-8 nor GBK text ({', '.join(ENCODINGS)})")


def parse_csv(data: bytes) -> list[StatementLine]:
    """Parse a CSV statement; the header may follow up to 20 title lines."""
    rows = _rows(decode(data))
    columns = _find_header(rows)
    lines = []
    for line_no, cells in rows:
        if any(cell.strip() for cell in cells):
            lines.append(_csv_line(line_no, cells, columns))
    return lines


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the line each starts on, up to STATEMENT_LINES_MAX."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for count, cells in enumerate(reader, start=1):
            if count > STATEMENT_LINES_MAX:
                raise StatementError(f"more than {STATEMENT_LINES_MAX} lines", start)
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise StatementError(f"malformed CSV: {error}", start) from None


def _find_header(rows: Iterator[tuple[int, list[str]]]) -> dict[str, list[tuple[int, str]]]:
    """Field -> [(cell index, header as written)] from the first row naming the required fields."""
    for line_no, cells in rows:
        columns: dict[str, list[tuple[int, str]]] = {}
        for index, header in enumerate(cells):
            field = HEADERS.get(header.strip().casefold())
            if field:
                columns.setdefault(field, []).append((index, header.strip()))
        if all(field in columns for field in REQUIRED_FIELDS):
            _check_single(line_no, columns)
            return columns
        if line_no >= HEADER_SEARCH_LINES_MAX:
            break
    raise StatementError(
        f"no header naming columns date, amount, direction (日期, 金额, 借贷) "
        f"in the first {HEADER_SEARCH_LINES_MAX} lines",
        1,
    )


def _check_single(line_no: int, columns: dict[str, list[tuple[int, str]]]) -> None:
    """Only the reference may come from several columns; other fields need exactly one."""
    for field, found in columns.items():
        if field != "reference" and len(found) > 1:
            headers = ", ".join(header for _, header in found)
            raise StatementError(f"field {field} is given by several columns ({headers})", line_no)
    order = list(HEADERS)
    columns.get("reference", []).sort(key=lambda found: order.index(found[1].casefold()))


def _csv_line(
    line_no: int, cells: list[str], columns: dict[str, list[tuple[int, str]]]
) -> StatementLine:
    """One CSV record as a statement line, every value checked."""

    def value(field: str) -> tuple[str, str]:
        for index, header in columns.get(field, []):
            text = cells[index].strip() if index < len(cells) else ""
            if text:
                return text, header
        return "", columns[field][0][1] if field in columns else field

    (date_text, date_col), (amount_text, amount_col) = value("date"), value("amount")
    direction_text, direction_col = value("direction")
    sign = DIRECTIONS.get(direction_text.casefold())
    if sign is None:
        problem = f"direction must be credit/debit (贷/借), got {direction_text!r}"
        raise StatementError(problem, line_no, direction_col)
    return StatementLine(
        line_no=line_no,
        date=parse_date(date_text, line_no, date_col),
        amount_fen=sign * parse_amount_fen(amount_text, line_no, amount_col),
        reference=value("reference")[0],
        counterparty=value("counterparty")[0],
    )


def parse_amount_fen(text: str, line: int, column: str, unit: str = "line") -> int:
    """A positive yuan amount with at most two decimals ("1,234.5" allowed) in integer fen."""
    if not AMOUNT_SHAPE.fullmatch(text):
        problem = f"amount must be yuan with at most two decimals, such as 2600.00; got {text!r}"
        raise StatementError(problem, line, column, unit)
    whole, _, cents = text.replace(",", "").partition(".")
    amount_fen = int(whole) * 100 + int(cents.ljust(2, "0") or "0")
    if not 0 < amount_fen <= AMOUNT_FEN_MAX:
        raise StatementError(
            f"amount must be above 0 and at most 10^12 yuan; got {text!r}", line, column, unit
        )
    return amount_fen


def parse_date(text: str, line: int, column: str, unit: str = "line") -> dt.date:
    """A date written YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD that exists in the calendar."""
    for shape in DATE_SHAPES:
        match = shape.fullmatch(text)
        if match:
            try:
                return dt.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise StatementError(
        f"date must be a real date written YYYY-MM-DD; got {text!r}", line, column, unit
    )


# --- camt.053 -------------------------------------------------------------------------


def parse_camt053(data: bytes) -> list[StatementLine]:
    """Parse an ISO 20022 camt.053 statement: every booked entry of every Stmt."""
    root = parse_xml(data)
    statement = root if _local(root.tag) == "BkToCstmrStmt" else _child(root, "BkToCstmrStmt")
    if statement is None:
        raise StatementError("not a camt.053 statement: no BkToCstmrStmt element")
    lines = []
    entries = (e for s in _children(statement, "Stmt") for e in _children(s, "Ntry"))
    for position, entry in enumerate(entries, start=1):
        if position > STATEMENT_LINES_MAX:
            raise StatementError(f"more than {STATEMENT_LINES_MAX} entries", position, unit="entry")
        if _status(entry) not in SKIPPED_STATUSES:
            lines.append(_camt_line(position, entry))
    return lines


def parse_xml(data: bytes) -> ET.Element:
    """An ElementTree built by expat, refusing any DOCTYPE so no entity can ever expand."""
    parser = expat.ParserCreate(namespace_separator="}")
    builder = ET.TreeBuilder()

    def refuse(*_: object) -> None:
        raise StatementError("XML with a DOCTYPE or entity declaration is refused")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise StatementError(f"not well-formed XML: {error}", error.lineno) from None
    return builder.close()


def _camt_line(position: int, entry: ET.Element) -> StatementLine:
    """One Ntry as a statement line: sign from CdtDbtInd, date from BookgDt else ValDt."""
    amount = _child(entry, "Amt")
    if amount is None or amount.get("Ccy") != CURRENCY:
        currency = None if amount is None else amount.get("Ccy")
        raise StatementError(f"Amt must be in {CURRENCY}, got {currency}", position, "Amt", "entry")
    indicator = _text(entry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(
            f"must be CRDT or DBIT, got {indicator!r}", position, "CdtDbtInd", "entry"
        )
    party = "Dbtr" if indicator == "CRDT" else "Cdtr"
    return StatementLine(
        line_no=position,
        date=parse_date(_entry_date(entry), position, "BookgDt", "entry"),
        amount_fen=(1 if indicator == "CRDT" else -1)
        * parse_amount_fen((amount.text or "").strip(), position, "Amt", "entry"),
        reference=_reference(entry),
        counterparty=_party_name(entry, party),
    )


def _entry_date(entry: ET.Element) -> str:
    """The booking date, else the value date; of a date-time, its date part."""
    for path in ("BookgDt/Dt", "BookgDt/DtTm", "ValDt/Dt", "ValDt/DtTm"):
        if text := _text(entry, path):
            return text[:10]
    return ""


def _reference(entry: ET.Element) -> str:
    """NtryRef, else AcctSvcrRef, else the first transaction's EndToEndId."""
    for path in ("NtryRef", "AcctSvcrRef"):
        if text := _text(entry, path):
            return text
    for details in _children(entry, "NtryDtls"):
        for transaction in _children(details, "TxDtls"):
            text = _text(transaction, "Refs/EndToEndId")
            if text and text != NOT_PROVIDED:
                return text
    return ""


def _party_name(entry: ET.Element, party: str) -> str:
    """The name of the other party: the debtor of a credit, the creditor of a debit."""
    for details in _children(entry, "NtryDtls"):
        for transaction in _children(details, "TxDtls"):
            for path in (f"RltdPties/{party}/Nm", f"RltdPties/{party}/Pty/Nm"):
                if name := _text(transaction, path):
                    return name
    return ""


def _status(entry: ET.Element) -> str:
    """The entry's status code: Sts (camt.053.001.02) or Sts/Cd (later versions)."""
    return _text(entry, "Sts/Cd") or _text(entry, "Sts")


def _local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if _local(child.tag) == name)


def _child(element: ET.Element, path: str) -> ET.Element | None:
    """The first element down a '/'-separated path of local names, or None."""
    found: ET.Element | None = element
    for name in path.split("/"):
        found = next(_children(found, name), None) if found is not None else None
    return found


def _text(element: ET.Element, path: str) -> str:
    found = _child(element, path)
    return (found.text or "").strip() if found is not None and len(found) == 0 else ""
