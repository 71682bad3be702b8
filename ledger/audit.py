"""Tamper evidence over the event log: verify the chain and the seals; the public API.

`verify` recomputes every event hash from the events table, checks each against its chain
row and each chain row against the one before it, recomputes every seal's Merkle root and
size from the events, and checks the seals' signatures when a public key is given. It names
the first event that does not match and what is wrong with it. What this proves, and what
it does not, is in docs/audit.md.

The rest of the API lives next door and is re-exported here: `seal`, `latest_seal`
(ledger/seals.py), `prove`, `verify_proof` (ledger/proofs.py), `export`
(ledger/audit_export.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from ledger.audit_export import export
from ledger.chain import GENESIS, MerkleAccumulator, chain_hash, event_hash
from ledger.proofs import prove, verify_proof
from ledger.recorder import CHAIN, EVENTS
from ledger.seals import Seal, all_seals, latest_seal, seal
from ledger.seals import public_key as load_public_key
from ledger.verify_checks import Problem, classify_reorders, signature_problems

__all__ = [
    "Problem",
    "Seal",
    "VerifyReport",
    "export",
    "latest_seal",
    "prove",
    "seal",
    "verify",
    "verify_proof",
]

VERIFY_BATCH_SIZE = 5_000
PROBLEMS_MAX = 1_000  # Problems kept in a report; the count goes on.
UNCHAINED = "an event with no chain row: inserted behind the application's back"
MISSING = "the chain records an event here but the events table has none: it was deleted"
CHANGED = "the event's bytes no longer hash to the hash chained when it was recorded"
BROKEN = (
    "its chain hash does not follow from the chain row before it: a chained event before "
    "it was removed or inserted, or the chain table was edited"
)


@dataclass
class VerifyReport:
    """What `verify` found: counts, the seals checked, and every problem, first first."""

    events_checked: int = 0
    chain_rows_checked: int = 0
    head: int = 0
    seals_checked: int = 0
    latest_seal: dict[str, Any] | None = None
    signatures: str = "not checked: no public key configured"
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def add(self, problem: Problem) -> None:
        self.problems_total += 1
        if len(self.problems) < PROBLEMS_MAX:
            self.problems.append(problem)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"], data["first"] = self.ok, asdict(self.first) if self.first else None
        return data


class ChainChecker:
    """Walks the merged events and chain rows in position order and collects problems."""

    def __init__(self, seals: list[Seal], report: VerifyReport) -> None:
        self.report = report
        self.previous_link = GENESIS
        self.pending = deque(sorted(seals, key=lambda s: (s.last_position, s.seal_id)))
        self.trees: dict[int, MerkleAccumulator] = {
            s.first_position: MerkleAccumulator() for s in seals
        }
        self.matched_through = 0  # The last position of the latest seal found to match.
        self.changed: dict[int, tuple[Any, str]] = {}  # position -> (event row, chained hash)
        self.last_event: Any = None

    def check(self, position: int, event: Any, link: Any) -> None:
        self.close_seals_before(position)
        hashed = None
        if event is not None:
            hashed = event_hash(
                event.id, event.originator_id, event.originator_version, event.topic, event.state
            )
            self.report.events_checked += 1
            self.last_event = event
            for first, tree in self.trees.items():
                if first <= position:
                    tree.add(hashed)
        if link is None:
            self.report.add(problem("unchained_event", event, UNCHAINED))
            return
        self.check_link(position, event, link, hashed)

    def check_link(self, position: int, event: Any, link: Any, hashed: bytes | None) -> None:
        self.report.chain_rows_checked += 1
        if event is None:
            self.report.add(Problem("missing_event", position, MISSING))
        elif hashed is not None and hashed.hex() != link.event_hash:
            self.changed[position] = (event, link.event_hash)
            self.report.add(problem("payload_changed", event, CHANGED))
        if chain_hash(self.previous_link, bytes.fromhex(link.event_hash)).hex() != link.chain_hash:
            self.report.add(problem("chain_broken", event, BROKEN, position))
        self.previous_link = bytes.fromhex(link.chain_hash)

    def close_seals_before(self, position: int | None) -> None:
        """Compare each seal whose range ends before `position` (None: the end of the log)."""
        closed = False
        while self.pending and (position is None or self.pending[0].last_position < position):
            self.close_seal(self.pending.popleft(), at_end=position is None)
            closed = True
        if closed:  # A tree no pending seal starts at is no longer needed.
            starts = {s.first_position for s in self.pending}
            self.trees = {f: tree for f, tree in self.trees.items() if f in starts}

    def close_seal(self, sealed: Seal, at_end: bool) -> None:
        tree = self.trees[sealed.first_position]
        self.report.seals_checked += 1
        if tree.size == sealed.size and tree.root().hex() == sealed.merkle_root:
            self.matched_through = max(self.matched_through, sealed.last_position)
            return
        head = self.last_event.id if self.last_event is not None else 0
        if at_end and head < sealed.last_position and tree.size < sealed.size:
            why = f"the log now ends at position {head}: events sealed after it were removed"
            self.report.add(seal_problem("tail_truncated", head + 1, sealed, tree, why))
            return
        since = self.matched_through + 1
        why = (
            f"an event between positions {since} and {sealed.last_position} was changed, "
            "added or removed after it was sealed"
        )
        self.report.add(seal_problem("seal_root_mismatch", since, sealed, tree, why))


def problem(kind: str, event: Any, message: str, position: int | None = None) -> Problem:
    """A problem named by its event (position, originator, version, topic)."""
    if event is None:
        return Problem(kind, position, message)
    return Problem(
        kind, event.id, message, str(event.originator_id), event.originator_version, event.topic
    )


def seal_problem(
    kind: str, position: int, sealed: Seal, tree: MerkleAccumulator, why: str
) -> Problem:
    message = (
        f"seal #{sealed.seal_id} ({sealed.reason}, {sealed.sealed_at}) covers positions "
        f"{sealed.first_position}..{sealed.last_position}: size {sealed.size}, root "
        f"{sealed.merkle_root}; the events there now give size {tree.size}, root "
        f"{tree.root().hex()}: {why}"
    )
    return Problem(kind, position, message, seal_id=sealed.seal_id)


def batches(connection: sa.Connection, table: sa.Table, key: str, bound: int) -> Iterator[Any]:
    """Every row of `table` with `key` ≤ bound, in key order, read in batches."""
    after = 0
    while True:
        column = table.c[key]
        query = sa.select(table).where(column > after, column <= bound).order_by(column)
        rows = connection.execute(query.limit(VERIFY_BATCH_SIZE)).all()
        yield from rows
        if len(rows) < VERIFY_BATCH_SIZE:
            return
        after = getattr(rows[-1], key)


def merged(connection: sa.Connection, bound: int) -> Iterator[tuple[int, Any, Any]]:
    """(position, event row or None, chain row or None) in position order."""
    events = batches(connection, EVENTS, "id", bound)
    links = batches(connection, CHAIN, "position", bound)
    event, link = next(events, None), next(links, None)
    while event is not None or link is not None:
        position = min(
            ([event.id] if event is not None else [])
            + ([link.position] if link is not None else [])
        )
        this_event = event if event is not None and event.id == position else None
        this_link = link if link is not None and link.position == position else None
        yield position, this_event, this_link
        if this_event is not None:
            event = next(events, None)
        if this_link is not None:
            link = next(links, None)


def upper_bound(connection: sa.Connection) -> int:
    """The last position to check: rows committed after this call are left for next time."""
    last_link = connection.execute(sa.select(sa.func.max(CHAIN.c.position))).scalar()
    last_event = connection.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar()
    return max(last_link or 0, last_event or 0)


def verify(engine: sa.Engine, public_key: bytes | None = None) -> VerifyReport:
    """Recompute every event hash, the chain and every seal; check seal signatures when a
    public key (PEM or 32 raw bytes) is given. The first problem is the earliest event."""
    key = load_public_key(public_key) if public_key is not None else None
    report = VerifyReport()
    with engine.connect() as connection:
        seals = all_seals(connection)  # Read first: every seal then ends at or before the bound.
        bound = upper_bound(connection)
        checker = ChainChecker(seals, report)
        for position, event, link in merged(connection, bound):
            checker.check(position, event, link)
        checker.close_seals_before(None)
    report.head = checker.last_event.id if checker.last_event is not None else 0
    report.latest_seal = seals[-1].to_json() if seals else None
    classify_reorders(report.problems, checker.changed)
    if key is not None:
        report.signatures = "checked"
        for found in signature_problems(seals, key):
            report.add(found)
    report.problems.sort(key=problem_order)
    return report


def problem_order(found: Problem) -> tuple[bool, bool, int]:
    """Problems of one event first, by position; then the seals', which bound a range
    rather than name an event; then the signatures'."""
    return found.seal_id is not None, found.position is None, found.position or 0
