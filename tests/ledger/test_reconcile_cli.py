"""`skillfund reconcile`: the demo's account against its bank statement, as finance runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import demo
from ledger.cli import main

HEADER = "date,amount,direction,reference,counterparty"
STATEMENT = [
    "2020-06-05,248000000.00,credit,昆财社〔2020〕21号,昆山市财政局",
    "2020-06-15,10000000.00,debit,KS-AL-2020-01,昆山开发区子账户",
    "2020-07-01,5000000.00,credit,就业补助资金 2020-07,昆山市财政局",
    "2020-09-02,3000.00,debit,KS-ADV-2020-01,昆山高级技工学校",
    "2020-11-02,2600.00,debit,ICBC-KS-20201102-0001,王建国",
    "2020-11-02,1950.00,debit,ICBC-KS-20201102-0002,昆山精密机械有限公司",
    "2020-11-02,3000.00,debit,ICBC-KS-20201102-0003,昆山华东电气有限公司",
    "2020-11-02,300.00,debit,ICBC-KS-20201102-0004,昆山华东电气有限公司",
    "2020-11-03,650.00,debit,ICBC-KS-20201102-0005,赵磊",
    "2020-11-03,3000.00,debit,ICBC-KS-20201102-0006,昆山高级技工学校",
]


@pytest.fixture
def db(tmp_path: Path, capsys) -> str:
    url = f"sqlite:///{tmp_path / 'rec.db'}"
    assert main(["--db", url, "demo"]) == 0
    capsys.readouterr()
    return url


def statement(tmp_path: Path, lines: list[str], encoding: str = "utf-8") -> str:
    path = tmp_path / "statement.csv"
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return str(path)


def test_a_matching_statement_reconciles_and_exits_0(db: str, tmp_path: Path, capsys) -> None:
    code = main(["--db", db, "reconcile", demo.FUND, statement(tmp_path, STATEMENT), "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["reconciled"] is True
    assert sum(len(g["bank"]) for g in data["matched"]) == len(STATEMENT)


def test_a_gbk_statement_with_chinese_headers_is_read(db: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "gbk.csv"
    rows = ["日期,金额,借贷,凭证号,对方户名"] + [
        line.replace(",credit,", ",贷,").replace(",debit,", ",借,") for line in STATEMENT
    ]
    path.write_bytes(("\n".join(rows) + "\n").encode("gbk"))

    assert main(["--db", db, "reconcile", demo.FUND, str(path), "--json"]) == 0


def test_a_payment_missing_from_the_bank_is_reported_and_exits_1(
    db: str, tmp_path: Path, capsys
) -> None:
    code = main(["--db", db, "reconcile", demo.FUND, statement(tmp_path, STATEMENT[:-1]), "--json"])

    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [m["reference"] for m in data["ledger_only"]] == ["ICBC-KS-20201102-0006"]


def test_a_bank_line_the_ledger_does_not_know_is_reported(db: str, tmp_path: Path, capsys) -> None:
    extra = "2020-11-05,88.00,debit,BANK-FEE-11,中国工商银行"

    assert (
        main(
            ["--db", db, "reconcile", demo.FUND, statement(tmp_path, [*STATEMENT, extra]), "--json"]
        )
        == 1
    )
    assert [b["reference"] for b in json.loads(capsys.readouterr().out)["bank_only"]] == [
        "BANK-FEE-11"
    ]


def test_confirming_a_reconciliation_records_who_and_when_and_balance_shows_it(
    db: str, tmp_path: Path, capsys
) -> None:
    path = statement(tmp_path, STATEMENT)

    code = main(
        [
            "--db",
            db,
            "reconcile",
            demo.FUND,
            path,
            "--confirm",
            "--by",
            "财务科 李会计",
            "--on",
            "2020-11-10",
            "--json",
        ]
    )
    confirmation = json.loads(capsys.readouterr().out)["confirmation"]
    main(["--db", db, "balance", demo.FUND, "--json"])
    balance = json.loads(capsys.readouterr().out)

    assert code == 0 and confirmation["status"] == "accepted"
    assert balance["reconciled_through"]["through"] == "2020-11-03"
    assert balance["reconciled_through"]["confirmed_by"] == "财务科 李会计"


def test_an_unreconciled_statement_is_not_confirmed(db: str, tmp_path: Path, capsys) -> None:
    code = main(
        [
            "--db",
            db,
            "reconcile",
            demo.FUND,
            statement(tmp_path, STATEMENT[:-1]),
            "--confirm",
            "--by",
            "x",
            "--json",
        ]
    )

    assert code == 1
    assert json.loads(capsys.readouterr().out)["confirmation"]["status"] == "refused"


def test_an_unreadable_statement_is_a_usage_error(db: str, tmp_path: Path, capsys) -> None:
    code = main(
        ["--db", db, "reconcile", demo.FUND, statement(tmp_path, ["2020-13-01,1.00,credit,x,y"])]
    )

    assert code == 2
    assert "line 2" in capsys.readouterr().err
