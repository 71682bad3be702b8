"""The outcome of assessing a claim: what the rules decided, and why.

A decision is computed once, when the claim is filed, and recorded in the claim's
events. Replaying history reads it back; it never re-runs the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

APPROVED = "approved"
REJECTED = "rejected"


@dataclass(frozen=True)
class Reason:
    """Why a claim was rejected: a stable code, a sentence, and the clause applied."""

    code: str
    message: str
    citation: str
    check: str = ""  # The id of the check in FRAUD_RULES.md (e.g. "LIM-02"), where one applies.

    def to_dict(self) -> dict[str, str]:
        data = {"code": self.code, "message": self.message, "citation": self.citation}
        if self.check:
            data["check"] = self.check
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        return cls(data["code"], data["message"], data["citation"], data.get("check", ""))


@dataclass(frozen=True)
class Decision:
    """Facts in, a decision out: approved with an amount, or rejected with reasons."""

    outcome: str
    amount_fen: int
    rule_id: str
    citations: tuple[str, ...]
    reasons: tuple[Reason, ...] = ()
    pack: str = ""  # The rule pack and version that decided, e.g. "kunshan@2020-05-14".
    inputs: dict[str, Any] = field(default_factory=dict)  # Catalogs and parameters used.

    @classmethod
    def approve(cls, amount_fen: int, rule_id: str, citation: str, **inputs: Any) -> Decision:
        if amount_fen <= 0:
            raise ValueError(f"an approved amount must be positive, got {amount_fen} fen")
        return cls(APPROVED, amount_fen, rule_id, (citation,), (), "", dict(inputs))

    @classmethod
    def reject(cls, rule_id: str, *reasons: Reason, **inputs: Any) -> Decision:
        if not reasons:
            raise ValueError("a rejection needs at least one reason")
        citations = tuple(dict.fromkeys(r.citation for r in reasons))
        return cls(REJECTED, 0, rule_id, citations, tuple(reasons), "", dict(inputs))

    @property
    def approved(self) -> bool:
        return self.outcome == APPROVED

    def with_pack(self, pack: str) -> Decision:
        return Decision(
            self.outcome,
            self.amount_fen,
            self.rule_id,
            self.citations,
            self.reasons,
            pack,
            self.inputs,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "amount_fen": self.amount_fen,
            "rule_id": self.rule_id,
            "citations": list(self.citations),
            "reasons": [r.to_dict() for r in self.reasons],
            "pack": self.pack,
            "inputs": self.inputs,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decision:
        return cls(
            data["outcome"],
            data["amount_fen"],
            data["rule_id"],
            tuple(data["citations"]),
            tuple(Reason.from_dict(r) for r in data["reasons"]),
            data.get("pack", ""),
            dict(data.get("inputs", {})),
        )
