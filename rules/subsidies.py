"""Compute functions that several documents share in shape, read with each pack's figures.

Per trainee of a passed class (岗前/转岗 training), per training day (生活费补贴),
per month of 以工代训, and a fixed amount by level (学徒制): the documents differ in their
figures and clauses, not in the arithmetic. Each function takes the clause to cite, so
every decision still cites the jurisdiction's own text. Money is int fen throughout.
"""

from __future__ import annotations

from domain.decision import Decision, Reason
from rules.compute import clause_reason, level_amount, no_rate, rejection
from rules.facts import ClaimFacts
from rules.pack import RulePack
from rules.shared import check_training_passed


def rule_id(pack: RulePack, facts: ClaimFacts, variant: str = "") -> str:
    """e.g. "linkou.skill_upgrade.shortage": jurisdiction, subsidy, and the branch taken."""
    base = f"{pack.jurisdiction}.{facts.subsidy}"
    return f"{base}.{variant}" if variant else base


def per_trainee(facts: ClaimFacts, pack: RulePack, figure: str, clause: str) -> Decision:
    """A fixed amount per trainee who completed and passed the class."""
    reasons = check_training_passed(facts, pack)
    if reasons:
        return rejection(pack, facts, *reasons)
    amount_fen = pack.figure(figure)
    return Decision.approve(
        amount_fen, rule_id(pack, facts), pack.cite(clause), **{figure: amount_fen}
    )


def passed_by_level(facts: ClaimFacts, pack: RulePack, table: str, clause: str) -> Decision:
    """A passed training paid a fixed amount by the level of the class (or certificate)."""
    reasons = check_training_passed(facts, pack)
    amount_fen, level, level_reasons = level_amount(facts, pack, table, clause)
    reasons += level_reasons
    if reasons:
        return rejection(pack, facts, *reasons)
    return Decision.approve(
        amount_fen, rule_id(pack, facts), pack.cite(clause), level=level, **{table: amount_fen}
    )


def daily_allowance(
    facts: ClaimFacts, pack: RulePack, clause: str, figure: str, reasons: list[Reason]
) -> Decision:
    """Days of training × the daily rate the figure names, to the person.

    `reasons` are the eligibility problems already found. Days beyond the class's calendar
    days are not paid. An unset rate (None) is `no_rate`."""
    day_fen = pack.optional_figure(figure)
    if facts.days is None or facts.days <= 0:
        reasons.append(clause_reason(pack, clause, "days_missing", "the claim names no days"))
    if facts.klass is None:
        reasons.append(clause_reason(pack, clause, "not_enrolled", "no class was found", "TRN-01"))
    if day_fen is None:
        message = f"{clause} gives no daily living-allowance figure; `{figure}` is not set"
        reasons.append(no_rate(pack, clause, message))
    if reasons:
        return rejection(pack, facts, *reasons)
    assert facts.days is not None and facts.klass is not None and day_fen is not None
    class_days = (facts.klass.end_date - facts.klass.start_date).days + 1
    days_paid = min(facts.days, class_days)
    return Decision.approve(
        days_paid * day_fen,
        rule_id(pack, facts),
        pack.cite(clause),
        **{figure: day_fen},
        days_claimed=facts.days,
        days_paid=days_paid,
    )


def work_based_clause(facts: ClaimFacts, pack: RulePack) -> tuple[str, list[Reason]]:
    """Whether the hire qualifies for 以工代训, and under which clause: poverty labourers at
    any 生产经营主体 (`work_based_groups_any_employer`), or 就业困难人员 and 零就业家庭成员 at an
    insured enterprise only (`work_based_groups_insured_employer`)."""
    groups = facts.person.groups
    any_employer = pack.parameter("work_based_groups_any_employer")
    insured_only = pack.parameter("work_based_groups_insured_employer")
    if groups & pack.names("work_based_groups_any_employer"):
        return any_employer.clause, []
    clause = insured_only.clause
    if groups & pack.names("work_based_groups_insured_employer"):
        if facts.beneficiary is not None and facts.beneficiary.insured:
            return clause, []
        message = f"{clause} pays 以工代训 for this group to insured enterprises only"
        return clause, [clause_reason(pack, clause, "wrong_beneficiary", message)]
    wanted = sorted(
        pack.names("work_based_groups_any_employer")
        | pack.names("work_based_groups_insured_employer")
    )
    message = f"以工代训 is paid for hiring {', '.join(wanted)} only"
    return clause, [clause_reason(pack, clause, "not_in_target_group", message)]


def work_based_months(facts: ClaimFacts, pack: RulePack) -> Decision:
    """以工代训: the month rate × the months claimed, at most `work_based_months_max` months a
    person over all claims; the months left are paid, none left is `months_exhausted`."""
    clause, reasons = work_based_clause(facts, pack)
    month_fen = pack.optional_figure("work_based_month_fen")
    months_max, used = pack.figure("work_based_months_max"), facts.limits.work_based_months_used
    left = max(months_max - used, 0)
    if facts.months is None or facts.months <= 0:
        reasons.append(clause_reason(pack, clause, "months_missing", "the claim names no months"))
    elif left == 0:
        message = f"the person's {months_max} months of 以工代训 are already paid"
        reasons.append(clause_reason(pack, clause, "months_exhausted", message))
    if month_fen is None:
        message = f"{clause} sets no monthly 以工代训 figure; `work_based_month_fen` is not set"
        reasons.append(no_rate(pack, clause, message))
    if reasons:
        return rejection(pack, facts, *reasons)
    assert facts.months is not None and month_fen is not None
    months_paid = min(facts.months, left)
    return Decision.approve(
        months_paid * month_fen,
        rule_id(pack, facts),
        pack.cite(clause),
        work_based_month_fen=month_fen,
        months_claimed=facts.months,
        months_paid=months_paid,
        months_used_before=used,
        work_based_months_max=months_max,
    )
