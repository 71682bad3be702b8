"""The result of one command line, exactly as the contract prints it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain.decision import Decision
from domain.money import format_fen

ACCEPTED, REFUSED, INVALID, DUPLICATE, CONFLICT = (
    "accepted",
    "refused",
    "invalid",
    "duplicate",
    "conflict",
)
SUCCESSFUL = frozenset({ACCEPTED, DUPLICATE})


def decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "outcome": decision.outcome,
        "amount": format_fen(decision.amount_fen),
        "reasons": [r.to_dict() for r in decision.reasons],
        "citations": list(decision.citations),
        "rule_id": decision.rule_id,
        "pack": decision.pack,
    }


@dataclass
class Result:
    status: str
    type: str = ""
    key: str = ""
    line: int = 0
    events: list[str] = field(default_factory=list)
    decision: Decision | None = None
    error: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "line": self.line,
            "type": self.type,
            "key": self.key,
            "status": self.status,
            "events": self.events,
        }
        if self.decision is not None:
            data["decision"] = decision_json(self.decision)
        if self.error is not None:
            data["error"] = self.error
        return data

    @property
    def ok(self) -> bool:
        return self.status in SUCCESSFUL


def error(code: str, message: str, field: str | None = None) -> dict[str, str]:
    data = {"code": code, "message": message}
    if field is not None:
        data["field"] = field
    return data
