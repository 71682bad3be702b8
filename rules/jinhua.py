"""Jinhua: 金人社发〔2020〕1号, 金华市职业技能提升行动实施方案 (issued 2020-01-05, in force
from issue: "本方案自印发之日起施行"), with attachment 3, the rates for 市区.

This module is the pack: its figures with their clauses, a rule per subsidy paid, the
subsidies not paid. The compute functions are in rules/jinhua_compute.py; the annual plans
of attachments 1 and 2 are data (rules/data/jinhua_plans.json, read by rules/plans.py).
"""

from __future__ import annotations

from datetime import date

from rules.jinhua_compute import (
    DOCUMENT,
    compute_apprenticeship,
    compute_project,
    compute_skill_upgrade,
    compute_special_operation,
)
from rules.pack import PERSON, Parameter, Payee, RulePack, SubsidyRule, Unprovided, register
from rules.shared import CLASS_CHECKS, COMMON_CHECKS, TRAINING_LIMIT_CHECKS


def _fen(yuan: int) -> int:
    return yuan * 100


PARAMETERS: dict[str, Parameter] = {
    "non_resident_insured_months_min": Parameter(
        6, "附件3 一.1", "市区 hukou or residence, else 6 months insured (6个月以上 includes 6)"
    ),
    "skill_upgrade_fen": Parameter(
        {
            "junior": _fen(800),
            "intermediate": _fen(900),
            "senior": _fen(2000),
            "technician": _fen(2500),
            "senior_technician": _fen(3000),
        },
        "附件3 一.2",
    ),
    "skill_upgrade_special_ability_fen": Parameter(_fen(600), "附件3 一.2", "专项能力证书"),
    "shortage_uplift_percent": Parameter(30, "附件3 一.2", "紧缺职业（工种）上浮30%"),
    "project_enterprise_hour_fen": Parameter(_fen(30), "附件3 二.2", "per person per class-hour"),
    "project_enterprise_fen_max": Parameter(_fen(800), "附件3 二.2"),
    "project_class_hours_min": Parameter(
        20, "附件3 二.2", "每期不少于20个课时, stated for enterprise-run sessions"
    ),
    "project_uplift_percent": Parameter(
        30, "附件3 二.2", "trade-friction and key manufacturing enterprises; 四.二: at most 30%"
    ),
    "project_organisation_hour_fen": Parameter(
        _fen(25), "附件3 二.2", "departments, training bodies, schools; per person per class-hour"
    ),
    "project_organisation_fen_max": Parameter(_fen(500), "附件3 二.2"),
    "special_operation_review_fen": Parameter(_fen(100), "附件3 二.2", "操作证复审培训"),
    "apprenticeship_employee_fen_max": Parameter(
        _fen(6000), "附件3 三", "per year; the actual cost if lower"
    ),
    "apprenticeship_student_fen_max": Parameter(
        _fen(3000), "附件3 三", "per year; the actual cost if lower"
    ),
    "apprenticeship_uplift_percent": Parameter(
        30, "附件3 三", "employee apprentices at key manufacturing enterprises: the cap +30%"
    ),
    "fraud_recovery_clause": Parameter(0, "四（三）", "骗取职业培训补贴资金: 严肃查处"),
    "trainings_per_year_max": Parameter(3, "四.一"),
    "attendance_min_percent": Parameter(
        80, "五", "FRAUD_RULES TRN-02 default; 五: 实名制, 全过程台账"
    ),
    "training_target": Parameter(240_000, "一", "trainings to 2021, for reports"),
    "annual_plan_by_region_total": Parameter(
        80_000, "附件1", "8 万人次; the rows are data (rules/data/jinhua_plans.json)"
    ),
    "annual_plan_by_department_total": Parameter(
        80_000, "附件2", "8 万人次; the rows are data (rules/data/jinhua_plans.json)"
    ),
}

CERTIFICATE_RULE_CHECKS = (
    COMMON_CHECKS
    + TRAINING_LIMIT_CHECKS
    + (
        "certificate_holder",
        "certificate_kind",
        "certificate_unclaimed",
    )
)
ORGANISATIONS = frozenset({"department", "training_org", "school"})

RULES: dict[str, SubsidyRule] = {
    rule.subsidy: rule
    for rule in (
        SubsidyRule(
            "skill_upgrade",
            "附件3 一.2",
            "certificate training by level (专项能力 600), +30% in shortage; to the person, or "
            "to the self-evaluating enterprise instead",
            compute_skill_upgrade,
            Payee(frozenset({PERSON})),
            CERTIFICATE_RULE_CHECKS,
            payee_enterprise_paid=Payee(frozenset({"enterprise"}), employer=True),
            certificate_kinds=frozenset(
                {"vocational_qualification", "skill_level", "special_ability"}
            ),
            parameters=(
                "skill_upgrade_fen",
                "skill_upgrade_special_ability_fen",
                "shortage_uplift_percent",
                "non_resident_insured_months_min",
            ),
        ),
        SubsidyRule(
            "project",
            "附件3 二.2",
            "class-hours × 30 (at most 800, ≥ 20 class-hours, +30% uplift) for an enterprise's "
            "own staff; × 25 (at most 500) for departments, training bodies, schools",
            compute_project,
            Payee(ORGANISATIONS | {"enterprise"}, organiser=True),
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS,
            schemes=frozenset({"project"}),
            parameters=(
                "project_enterprise_hour_fen",
                "project_enterprise_fen_max",
                "project_class_hours_min",
                "project_uplift_percent",
                "project_organisation_hour_fen",
                "project_organisation_fen_max",
                "non_resident_insured_months_min",
            ),
        ),
        SubsidyRule(
            "special_operation",
            "附件3 二.2",
            "特种作业操作证 re-examination training, 100 a person, to who ran it",
            compute_special_operation,
            Payee(ORGANISATIONS, organiser=True),
            CERTIFICATE_RULE_CHECKS + CLASS_CHECKS,
            certificate_kinds=frozenset({"special_operation"}),
            schemes=frozenset({"safety", "project"}),
            parameters=("special_operation_review_fen", "non_resident_insured_months_min"),
        ),
        SubsidyRule(
            "apprenticeship",
            "附件3 三",
            "per year, the actual cost up to 6000 (employees; +30% key manufacturing) or 3000 "
            "(students), to the enterprise",
            compute_apprenticeship,
            Payee(frozenset({"enterprise"}), employer=True),
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS,
            schemes=frozenset({"apprenticeship"}),
            parameters=(
                "apprenticeship_employee_fen_max",
                "apprenticeship_student_fen_max",
                "apprenticeship_uplift_percent",
            ),
        ),
    )
}


def _not_provided(subsidy: str, clause: str, message: str) -> Unprovided:
    return Unprovided(subsidy, "subsidy_not_provided", clause, message)


_AS_PROJECT = "is paid as project-based training (附件3 二.2) or certificate training (附件3 一)"
UNPROVIDED: dict[str, Unprovided] = {
    entry.subsidy: entry
    for entry in (
        Unprovided(
            "living_allowance",
            "no_rate",
            "四.四",
            "四.二 grants a living allowance but 四.四 leaves its standard to local human "
            "resources and finance; attachment 3 sets none for 市区",
        ),
        _not_provided("pre_job", "附件3 二.2", f"enterprise staff training {_AS_PROJECT}"),
        _not_provided("on_the_job", "附件3 二.2", f"enterprise staff training {_AS_PROJECT}"),
        _not_provided("transfer", "四.二", f"转岗转业培训 {_AS_PROJECT}"),
        _not_provided("safety", "附件3 二.2", f"安全技能培训 {_AS_PROJECT}"),
        _not_provided("employment_skills", "二", f"就业技能培训 {_AS_PROJECT}"),
        _not_provided(
            "certificate",
            "附件3 一.2",
            "附件3 一.2 pays certificate training to the person or the self-evaluating "
            "enterprise, not to exam organisers",
        ),
        _not_provided("work_based", "", f"{DOCUMENT} pays no 以工代训 subsidy"),
        _not_provided("technician_research", "", f"{DOCUMENT} pays no 技师研修 subsidy"),
        _not_provided("order_class", "", f"{DOCUMENT} pays no 订单班 subsidy"),
        _not_provided("employment_service", "", f"{DOCUMENT} pays no employment-service subsidy"),
        _not_provided("school_graduate", "", f"{DOCUMENT} pays no school-graduate subsidy"),
    )
}

JINHUA_2020 = register(
    RulePack(
        jurisdiction="jinhua",
        version="2020-01-05",
        document=DOCUMENT,
        # "本方案自印发之日起施行"; the action and the uplift (四.二 "2021年底前") end with 2021.
        effective_from=date(2020, 1, 5),
        effective_to=date(2021, 12, 31),
        parameters=PARAMETERS,
        rules=RULES,
        unprovided=UNPROVIDED,
        check_clauses={
            "pensioner": "附件3 一.1",
            "annual_limit": "四.一",
            "same_occupation_level": "四.一",
            "certificate_unclaimed:skill_upgrade": "附件3 一.2",
            "attendance": "五",
            "institution_banned": "四.三",
        },
    )
)
