"""Reconcile the dedicated account's cash movements in the ledger against the bank statement.

Matching runs in three passes, each on what the passes before it left (docs/reconciliation.md):
1. reference: same reference (case and spaces ignored); equal amounts pair one to one, closest
   date first; what is left of a reference matches as a group when its sums agree, and is an
   amount difference when they do not;
2. amount_date: equal amounts within `window_days`, one to one, closest date first;
3. aggregate: one item against 2–5 items of the other side that share one date within the
   window and sum to it; or against every such item of that date (a batch payment).
Every choice is ordered by date and id, so the same inputs give the same result in any order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any, Literal

from domain.money import format_fen
from ledger.statements import StatementLine
from ledger.tables import render

WINDOW_DAYS_MAX = 31
GROUP_SIZE_MAX = 5  # Subsets of at most this many items are searched for a sum.
AGGREGATE_CANDIDATES_MAX = 12  # Items of one date searched for subsets (C(12, ≤5) = 1585).
BATCH_SIZE_MAX = 1000  # A whole day's items may match one batch line, up to this many.

How = Literal["reference", "amount_date", "aggregate"]


@dataclass(frozen=True)
class CashMovement:
    """A movement of the dedicated account in the ledger: + into the account, − out of it."""

    entry_id: int
    date: dt.date
    amount_fen: int
    reference: str
    kind: str


@dataclass(frozen=True)
class MatchedGroup:
    """Ledger movements and bank lines that account for the same money."""

    how: How
    ledger: tuple[CashMovement, ...]
    bank: tuple[StatementLine, ...]

    @property
    def amount_fen(self) -> int:
        return sum(line.amount_fen for line in self.bank)


@dataclass(frozen=True)
class AmountDifference:
    """Movements and lines with the same reference whose amounts do not agree."""

    reference: str
    ledger: tuple[CashMovement, ...]
    bank: tuple[StatementLine, ...]

    @property
    def ledger_fen(self) -> int:
        return sum(m.amount_fen for m in self.ledger)

    @property
    def bank_fen(self) -> int:
        return sum(line.amount_fen for line in self.bank)

    @property
    def difference_fen(self) -> int:
        """Bank minus ledger."""
        return self.bank_fen - self.ledger_fen


@dataclass(frozen=True)
class Reconciliation:
    """What matched, how, and what did not."""

    window_days: int
    matched: tuple[MatchedGroup, ...]
    amount_differences: tuple[AmountDifference, ...]
    bank_only: tuple[StatementLine, ...]
    ledger_only: tuple[CashMovement, ...]
    ledger_total_fen: int
    bank_total_fen: int

    @property
    def reconciled(self) -> bool:
        """True when every line and movement is matched and no amounts differ."""
        return not (self.bank_only or self.ledger_only or self.amount_differences)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready report; amounts are yuan strings."""
        return {
            "reconciled": self.reconciled,
            "window_days": self.window_days,
            "ledger_total": format_fen(self.ledger_total_fen),
            "bank_total": format_fen(self.bank_total_fen),
            "difference": format_fen(self.bank_total_fen - self.ledger_total_fen),
            "matched": [
                {"how": g.how, "amount": format_fen(g.amount_fen), **_sides(g.ledger, g.bank)}
                for g in self.matched
            ],
            "amount_differences": [_difference_json(d) for d in self.amount_differences],
            "bank_only": [_item_json(line) for line in self.bank_only],
            "ledger_only": [_item_json(m) for m in self.ledger_only],
        }

    def render_text(self) -> str:
        """A readable report: a summary, then one table per kind of finding."""
        return render_text(self)


@dataclass
class _State:
    """Items still unmatched, and the findings so far."""

    ledger: dict[int, CashMovement]
    bank: dict[int, StatementLine]
    matched: list[MatchedGroup] = field(default_factory=list)
    differences: list[AmountDifference] = field(default_factory=list)

    def match(
        self, how: How, ledger: Iterable[CashMovement], bank: Iterable[StatementLine]
    ) -> None:
        group = MatchedGroup(how, _ledger_sorted(ledger), _bank_sorted(bank))
        self._take(group.ledger, group.bank)
        self.matched.append(group)

    def differ(self, ledger: Sequence[CashMovement], bank: Sequence[StatementLine]) -> None:
        reference = bank[0].reference.strip()
        difference = AmountDifference(reference, _ledger_sorted(ledger), _bank_sorted(bank))
        self._take(difference.ledger, difference.bank)
        self.differences.append(difference)

    def _take(self, ledger: Iterable[CashMovement], bank: Iterable[StatementLine]) -> None:
        for movement in ledger:
            del self.ledger[movement.entry_id]
        for line in bank:
            del self.bank[line.line_no]

    def free_ledger(self) -> tuple[CashMovement, ...]:
        return _ledger_sorted(self.ledger.values())

    def free_bank(self) -> tuple[StatementLine, ...]:
        return _bank_sorted(self.bank.values())


def reconcile(
    ledger: list[CashMovement], bank: list[StatementLine], window_days: int = 3
) -> Reconciliation:
    """Match the ledger's cash movements against the bank statement's lines."""
    if not 0 <= window_days <= WINDOW_DAYS_MAX:
        raise ValueError(f"window_days must be 0 to {WINDOW_DAYS_MAX}, got {window_days}")
    state = _State(_unique(ledger, "entry_id"), _unique(bank, "line_no"))
    _match_references(state)
    _match_amount_dates(state, window_days)
    _match_aggregates(state, window_days)
    return Reconciliation(
        window_days=window_days,
        matched=tuple(sorted(state.matched, key=_group_key)),
        amount_differences=tuple(sorted(state.differences, key=_group_key)),
        bank_only=tuple(state.free_bank()),
        ledger_only=tuple(state.free_ledger()),
        ledger_total_fen=sum(m.amount_fen for m in ledger),
        bank_total_fen=sum(line.amount_fen for line in bank),
    )


def normalize_reference(reference: str) -> str:
    """A reference compared case-insensitively, with every space removed."""
    return "".join(reference.split()).casefold()


def _unique(items: Sequence[Any], key: str) -> dict[int, Any]:
    by_key = {getattr(item, key): item for item in items}
    if len(by_key) != len(items):
        raise ValueError(f"two items share one {key}")
    return by_key


def _match_references(state: _State) -> None:
    """Pass 1: equal references; pairs first, then the rest of the reference as a group."""
    ledger_by_ref = _by_reference(state.free_ledger())
    bank_by_ref = _by_reference(state.free_bank())
    for reference in sorted(ledger_by_ref.keys() & bank_by_ref.keys()):
        movements, lines = ledger_by_ref[reference], bank_by_ref[reference]
        for movement, line in _pairs(movements, lines, window_days=None):
            state.match("reference", [movement], [line])
        movements = [m for m in movements if m.entry_id in state.ledger]
        lines = [line for line in lines if line.line_no in state.bank]
        if not movements or not lines:
            continue
        if sum(m.amount_fen for m in movements) == sum(line.amount_fen for line in lines):
            state.match("reference", movements, lines)
        else:
            state.differ(movements, lines)


def _by_reference(items: Iterable[Any]) -> dict[str, list[Any]]:
    by_ref: dict[str, list[Any]] = defaultdict(list)
    for item in items:
        if reference := normalize_reference(item.reference):
            by_ref[reference].append(item)
    return by_ref


def _pairs(
    movements: Sequence[CashMovement], lines: Sequence[StatementLine], window_days: int | None
) -> list[tuple[CashMovement, StatementLine]]:
    """Equal-amount pairs, closest dates first, each item used once; ties by date and id."""
    lines_by_amount: dict[int, list[StatementLine]] = defaultdict(list)
    for line in lines:
        lines_by_amount[line.amount_fen].append(line)
    candidates = [
        (abs((line.date - m.date).days), line.date, line.line_no, m.date, m.entry_id, m, line)
        for m in movements
        for line in lines_by_amount.get(m.amount_fen, [])
        if window_days is None or abs((line.date - m.date).days) <= window_days
    ]
    candidates.sort(key=lambda c: c[:5])
    pairs, used_ledger, used_bank = [], set(), set()
    for *_, movement, line in candidates:
        if movement.entry_id not in used_ledger and line.line_no not in used_bank:
            used_ledger.add(movement.entry_id)
            used_bank.add(line.line_no)
            pairs.append((movement, line))
    return pairs


def _match_amount_dates(state: _State, window_days: int) -> None:
    """Pass 2: equal amounts within the window, one to one."""
    for movement, line in _pairs(state.free_ledger(), state.free_bank(), window_days):
        state.match("amount_date", [movement], [line])


def _match_aggregates(state: _State, window_days: int) -> None:
    """Pass 3: one bank line for many movements of one date, then one movement for many lines."""
    ledger_by_date = _by_date(state.free_ledger())
    for line in state.free_bank():
        found = _find_group(line, ledger_by_date, window_days, lambda m: m.entry_id in state.ledger)
        if found:
            state.match("aggregate", found, [line])
    bank_by_date = _by_date(state.free_bank())
    for movement in state.free_ledger():
        found = _find_group(movement, bank_by_date, window_days, lambda b: b.line_no in state.bank)
        if found:
            state.match("aggregate", [movement], found)


def _by_date(items: Iterable[Any]) -> dict[dt.date, list[Any]]:
    by_date: dict[dt.date, list[Any]] = defaultdict(list)
    for item in items:
        by_date[item.date].append(item)
    return by_date


def _find_group(
    one: Any, by_date: dict[dt.date, list[Any]], window_days: int, is_free: Callable[[Any], bool]
) -> list[Any]:
    """Free items of one date within the window, of the same sign as `one`, that sum to it.

    Dates are tried closest first (then earlier); on each, the whole day's items (a batch),
    then subsets of 2 to GROUP_SIZE_MAX items, smallest and lowest ids first.
    """
    target = one.amount_fen
    offsets = sorted(range(-window_days, window_days + 1), key=lambda n: (abs(n), n))
    for day in (one.date + dt.timedelta(days=n) for n in offsets):
        candidates = [
            item
            for item in by_date.get(day, [])
            if is_free(item)
            and item.amount_fen * target > 0
            and abs(item.amount_fen) <= abs(target)
        ]
        if 1 < len(candidates) <= BATCH_SIZE_MAX and _total(candidates) == target:
            return candidates
        subset = _subset_summing_to(candidates[:AGGREGATE_CANDIDATES_MAX], target)
        if subset:
            return subset
    return []


def _subset_summing_to(candidates: list[Any], target: int) -> list[Any]:
    """The first subset of 2 to GROUP_SIZE_MAX candidates (all of the target's sign) summing to it.

    A size is searched only when its smallest and largest possible sums bracket the target.
    """
    sizes = sorted(abs(item.amount_fen) for item in candidates)
    for size in range(2, min(GROUP_SIZE_MAX, len(candidates)) + 1):
        if sum(sizes[:size]) > abs(target):
            break
        if sum(sizes[-size:]) < abs(target):
            continue
        for subset in combinations(candidates, size):
            if _total(subset) == target:
                return list(subset)
    return []


def _total(items: Iterable[Any]) -> int:
    return sum(item.amount_fen for item in items)


def _ledger_sorted(items: Iterable[CashMovement]) -> tuple[CashMovement, ...]:
    return tuple(sorted(items, key=lambda m: (m.date, m.entry_id)))


def _bank_sorted(items: Iterable[StatementLine]) -> tuple[StatementLine, ...]:
    return tuple(sorted(items, key=lambda line: (line.date, line.line_no)))


def _group_key(group: MatchedGroup | AmountDifference) -> tuple[Any, ...]:
    """Groups in order of their earliest date, then their bank lines, then their entries."""
    first = min([m.date for m in group.ledger] + [line.date for line in group.bank])
    return (first, [line.line_no for line in group.bank], [m.entry_id for m in group.ledger])


# --- Output ---------------------------------------------------------------------------

HEADINGS = {
    "how": "how 方式", "date": "date 日期", "amount": "amount 金额",
    "reference": "reference 参考号", "entries": "entries 分录", "lines": "lines 银行行",
    "ledger_amount": "ledger 账面", "bank_amount": "bank 银行", "difference": "difference 差额",
    "line_no": "line 行", "counterparty": "counterparty 对方户名",
    "entry_id": "entry 分录", "kind": "kind 类型",
}  # fmt: skip
TABLES = (  # (key in to_json, title, columns)
    ("matched", "matched 已匹配", ("how", "date", "amount", "entries", "lines", "reference")),
    ("amount_differences", "amount differences 金额不符",
     ("reference", "ledger_amount", "bank_amount", "difference", "entries", "lines")),
    ("bank_only", "bank only 银行有、账簿无",
     ("line_no", "date", "amount", "reference", "counterparty")),
    ("ledger_only", "ledger only 账簿有、银行无",
     ("entry_id", "date", "amount", "reference", "kind")),
)  # fmt: skip
AMOUNT_KEYS = ("amount", "ledger_amount", "bank_amount", "difference")


def _item_json(item: CashMovement | StatementLine) -> dict[str, Any]:
    """A movement or line with its date as ISO text and its amount as a yuan string."""
    row = dict(vars(item))
    row["date"] = item.date.isoformat()
    row["amount_fen"] = format_fen(item.amount_fen)
    return {("amount" if key == "amount_fen" else key): value for key, value in row.items()}


def _sides(ledger: Iterable[CashMovement], bank: Iterable[StatementLine]) -> dict[str, Any]:
    return {"ledger": [_item_json(m) for m in ledger], "bank": [_item_json(b) for b in bank]}


def _difference_json(d: AmountDifference) -> dict[str, Any]:
    return {
        "reference": d.reference,
        "ledger_amount": format_fen(d.ledger_fen),
        "bank_amount": format_fen(d.bank_fen),
        "difference": format_fen(d.difference_fen),
        **_sides(d.ledger, d.bank),
    }


def _table_row(row: dict[str, Any]) -> dict[str, Any]:
    """A group's row for the text table: its sides reduced to ids, first date and reference."""
    if "ledger" not in row:
        return row
    sides = row["bank"] + row["ledger"]
    return {
        "date": min(item["date"] for item in sides),
        "reference": _references(sides),
        **{k: v for k, v in row.items() if k not in ("ledger", "bank")},
        "entries": ",".join(str(m["entry_id"]) for m in row["ledger"]),
        "lines": ",".join(str(b["line_no"]) for b in row["bank"]),
    }


def _references(items: Iterable[dict[str, Any]]) -> str:
    """The distinct references of a group's items, as first written (bank lines first)."""
    seen: dict[str, str] = {}
    for item in items:
        if text := item["reference"].strip():
            seen.setdefault(normalize_reference(text), text)
    return ", ".join(seen.values())


def render_text(result: Reconciliation) -> str:
    """Summary, then tables of matched groups, amount differences, bank-only and ledger-only."""
    data = result.to_json()
    status = "reconciled 已平" if result.reconciled else "NOT reconciled 未平"
    lines = [
        f"reconciliation 对账: {status} (date window 日期窗口 ±{result.window_days} days)",
        f"ledger total 账面合计 {data['ledger_total']}  bank total 银行合计 {data['bank_total']}"
        f"  difference 差额 {data['difference']}",
    ]
    for key, title, keys in TABLES:
        rows = [_table_row(row) for row in data[key]]
        columns = [(k, HEADINGS[k]) for k in keys]
        lines += ["", f"{title} ({len(rows)})"]
        lines.append(render(rows, columns, AMOUNT_KEYS) if rows else "(none 无)")
    return "\n".join(lines)
