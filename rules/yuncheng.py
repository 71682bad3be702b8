"""Yuncheng: 运政办发〔2020〕14号, 运城市推进职业技能提升培训实施方案 (issued 2020-04-20).

Clauses are cited as the text numbers them: 三 numbers its items 1 to 17 straight through
its three sub-headings, so "三.13" is item 13 of 三 (重点工作). The figures and their
readings are tabled in docs/rules.md; this module is their code.
"""

from __future__ import annotations

from datetime import date

from domain.decision import Decision
from rules.compute import (
    capped_cost,
    certificate_problem,
    group_reasons,
    level_amount,
    rejection,
)
from rules.facts import ClaimFacts
from rules.pack import PERSON, Parameter, Payee, RulePack, SubsidyRule, Unprovided, register
from rules.shared import CLASS_CHECKS, COMMON_CHECKS, TRAINING_LIMIT_CHECKS
from rules.subsidies import daily_allowance, per_trainee, rule_id

DOCUMENT = "运政办发〔2020〕14号"
EMPLOYER = Payee(frozenset({"enterprise"}), employer=True)
ORGANISER = Payee(frozenset({"enterprise", "training_org", "school"}), organiser=True)


def compute_living_allowance(facts: ClaimFacts, pack: RulePack) -> Decision:
    """三.3: 15 yuan per person per day of training, to poor labourers (贫困劳动力)."""
    reasons = group_reasons(facts, pack, "living_allowance_groups", "三.3")
    return daily_allowance(facts, pack, "三.3", "living_allowance_day_fen", reasons)


def compute_enterprise_training(facts: ClaimFacts, pack: RulePack) -> Decision:
    """三.13: 300 yuan to the enterprise per employee who passed pre-job, safety or transfer
    training."""
    return per_trainee(facts, pack, "enterprise_training_fen", "三.13")


def compute_employment_skills(facts: ClaimFacts, pack: RulePack) -> Decision:
    """三.14: key groups' employment-skills training, the cost up to 1000 yuan a person."""
    reasons = group_reasons(facts, pack, "employment_skills_groups", "三.14")
    cap_fen = pack.figure("employment_skills_fen_max")
    amount_fen, cost_reasons = capped_cost(facts, cap_fen, pack, "三.14")
    reasons += cost_reasons
    if reasons:
        return rejection(pack, facts, *reasons)
    return Decision.approve(
        amount_fen,
        rule_id(pack, facts),
        pack.cite("三.14"),
        employment_skills_fen_max=cap_fen,
        amount_claimed_fen=facts.amount_fen,
    )


def compute_certificate(facts: ClaimFacts, pack: RulePack) -> Decision:
    """三.15: to the enterprise or training body that organised free certificate exams:
    专项职业能力证书 150, 初级工 300, 高级工 600 per person (中级 is not listed)."""
    special = facts.certificate is not None and facts.certificate.kind == "special_ability"
    problem = certificate_problem(facts, pack, "三.15", level_required=not special)
    if problem is not None:
        return rejection(pack, facts, problem)
    if special:
        amount_fen = pack.figure("certificate_special_ability_fen")
        return Decision.approve(
            amount_fen,
            rule_id(pack, facts, "special_ability"),
            pack.cite("三.15"),
            certificate_special_ability_fen=amount_fen,
        )
    amount_fen, level, reasons = level_amount(facts, pack, "certificate_fen", "三.15")
    if reasons:
        return rejection(pack, facts, *reasons)
    return Decision.approve(
        amount_fen,
        rule_id(pack, facts),
        pack.cite("三.15"),
        level=level,
        certificate_fen=amount_fen,
    )


def _fen(yuan: int) -> int:
    return yuan * 100


PARAMETERS: dict[str, Parameter] = {
    "living_allowance_day_fen": Parameter(_fen(15), "三.3", "per person per day of training"),
    "living_allowance_groups": Parameter(
        frozenset({"poverty_registered"}), "三.3", "贫困劳动力 → poverty_registered"
    ),
    "enterprise_training_fen": Parameter(
        _fen(300), "三.13", "岗前培训, 安全技能培训, 转岗转业培训; to the enterprise"
    ),
    "employment_skills_fen_max": Parameter(_fen(1000), "三.14", "the cost, at most this"),
    "employment_skills_groups": Parameter(
        frozenset(
            {"rural_migrant", "school_leaver", "college_graduate", "unemployed", "hardship"}
            | {"disabled"}
        ),
        "三.14",
        "农村转移就业劳动者, 两后生, 高校毕业生, 下岗失业人员, 就业困难人员(含残疾人)",
    ),
    "certificate_fen": Parameter(
        {"junior": _fen(300), "senior": _fen(600)}, "三.15", "初级工, 高级工; 中级 is not listed"
    ),
    "certificate_special_ability_fen": Parameter(_fen(150), "三.15", "专项职业能力证书"),
    "channel_employment_subsidy_subsidies": Parameter(
        frozenset({"living_allowance"}), "三.3", "从就业资金中给予生活费补贴"
    ),
    "fraud_recovery_clause": Parameter(0, "三.17", "骗取补贴资金: recovered and barred"),
    "trainings_per_year_max": Parameter(3, "三.15"),
    "attendance_min_percent": Parameter(80, "三.9", "FRAUD_RULES TRN-02 default; 三.9: 实名制监管"),
    "training_target": Parameter(300_000, "二", "subsidised trainings 2019–2021, for reports"),
    "employment_rate_target_percent": Parameter(
        25, "二", "trainees' (not employees') employment rate a year, for reports"
    ),
}

ENTERPRISE_TRAINING = COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS


def _enterprise_rule(subsidy: str, scheme: str, what: str) -> SubsidyRule:
    return SubsidyRule(
        subsidy,
        "三.13",
        f"300 per employee who passed {what}, to the enterprise",
        compute_enterprise_training,
        EMPLOYER,
        ENTERPRISE_TRAINING,
        schemes=frozenset({scheme}),
        parameters=("enterprise_training_fen",),
    )


RULES: dict[str, SubsidyRule] = {
    rule.subsidy: rule
    for rule in (
        SubsidyRule(
            "living_allowance",
            "三.3",
            "15 per day of training to poor labourers, to the person",
            compute_living_allowance,
            Payee(frozenset({PERSON})),
            (*COMMON_CHECKS, "enrolled", "attendance"),
            parameters=("living_allowance_day_fen", "living_allowance_groups"),
        ),
        _enterprise_rule("pre_job", "pre_job", "pre-job training"),
        _enterprise_rule("safety", "safety", "safety-skills training"),
        _enterprise_rule("transfer", "transfer", "transfer (转岗转业) training"),
        SubsidyRule(
            "employment_skills",
            "三.14",
            "key groups' employment-skills training: the cost, at most 1000",
            compute_employment_skills,
            Payee(frozenset({PERSON, "training_org", "school", "enterprise"}), organiser=True),
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS,
            schemes=frozenset({"employment_skills", "project"}),
            parameters=("employment_skills_fen_max", "employment_skills_groups"),
        ),
        SubsidyRule(
            "certificate",
            "三.15",
            "free certificate exams: 专项能力 150, 初级 300, 高级 600, to the organiser",
            compute_certificate,
            ORGANISER,
            COMMON_CHECKS
            + TRAINING_LIMIT_CHECKS
            + ("certificate_holder", "certificate_kind", "certificate_unclaimed"),
            certificate_kinds=frozenset(
                {"special_ability", "vocational_qualification", "skill_level"}
            ),
            parameters=("certificate_fen", "certificate_special_ability_fen"),
        ),
    )
}


def _not_provided(subsidy: str, clause: str, message: str) -> Unprovided:
    return Unprovided(subsidy, "subsidy_not_provided", clause, message)


UNPROVIDED: dict[str, Unprovided] = {
    entry.subsidy: entry
    for entry in (
        Unprovided(
            "skill_upgrade",
            "no_rate",
            "三.5",
            "三.5 pays high-skill training on the certificate (以取证为补贴申领依据) but sets no "
            "figure; the provincial standard (晋政办发〔2019〕68号) is not encoded",
        ),
        Unprovided(
            "apprenticeship",
            "no_rate",
            "三.1",
            "三.1 runs 新型学徒制 on the provincial plan (按省人社厅计划执行) and sets no figure",
        ),
        _not_provided("on_the_job", "三.13", "三.13 pays 岗前、安全技能、转岗转业 training only"),
        _not_provided(
            "project",
            "三.3",
            "三.3 buys training for poor labourers as 项目制购买服务: it is paid under 三.14 "
            "(employment_skills), not as a subsidy of its own",
        ),
        _not_provided(
            "special_operation",
            "三.13",
            "特种作业人员 safety training is paid to the enterprise under 三.13 (safety)",
        ),
        _not_provided("work_based", "", f"{DOCUMENT} pays no 以工代训 subsidy"),
        _not_provided("technician_research", "", f"{DOCUMENT} pays no 技师研修 subsidy"),
        _not_provided("order_class", "", f"{DOCUMENT} pays no 订单班 subsidy"),
        _not_provided("employment_service", "", f"{DOCUMENT} pays no employment-service subsidy"),
        _not_provided("school_graduate", "", f"{DOCUMENT} pays no school-graduate subsidy"),
    )
}

YUNCHENG_2020 = register(
    RulePack(
        jurisdiction="yuncheng",
        version="2020-04-20",
        document=DOCUMENT,
        # 二: the plan covers 2019 to 2021 ("2019年至2021年 … 其中2019年培训10万人"); see
        # docs/rules.md, Yuncheng readings.
        effective_from=date(2019, 1, 1),
        effective_to=date(2021, 12, 31),
        parameters=PARAMETERS,
        rules=RULES,
        unprovided=UNPROVIDED,
        check_clauses={
            "pensioner": "三.15",
            "annual_limit": "三.15",
            "same_occupation_level": "三.15",
            "certificate_holder": "三.15",
            "certificate_unclaimed": "三.15",
            "attendance": "三.9",
            "institution_banned": "三.17",
        },
    )
)
