"""The command line as a user runs it: exit codes, stdout for results only, stderr for the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import demo
from ledger.cli import main


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--db", url, "init"]) == 0
    return url


def test_submit_prints_one_json_result_per_line_and_exits_0(
    db: str, tmp_path: Path, capsys
) -> None:
    path = write_lines(tmp_path / "in.jsonl", demo.demo_lines()[:5])

    code = main(["--db", db, "submit", str(path), "--json"])

    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [r["status"] for r in out] == ["accepted"] * 5
    assert out[0] == {
        "line": 1,
        "type": "open_fund",
        "key": demo.FUND,
        "status": "accepted",
        "events": ["FundOpened"],
    }


def test_submit_exits_1_when_any_line_is_invalid(db: str, tmp_path: Path, capsys) -> None:
    path = write_lines(tmp_path / "in.jsonl", [demo.demo_lines()[0], "{oops"])

    assert main(["--db", db, "submit", str(path), "--json"]) == 1
    assert [json.loads(x)["status"] for x in capsys.readouterr().out.splitlines()] == [
        "accepted",
        "invalid",
    ]


def test_submit_of_a_missing_file_exits_2_and_writes_nothing(db: str, capsys) -> None:
    assert main(["--db", db, "submit", "/no/such/file.jsonl"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no such file" in captured.err


def test_a_missing_database_exits_2_with_one_line(tmp_path: Path, capsys) -> None:
    code = main(["--db", f"sqlite:///{tmp_path / 'none.db'}", "claims"])

    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "does not exist" in err[0]


def test_an_unreachable_postgresql_exits_2(capsys) -> None:
    assert main(["--db", "postgresql+psycopg2://nobody@127.0.0.1:1/none", "claims"]) == 2
    assert "unreachable" in capsys.readouterr().err


def test_the_database_comes_from_the_environment_when_not_given(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("SKILLFUND_DB", f"sqlite:///{tmp_path / 'env.db'}")

    assert main(["init"]) == 0
    assert (tmp_path / "env.db").exists()


def test_demo_then_queries_show_balance_claims_history_and_rebuild(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    assert (tmp_path / "skillfund.db").exists()
    assert "248000000.00" in capsys.readouterr().out

    assert main(["balance", demo.FUND, "--json"]) == 0
    balance = json.loads(capsys.readouterr().out)
    assert (
        balance["cash"] == "242985500.00"
    )  # 253,000,000 − 10,000,000 allocated − 3000 advanced − 11,500 paid.
    assert balance["consolidated"]["cash"] == "252985500.00"
    assert main(["show", "claim", "KS-C-2020-0001", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["amount"], shown["paid"], shown["advance_settled"]) == (
        "paid",
        "2600.00",
        "2600.00",
        "0.00",
    )
    assert main(["claims", "--status", "rejected", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 6
    assert main(["history", "KS-C-2020-0001", "--json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    assert [e["event"] for e in events] == [
        "ClaimFiled",
        "ClaimApproved",
        "ClaimPublicized",
        "ClaimPaid",
    ]
    assert all(e["recorded_at"] and e["business_date"] for e in events)
    assert main(["history", "KS-C-2020-0001", "--as-of", "2020-10-31", "--json"]) == 0
    as_of = json.loads(capsys.readouterr().out)["events"]
    assert [e["event"] for e in as_of] == ["ClaimFiled", "ClaimApproved", "ClaimPublicized"]
    assert main(["rebuild", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["digest"]
    assert main(["rebuild", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["digest"] == first


@pytest.mark.parametrize(
    "kind,key",
    [
        ("person", demo.WANG),
        ("institution", demo.SCHOOL),
        ("class", "KS-2020-DG-01"),
        ("certificate", "KS-ZS-2020-000101"),
        ("fund", demo.FUND),
    ],
)
def test_show_prints_each_kind_of_entity(
    tmp_path: Path, monkeypatch, capsys, kind: str, key: str
) -> None:
    monkeypatch.chdir(tmp_path)
    main(["demo"])
    capsys.readouterr()

    assert main(["show", kind, key]) == 0
    assert key in capsys.readouterr().out


def test_show_of_an_unknown_id_exits_1(db: str, capsys) -> None:
    assert main(["--db", db, "show", "claim", "NOPE"]) == 1
    assert "no claim" in capsys.readouterr().err


def test_rules_lists_the_rules_in_force_with_figures_in_yuan_and_citations(capsys) -> None:
    assert main(["rules", "kunshan", "--on", "2020-09-01"]) == 0
    out = capsys.readouterr().out
    assert "昆政办发〔2020〕67号 四.4" in out
    assert "senior_technician" in out and "4500.00" in out

    assert main(["rules", "--on", "2020-09-01", "--json"]) == 0
    packs = {row["pack"] for row in json.loads(capsys.readouterr().out)}
    assert {p.split("@")[0] for p in packs} == {"kunshan", "yuncheng", "jinhua", "rugao", "linkou"}


def test_rules_on_a_date_no_pack_covers_exits_1(capsys) -> None:
    assert main(["rules", "kunshan", "--on", "2030-01-01"]) == 1
    assert "no rule pack" in capsys.readouterr().err


def test_a_cli_process_freezes_its_startup_heap_once(capsys) -> None:
    """The modules' objects are kept out of full garbage-collector passes, which would
    otherwise land inside a command (docs/performance.md, interactive latency)."""
    import gc

    assert main(["rules", "--on", "2020-09-01"]) == 0
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # SQLAlchemy, the library, the rule tables.

    assert main(["rules", "--on", "2020-09-01"]) == 0
    assert gc.get_freeze_count() == frozen  # Once per process, not again per command.


@pytest.fixture
def python_gc_thresholds() -> Iterator[tuple[int, ...]]:
    """Python's collector thresholds, put back after the test."""
    import gc

    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield gc.get_threshold()
    gc.set_threshold(*before)


def test_long_jobs_collect_garbage_in_bulk_and_short_ones_do_not(
    db: str, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, python_gc_thresholds
) -> None:
    """`rebuild`, and `submit` of an input large enough for the projector, raise the
    collector's thresholds (ledger.service.collect_in_bulk); a small `submit` and the
    queries keep Python's, so no long young-generation pass lands inside a command."""
    import gc

    from ledger import verbs
    from ledger.service import BULK_GC_THRESHOLDS

    path = write_lines(tmp_path / "in.jsonl", demo.demo_lines()[:5])
    assert main(["--db", db, "submit", str(path)]) == 0
    assert main(["--db", db, "balance", demo.FUND]) == 0
    assert gc.get_threshold() == python_gc_thresholds

    monkeypatch.setattr(verbs, "worth_a_worker", lambda lines: lines >= 3)  # Five are large.
    assert main(["--db", db, "submit", str(path)]) == 0  # Duplicates: nothing new.
    assert gc.get_threshold() == BULK_GC_THRESHOLDS

    gc.set_threshold(*python_gc_thresholds)
    assert main(["--db", db, "rebuild"]) == 0
    assert gc.get_threshold() == BULK_GC_THRESHOLDS
    capsys.readouterr()
