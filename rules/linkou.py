"""Linkou: 林政办规〔2019〕4号, 林口县职业技能提升行动实施方案（2019—2021年） (2019).

Clauses are cited as the text numbers them: "四.二.1" is 四、（二）1. Enterprise staff
training is paid to the enterprise at fixed amounts by level, with a separate table for
shortage occupations; free training of key groups is paid at the fee standard
(按收费标准), read from the `training_standards` catalog. Readings: docs/rules.md.
"""

from __future__ import annotations

from datetime import date

from domain.decision import Decision, Reason
from rules.compute import (
    add_months,
    catalog_inputs,
    certificate_problem,
    clause_reason,
    group_reasons,
    level_amount,
    rejection,
    standard_fen,
)
from rules.facts import ClaimFacts, EmploymentFacts
from rules.pack import PERSON, Parameter, Payee, RulePack, SubsidyRule, Unprovided, register
from rules.shared import CLASS_CHECKS, COMMON_CHECKS, TRAINING_LIMIT_CHECKS
from rules.subsidies import daily_allowance, per_trainee, rule_id, work_based_months

DOCUMENT = "林政办规〔2019〕4号"
EMPLOYER = Payee(frozenset({"enterprise"}), employer=True)
TRAINERS = frozenset({"training_org", "school", "enterprise"})


def compute_skill_upgrade(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.二.1: to the enterprise, per employee trained to a level: 初级 1000 … 高级技师 3000;
    in a shortage occupation 1200 … 4500 (its own table, not a percentage)."""
    problem = certificate_problem(facts, pack, "四.二.1", level_required=True)
    if problem is not None:
        return rejection(pack, facts, problem)
    shortage = facts.occupation in facts.shortage_occupations
    table = "skill_upgrade_shortage_fen" if shortage else "skill_upgrade_fen"
    amount_fen, level, reasons = level_amount(facts, pack, table, "四.二.1")
    if reasons:
        return rejection(pack, facts, *reasons)
    return Decision.approve(
        amount_fen,
        rule_id(pack, facts, "shortage" if shortage else ""),
        pack.cite("四.二.1"),
        level=level,
        shortage=shortage,
        **{table: amount_fen},
        **catalog_inputs(facts, "shortage"),
    )


def compute_apprenticeship(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.二.1: 企业新型学徒制, "每人每年4000元以上" to the enterprise: the floor is paid."""
    return per_trainee(facts, pack, "apprenticeship_year_fen_min", "四.二.1")


def compute_pre_job(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.二.2: pre-job training, safety-skills training included, 1000 to the enterprise."""
    return per_trainee(facts, pack, "pre_job_fen", "四.二.2")


def compute_transfer(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.二.2: transfer (转岗转业) training, 1500 to the enterprise."""
    return per_trainee(facts, pack, "transfer_fen", "四.二.2")


def compute_work_based(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.二.3: 以工代训, 500 per person per month, at most 6 months, to the employer."""
    return work_based_months(facts, pack)


def _living_allowance_group(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """四.三: 贫困劳动力, 就业困难人员, 零就业家庭成员, and "两后生" who are rural or from a city
    低保 family (school_leaver with farmer, rural_migrant or low_income)."""
    groups = facts.person.groups
    if groups & pack.names("living_allowance_groups"):
        return []
    if "school_leaver" in groups and groups & pack.names("living_allowance_school_leaver_groups"):
        return []
    message = (
        "四.三 pays the living allowance to 贫困劳动力, 就业困难人员, 零就业家庭成员 and to "
        "rural or 低保 两后生 only"
    )
    return [clause_reason(pack, "四.三", "not_in_target_group", message)]


def compute_living_allowance(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.三: 15 yuan a day during training, to the person."""
    reasons = _living_allowance_group(facts, pack)
    return daily_allowance(facts, pack, "四.三", "living_allowance_day_fen", reasons)


def _fee_standard(facts: ClaimFacts, pack: RulePack, clause: str, groups: str) -> Decision:
    """四.一: free training of key groups, paid 按收费标准 (the fee standard in the catalog of
    training projects, training plus appraisal) after passing; the actual cost if lower."""
    reasons = group_reasons(facts, pack, groups, clause)
    standard_total_fen, standard_reasons = standard_fen(facts, pack, clause)
    reasons += standard_reasons
    if facts.amount_fen is not None and facts.amount_fen <= 0:
        message = f"the claimed cost must be positive, got {facts.amount_fen} fen"
        reasons.append(clause_reason(pack, clause, "amount_not_positive", message))
    inputs: dict[str, object] = {"standard_fen": standard_total_fen}
    inputs["amount_claimed_fen"] = facts.amount_fen
    inputs |= catalog_inputs(facts, "standards")
    if reasons:
        return rejection(pack, facts, *reasons, **inputs)
    amount_fen = min(standard_total_fen, facts.amount_fen or standard_total_fen)
    return Decision.approve(amount_fen, rule_id(pack, facts), pack.cite(clause), **inputs)


def compute_employment_skills(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.一.1: key groups' training, at the fee standard, to the person or the trainer."""
    return _fee_standard(facts, pack, "四.一.1", "free_training_groups")


def compute_project(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.一.2: project training of poor labourers, 去产能 unemployed and veterans, at the fee
    standard, to the body that ran the project."""
    return _fee_standard(facts, pack, "四.一.2", "project_groups")


def placement(facts: ClaimFacts, pack: RulePack) -> EmploymentFacts | None:
    """The first job the person took from the end of the training to 6 months after it."""
    assert facts.klass is not None
    ended = facts.training.completed_on if facts.training else None
    ended = ended or facts.klass.end_date
    last = add_months(ended, pack.figure("employment_service_months_max"))
    return next((e for e in facts.employments if ended <= e.on <= last), None)


def compute_employment_service(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.四.3: 200 yuan to the training body whose key-group trainee is placed in a job
    within 6 months of the training (record_employment)."""
    reasons = group_reasons(facts, pack, "employment_service_groups", "四.四.3")
    if facts.klass is None or facts.training is None or not facts.training.completed:
        message = "四.四.3 pays for a trainee who completed a class; none is recorded"
        reasons.append(clause_reason(pack, "四.四.3", "training_not_passed", message, "TRN-01"))
        return rejection(pack, facts, *reasons)
    job = placement(facts, pack)
    if job is None:
        months = pack.figure("employment_service_months_max")
        message = f"no job placement is recorded within {months} months after the training"
        reasons.append(clause_reason(pack, "四.四.3", "not_placed", message))
    if reasons or job is None:
        return rejection(pack, facts, *reasons)
    amount_fen = pack.figure("employment_service_fen")
    return Decision.approve(
        amount_fen,
        rule_id(pack, facts),
        pack.cite("四.四.3"),
        employment_service_fen=amount_fen,
        employment_id=job.employment_id,
        employed_on=job.on.isoformat(),
    )


def _fen(yuan: int) -> int:
    return yuan * 100


def _by_level(*yuan: int) -> dict[str, int]:
    levels = ("junior", "intermediate", "senior", "technician", "senior_technician")
    return {level: _fen(amount) for level, amount in zip(levels, yuan, strict=True)}


KEY_GROUPS = frozenset(
    {"rural_migrant", "school_leaver", "unemployed", "veteran", "college_graduate"}
    | {"hardship", "disabled", "poverty_registered"}
)
PARAMETERS: dict[str, Parameter] = {
    "skill_upgrade_fen": Parameter(_by_level(1000, 1500, 2000, 2500, 3000), "四.二.1"),
    "skill_upgrade_shortage_fen": Parameter(
        _by_level(1200, 1800, 2500, 3500, 4500), "四.二.1", "急需紧缺职业（工种）"
    ),
    "apprenticeship_year_fen_min": Parameter(
        _fen(4000), "四.二.1", "每人每年4000元以上: a floor; the floor is paid"
    ),
    "pre_job_fen": Parameter(_fen(1000), "四.二.2", "含安全技能培训"),
    "transfer_fen": Parameter(_fen(1500), "四.二.2"),
    "work_based_month_fen": Parameter(_fen(500), "四.二.3"),
    "work_based_months_max": Parameter(6, "四.二.3"),
    "work_based_groups_any_employer": Parameter(
        frozenset({"poverty_registered"}), "四.二.3", "贫困劳动力, any 生产经营主体"
    ),
    "work_based_groups_insured_employer": Parameter(
        frozenset({"hardship", "zero_employment_family"}), "四.二.3", "参保企业 only"
    ),
    "living_allowance_day_fen": Parameter(_fen(15), "四.三"),
    "living_allowance_groups": Parameter(
        frozenset({"poverty_registered", "hardship", "zero_employment_family"}), "四.三"
    ),
    "living_allowance_school_leaver_groups": Parameter(
        frozenset({"farmer", "rural_migrant", "low_income"}),
        "四.三",
        "两后生中的农村、城市低保学员",
    ),
    "free_training_groups": Parameter(
        KEY_GROUPS | {"overcapacity_worker"}, "四.一.1", "转岗职工 → overcapacity_worker"
    ),
    "project_groups": Parameter(
        frozenset({"poverty_registered", "overcapacity_worker", "veteran"}), "四.一.2"
    ),
    "employment_service_fen": Parameter(_fen(200), "四.四.3"),
    "employment_service_months_max": Parameter(6, "四.四.3", "培训后6个月内"),
    "employment_service_groups": Parameter(KEY_GROUPS, "四.四.3", "就业重点群体, 二.（一）"),
    "fraud_recovery_clause": Parameter(0, "五（二）", "资金保障和监管: 骗取资金"),
    "trainings_per_year_max": Parameter(3, "四.四.1"),
    "advance_percent_min": Parameter(50, "四.四.2", "NOT LESS than: a floor, read by the ledger"),
    "advance_percent_min_overcapacity": Parameter(
        70, "四.四.2", "training of 化解过剩产能 workers: a floor, read by the ledger"
    ),
    "attendance_min_percent": Parameter(80, "五.三", "FRAUD_RULES TRN-02 default"),
    "training_target": Parameter(15_000, "一.二", "subsidised trainings 2019–2021, for reports"),
}

WITH_CLASS = COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS
TRAINER = Payee(TRAINERS, organiser=True)


def _per_trainee_rule(subsidy: str, schemes: set[str], figure: str, summary: str) -> SubsidyRule:
    compute = compute_transfer if subsidy == "transfer" else compute_pre_job
    return SubsidyRule(
        subsidy,
        "四.二.2",
        summary,
        compute,
        EMPLOYER,
        WITH_CLASS,
        schemes=frozenset(schemes),
        parameters=(figure,),
    )


RULES: dict[str, SubsidyRule] = {
    rule.subsidy: rule
    for rule in (
        SubsidyRule(
            "skill_upgrade",
            "四.二.1",
            "enterprise staff trained to a level, to the enterprise: 1000 … 3000; shortage "
            "1200 … 4500",
            compute_skill_upgrade,
            EMPLOYER,
            COMMON_CHECKS
            + TRAINING_LIMIT_CHECKS
            + ("certificate_holder", "certificate_kind", "certificate_unclaimed"),
            certificate_kinds=frozenset({"vocational_qualification", "skill_level"}),
            parameters=("skill_upgrade_fen", "skill_upgrade_shortage_fen"),
        ),
        SubsidyRule(
            "apprenticeship",
            "四.二.1",
            "新型学徒制, 4000 (the floor of 4000以上) per apprentice per year, to the enterprise",
            compute_apprenticeship,
            EMPLOYER,
            WITH_CLASS,
            schemes=frozenset({"apprenticeship"}),
            parameters=("apprenticeship_year_fen_min",),
        ),
        _per_trainee_rule("pre_job", {"pre_job"}, "pre_job_fen", "pre-job training, 1000"),
        _per_trainee_rule(
            "safety", {"safety", "pre_job"}, "pre_job_fen", "safety training (in pre-job), 1000"
        ),
        _per_trainee_rule("transfer", {"transfer"}, "transfer_fen", "transfer training, 1500"),
        SubsidyRule(
            "work_based",
            "四.二.3",
            "以工代训 500 per person per month, at most 6 months, to the employer",
            compute_work_based,
            EMPLOYER,
            (*COMMON_CHECKS, "class_scheme"),
            schemes=frozenset({"work_based"}),
            parameters=(
                "work_based_month_fen",
                "work_based_months_max",
                "work_based_groups_any_employer",
                "work_based_groups_insured_employer",
            ),
        ),
        SubsidyRule(
            "living_allowance",
            "四.三",
            "15 per day of training to the listed groups, to the person",
            compute_living_allowance,
            Payee(frozenset({PERSON})),
            (*COMMON_CHECKS, "enrolled", "attendance"),
            parameters=(
                "living_allowance_day_fen",
                "living_allowance_groups",
                "living_allowance_school_leaver_groups",
            ),
        ),
        SubsidyRule(
            "employment_skills",
            "四.一.1",
            "key groups' free training at the fee standard (catalog), to the person or trainer",
            compute_employment_skills,
            Payee(TRAINERS | {PERSON}, organiser=True),
            WITH_CLASS,
            schemes=frozenset({"employment_skills", "certificate_training"}),
            parameters=("free_training_groups",),
        ),
        SubsidyRule(
            "project",
            "四.一.2",
            "project training of poor, 去产能 and veteran trainees at the fee standard, "
            "to the trainer",
            compute_project,
            TRAINER,
            WITH_CLASS,
            schemes=frozenset({"project"}),
            parameters=("project_groups",),
        ),
        SubsidyRule(
            "employment_service",
            "四.四.3",
            "200 to the trainer whose key-group trainee is placed within 6 months",
            compute_employment_service,
            TRAINER,
            COMMON_CHECKS,
            parameters=(
                "employment_service_fen",
                "employment_service_months_max",
                "employment_service_groups",
            ),
        ),
    )
}


def _not_provided(subsidy: str, clause: str, message: str) -> Unprovided:
    return Unprovided(subsidy, "subsidy_not_provided", clause, message)


UNPROVIDED: dict[str, Unprovided] = {
    entry.subsidy: entry
    for entry in (
        _not_provided(
            "on_the_job", "四.二.1", "enterprise staff training is paid by level (skill_upgrade)"
        ),
        _not_provided(
            "technician_research",
            "四.二.1",
            "技师/高级技师 training is paid by level under 四.二.1 (skill_upgrade)",
        ),
        _not_provided(
            "special_operation",
            "四.二.2",
            "特种作业 safety training is pre-job training (四.二.2 含安全技能培训: safety)",
        ),
        _not_provided("certificate", "", f"{DOCUMENT} pays no exam-organiser subsidy"),
        _not_provided("order_class", "", f"{DOCUMENT} pays no 订单班 subsidy"),
        _not_provided("school_graduate", "", f"{DOCUMENT} pays no school-graduate subsidy"),
    )
}

LINKOU_2019 = register(
    RulePack(
        jurisdiction="linkou",
        version="2019",
        document=DOCUMENT,
        # 一.二: "2019至2021年 … 其中2019年培训4000人次以上".
        effective_from=date(2019, 1, 1),
        effective_to=date(2021, 12, 31),
        parameters=PARAMETERS,
        rules=RULES,
        unprovided=UNPROVIDED,
        check_clauses={
            "pensioner": "四.四.1",
            "annual_limit": "四.四.1",
            "same_occupation_level": "四.四.1",
            "certificate_holder": "四.四.1",
            "certificate_unclaimed": "四.四.1",
            "attendance": "五.三",
            "institution_banned": "五.二",
        },
    )
)
