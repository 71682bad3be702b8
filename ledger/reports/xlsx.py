"""The reports as XLSX workbooks (openpyxl), byte-identical when rebuilt from the same log.

A workbook has an "About" sheet (title, facts, the sealed root of the log) and one sheet
per table. Money cells are numbers written from their yuan strings (Decimal, never float)
with a two-decimal format; counts are integers. openpyxl stamps the save time into the
document properties and the zip entries: both are replaced by the period's end.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from decimal import Decimal
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.child import INVALID_TITLE_REGEX
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ledger.reports.model import Column, Report, Table

MONEY = re.compile(r"^-?\d+\.\d{2}$")
COUNT = re.compile(r"^-?\d+$")
MONEY_FORMAT = "#,##0.00"
SHEET_TITLE_MAX = 31
COLUMN_WIDTH_MAX = 60
HEADER_FILL = PatternFill("solid", fgColor="EAF0F7")
ZIP_EPOCH_YEAR = 1980


def cell_value(column: Column, value: str) -> str | int | Decimal:
    """A money cell as a Decimal number, a count as an int, anything else as text."""
    if column.kind == "money" and MONEY.match(value):
        return Decimal(value)
    if column.kind == "count" and COUNT.match(value):
        return int(value)
    return value


def display_width(value: str) -> int:
    """Characters as Excel columns count them: a CJK character is about two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def sheet_title(number: int, part: Table) -> str:
    return INVALID_TITLE_REGEX.sub("_", f"{number} {part.zh}")[:SHEET_TITLE_MAX]


def fill_sheet(sheet: Worksheet, part: Table) -> None:
    """Header row, then the rows; money formatted, the total bold, widths to fit."""
    sheet.append([c.header for c in part.columns])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in part.rows:
        sheet.append([cell_value(c, v) for c, v in zip(part.columns, row, strict=True)])
    for n, column in enumerate(part.columns, start=1):
        if column.kind == "money":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                cell.number_format = MONEY_FORMAT
        widest = max(
            display_width(str(v)) for v in [column.zh, column.en, *(r[n - 1] for r in part.rows)]
        )
        sheet.column_dimensions[get_column_letter(n)].width = min(COLUMN_WIDTH_MAX, widest + 2)
    if part.has_total:
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    if part.note:
        sheet.append([])
        sheet.append([part.note])
    sheet.freeze_panes = "A2"


def fill_about(sheet: Worksheet, report: Report, source: Table) -> None:
    """The first sheet: what the workbook is, its facts and its provenance."""
    sheet.title = "说明 About"
    sheet.append([report.zh])
    sheet.append([report.en])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in (*report.facts, ("", ""), (source.title, ""), *source.rows):
        sheet.append([label, value])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 90


def workbook(report: Report, source: Table, stamp: datetime) -> Workbook:
    book = Workbook()
    fill_about(book.active, report, source)
    for number, part in enumerate(report.tables, start=1):
        fill_sheet(book.create_sheet(sheet_title(number, part)), part)
    props = book.properties
    props.creator, props.lastModifiedBy = "skillfund", None
    props.title, props.created, props.modified = report.title, stamp, stamp
    return book


def fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """The same zip with every entry's time set to `stamp` and fixed attributes."""
    moment = (max(stamp.year, ZIP_EPOCH_YEAR), stamp.month, stamp.day, 0, 0, 0)
    out = io.BytesIO()
    with ZipFile(io.BytesIO(data)) as source, ZipFile(out, "w", ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = ZipInfo(info.filename, date_time=moment)
            entry.compress_type, entry.create_system = ZIP_DEFLATED, 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def xlsx_bytes(report: Report, source: Table, stamp: datetime) -> bytes:
    """The workbook's bytes, identical for identical reports and stamps."""
    book = workbook(report, source, stamp)
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook would stamp the current time.
    ExcelWriter(book, ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)).save()
    return fixed_zip(buffer.getvalue(), stamp)
