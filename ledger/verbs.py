"""The verbs of the command line, one function each: (args, url) -> exit code."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from domain.money import format_fen
from ledger import projector
from ledger.audit_verbs import AUDIT_VERBS
from ledger.cli import EXIT_FAILED, EXIT_OK, UsageError, emit, read_inputs
from ledger.flags_verb import flags_verb
from ledger.generate import generate_verb
from ledger.persistence import safe_url
from ledger.progress import ProgressBar
from ledger.projector import BackgroundCatchUp, worth_a_worker
from ledger.queries import NotFoundError, claim_register, fund_balance, history, show
from ledger.reassess import reassess_verb
from ledger.reconcile_verb import reconcile_verb
from ledger.reports.disclose import disclose_verb
from ledger.results import Result
from ledger.seals import SealKeyError, configured_signing_key, seal_if_due
from ledger.service import Skillfund, collect_in_bulk, opened, submit_lines
from ledger.tables import render, render_mapping
from ledger.timetravel import Cutoff, CutoffError, parse_known_at
from ledger.trace import trace_verb

CLAIM_COLUMNS = [
    ("claim_id", "claim 申请"),
    ("fund_id", "fund 专账"),
    ("subsidy", "subsidy 补贴"),
    ("person_id", "person 人员"),
    ("beneficiary_id", "paid to 受益方"),
    ("status", "status 状态"),
    ("amount", "amount 金额"),
    ("paid", "paid 已付"),
    ("citations", "citation 依据"),
]


def cutoff_of(args: Namespace) -> Cutoff:
    """The time-travel cutoff of a query verb's --as-of and --known-at."""
    try:
        known_at = parse_known_at(args.known_at) if args.known_at else None
    except CutoffError as problem:
        raise UsageError(str(problem)) from None
    return Cutoff(as_of=args.as_of, known_at=known_at)


def init(args: Namespace, url: str) -> int:
    with opened(url, create=True) as sf:
        sf.catch_up()
    print(f"schema ready on {safe_url(url)}")
    return EXIT_OK


def result_text(result: Result) -> str:
    parts = [f"line {result.line}", result.type or "?", result.key or "-", result.status]
    if result.events:
        parts.append(",".join(result.events))
    if result.decision is not None:
        d = result.decision
        parts.append(f"{d.outcome} {format_fen(d.amount_fen)}")
        parts += [f"[{r.code}] {r.message}" for r in d.reasons]
        parts += list(d.citations)
    if result.error is not None:
        parts.append(f"{result.error.get('field', '')}: {result.error['message']}".lstrip(": "))
    return "  ".join(parts)


def submit(args: Namespace, url: str) -> int:
    inputs = read_inputs(args.files)
    tally = Tally()
    total = sum(i.total for i in inputs)
    if worth_a_worker(total):
        collect_in_bulk()
    with opened(url) as sf:
        bar = ProgressBar("submit", total)
        # A large input: the projections catch up in a second process meanwhile.
        with BackgroundCatchUp(url, enabled=worth_a_worker(total)):
            for source in inputs:
                extra = {"file": source.name} if len(inputs) > 1 else {}
                submit_lines(
                    sf,
                    source.lines(),
                    partial(report, extra=extra, as_json=args.json, bar=bar, tally=tally),
                    batch_size=args.batch,
                    keep=False,
                )
        bar.close()
        catch_up(sf)
        seal_daily(sf)
    sys.stdout.flush()
    return EXIT_OK if tally.failed == 0 else EXIT_FAILED


@dataclass
class Tally:
    done: int = 0
    failed: int = 0


def seal_daily(sf: Skillfund) -> None:
    """Seal the log when the last seal is a day old (the lines are written: only warn)."""
    try:
        seal_if_due(sf.engine, configured_signing_key())
    except SealKeyError as problem:
        print(f"skillfund: warning: not sealed: {problem}", file=sys.stderr)


def report(
    result: Result, extra: dict[str, str], as_json: bool, bar: ProgressBar, tally: Tally
) -> None:
    """Print one result line as soon as its batch is recorded."""
    tally.done += 1
    tally.failed += not result.ok
    print(
        json.dumps(result.to_json() | extra, ensure_ascii=False) if as_json else result_text(result)
    )
    bar.update(tally.done)


def catch_up(sf: Skillfund) -> int:
    """Bring the projections up to date, with a progress line on a terminal."""
    bars: dict[str, ProgressBar] = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.setdefault(name, ProgressBar(f"projection {name}", total, "events"))
        bar.update(done)

    applied = sf.catch_up(progress)
    for bar in bars.values():
        bar.close()
    return applied


def show_verb(args: Namespace, url: str) -> int:
    with opened(url) as sf:
        catch_up(sf)
        try:
            data = show(sf, args.kind, args.id, cutoff_of(args))
        except NotFoundError as missing:
            print(f"skillfund: {missing}", file=sys.stderr)
            return EXIT_FAILED
    emit(data, args.json, render_mapping(data, f"{args.kind} {args.id}"))
    return EXIT_OK


def claims_verb(args: Namespace, url: str) -> int:
    with opened(url) as sf:
        catch_up(sf)
        rows = claim_register(
            sf, cutoff_of(args), fund_id=args.fund, status=args.status, person_id=args.person
        )
    emit(
        rows,
        args.json,
        render(rows, CLAIM_COLUMNS, numeric=("amount", "paid")) + f"\n{len(rows)} claims",
    )
    return EXIT_OK


def balance_text(data: dict[str, Any]) -> str:
    parts = [balance_lines(data)]
    for child in data.get("sub_accounts", []):
        parts.append("district sub-account 区县子账户\n" + balance_lines(child))
    if "consolidated" in data:
        parts.append(
            "consolidated 合并 "
            + ", ".join(data["consolidated"]["fund_ids"])
            + "\n"
            + balance_lines(data["consolidated"])
        )
    return "\n\n".join(parts)


def balance_lines(data: dict[str, Any]) -> str:
    lines = [
        f"fund {data['fund_id']} as of {data['as_of'] or 'today'}",
        f"cash 专账余额: {data['cash']}",
    ]
    for title, key in (
        ("deposits by channel 资金来源", "deposits_by_channel"),
        ("cash by channel 各渠道余额", "cash_by_channel"),
        ("approved by subsidy 已核准", "approved_by_subsidy"),
        ("payable by subsidy 应付未付", "payable_by_subsidy"),
        ("paid by subsidy 已支付", "paid_by_subsidy"),
    ):
        lines.append(f"{title}:")
        lines += [f"  {k}: {v}" for k, v in data[key].items()] or ["  (none)"]
    for title, key in (
        ("allocated to sub-accounts 下拨子账户", "allocated_out"),
        ("allocated from the city 市级下拨", "allocated_in"),
        ("advances outstanding 预拨未结", "advances_outstanding"),
        ("advance excess owed back 预拨应退", "institution_receivable"),
        ("clawbacks receivable 应追回", "clawbacks_receivable"),
        ("recovered 已追回", "recovered"),
        ("trial balance 试算平衡 (debits - credits)", "trial_balance"),
    ):
        lines.append(f"{title}: {data[key]}")
    reconciled = data.get("reconciled_through")
    if reconciled:
        lines.append(
            f"reconciled with the bank 已对账 through {reconciled['through']}"
            f" (confirmed by {reconciled['confirmed_by']} on {reconciled['on']})"
        )
    elif "reconciled_through" in data:
        lines.append("reconciled with the bank 已对账: not yet")
    return "\n".join(lines)


def balance_verb(args: Namespace, url: str) -> int:
    with opened(url) as sf:
        catch_up(sf)
        try:
            data = fund_balance(sf, args.fund, args.as_of, cutoff_of(args))
        except NotFoundError as missing:
            print(f"skillfund: {missing}", file=sys.stderr)
            return EXIT_FAILED
    emit(data, args.json, balance_text(data))
    return EXIT_OK


def history_verb(args: Namespace, url: str) -> int:
    with opened(url) as sf:
        catch_up(sf)
        try:
            data = history(sf, args.id, cutoff_of(args))
        except NotFoundError as missing:
            print(f"skillfund: {missing}", file=sys.stderr)
            return EXIT_FAILED
    columns = [
        ("kind", "entity"),
        ("event", "event 事件"),
        ("version", "v"),
        ("business_date", "business date 业务日期"),
        ("recorded_at", "recorded 记录时间"),
        ("data", "data"),
    ]
    emit(data, args.json, render(data["events"], columns) + f"\n{len(data['events'])} events")
    return EXIT_OK


def rebuild_verb(args: Namespace, url: str) -> int:
    collect_in_bulk()
    with opened(url) as sf:
        bars: dict[str, ProgressBar] = {}

        def progress(name: str, done: int, total: int) -> None:
            bars.setdefault(name, ProgressBar(f"rebuild {name}", total, "events")).update(done)

        applied = projector.rebuild(sf, url, progress)
        for bar in bars.values():
            bar.close()
        digest, counts = sf.runner.digest()
    data = {"digest": digest, "events_applied": applied, "rows": counts}
    text = "\n".join(
        [f"digest {digest}", f"events applied {applied}"]
        + [f"  {t}: {n} rows" for t, n in counts.items()]
    )
    emit(data, args.json, text)
    return EXIT_OK


VERBS: dict[str, Callable[[Namespace, str], int]] = {
    "init": init,
    "submit": submit,
    "show": show_verb,
    "claims": claims_verb,
    "balance": balance_verb,
    "history": history_verb,
    "rebuild": rebuild_verb,
}


def demo_verb(args: Namespace, url: str) -> int:
    """Play the demo year on the database (creating it), then print the balance and claims."""
    from ledger.demo import FUND, demo_lines

    counts: dict[str, int] = {}
    with opened(url, create=True) as sf:
        results = submit_lines(
            sf, demo_lines(), lambda r: counts.__setitem__(r.status, counts.get(r.status, 0) + 1)
        )
        catch_up(sf)
        data: dict[str, Any] = {
            "submitted": counts,
            "balance": fund_balance(sf, FUND, None),
            "claims": claim_register(sf, fund_id=FUND),
        }
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    text = "\n\n".join(
        [
            f"demo: {len(results)} commands on {safe_url(url)}: {summary}",
            balance_text(data["balance"]),
            render(data["claims"], CLAIM_COLUMNS, numeric=("amount", "paid"))
            + f"\n{len(data['claims'])} claims",
        ]
    )
    emit(data, args.json, text)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def rules_verb(args: Namespace, url: str) -> int:
    """The rules in force on a date; reads no database."""
    import rules

    on = args.on or date.today()
    rows = rules.explain(args.jurisdiction, on)
    if not rows:
        scope = args.jurisdiction or "any jurisdiction"
        print(f"skillfund: no rule pack is in force for {scope} on {on}", file=sys.stderr)
        return EXIT_FAILED
    emit(rows, args.json, rules_text(rows, on))
    return EXIT_OK


def rules_text(rows: list[dict[str, Any]], on: date) -> str:
    """Per pack: the subsidies (paid, no rate, not provided) and the figures, with clauses."""
    parts = []
    for pack in dict.fromkeys(r["pack"] for r in rows):
        mine = [r for r in rows if r["pack"] == pack]
        head = mine[0]
        parts.append(
            f"{head['document']} ({pack}), in force {head['effective_from']} to "
            f"{head['effective_to'] or 'open'}"
        )
        subsidies = [r | {"payee": r.get("payee") or ""} for r in mine if r["kind"] != "figure"]
        parts.append(render(subsidies, RULE_COLUMNS))
        parts.append(render(subsidy_figures(mine), SUBSIDY_FIGURE_COLUMNS))
        figures = [
            r | {"value": figure_text(r["name"], r["value"])} for r in mine if r["kind"] == "figure"
        ]
        parts.append(render(figures, FIGURE_COLUMNS))
    parts.append(f"{len(rows)} rules and figures in force on {on}")
    return "\n\n".join(parts)


RULE_COLUMNS = [
    ("subsidy", "subsidy 补贴"),
    ("kind", "kind 类别"),
    ("summary", "rule 规则"),
    ("payee", "paid to 受益方"),
    ("citation", "citation 依据"),
]
SUBSIDY_FIGURE_COLUMNS = [
    ("subsidy", "subsidy 补贴"),
    ("name", "figure 参数"),
    ("value", "value 数值"),
    ("citation", "citation 依据"),
]


def subsidy_figures(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per figure a subsidy rule reads, money in yuan, one row per level of a table."""
    out = []
    for row in rows:
        for figure in row.get("figures") or []:
            value = figure_text(figure["name"], figure["value"])
            items = value.items() if isinstance(value, dict) else [("", value)]
            for key, item in items:
                name = f"{figure['name']}[{key}]" if key else figure["name"]
                out.append(
                    {
                        "subsidy": row["subsidy"],
                        "name": name,
                        "value": item,
                        "citation": figure["citation"],
                    }
                )
    return out


FIGURE_COLUMNS = [
    ("name", "figure 参数"),
    ("value", "value 数值"),
    ("citation", "citation 依据"),
    ("note", "reading 说明"),
]


def figure_text(name: str, value: Any) -> Any:
    """Money figures (`*_fen`) in yuan; tables of money figures likewise."""
    if name.endswith("_fen") and isinstance(value, int):
        return format_fen(value)
    if name.endswith("_fen") and isinstance(value, dict):
        return {k: format_fen(v) if isinstance(v, int) else v for k, v in value.items()}
    return value


VERBS.update(
    {
        "demo": demo_verb,
        "rules": rules_verb,
        "reconcile": reconcile_verb,
        "reassess": reassess_verb,
        "disclose": disclose_verb,
        "trace": trace_verb,
        "flags": flags_verb,
        "generate": generate_verb,
    }
)

VERBS.update(AUDIT_VERBS)
