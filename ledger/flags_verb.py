"""`skillfund flags [--fund F] [--rule R] [--json]`: the open anti-fraud flags and holds,
most serious first, each with its subjects, evidence and summary (FRAUD_RULES.md)."""

from __future__ import annotations

from argparse import Namespace
from typing import Any

from ledger.cli import EXIT_OK, emit
from ledger.service import Skillfund, opened
from ledger.tables import render
from projections.flags import Flags, open_flags
from projections.runner import Runner

FLAG_COLUMNS = [
    ("flag_id", "flag 标识"),
    ("rule_id", "rule 规则"),
    ("kind", "kind 类别"),
    ("severity", "severity 严重度"),
    ("fund_id", "fund 专账"),
    ("subjects_text", "subjects 对象"),
    ("evidence_count", "evidence 证据"),
    ("summary", "summary 说明"),
]
SUBJECT_LABELS = {
    "person_ids": "person",
    "institution_ids": "institution",
    "class_ids": "class",
    "certificate_nos": "certificate",
    "accounts": "account",
    "claim_ids": "claim",
}
SUBJECTS_SHOWN_MAX = 2  # Ids of each kind written out in the table; the rest are counted.


def flags_runner(sf: Skillfund) -> Runner:
    """The runner holding the flags projection: the service's once it is registered there,
    else one of its own over the same events table."""
    if any(p.name == Flags.name for p in sf.runner.projections):
        return sf.runner
    runner = Runner(sf.runner.engine, sf.runner.events, sf.runner.decode, [Flags()])
    runner.create_tables()
    return runner


def subjects_text(subjects: dict[str, list[str]]) -> str:
    """'person 3201… ; class KS-1, KS-2 (+3)': a line an inspector can scan."""
    parts = []
    for kind, label in SUBJECT_LABELS.items():
        values = subjects.get(kind, [])
        if not values:
            continue
        shown = ", ".join(values[:SUBJECTS_SHOWN_MAX])
        more = len(values) - SUBJECTS_SHOWN_MAX
        parts.append(f"{label} {shown}" + (f" (+{more})" if more > 0 else ""))
    return "; ".join(parts)


def table_row(flag: dict[str, Any]) -> dict[str, Any]:
    return flag | {
        "subjects_text": subjects_text(flag["subjects"]),
        "evidence_count": len(flag["evidence"]),
    }


def json_row(flag: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in flag.items() if not k.startswith("cleared")}
    data["evidence_count"] = len(flag["evidence"])
    return data


def flags_verb(args: Namespace, url: str) -> int:
    """List the open flags (all funds and rules unless --fund or --rule is given)."""
    with opened(url) as sf:
        sf.catch_up()
        runner = flags_runner(sf)
        runner.catch_up()
        with sf.engine.connect() as connection:
            flags = open_flags(connection, fund_id=args.fund, rule_id=args.rule)
    holds = sum(1 for f in flags if f["kind"] == "hold")
    text = render([table_row(f) for f in flags], FLAG_COLUMNS, numeric=("severity",))
    text += f"\n{len(flags)} open flags 待查 ({holds} holds 暂停支付)"
    emit([json_row(f) for f in flags], args.json, text)
    return EXIT_OK
