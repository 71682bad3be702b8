"""Rugao's compute functions: 皋政办发〔2019〕194号.

Most of Rugao's subsidies are percentages of the sum of the training standard and the
appraisal standard of the occupation and level in the city's 《如皋市职业技能培训补贴和鉴定
补贴标准目录》 (《目录》), a `training_standards` catalog published as an event; the decision
records which catalog it used. Clauses: "四.2" is （四）2. The pack is rules/rugao.py.
"""

from __future__ import annotations

from domain.decision import Decision, Reason
from rules.compute import (
    add_months,
    capped_cost,
    catalog_inputs,
    certificate_problem,
    class_minimum_reasons,
    clause_reason,
    insured_months_reasons,
    percent_of,
    rejection,
    standard_fen,
)
from rules.facts import ClaimFacts
from rules.pack import RulePack
from rules.subsidies import daily_allowance, rule_id

DOCUMENT = "皋政办发〔2019〕194号"


def _standard_decision(
    facts: ClaimFacts,
    pack: RulePack,
    clause: str,
    percents: tuple[int, ...],
    reasons: list[Reason],
    standard: tuple[int, list[Reason]],
    **extra: object,
) -> Decision:
    """The standard × the percentages, floored to the fen, with the catalogs used recorded."""
    standard_total_fen, standard_reasons = standard
    reasons = reasons + standard_reasons
    inputs: dict[str, object] = {
        "standard_fen": standard_total_fen,
        "percents": list(percents),
        "shortage": facts.occupation in facts.shortage_occupations,
        **catalog_inputs(facts, "standards", "shortage"),
        **extra,
    }
    if reasons:
        return rejection(pack, facts, *reasons, **inputs)
    variant = "shortage" if inputs["shortage"] else ""
    amount_fen = percent_of(standard_total_fen, *percents)
    return Decision.approve(amount_fen, rule_id(pack, facts, variant), pack.cite(clause), **inputs)


def _shortage_percent(facts: ClaimFacts, pack: RulePack, base: str, shortage: str) -> int:
    """The percentage of the standard paid: `shortage` in a shortage occupation, else `base`."""
    in_shortage = facts.occupation in facts.shortage_occupations
    return pack.figure(shortage if in_shortage else base)


def hire_reasons(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """四.2: the training within `pre_job_hire_months_max` months of hiring (自办理录用手续之日
    起12个月内). The hire is the latest placement recorded on or before the training date."""
    hires = [e for e in facts.employments if e.on <= facts.training_date]
    months = pack.figure("pre_job_hire_months_max")
    if not hires:
        message = f"no hire of the person is recorded on or before {facts.training_date}"
        return [clause_reason(pack, "四.2", "not_newly_hired", message)]
    hired_on = hires[-1].on
    if facts.training_date <= add_months(hired_on, months):
        return []
    message = (
        f"the training ended {facts.training_date}, more than {months} months after the hire "
        f"on {hired_on} ({hires[-1].employment_id})"
    )
    return [clause_reason(pack, "四.2", "not_newly_hired", message)]


def compute_pre_job(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.2: a new hire's pre-job training with a certificate: 50% of (training + appraisal
    standard) in the 《目录》, 100% in a shortage occupation."""
    problem = certificate_problem(facts, pack, "四.2")
    reasons = [problem] if problem is not None else []
    reasons += hire_reasons(facts, pack)
    percent = _shortage_percent(
        facts, pack, "pre_job_standard_percent", "shortage_standard_percent"
    )
    standard = standard_fen(facts, pack, "四.2")
    return _standard_decision(facts, pack, "四.2", (percent,), reasons, standard)


def _standard_or_cost(facts: ClaimFacts, pack: RulePack) -> tuple[int, list[Reason]]:
    """四.3: the 《目录》 standard; for an occupation outside the 《目录》, the actual training
    cost and exam fee claimed (补贴由实际培训成本和考核费组成)."""
    total_fen, reasons = standard_fen(facts, pack, "四.3")
    if not reasons or facts.amount_fen is None:
        return total_fen, reasons
    if facts.amount_fen <= 0:
        message = f"the claimed cost must be positive, got {facts.amount_fen} fen"
        return 0, [clause_reason(pack, "四.3", "amount_not_positive", message)]
    return facts.amount_fen, []


def compute_on_the_job(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.3: on-the-job and transfer training: 50% of the standard (or of the actual cost
    outside the 《目录》), 100% in a shortage occupation."""
    percent = _shortage_percent(
        facts, pack, "on_the_job_standard_percent", "shortage_standard_percent"
    )
    source = "catalog" if facts.training_standard is not None else "actual_cost"
    standard = _standard_or_cost(facts, pack)
    return _standard_decision(facts, pack, "四.3", (percent,), [], standard, standard_source=source)


def _certificate_date_reasons(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """四.4: certificates obtained from 2019-01-01 (自2019年1月1日起取得)."""
    first = pack.day("skill_upgrade_certificates_from")
    if facts.certificate is None or facts.certificate.issued_on >= first:
        return []
    message = f"certificate {facts.certificate.certificate_no} was issued before {first}"
    return [clause_reason(pack, "四.4", "certificate_too_early", message)]


def _skill_level_reasons(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """四.4: 初级（五级）, 中级（四级）, 高级（三级） only; 技师 and up are 四.5's awards."""
    if facts.level in pack.names("skill_upgrade_levels"):
        return []
    message = f"四.4 pays 初级, 中级 and 高级 certificates only, not {facts.level}"
    return [clause_reason(pack, "四.4", "subsidy_not_provided", message)]


def compute_skill_upgrade(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.4: employees with 12 months of unemployment insurance, 初/中/高 certificates from
    2019-01-01: 50% of the standard, in a shortage occupation a further +30% (× 130%)."""
    problem = certificate_problem(facts, pack, "四.4", level_required=True)
    if problem is not None:
        return rejection(pack, facts, problem)
    reasons = _skill_level_reasons(facts, pack) + _certificate_date_reasons(facts, pack)
    reasons += insured_months_reasons(facts, pack, "skill_upgrade_insured_months_min", "四.4")
    percents = [pack.figure("skill_upgrade_standard_percent")]
    if facts.occupation in facts.shortage_occupations:
        percents.append(100 + pack.figure("shortage_uplift_percent"))
    standard = standard_fen(facts, pack, "四.4")
    return _standard_decision(facts, pack, "四.4", tuple(percents), reasons, standard)


def compute_employment_skills(facts: ClaimFacts, pack: RulePack) -> Decision:
    """五.2, 十三: a registered unemployed person who completes the class hours and obtains a
    certificate: the 《目录》 standard at `employment_skills_standard_percent`."""
    problem = certificate_problem(facts, pack, "五.2")
    reasons = [problem] if problem is not None else []
    if "unemployed" not in facts.person.groups:
        message = "五.2 pays 城乡登记失业人员; the person is not registered unemployed"
        reasons.append(clause_reason(pack, "五.2", "not_in_target_group", message))
    percent = pack.figure("employment_skills_standard_percent")
    standard = standard_fen(facts, pack, "五.2")
    return _standard_decision(facts, pack, "五.2", (percent,), reasons, standard)


def compute_order_class(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.1: an order class an enterprise opens at a vocational school, at least 20
    trainees: the cost, at most 1000 a trainee."""
    reasons: list[Reason] = []
    school = facts.class_institution
    if school is None or school.kind != "school":
        where = school.kind if school is not None else "no class"
        message = f"四.1 pays an order class held at a vocational school, not at {where}"
        reasons.append(clause_reason(pack, "四.1", "not_a_school_class", message, "TRN-01"))
    if facts.klass is not None:
        reasons += class_minimum_reasons(
            facts, pack, facts.klass.enrolled_count, "order_class_trainees_min", "trainees", "四.1"
        )
    cap_fen = pack.figure("order_class_fen_max")
    amount_fen, cost_reasons = capped_cost(facts, cap_fen, pack, "四.1")
    reasons += cost_reasons
    if reasons:
        return rejection(pack, facts, *reasons)
    return Decision.approve(
        amount_fen,
        rule_id(pack, facts),
        pack.cite("四.1"),
        order_class_fen_max=cap_fen,
        amount_claimed_fen=facts.amount_fen,
    )


def _living_allowance_group(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """五.2: 建档立卡低收入农户劳动力, or 城乡登记失业的就业困难人员 (unemployed and hardship)."""
    groups = facts.person.groups
    if groups & pack.names("living_allowance_groups"):
        return []
    if "unemployed" in groups and groups & pack.names("living_allowance_unemployed_groups"):
        return []
    message = (
        "五.2 pays the living allowance to registered unemployed 就业困难人员 and to "
        "建档立卡低收入农户 labourers only"
    )
    return [clause_reason(pack, "五.2", "not_in_target_group", message)]


def compute_living_allowance(facts: ClaimFacts, pack: RulePack) -> Decision:
    """五.2: a living allowance during training, not while drawing unemployment benefit
    (ELIG-03, a shared check); the text gives no rate, so `living_allowance_day_fen`."""
    reasons = _living_allowance_group(facts, pack)
    return daily_allowance(facts, pack, "五.2", "living_allowance_day_fen", reasons)
