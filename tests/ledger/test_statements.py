"""Reading bank statements: CSV in UTF-8, UTF-8 with BOM or GBK, and ISO 20022 camt.053."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ledger.statements import (
    StatementError,
    StatementLine,
    parse_camt053,
    parse_csv,
    parse_statement,
    read_statement,
)

DATA = Path(__file__).parent / "data"
ENGLISH = (
    "date,amount,direction,reference,counterparty\n"
    "2020-06-01,5000000.00,credit,DEP-2020-001,昆山市社会保险基金财政专户\n"
    "2020-06-05,2600,debit,PAY-2020-0007,张三\n"
)
CHINESE = (
    "日期,金额,借贷,摘要,对方户名\n"
    '2020-06-01,"5,000,000.00",贷,DEP-2020-001,昆山市社会保险基金财政专户\n'
    "2020-06-05,2600.5,借,PAY-2020-0007,张三\n"
)
EXPECTED = [
    StatementLine(2, date(2020, 6, 1), 500_000_000, "DEP-2020-001", "昆山市社会保险基金财政专户"),
    StatementLine(3, date(2020, 6, 5), -260_000, "PAY-2020-0007", "张三"),
]


def test_a_utf8_csv_gives_signed_amounts_in_fen() -> None:
    lines = parse_csv(ENGLISH.encode("utf-8"))

    assert lines == EXPECTED


def test_a_utf8_csv_with_a_byte_order_mark_reads_the_same() -> None:
    lines = parse_csv(ENGLISH.encode("utf-8-sig"))

    assert lines == EXPECTED


def test_a_gbk_csv_with_chinese_headers_and_borrow_lend_directions_is_read() -> None:
    lines = parse_csv(CHINESE.encode("gbk"))

    assert [(line.amount_fen, line.counterparty) for line in lines] == [
        (500_000_000, "昆山市社会保险基金财政专户"),
        (-260_050, "张三"),
    ]


def test_title_lines_above_the_header_and_extra_columns_are_skipped() -> None:
    text = (
        "账号:3220 0187 0000 0000 1234,,,,,\n"
        "户名:昆山市职业技能提升行动专账,,,,,\n"
        "日期,凭证号,摘要,金额,借贷,余额\n"
        "20200601,,划转,100.00,贷方,100.00\n"
        "2020/06/02,V-9,代发,40.00,借方,60.00\n"
        ",,,,,\n"
    )

    lines = parse_csv(text.encode("gbk"))

    assert lines == [
        StatementLine(4, date(2020, 6, 1), 10_000, "划转", ""),
        StatementLine(5, date(2020, 6, 2), -4_000, "V-9", ""),
    ]


def test_the_reference_prefers_the_voucher_number_over_the_memo() -> None:
    text = "日期,摘要,凭证号,金额,借贷\n2020-06-01,划转,V-1,1,贷\n"

    (line,) = parse_csv(text.encode("utf-8"))

    assert line.reference == "V-1"


@pytest.mark.parametrize(
    "row, column, words",
    [
        ("2020-06-01,12.345,credit,R", "amount", "at most two decimals"),
        ("2020-06-01,1e3,credit,R", "amount", "at most two decimals"),
        ("2020-06-01,-5.00,credit,R", "amount", "at most two decimals"),
        ("2020-06-01,0.00,credit,R", "amount", "above 0"),
        ("2020-06-01,,credit,R", "amount", "at most two decimals"),
        ("2020-02-30,1.00,credit,R", "date", "real date"),
        ("01/06/2020,1.00,credit,R", "date", "real date"),
        ("2020-06-01,1.00,in,R", "direction", "credit/debit"),
    ],
)
def test_a_bad_value_is_refused_naming_its_line_and_column(
    row: str, column: str, words: str
) -> None:
    text = f"date,amount,direction,reference\n2020-06-01,1.00,credit,R\n{row}\n"

    with pytest.raises(StatementError) as raised:
        parse_csv(text.encode("utf-8"))

    assert (raised.value.line, raised.value.column) == (3, column)
    assert str(raised.value).startswith(f"line 3, column {column}: ")
    assert words in str(raised.value)


def test_an_error_names_the_column_as_the_file_heads_it() -> None:
    text = "日期,金额,借贷\n2020-06-01,壹佰元,贷\n"

    with pytest.raises(StatementError, match="line 2, column 金额: "):
        parse_csv(text.encode("gbk"))


def test_a_file_without_a_recognisable_header_is_refused() -> None:
    with pytest.raises(StatementError, match="no header naming columns date, amount, direction"):
        parse_csv(b"when,how much\n2020-06-01,1.00\n")


def test_two_columns_for_the_same_field_are_refused() -> None:
    with pytest.raises(
        StatementError, match=r"field date is given by several columns \(date, 日期\)"
    ):
        parse_csv("date,日期,amount,direction\n".encode())


def test_bytes_that_are_neither_utf8_nor_gbk_are_refused() -> None:
    with pytest.raises(StatementError, match="neither UTF-8 nor GBK"):
        parse_csv(b"date,amount,direction\n\xff\xff\xff,1,credit\n")


def test_the_camt053_sample_gives_its_booked_entries() -> None:
    lines = read_statement(DATA / "camt053_sample.xml")

    assert lines == [
        StatementLine(
            1, date(2020, 6, 1), 500_000_000, "DEP-2020-001", "昆山市社会保险基金财政专户"
        ),
        StatementLine(2, date(2020, 6, 5), -260_000, "BK202006050017", "张三"),
        StatementLine(3, date(2020, 6, 8), -430_000, "PAY-2020-0008", "昆山某某职业培训学校"),
        StatementLine(5, date(2020, 6, 30), -50, "", ""),
    ]


def test_the_camt053_sample_sums_to_its_closing_balance() -> None:
    lines = read_statement(DATA / "camt053_sample.xml")

    assert sum(line.amount_fen for line in lines) == 499_309_950  # CLBD 4993099.50.


LATER_VERSION = """<?xml version="1.0" encoding="UTF-8"?>
<c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <c:BkToCstmrStmt><c:Stmt><c:Ntry>
  <c:Amt Ccy="CNY">300</c:Amt><c:CdtDbtInd>CRDT</c:CdtDbtInd>
  <c:Sts><c:Cd>BOOK</c:Cd></c:Sts>
  <c:BookgDt><c:Dt>2021-03-01</c:Dt></c:BookgDt>
  <c:NtryDtls><c:TxDtls><c:RltdPties><c:Dbtr><c:Pty><c:Nm>某企业</c:Nm></c:Pty></c:Dbtr></c:RltdPties>
  </c:TxDtls></c:NtryDtls>
 </c:Ntry></c:Stmt></c:BkToCstmrStmt>
</c:Document>"""


def test_a_later_camt053_version_with_a_prefixed_namespace_is_read() -> None:
    lines = parse_statement(LATER_VERSION.encode())

    assert lines == [StatementLine(1, date(2021, 3, 1), 30_000, "", "某企业")]


def test_an_xml_statement_with_a_doctype_is_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n'
        b"<Document><BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>"
    )

    with pytest.raises(StatementError, match="DOCTYPE"):
        parse_statement(bomb)


def test_an_entry_in_another_currency_is_refused() -> None:
    xml = LATER_VERSION.replace('Ccy="CNY"', 'Ccy="USD"').encode()

    with pytest.raises(StatementError, match="entry 1, element Amt: Amt must be in CNY, got USD"):
        parse_camt053(xml)


def test_an_entry_without_a_date_is_refused() -> None:
    xml = LATER_VERSION.replace("<c:BookgDt><c:Dt>2021-03-01</c:Dt></c:BookgDt>", "").encode()

    with pytest.raises(StatementError, match="entry 1, element BookgDt"):
        parse_camt053(xml)


def test_xml_that_is_not_a_camt053_statement_is_refused() -> None:
    with pytest.raises(StatementError, match="no BkToCstmrStmt"):
        parse_camt053(b"<Document><Other/></Document>")


def test_malformed_xml_is_refused_naming_its_line() -> None:
    with pytest.raises(StatementError, match="line 2: not well-formed XML"):
        parse_camt053(b"<Document>\n<BkToCstmrStmt></Document>")


def test_read_statement_tells_csv_from_xml(tmp_path: Path) -> None:
    path = tmp_path / "statement.csv"
    path.write_bytes(ENGLISH.encode("gbk"))

    assert read_statement(path) == EXPECTED
