"""Building blocks of compute functions, shared by the jurisdiction modules.

Each returns reasons citing the clause given, so the subsidy's own clause is cited.
"""

from __future__ import annotations

from domain.decision import Decision, Reason
from domain.vocabulary import CERTIFICATE_KINDS, LEVELS
from rules.facts import ClaimFacts
from rules.pack import RulePack


def clause_reason(pack: RulePack, clause: str, code: str, message: str, check: str = "") -> Reason:
    """A reason citing one clause of the pack's document."""
    return Reason(code, message, pack.cite(clause), check)


def rejection(pack: RulePack, facts: ClaimFacts, *reasons: Reason, **inputs: object) -> Decision:
    """A rejection under the rule id of the claim's subsidy in the pack's jurisdiction."""
    return Decision.reject(f"{pack.jurisdiction}.{facts.subsidy}", *reasons, **inputs)


def level_amount(
    facts: ClaimFacts, pack: RulePack, table: str, clause: str
) -> tuple[int, str, list[Reason]]:
    """The amount in fen that a by-level table pays for the claim's level, with the level;
    or the reason it pays none (no level, or a level the clause does not pay)."""
    level = facts.level
    if level is None:
        message = f"{facts.subsidy} is paid by level and the claim has none"
        return 0, "", [clause_reason(pack, clause, "level_missing", message, "TRN-01")]
    amounts = pack.table(table)
    if level not in amounts:
        paid = ", ".join(LEVELS.get(k, k) for k in amounts)
        message = f"{clause} pays {facts.subsidy} at {paid} only, not at {LEVELS.get(level, level)}"
        return 0, level, [clause_reason(pack, clause, "subsidy_not_provided", message)]
    return amounts[level], level, []


def insured_months_reasons(
    facts: ClaimFacts, pack: RulePack, minimum: str, clause: str
) -> list[Reason]:
    """ELIG-02: the person's insured months against the figure named `minimum`."""
    months_min = pack.figure(minimum)
    if facts.person.insured_months >= months_min:
        return []
    message = (
        f"the person has {facts.person.insured_months} insured months; "
        f"{facts.subsidy} needs at least {months_min}"
    )
    return [clause_reason(pack, clause, "insufficient_insured_months", message, "ELIG-02")]


def certificate_problem(
    facts: ClaimFacts, pack: RulePack, clause: str, level_required: bool = False
) -> Reason | None:
    """Why the claim has no certificate its subsidy is paid for, or None: none named
    (TRN-01), named but not recorded (CERT-01), of another kind or without a level (TRN-01)."""
    certificate, kinds = facts.certificate, pack.rule(facts.subsidy).certificate_kinds
    if certificate is None and facts.certificate_no is not None:
        message = f"no certificate {facts.certificate_no} is recorded"
        return clause_reason(pack, clause, "certificate_not_found", message, "CERT-01")
    if certificate is None:
        message = f"{facts.subsidy} is paid for a certificate and the claim names none"
    elif certificate.kind not in kinds:
        kind = CERTIFICATE_KINDS.get(certificate.kind, certificate.kind)
        message = f"{clause} does not pay {facts.subsidy} for a {kind}"
    elif level_required and certificate.level is None:
        message = f"certificate {certificate.certificate_no} has no level"
    else:
        return None
    return clause_reason(pack, clause, "certificate_required", message, "TRN-01")
