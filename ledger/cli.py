"""`skillfund [--db URL] VERB ...` — the command line of the contract.

Standard output carries only results; logs, progress and warnings go to standard error.
Exit codes: 0 success; 1 a refused/invalid/conflicting line, a failed check, or nothing
found; 2 usage errors (no such file, database missing or unreachable).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ledger.logs import configure_logging
from ledger.persistence import DatabaseUnavailableError, resolve_db_url, safe_url
from ledger.unit import SUBMIT_BATCH

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A usage error reported as one line with exit code 2."""


def business_date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def add_time_travel(parser: argparse.ArgumentParser) -> None:
    """--as-of (business date) and --known-at (what had been recorded by then), combinable."""
    parser.add_argument("--as-of", type=business_date_arg, metavar="DATE", help="business date")
    parser.add_argument(
        "--known-at",
        metavar="TIMESTAMP",
        help="as recorded by then: YYYY-MM-DD (end of day) or ISO 8601, Asia/Shanghai by default",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skillfund",
        description="Skillfund: the ledger of a skills-upgrading fund (职业技能提升行动专账).",
    )
    parser.add_argument(
        "--db", help="database URL (default: $SKILLFUND_DB, else sqlite:///skillfund.db)"
    )
    parser.add_argument(
        "--log-level", help="DEBUG, INFO, WARNING (default) or ERROR; logs go to standard error"
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("init", help="create the schema (idempotent)")
    submit = verbs.add_parser(
        "submit", help="run commands from JSON Lines files, one result line each"
    )
    submit.add_argument(
        "files", nargs="+", metavar="FILE", help="JSONL files, or - for standard input"
    )
    submit.add_argument("--json", action="store_true", help="one JSON result object per line")
    submit.add_argument(
        "--batch",
        type=positive_int,
        default=SUBMIT_BATCH,
        metavar="N",
        help=f"lines per transaction (default {SUBMIT_BATCH}; 1: each line alone); "
        "the results are the same for any N",
    )
    show = verbs.add_parser("show", help="one entity's current state")
    show.add_argument(
        "kind", choices=["fund", "claim", "person", "institution", "class", "certificate"]
    )
    show.add_argument("id")
    add_time_travel(show)
    show.add_argument("--json", action="store_true")
    claims = verbs.add_parser("claims", help="the claim register")
    claims.add_argument("--fund")
    claims.add_argument("--status")
    claims.add_argument("--person")
    add_time_travel(claims)
    claims.add_argument("--json", action="store_true")
    balance = verbs.add_parser("balance", help="the dedicated account of a fund")
    balance.add_argument("fund")
    add_time_travel(balance)
    balance.add_argument("--json", action="store_true")
    history = verbs.add_parser(
        "history", help="every event of an entity, in order, with recorded time"
    )
    history.add_argument("id")
    add_time_travel(history)
    history.add_argument("--json", action="store_true")
    rebuild = verbs.add_parser(
        "rebuild", help="rebuild every projection from the event log; prints a digest"
    )
    rebuild.add_argument("--json", action="store_true")
    rules = verbs.add_parser("rules", help="the rules in force, with their citations")
    rules.add_argument("jurisdiction", nargs="?")
    rules.add_argument(
        "--on", type=business_date_arg, metavar="DATE", help="the date (default: today)"
    )
    rules.add_argument("--json", action="store_true")
    reconcile = verbs.add_parser("reconcile", help="the dedicated account against a bank statement")
    reconcile.add_argument("fund")
    reconcile.add_argument(
        "statement", help="CSV (UTF-8 or GBK) or camt.053 XML; see docs/reconciliation.md"
    )
    reconcile.add_argument("--from", dest="from_date", type=business_date_arg, metavar="DATE")
    reconcile.add_argument("--to", dest="to_date", type=business_date_arg, metavar="DATE")
    reconcile.add_argument(
        "--window", type=int, default=3, help="days apart a payment may post (default 3)"
    )
    reconcile.add_argument(
        "--confirm", action="store_true", help="record finance's confirmation when all matches"
    )
    reconcile.add_argument("--by", help="who confirms (with --confirm)")
    reconcile.add_argument(
        "--on", type=business_date_arg, metavar="DATE", help="confirmation date (default today)"
    )
    reconcile.add_argument("--json", action="store_true")
    reassess = verbs.add_parser(
        "reassess", help="decide every recorded claim again; list any that differ"
    )
    reassess.add_argument("--fund")
    reassess.add_argument("--json", action="store_true")
    generate = verbs.add_parser(
        "generate", help="a synthetic, realistic command file (with planted fraud)"
    )
    generate.add_argument("--scale", choices=["small", "city", "kunshan"], default="small")
    generate.add_argument("--seed", type=int, default=1)
    generate.add_argument(
        "--out", required=True, metavar="FILE", help="JSONL to write; labels go beside it"
    )
    flags = verbs.add_parser("flags", help="open anti-fraud holds and flags with their evidence")
    flags.add_argument("--fund")
    flags.add_argument("--rule", help="a FRAUD_RULES id such as ATT-01")
    flags.add_argument("--json", action="store_true")
    trace = verbs.add_parser(
        "trace", help="everything linked to a claim, person, institution, certificate or account"
    )
    trace.add_argument("id")
    trace.add_argument(
        "--format", choices=["tree", "dot"], default="tree", help="tree (default) or Graphviz dot"
    )
    trace.add_argument(
        "--depth", type=int, default=3, help="links to follow from the id (default 3)"
    )
    trace.add_argument("--limit", type=int, default=500, help="nodes at most (default 500)")
    trace.add_argument("--json", action="store_true")
    disclose = verbs.add_parser("disclose", help="public-disclosure reports of a fund for a period")
    disclose.add_argument("fund")
    disclose.add_argument("--period", required=True, metavar="P", help="YYYY-MM, YYYY-Qn or YYYY")
    disclose.add_argument(
        "--out", required=True, metavar="DIR", help="folder to write (created if missing)"
    )
    disclose.add_argument("--json", action="store_true")
    demo = verbs.add_parser(
        "demo", help="a small realistic Kunshan year, end to end, on the database"
    )
    demo.add_argument("--json", action="store_true")
    verify = verbs.add_parser(
        "verify", help="check the integrity of the event log; exit 1 where it was tampered with"
    )
    verify.add_argument("--json", action="store_true")
    seal = verbs.add_parser(
        "seal",
        help="seal the log: a Merkle root over the hash chain (signed if $SKILLFUND_SEAL_KEY)",
    )
    seal.add_argument("--reason", default="manual", help="why it is sealed (default: manual)")
    seal.add_argument("--json", action="store_true")
    prove = verbs.add_parser("prove", help="write a proof that an event is under a sealed root")
    prove.add_argument("id", metavar="ID", help="a natural key (a payment id...), or a position")
    prove.add_argument("--position", action="store_true", help="ID is an event position")
    prove.add_argument(
        "--seal", type=int, metavar="N", help="seal N (default: the latest covering it)"
    )
    prove.add_argument("--kind", help="the entity kind, when the key names several")
    prove.add_argument(
        "--out", metavar="FILE", help="write the proof here (default: standard output)"
    )
    verify_proof = verbs.add_parser(
        "verify-proof", help="check an inclusion proof against a root; needs no database"
    )
    verify_proof.add_argument(
        "proof", metavar="PROOF", help="the proof file, or - for standard input"
    )
    verify_proof.add_argument("--root", required=True, metavar="HASH", help="a root you trust")
    verify_proof.add_argument("--json", action="store_true")
    export = verbs.add_parser(
        "export", help="a period's events with hashes and chain positions, and the seals, as JSONL"
    )
    export.add_argument(
        "--from", dest="from_date", type=business_date_arg, required=True, metavar="DATE"
    )
    export.add_argument(
        "--to", dest="to_date", type=business_date_arg, required=True, metavar="DATE"
    )
    export.add_argument("--out", required=True, metavar="FILE")
    keygen = verbs.add_parser("keygen", help="write a new Ed25519 seal key pair (private key 0600)")
    keygen.add_argument("--out", required=True, metavar="DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    from ledger import verbs  # Imported here so `--help` stays fast.
    from ledger.service import freeze_startup_heap

    freeze_startup_heap()

    try:
        url = resolve_db_url(args.db)
        return int(verbs.VERBS[args.verb](args, url))
    except (DatabaseUnavailableError, UsageError) as problem:
        print(f"skillfund: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK


def emit(data: Any, as_json: bool, text: str) -> None:
    """Print a result: JSON for tools, the readable text otherwise."""
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


@dataclass
class Input:
    """One input of `submit`: checked before anything runs (it exists, it is UTF-8, its
    non-blank lines counted for the progress bar), then read again line by line, so a file
    of millions of lines is never held in memory."""

    name: str
    total: int
    held: list[str] | None = None  # Standard input, which cannot be read twice.

    def lines(self) -> Iterator[str]:
        if self.held is not None:
            yield from self.held
            return
        with open(self.name, encoding="utf-8", newline=None) as stream:
            for line in stream:
                yield line.rstrip("\n")


def read_inputs(names: Sequence[str]) -> list[Input]:
    """Every input checked before anything runs, so a missing or undecodable file writes
    nothing."""
    inputs = []
    for name in names:
        if name == "-":
            held = sys.stdin.read().split("\n")
            inputs.append(Input("-", sum(1 for line in held if line.strip()), held))
            continue
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"no such file: {name}")
        try:
            with open(path, encoding="utf-8", newline=None) as stream:
                total = sum(1 for line in stream if line.strip())
        except UnicodeDecodeError as problem:
            raise UsageError(f"{name} is not UTF-8: {problem}") from None
        inputs.append(Input(name, total))
    return inputs


def describe_db(url: str) -> str:
    return safe_url(url)


if __name__ == "__main__":
    sys.exit(main())
