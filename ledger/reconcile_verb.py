"""`skillfund reconcile FUND STATEMENT`: the account against the bank statement, and
finance's confirmation recorded as an event when everything matches."""

from __future__ import annotations

import hashlib
import json
import sys
from argparse import Namespace
from datetime import date
from pathlib import Path
from typing import Any

from ledger.cli import EXIT_FAILED, EXIT_OK, UsageError, emit
from ledger.queries import NotFoundError, fund_aggregate
from ledger.reconcile import CashMovement, Reconciliation, reconcile
from ledger.service import Skillfund, opened, submit_line
from ledger.statements import StatementError, StatementLine, read_statement
from projections.journal import cash_movements


def read_bank(path: str) -> tuple[list[StatementLine], str]:
    """The statement's lines and the sha256 of its bytes; a bad file is a usage error."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such file: {path}")
    try:
        return read_statement(file), hashlib.sha256(file.read_bytes()).hexdigest()
    except StatementError as problem:
        raise UsageError(f"{path}: {problem}") from None


def ledger_side(sf: Skillfund, fund_id: str, first: date, last: date) -> list[CashMovement]:
    with sf.engine.connect() as connection:
        rows = cash_movements(connection, fund_id, first, last)
    return [
        CashMovement(r["entry_id"], r["date"], r["amount_fen"], r["reference"], r["kind"])
        for r in rows
    ]


def period(args: Namespace, bank: list[StatementLine]) -> tuple[date, date]:
    """The dates reconciled: as given, else the statement's first and last date."""
    if not bank and (args.from_date is None or args.to_date is None):
        raise UsageError("the statement has no lines; give --from and --to")
    first = args.from_date or min(line.date for line in bank)
    last = args.to_date or max(line.date for line in bank)
    return first, last


def reconcile_verb(args: Namespace, url: str) -> int:
    bank, sha256 = read_bank(args.statement)
    first, last = period(args, bank)
    with opened(url) as sf:
        sf.catch_up()
        try:
            fund_aggregate(sf, args.fund)
        except NotFoundError as missing:
            print(f"skillfund: {missing}", file=sys.stderr)
            return EXIT_FAILED
        in_period = [line for line in bank if first <= line.date <= last]
        result = reconcile(ledger_side(sf, args.fund, first, last), in_period, args.window)
        data = result.to_json() | {
            "fund_id": args.fund,
            "from": first.isoformat(),
            "to": last.isoformat(),
        }
        if args.confirm:
            data["confirmation"] = confirm(sf, args, result, last, sha256)
    emit(data, args.json, result.render_text() + confirmation_text(data.get("confirmation")))
    return EXIT_OK if result.reconciled else EXIT_FAILED


def confirm(
    sf: Skillfund, args: Namespace, result: Reconciliation, through: date, sha256: str
) -> dict[str, Any]:
    """Record finance's confirmation, through the same command path as every other write."""
    if not result.reconciled:
        return {
            "status": "refused",
            "error": "the statement is not reconciled; nothing was confirmed",
        }
    if not args.by:
        raise UsageError("--confirm needs --by NAME (who confirms the reconciliation)")
    command = {
        "type": "confirm_reconciliation",
        "reconciliation_id": f"REC-{args.fund}-{through.isoformat()}-{sha256[:12]}",
        "fund_id": args.fund,
        "through": through.isoformat(),
        "date": (args.on or date.today()).isoformat(),
        "confirmed_by": args.by,
        "statement_sha256": sha256,
        "matched": sum(len(group.bank) for group in result.matched),
    }
    outcome = submit_line(sf, json.dumps(command, ensure_ascii=False), 1)
    sf.catch_up()
    return outcome.to_json()


def confirmation_text(confirmation: dict[str, Any] | None) -> str:
    if confirmation is None:
        return ""
    if confirmation.get("status") in ("accepted", "duplicate"):
        return f"\nconfirmed 已确认: {confirmation['key']} ({confirmation['status']})"
    return f"\nnot confirmed 未确认: {confirmation.get('error')}"
