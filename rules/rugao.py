"""Rugao: 皋政办发〔2019〕194号, 如皋市职业技能提升行动实施方案（2019－2021年） (issued
2019-12-31).

This module is the pack: figures with their clauses, a rule per subsidy paid, the
subsidies not paid. The compute functions are in rules/rugao_compute.py; the readings
are in docs/rules.md. Clauses: "四.2" is （四）2, "十三" is （十三）, "附件 7" is row 7 of the
attached 重点任务分工表.
"""

from __future__ import annotations

from datetime import date

from domain.decision import Decision
from rules.facts import ClaimFacts
from rules.pack import PERSON, Parameter, Payee, RulePack, SubsidyRule, Unprovided, register
from rules.rugao_compute import (
    DOCUMENT,
    compute_employment_skills,
    compute_living_allowance,
    compute_on_the_job,
    compute_order_class,
    compute_pre_job,
    compute_skill_upgrade,
)
from rules.shared import CLASS_CHECKS, COMMON_CHECKS, TRAINING_LIMIT_CHECKS
from rules.subsidies import passed_by_level, work_based_months

EMPLOYER = Payee(frozenset({"enterprise"}), employer=True)
LOCAL_CERTIFICATE_CHECKS = (
    "certificate_holder",
    "certificate_kind",
    "certificate_unclaimed",
    "certificate_trained_locally",
)
CERTIFIED_TRAINING = frozenset(
    {"vocational_qualification", "skill_level", "special_ability", "training_completion"}
)


def compute_apprenticeship(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.6: per apprentice per year by level reached: 中级 4000 … 高级技师 8000."""
    return passed_by_level(facts, pack, "apprenticeship_year_fen", "四.6")


def compute_work_based(facts: ClaimFacts, pack: RulePack) -> Decision:
    """五.3: 以工代训 for at most 6 months; the text sets no monthly figure (no_rate)."""
    return work_based_months(facts, pack)


def _fen(yuan: int) -> int:
    return yuan * 100


PARAMETERS: dict[str, Parameter] = {
    "fund_fen": Parameter(_fen(70_000_000), "十二.1", "0.7亿 from the UI fund surplus"),
    "order_class_fen_max": Parameter(_fen(1000), "四.1", "人均最高; the cost if lower"),
    "order_class_trainees_min": Parameter(20, "四.1", "每班不少于20人"),
    "pre_job_standard_percent": Parameter(50, "四.2", "of training + appraisal standard"),
    "pre_job_hire_months_max": Parameter(12, "四.2", "自办理录用手续之日起12个月内"),
    "pre_job_contract_months_min": Parameter(
        12, "四.2", "一年以上期限劳动合同; not checked: the ledger has no contract fact"
    ),
    "shortage_standard_percent": Parameter(
        100, "四.2", "pre-job (四.2) and on-the-job/transfer (四.3) in a shortage occupation"
    ),
    "on_the_job_standard_percent": Parameter(50, "四.3", "also transfer training"),
    "skill_upgrade_standard_percent": Parameter(50, "四.4"),
    "shortage_uplift_percent": Parameter(30, "四.4", "再上浮30%: × 130% of the 50%"),
    "skill_upgrade_insured_months_min": Parameter(12, "四.4", "累计缴纳失业保险费12个月以上"),
    "skill_upgrade_certificates_from": Parameter(date(2019, 1, 1), "四.4"),
    "skill_upgrade_levels": Parameter(frozenset({"junior", "intermediate", "senior"}), "四.4"),
    "apprenticeship_year_fen": Parameter(
        {
            "intermediate": _fen(4000),
            "senior": _fen(5000),
            "technician": _fen(6000),
            "senior_technician": _fen(8000),
        },
        "四.6",
    ),
    "employment_skills_standard_percent": Parameter(
        100, "五.2", "十三 按我市规定: the 《目录》 standard itself (reading)"
    ),
    "living_allowance_day_fen": Parameter(
        None, "五.2", "the text gives no figure; set it from the published standard", True
    ),
    "living_allowance_groups": Parameter(frozenset({"poverty_registered"}), "五.2"),
    "living_allowance_unemployed_groups": Parameter(
        frozenset({"hardship"}), "五.2", "登记失业的就业困难人员: also in group unemployed"
    ),
    "work_based_month_fen": Parameter(
        None, "五.3", "给予一定期限的职业培训补贴: no figure in the text", True
    ),
    "work_based_months_max": Parameter(6, "五.3"),
    "work_based_groups_any_employer": Parameter(
        frozenset({"poverty_registered", "low_income"}), "五.3", "any 生产经营主体"
    ),
    "work_based_groups_insured_employer": Parameter(
        frozenset({"hardship", "zero_employment_family"}), "五.3", "参保企业 only"
    ),
    "fraud_recovery_clause": Parameter(0, "十四", "资金监督管理: 套取、骗取资金"),
    "trainings_per_year_max": Parameter(3, "十三"),
    "local_only_certificate_kinds": Parameter(
        frozenset({"special_ability", "special_operation", "training_completion"}),
        "十三",
        "必须经我市职业培训机构培训获证",
    ),
    "advance_percent_max": Parameter(50, "十三", "read by the ledger, not by a subsidy rule"),
    "attendance_min_percent": Parameter(80, "十七", "FRAUD_RULES TRN-02 default"),
    "training_target": Parameter(60_000, "一", "subsidised trainings 2019–2021, for reports"),
}

WITH_CLASS = COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS
STANDARD_FIGURES = ("shortage_standard_percent",)

RULES: dict[str, SubsidyRule] = {
    rule.subsidy: rule
    for rule in (
        SubsidyRule(
            "order_class",
            "四.1",
            "an order class of 20 or more at a vocational school: the cost, at most 1000 each",
            compute_order_class,
            Payee(frozenset({"enterprise"})),
            WITH_CLASS,
            schemes=frozenset({"order_class"}),
            parameters=("order_class_fen_max", "order_class_trainees_min"),
        ),
        SubsidyRule(
            "pre_job",
            "四.2",
            "a new hire's certified pre-job training: 50% of the 《目录》 standard, 100% shortage",
            compute_pre_job,
            Payee(frozenset({PERSON})),
            (*WITH_CLASS, "exclusive_subsidy", *LOCAL_CERTIFICATE_CHECKS),
            payee_enterprise_paid=EMPLOYER,
            certificate_kinds=CERTIFIED_TRAINING,
            schemes=frozenset({"pre_job", "certificate_training"}),
            parameters=(
                "pre_job_standard_percent",
                "pre_job_hire_months_max",
                "pre_job_contract_months_min",
                *STANDARD_FIGURES,
            ),
        ),
        *(
            SubsidyRule(
                subsidy,
                "四.3",
                f"{what}: 50% of the 《目录》 standard (or of the actual cost outside it), "
                "100% shortage, to the employer",
                compute_on_the_job,
                EMPLOYER,
                WITH_CLASS,
                schemes=frozenset({subsidy}),
                parameters=("on_the_job_standard_percent", *STANDARD_FIGURES),
            )
            for subsidy, what in (("on_the_job", "on-the-job training"), ("transfer", "transfer"))
        ),
        SubsidyRule(
            "skill_upgrade",
            "四.4",
            "insured ≥ 12 months, 初/中/高 certificate from 2019: 50% of the standard, "
            "+30% shortage",
            compute_skill_upgrade,
            Payee(frozenset({PERSON})),
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + LOCAL_CERTIFICATE_CHECKS,
            certificate_kinds=frozenset({"vocational_qualification", "skill_level"}),
            parameters=(
                "skill_upgrade_standard_percent",
                "shortage_uplift_percent",
                "skill_upgrade_insured_months_min",
                "skill_upgrade_certificates_from",
                "skill_upgrade_levels",
            ),
        ),
        SubsidyRule(
            "apprenticeship",
            "四.6",
            "新型学徒制 per apprentice per year by level reached, to the employer",
            compute_apprenticeship,
            EMPLOYER,
            WITH_CLASS,
            schemes=frozenset({"apprenticeship"}),
            parameters=("apprenticeship_year_fen",),
        ),
        SubsidyRule(
            "employment_skills",
            "五.2",
            "registered unemployed, certified: the 《目录》 standard, to the person",
            compute_employment_skills,
            Payee(frozenset({PERSON})),
            WITH_CLASS + LOCAL_CERTIFICATE_CHECKS,
            certificate_kinds=CERTIFIED_TRAINING,
            schemes=frozenset({"employment_skills", "certificate_training"}),
            parameters=("employment_skills_standard_percent",),
        ),
        SubsidyRule(
            "living_allowance",
            "五.2",
            "during training, for registered unemployed 就业困难人员 and 低收入农户 labourers, "
            "not while drawing unemployment benefit; rate not set by the text",
            compute_living_allowance,
            Payee(frozenset({PERSON})),
            (*COMMON_CHECKS, "unemployment_benefit", "enrolled", "attendance"),
            parameters=(
                "living_allowance_day_fen",
                "living_allowance_groups",
                "living_allowance_unemployed_groups",
            ),
        ),
        SubsidyRule(
            "work_based",
            "五.3",
            "以工代训 at most 6 months, not with pre-job; rate not set by the text",
            compute_work_based,
            Payee(frozenset({"enterprise"}), employer=True),
            (*COMMON_CHECKS, "exclusive_subsidy", "class_scheme"),
            schemes=frozenset({"work_based"}),
            parameters=(
                "work_based_month_fen",
                "work_based_months_max",
                "work_based_groups_any_employer",
                "work_based_groups_insured_employer",
            ),
        ),
    )
}


def _not_provided(subsidy: str, clause: str, message: str) -> Unprovided:
    return Unprovided(subsidy, "subsidy_not_provided", clause, message)


UNPROVIDED: dict[str, Unprovided] = {
    entry.subsidy: entry
    for entry in (
        Unprovided(
            "special_operation",
            "no_rate",
            "六",
            "六 grants a training subsidy for 特种作业操作证 and 特种设备作业人员证 with no figure",
        ),
        Unprovided(
            "safety", "no_rate", "六", "六 grants safety-skills training a subsidy with no figure"
        ),
        Unprovided(
            "project",
            "no_rate",
            "十七",
            "十七 buys project-based training by public tender; the document sets no rate",
        ),
        Unprovided(
            "school_graduate",
            "no_rate",
            "附件 7",
            "附件 7 grants schools run with enterprises 适当补助 by graduates employed, no figure",
        ),
        _not_provided(
            "technician_research",
            "四.5",
            "四.5 rewards 技师/高级技师 certificates without a figure and pays no 研修 subsidy",
        ),
        _not_provided("certificate", "", f"{DOCUMENT} pays no exam-organiser subsidy"),
        _not_provided("employment_service", "", f"{DOCUMENT} pays no employment-service subsidy"),
    )
}

RUGAO_2019 = register(
    RulePack(
        jurisdiction="rugao",
        version="2019-12-31",
        document=DOCUMENT,
        # The plan is for 2019–2021 (title, 一), and 四.4 pays certificates from 2019-01-01.
        effective_from=date(2019, 1, 1),
        effective_to=date(2021, 12, 31),
        parameters=PARAMETERS,
        rules=RULES,
        unprovided=UNPROVIDED,
        check_clauses={
            "pensioner": "十三",
            "annual_limit": "十三",
            "same_occupation_level": "十三",
            "exclusive_subsidy": "五.3",
            "certificate_holder": "十三",
            "certificate_unclaimed": "十三",
            "certificate_trained_locally": "十三",
            "unemployment_benefit": "五.2",
            "attendance": "十七",
            "institution_banned": "十四",
        },
        exclusive={"work_based": "pre_job", "pre_job": "work_based"},
    )
)
