"""Building blocks of compute functions, shared by the jurisdiction modules.

Each returns reasons citing the clause given, so the subsidy's own clause is cited.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date

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


def percent_of(amount_fen: int, *percents: int) -> int:
    """`amount_fen` × each percentage, floored to the fen once, at the end.

    Integer arithmetic only: 50% of 1,234.57 yuan with a further +30% is
    123457 × 50 × 130 // 100², never a float. Floor: the fund never pays a part of a fen
    the rule does not give."""
    numerator = amount_fen
    for percent in percents:
        numerator *= percent
    return numerator // 100 ** len(percents)


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, at the month's end when it is shorter
    (2020-08-31 + 6 months is 2021-02-28): "6个月内" counted on the calendar."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def no_rate(pack: RulePack, clause: str, message: str) -> Reason:
    """The document provides the subsidy but its figure is not set (left to a catalog or
    to a later notice): the claim cannot be valued."""
    return clause_reason(pack, clause, "no_rate", message)


def capped_cost(
    facts: ClaimFacts, cap_fen: int, pack: RulePack, clause: str
) -> tuple[int, list[Reason]]:
    """The claimed actual cost, paid up to `cap_fen` ("不超过 … 低于 … 按实补贴").

    The cost is required: a cap alone says nothing about what the training cost."""
    if facts.amount_fen is None:
        message = f"{facts.subsidy} pays the actual cost up to a cap; the claim states no cost"
        return 0, [clause_reason(pack, clause, "amount_missing", message)]
    if facts.amount_fen <= 0:
        message = f"the claimed cost must be positive, got {facts.amount_fen} fen"
        return 0, [clause_reason(pack, clause, "amount_not_positive", message)]
    return min(facts.amount_fen, cap_fen), []


def group_reasons(facts: ClaimFacts, pack: RulePack, parameter: str, clause: str) -> list[Reason]:
    """The person must be in one of the groups the figure `parameter` names."""
    groups = pack.names(parameter)
    if facts.person.groups & groups:
        return []
    message = (
        f"{clause} pays {facts.subsidy} for {', '.join(sorted(groups))} only; "
        f"the person is {', '.join(sorted(facts.person.groups)) or 'in no group'}"
    )
    return [clause_reason(pack, clause, "not_in_target_group", message)]


def class_minimum_reasons(
    facts: ClaimFacts, pack: RulePack, counted: int, parameter: str, what: str, clause: str
) -> list[Reason]:
    """TRN-03: a class below the minimum the figure `parameter` sets (class-hours, trainees)."""
    minimum = pack.figure(parameter)
    if counted >= minimum:
        return []
    message = f"the class has {counted} {what}; {facts.subsidy} needs at least {minimum}"
    return [clause_reason(pack, clause, "class_below_minimum", message, "TRN-03")]


def standard_fen(facts: ClaimFacts, pack: RulePack, clause: str) -> tuple[int, list[Reason]]:
    """The training plus appraisal standard of the claim's occupation and level in the
    `training_standards` catalog in force; `no_rate` when no row (or no catalog) is found."""
    standard = facts.training_standard
    if standard is not None:
        return standard.training_fen + standard.appraisal_fen, []
    where = facts.training_standards_catalog_id or "no training-standards catalog in force"
    message = (
        f"{facts.occupation} at level {facts.level} has no training and appraisal standard "
        f"in {where}"
    )
    return 0, [no_rate(pack, clause, message)]


def catalog_inputs(facts: ClaimFacts, *kinds: str) -> dict[str, object]:
    """The ids of the catalogs a decision used, for its recorded inputs."""
    ids = {
        "shortage": ("shortage_catalog_id", facts.shortage_catalog_id),
        "standards": ("training_standards_catalog_id", facts.training_standards_catalog_id),
        "uplift": ("uplift_catalog_id", facts.uplift_catalog_id),
    }
    return dict(ids[kind] for kind in kinds)
