"""The rules layer: facts in, a decision out, each reason with its code and citation.

`assess` finds the rule pack in force for the claim's jurisdiction on its training date,
runs the shared checks the subsidy's rule names, then the subsidy's compute function, and
returns one decision: approved with an amount, or rejected with every failing reason.
`explain` lists the rules in force with their figures and citations.

A jurisdiction is one module that builds its packs and registers them on import; its name
goes in JURISDICTION_MODULES. Rules are pure: no I/O, no clock, no logging.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from importlib import import_module
from typing import Any

from domain.decision import Decision, Reason
from rules.facts import ClaimFacts
from rules.pack import (
    PACKS,
    NoRulePackError,
    Parameter,
    RulePack,
    SubsidyRule,
    pack_for,
    packs_in_force,
    packs_of,
)
from rules.shared import CHECK_IDS, counts_as_training, run_checks, unprovided_decision

__all__ = [
    "JURISDICTION_MODULES",
    "PACKS",
    "NoRulePackError",
    "RulePack",
    "assess",
    "counts_as_training",
    "explain",
    "pack_for",
    "packs_in_force",
]

# The jurisdiction modules; importing one registers its packs.
JURISDICTION_MODULES = (
    "rules.kunshan",
    "rules.yuncheng",
    "rules.jinhua",
    "rules.rugao",
    "rules.linkou",
)
for _module in JURISDICTION_MODULES:
    import_module(_module)


def assess(facts: ClaimFacts, packs: Sequence[RulePack] = PACKS) -> Decision:
    """The decision on one claim under the rule pack in force on its training date.

    `packs` is the registry to look in (a test may pass its own, e.g. with a second
    version of a pack); the decision records the pack's label, so a later version never
    changes a decision already recorded."""
    try:
        pack = pack_for(facts.jurisdiction, facts.training_date, packs)
    except NoRulePackError:
        return _no_rule_pack(facts, packs)
    rule = pack.rules.get(facts.subsidy)
    if rule is None:
        return unprovided_decision(facts, pack).with_pack(pack.label)
    reasons, thresholds = run_checks(facts, pack)
    decision = rule.compute(facts, pack)
    if not reasons and decision.approved:
        return decision.with_pack(pack.label)
    reasons.extend(decision.reasons)
    inputs = {**decision.inputs, **({"thresholds": thresholds} if thresholds else {})}
    rule_id = f"{pack.jurisdiction}.{facts.subsidy}"
    return Decision.reject(rule_id, *_unique_by_code(reasons), **inputs).with_pack(pack.label)


def _unique_by_code(reasons: list[Reason]) -> list[Reason]:
    """One reason per code, the first found: a shared check and a compute function may
    both notice the same missing input."""
    first: dict[str, Reason] = {}
    for found in reasons:
        first.setdefault(found.code, found)
    return list(first.values())


def _no_rule_pack(facts: ClaimFacts, packs: Sequence[RulePack]) -> Decision:
    known = packs_of(facts.jurisdiction, packs)
    periods = "; ".join(
        f"{p.document} {p.effective_from.isoformat()}..{_iso(p.effective_to)}" for p in known
    )
    message = (
        f"no rule pack of {facts.jurisdiction} is in force on {facts.training_date.isoformat()}"
    )
    citation = periods or f"no document of {facts.jurisdiction} is encoded"
    return Decision.reject(
        f"{facts.jurisdiction}.{facts.subsidy}", Reason("no_rule_pack", message, citation)
    )


def explain(
    jurisdiction: str | None, on: date, packs: Sequence[RulePack] = PACKS
) -> list[dict[str, Any]]:
    """Every rule in force on a date, of one jurisdiction or (None) of all: per subsidy its
    payee, shared checks, figures and citation; then the subsidies not paid, and the
    figures no subsidy rule reads (limits, advance cap, the fund)."""
    rows: list[dict[str, Any]] = []
    for pack in packs_in_force(jurisdiction, on, packs):
        rows.extend(_explain_pack(pack))
    return rows


def _explain_pack(pack: RulePack) -> list[dict[str, Any]]:
    head = {
        "jurisdiction": pack.jurisdiction,
        "pack": pack.label,
        "document": pack.document,
        "effective_from": pack.effective_from.isoformat(),
        "effective_to": _iso(pack.effective_to),
    }
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for subsidy, rule in pack.rules.items():
        used.update(rule.parameters)
        rows.append({**head, **_explain_rule(pack, subsidy, rule)})
    for subsidy, entry in pack.unprovided.items():
        rows.append(
            {
                **head,
                "kind": entry.code,
                "subsidy": subsidy,
                "summary": entry.message,
                "citation": pack.cite(entry.clause),
            }
        )
    for name in pack.parameters:
        if name not in used:
            figure = _explain_figure(pack, name)
            # "summary" lets a table whose columns come from a subsidy row show the figure.
            summary = f"{name} = {json.dumps(figure['value'], ensure_ascii=False)}"
            rows.append({**head, "kind": "figure", "summary": summary, **figure})
    return rows


def _explain_rule(pack: RulePack, subsidy: str, rule: SubsidyRule) -> dict[str, Any]:
    """One subsidy rule as plain JSON: payee, checks with their clauses, figures."""
    return {
        "kind": "subsidy",
        "subsidy": subsidy,
        "rule_id": f"{pack.jurisdiction}.{subsidy}",
        "summary": rule.summary,
        "citation": pack.cite(rule.clause),
        "payee": rule.payee.describe(),
        "payee_enterprise_paid": (
            rule.payee_enterprise_paid.describe() if rule.payee_enterprise_paid else None
        ),
        "certificate_kinds": sorted(rule.certificate_kinds),
        "schemes": sorted(rule.schemes),
        "checks": [_explain_check(pack, name, subsidy) for name in rule.checks],
        "figures": [_explain_figure(pack, name) for name in rule.parameters],
    }


def _explain_check(pack: RulePack, name: str, subsidy: str) -> dict[str, str]:
    return {
        "check": name,
        "id": CHECK_IDS[name],
        "citation": pack.cite(pack.clause_for(name, subsidy)),
    }


def _explain_figure(pack: RulePack, name: str) -> dict[str, Any]:
    parameter: Parameter = pack.parameter(name)
    return {
        "name": name,
        "value": parameter.as_json(),
        "citation": pack.cite(parameter.clause),
        "note": parameter.note,
        "placeholder": parameter.placeholder,
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
