"""The audit verbs of the command line, one function each: (args, url) -> exit code.

verify [--json]; seal [--reason R]; prove ID [--position] [--seal N] [--kind K] [--out FILE];
verify-proof PROOF --root HASH (opens no database); export --from D --to D --out FILE;
keygen --out DIR. Keys come from $SKILLFUND_SEAL_KEY and $SKILLFUND_SEAL_PUBKEY.
"""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger import audit
from ledger.cli import EXIT_FAILED, EXIT_OK, UsageError, emit
from ledger.proofs import ProofError, proof_problem
from ledger.seals import (
    SealKeyError,
    configured_public_key,
    configured_signing_key,
    key_id,
    private_key,
    write_key_pair,
)
from ledger.service import opened
from ledger.verify_checks import Problem


def problem_line(problem: Problem) -> str:
    where = f"position {problem.position}" if problem.position is not None else "seals"
    named = ", ".join(
        str(x)
        for x in (problem.topic, problem.originator_id, problem.originator_version)
        if x is not None
    )
    return f"{where}{f' ({named})' if named else ''}: {problem.kind}: {problem.message}"


def report_text(report: audit.VerifyReport) -> str:
    latest = report.latest_seal
    sealed = (
        f"latest seal #{latest['seal_id']} covers {latest['first_position']}.."
        f"{latest['last_position']} ({latest['size']} events, root {latest['merkle_root']})"
        if latest
        else "no seal yet"
    )
    counts = (
        f"{report.events_checked} events, {report.chain_rows_checked} chain rows, "
        f"{report.seals_checked} seals; {sealed}; signatures {report.signatures}"
    )
    if report.ok:
        return f"verify: OK: {counts}"
    lines = [f"verify: FAILED: {report.problems_total} problems; {counts}"]
    lines += [f"first: {problem_line(report.problems[0])}"]
    lines += [f"  {problem_line(p)}" for p in report.problems[1:]]
    return "\n".join(lines)


def key_from_env(read: Callable[[], bytes | None]) -> bytes | None:
    try:
        return read()
    except SealKeyError as problem:
        raise UsageError(str(problem)) from None


def verify_verb(args: Namespace, url: str) -> int:
    public_key = key_from_env(configured_public_key)
    with opened(url) as sf:
        try:
            report = audit.verify(sf.engine, public_key)
        except SealKeyError as problem:
            raise UsageError(str(problem)) from None
    emit(report.to_json(), args.json, report_text(report))
    return EXIT_OK if report.ok else EXIT_FAILED


def seal_verb(args: Namespace, url: str) -> int:
    signing_key = key_from_env(configured_signing_key)
    with opened(url) as sf:
        try:
            sealed = audit.seal(sf.engine, args.reason or "manual", signing_key)
        except SealKeyError as problem:
            raise UsageError(str(problem)) from None
    data = sealed.to_json()
    text = (
        f"seal #{sealed.seal_id}: positions {sealed.first_position}..{sealed.last_position}, "
        f"{sealed.size} events, root {sealed.merkle_root}, sealed {sealed.sealed_at}"
        f"{', signed by key ' + sealed.key_id if sealed.key_id else ', unsigned'}"
    )
    emit(data, getattr(args, "json", False), text)
    return EXIT_OK


def prove_verb(args: Namespace, url: str) -> int:
    if args.position and not str(args.id).isdigit():
        raise UsageError(f"--position needs a number, not {args.id!r}")
    target: int | str = int(args.id) if args.position else str(args.id)
    with opened(url) as sf:
        sf.catch_up()  # The directory resolves natural keys.
        try:
            proof = audit.prove(
                sf.engine, target, getattr(args, "seal", None), getattr(args, "kind", None)
            )
        except ProofError as problem:
            print(f"skillfund: {problem}", file=sys.stderr)
            return EXIT_FAILED
    text = json.dumps(proof, ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        seal_id, position = proof["seal"]["seal_id"], proof["event"]["position"]
        print(f"proof of position {position} under seal #{seal_id} written to {args.out}")
    else:
        print(text)
    return EXIT_OK


def read_proof(name: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        proof = json.loads(text)
    except OSError as problem:
        raise UsageError(f"cannot read {name}: {problem.strerror}") from None
    except ValueError as problem:
        raise UsageError(f"{name} is not JSON: {problem}") from None
    if not isinstance(proof, dict):
        raise UsageError(f"{name} is not a proof (a JSON object)")
    return proof


def verify_proof_verb(args: Namespace, url: str) -> int:
    """Check a proof against a root; `url` is ignored: no database is opened."""
    proof = read_proof(args.proof)
    problem = proof_problem(proof, args.root)
    event = proof["event"] if isinstance(proof.get("event"), dict) else {}
    data = {"ok": problem is None, "root": args.root, "problem": problem, "event": event}
    if problem is None:
        where = event.get("position", "?")
        text = f"proof OK: the event at position {where} is included under root {args.root}"
    else:
        text = f"proof FAILED: {problem}"
    emit(data, getattr(args, "json", False), text)
    return EXIT_OK if problem is None else EXIT_FAILED


def export_verb(args: Namespace, url: str) -> int:
    if args.from_date > args.to_date:
        raise UsageError(f"--from {args.from_date} is after --to {args.to_date}")
    out = Path(args.out)
    if not out.parent.exists():
        raise UsageError(f"folder {out.parent} does not exist")
    with opened(url) as sf:
        written = audit.export(sf.engine, args.from_date, args.to_date, out)
    print(
        f"{written} events from {args.from_date} to {args.to_date}, and the seals, written to {out}"
    )
    return EXIT_OK


def keygen_verb(args: Namespace, url: str) -> int:
    """Write a new Ed25519 key pair; opens no database."""
    try:
        private_path, public_path = write_key_pair(Path(args.out))
        identifier = key_id(private_key(private_path.read_bytes()).public_key())
    except SealKeyError as problem:
        raise UsageError(str(problem)) from None
    print(
        f"key {identifier}: private key {private_path} (mode 0600; set $SKILLFUND_SEAL_KEY to it), "
        f"public key {public_path} (set $SKILLFUND_SEAL_PUBKEY to it and publish it)"
    )
    return EXIT_OK


AUDIT_VERBS: dict[str, Callable[[Namespace, str], int]] = {
    "verify": verify_verb,
    "seal": seal_verb,
    "prove": prove_verb,
    "verify-proof": verify_proof_verb,
    "export": export_verb,
    "keygen": keygen_verb,
}
