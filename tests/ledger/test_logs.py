"""Logs are JSON lines on standard error when it is not a terminal, with the command bound."""

from __future__ import annotations

import json
from pathlib import Path

from ledger import demo
from ledger.cli import main


def test_each_command_logs_a_json_line_with_type_key_and_fund(tmp_path: Path, capsys) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    main(["--db", db, "init"])
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(demo.demo_lines()[:2]) + "\n", encoding="utf-8")
    capsys.readouterr()

    main(["--db", db, "--log-level", "info", "submit", str(path), "--json"])

    records = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    commands = [r for r in records if r.get("event") == "command"]
    assert [(r["command"], r["key"], r["fund_id"]) for r in commands] == [
        ("open_fund", demo.FUND, demo.FUND),
        ("deposit", "KS-DEP-0001", demo.FUND),
    ]
