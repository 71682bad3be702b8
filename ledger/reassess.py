"""`skillfund reassess`: run every recorded decision again, with the rule pack that was in
force and the facts known at the time, and list any decision that comes out differently.

The log is replayed once, in recording order, into aggregates held in memory. When a
claim's filing is reached, the state of those aggregates is exactly what the ledger knew
when it decided that claim, so the facts are gathered from them by the same code that
gathered them then, and the rules decide again.
"""

from __future__ import annotations

import sys
from argparse import Namespace
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import rules
from domain.claim import Claim
from domain.decision import Decision
from domain.errors import DomainError
from ledger.claims import gather_facts
from ledger.cli import EXIT_FAILED, EXIT_OK, emit
from ledger.progress import ProgressBar
from ledger.service import Skillfund, opened
from ledger.tables import render
from ledger.timetravel import stream


class HistoricalLedger:
    """The aggregates as they stood at the current point of a replay; answers `find` the
    way the live ledger does, so the live fact-gathering code runs on it unchanged."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, Any] = {}

    def find(self, cls: type, aggregate_id: UUID) -> Any:
        found = self.aggregates.get(aggregate_id)
        return found if isinstance(found, cls) else None

    def apply(self, domain_event: Any) -> None:
        current = self.aggregates.get(domain_event.originator_id)
        self.aggregates[domain_event.originator_id] = domain_event.mutate(current)


@dataclass(frozen=True)
class Difference:
    claim_id: str
    recorded: dict[str, Any]
    reassessed: dict[str, Any]


def summary(decision: Decision) -> dict[str, Any]:
    """What a comparison looks at: outcome, amount, reason codes, rule and pack."""
    return {
        "outcome": decision.outcome,
        "amount_fen": decision.amount_fen,
        "reasons": sorted(r.code for r in decision.reasons),
        "rule_id": decision.rule_id,
        "pack": decision.pack,
    }


def claim_fields(filed: Any) -> dict[str, Any]:
    """The fields of the file_claim command, as the Filed event recorded them."""
    names = ("claim_id", "fund_id", "subsidy", "beneficiary_id", "person_id", "class_id",
             "certificate_no", "months", "days", "enterprise_paid")  # fmt: skip
    return {name: getattr(filed, name) for name in names} | {
        "date": filed.on,
        "amount_fen": filed.cost_fen,
    }


def decide_again(view: HistoricalLedger, filed: Any) -> dict[str, Any]:
    try:
        facts, _ = gather_facts(view, claim_fields(filed))  # type: ignore[arg-type]
    except DomainError as refusal:
        return {"outcome": "refused", "error": refusal.message}
    return summary(rules.assess(facts))


def reassess(
    sf: Skillfund, fund_id: str | None = None, bar: ProgressBar | None = None
) -> tuple[int, list[Difference]]:
    """Every decision of the fund (or all funds) decided again; returns (count, differences)."""
    view = HistoricalLedger()
    waiting: dict[UUID, tuple[str, dict[str, Any]]] = {}
    differences: list[Difference] = []
    checked = 0
    for position, domain_event in stream(sf, None):
        if isinstance(domain_event, Claim.Filed) and fund_id in (None, domain_event.fund_id):
            waiting[domain_event.originator_id] = (
                domain_event.claim_id,
                decide_again(view, domain_event),
            )
        elif (
            isinstance(domain_event, Claim.Approved | Claim.Rejected)
            and domain_event.originator_id in waiting
        ):
            claim_id, again = waiting.pop(domain_event.originator_id)
            checked += 1
            recorded = recorded_summary(domain_event)
            if recorded != again:
                differences.append(Difference(claim_id, recorded, again))
        view.apply(domain_event)
        if bar is not None:
            bar.update(position)
    return checked, differences


def recorded_summary(decided: Any) -> dict[str, Any]:
    """The decision as recorded in the claim's Approved or Rejected event."""
    if isinstance(decided, Claim.Approved):
        outcome, amount_fen, codes = "approved", decided.amount_fen, []
    else:
        outcome, amount_fen, codes = "rejected", 0, sorted(r["code"] for r in decided.reasons)
    return {
        "outcome": outcome,
        "amount_fen": amount_fen,
        "reasons": codes,
        "rule_id": decided.rule_id,
        "pack": decided.pack,
    }


def reassess_verb(args: Namespace, url: str) -> int:
    with opened(url) as sf:
        head = sf.runner.head()
        bar = ProgressBar("reassess", head, "events")
        checked, differences = reassess(sf, args.fund, bar)
        bar.close()
    rows = [
        {"claim_id": d.claim_id, "recorded": d.recorded, "reassessed": d.reassessed}
        for d in differences
    ]
    text = render(
        rows,
        [
            ("claim_id", "claim 申请"),
            ("recorded", "recorded 原决定"),
            ("reassessed", "reassessed 重新评估"),
        ],
    )
    emit(
        {"checked": checked, "differences": rows},
        args.json,
        f"{text}\n{checked} decisions checked, {len(rows)} differ",
    )
    if differences:
        print(
            f"skillfund: {len(rows)} of {checked} decisions differ on reassessment", file=sys.stderr
        )
    return EXIT_FAILED if differences else EXIT_OK
