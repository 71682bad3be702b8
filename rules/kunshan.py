"""Kunshan: 昆政办发〔2020〕67号, 昆山市职业技能提升行动实施方案 (issued 2020-05-14).

Clauses are cited as the text numbers them: "四.4" is （四）4, "十四" is （十四）.
The figures and their readings are tabled in docs/rules.md; this module is their code.
"""

from __future__ import annotations

from datetime import date

from domain.decision import Decision, Reason
from rules.compute import (
    certificate_problem,
    clause_reason,
    insured_months_reasons,
    level_amount,
    rejection,
)
from rules.facts import ClaimFacts
from rules.pack import PERSON, Parameter, Payee, RulePack, SubsidyRule, Unprovided, register
from rules.shared import (
    CERTIFICATE_CHECKS,
    CLASS_CHECKS,
    COMMON_CHECKS,
    TRAINING_LIMIT_CHECKS,
    check_training_passed,
)

DOCUMENT = "昆政办发〔2020〕67号"
ENTERPRISE = frozenset({"enterprise"})
EMPLOYER = Payee(ENTERPRISE, employer=True)


def compute_skill_upgrade(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.4: an insured employee who obtains a 职业资格证书 or 职业技能等级证书 gets a fixed
    amount by level, +30% in a shortage occupation; where the enterprise paid for the
    training, the enterprise gets the shortage rate instead (whatever the occupation)."""
    problem = certificate_problem(facts, pack, "四.4", level_required=True)
    if problem is not None:
        return rejection(pack, facts, problem)
    base_fen, level, reasons = level_amount(facts, pack, "skill_upgrade_fen", "四.4")
    if not facts.enterprise_paid:
        reasons += insured_months_reasons(facts, pack, "skill_upgrade_insured_months_min", "四.4")
    if reasons:
        return rejection(pack, facts, *reasons)
    uplift = pack.figure("shortage_uplift_percent")
    shortage = facts.occupation in facts.shortage_occupations
    rule_id = "kunshan.skill_upgrade"
    amount_fen = base_fen
    if facts.enterprise_paid:
        rule_id, amount_fen = f"{rule_id}.enterprise_paid", base_fen * (100 + uplift) // 100
    elif shortage:
        rule_id, amount_fen = f"{rule_id}.shortage", base_fen * (100 + uplift) // 100
    return Decision.approve(
        amount_fen,
        rule_id,
        pack.cite("四.4"),
        level=level,
        base_fen=base_fen,
        shortage=shortage,
        shortage_catalog_id=facts.shortage_catalog_id,
        shortage_uplift_percent=uplift,
        enterprise_paid=facts.enterprise_paid,
    )


def _per_trainee(facts: ClaimFacts, pack: RulePack, figure: str) -> Decision:
    """四.2: a fixed amount per trainee who completed and passed, to the enterprise."""
    reasons = check_training_passed(facts, pack)
    if reasons:
        return rejection(pack, facts, *reasons)
    amount_fen = pack.figure(figure)
    rule_id = f"kunshan.{facts.subsidy}"
    return Decision.approve(amount_fen, rule_id, pack.cite("四.2"), **{figure: amount_fen})


def compute_pre_job(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.2: 岗前培训, 300 per trainee who passed, to the enterprise."""
    return _per_trainee(facts, pack, "pre_job_fen")


def compute_safety(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.2: 特种作业人员安全作业培训 is part of 岗前培训 and paid at its rate."""
    return _per_trainee(facts, pack, "safety_fen")


def _work_based_clause(facts: ClaimFacts, pack: RulePack) -> tuple[str, list[Reason]]:
    """The clause under which the hire qualifies: 十三 (poverty and 低保 labourers, any
    enterprise) or 四.2 (就业困难人员, 零就业家庭成员, insured enterprises only)."""
    groups = facts.person.groups
    if groups & pack.names("work_based_groups_any_employer"):
        return "十三", []
    if groups & pack.names("work_based_groups_insured_employer"):
        if facts.beneficiary is not None and facts.beneficiary.insured:
            return "四.2", []
        message = "四.2 pays 以工代训 for this group to insured enterprises only"
        return "四.2", [clause_reason(pack, "四.2", "wrong_beneficiary", message)]
    message = (
        "以工代训 is paid for hiring 就业困难人员, 零就业家庭成员, or poverty and 低保 labourers"
    )
    return "四.2", [clause_reason(pack, "四.2", "not_in_target_group", message)]


def compute_work_based(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.2 and 十三: 500 per person per month to the enterprise, at most 6 months a person.

    Months beyond those left are not paid; the months left are."""
    clause, reasons = _work_based_clause(facts, pack)
    months_max, used = pack.figure("work_based_months_max"), facts.limits.work_based_months_used
    left = max(months_max - used, 0)
    if facts.months is None or facts.months <= 0:
        reasons.append(clause_reason(pack, clause, "months_missing", "the claim names no months"))
    elif left == 0:
        message = f"the person's {months_max} months of 以工代训 are already paid"
        reasons.append(clause_reason(pack, clause, "months_exhausted", message))
    if reasons:
        return rejection(pack, facts, *reasons)
    assert facts.months is not None
    months_paid = min(facts.months, left)
    month_fen = pack.figure("work_based_month_fen")
    return Decision.approve(
        months_paid * month_fen,
        "kunshan.work_based",
        pack.cite(clause),
        work_based_month_fen=month_fen,
        months_claimed=facts.months,
        months_paid=months_paid,
        months_used_before=used,
        work_based_months_max=months_max,
    )


def _passed_by_level(facts: ClaimFacts, pack: RulePack, table: str, clause: str) -> Decision:
    """A passed training paid by level: 技师研修 (四.5), 新型学徒制 per year (四.6)."""
    reasons = check_training_passed(facts, pack)
    amount_fen, level, level_reasons = level_amount(facts, pack, table, clause)
    reasons += level_reasons
    if reasons:
        return rejection(pack, facts, *reasons)
    rule_id = f"kunshan.{facts.subsidy}"
    return Decision.approve(
        amount_fen, rule_id, pack.cite(clause), level=level, **{table: amount_fen}
    )


def compute_technician_research(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.5: 技师 6000, 高级技师 8000 per person who passed 岗位研修 project training."""
    return _passed_by_level(facts, pack, "technician_research_fen", "四.5")


def compute_apprenticeship(facts: ClaimFacts, pack: RulePack) -> Decision:
    """四.6: per apprentice per year by the level reached, 中级 4000 up to 高级技师 8000."""
    return _passed_by_level(facts, pack, "apprenticeship_year_fen", "四.6")


def compute_special_operation(facts: ClaimFacts, pack: RulePack) -> Decision:
    """六: a 特种作业操作证 or 特种设备作业人员证, at most 800 per person (the cost if lower)."""
    maximum = pack.figure("special_operation_fen_max")
    problem = certificate_problem(facts, pack, "六")
    if problem is not None:
        return rejection(pack, facts, problem)
    if facts.amount_fen is not None and facts.amount_fen <= 0:
        message = f"the claimed cost must be positive, got {facts.amount_fen} fen"
        return rejection(pack, facts, clause_reason(pack, "六", "amount_not_positive", message))
    amount_fen = maximum if facts.amount_fen is None else min(facts.amount_fen, maximum)
    return Decision.approve(
        amount_fen,
        "kunshan.special_operation",
        pack.cite("六"),
        special_operation_fen_max=maximum,
        amount_claimed_fen=facts.amount_fen,
    )


def compute_school_graduate(facts: ClaimFacts, pack: RulePack) -> Decision:
    """七: to the school, per full-time graduate employed locally and insured 6 months or
    more: 中级工 1000, 高级工 1500, 技师 2000."""
    amount_fen, level, reasons = level_amount(facts, pack, "school_graduate_fen", "七")
    reasons += insured_months_reasons(facts, pack, "school_graduate_insured_months_min", "七")
    if reasons:
        return rejection(pack, facts, *reasons)
    return Decision.approve(
        amount_fen,
        "kunshan.school_graduate",
        pack.cite("七"),
        level=level,
        school_graduate_fen=amount_fen,
    )


def _living_allowance_group(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    groups = facts.person.groups
    if groups & pack.names("living_allowance_groups"):
        return []
    if "school_leaver" in groups and groups & pack.names("living_allowance_rural_groups"):
        return []
    message = (
        "十三 pays the living allowance to poverty-registered, 低保, 就业困难 and 零就业家庭 "
        "trainees and to rural school leavers only"
    )
    return [clause_reason(pack, "十三", "not_in_target_group", message)]


def compute_living_allowance(facts: ClaimFacts, pack: RulePack) -> Decision:
    """十三: per day of training, the previous year's monthly 低保 standard / 30, to the person.

    Days beyond the class's calendar days are not paid."""
    reasons = _living_allowance_group(facts, pack)
    monthly = pack.table("living_allowance_monthly_fen").get(str(facts.training_date.year))
    if facts.days is None or facts.days <= 0:
        reasons.append(clause_reason(pack, "十三", "days_missing", "the claim names no days"))
    if facts.klass is None:
        reasons.append(clause_reason(pack, "十三", "not_enrolled", "no class was found", "TRN-01"))
    if monthly is None:
        message = f"no 低保 standard is encoded for training year {facts.training_date.year}"
        reasons.append(clause_reason(pack, "十三", "no_rate", message))
    if reasons:
        return rejection(pack, facts, *reasons)
    assert facts.days is not None and facts.klass is not None and monthly is not None
    class_days = (facts.klass.end_date - facts.klass.start_date).days + 1
    days_paid = min(facts.days, class_days)
    per_month = pack.figure("living_allowance_days_per_month")
    return Decision.approve(
        days_paid * monthly // per_month,
        "kunshan.living_allowance",
        pack.cite("十三"),
        living_allowance_monthly_fen=monthly,
        living_allowance_days_per_month=per_month,
        days_claimed=facts.days,
        days_paid=days_paid,
    )


def _by_level(**amounts_yuan: int) -> dict[str, int]:
    return {level: yuan * 100 for level, yuan in amounts_yuan.items()}


# The previous year's monthly 低保 standard is not in the document (十三 refers to it);
# the value below is a PLACEHOLDER to be replaced by the published standard of each year.
LIVING_ALLOWANCE_MONTHLY_PLACEHOLDER_FEN = 104_500

PARAMETERS: dict[str, Parameter] = {
    "fund_fen": Parameter(24_800_000_000, "十五.1", "20% of the 2018-end UI rolling balance"),
    "skill_upgrade_fen": Parameter(
        _by_level(
            junior=1000, intermediate=1500, senior=2000, technician=3500, senior_technician=4500
        ),
        "四.4",
    ),
    "skill_upgrade_insured_months_min": Parameter(
        1, "四.4", "参保职工: insured, read as >= 1 month"
    ),
    "shortage_uplift_percent": Parameter(30, "四.4"),
    "pre_job_fen": Parameter(30_000, "四.2"),
    "safety_fen": Parameter(30_000, "四.2", "特种作业人员安全作业培训 is inside 岗前培训"),
    "work_based_month_fen": Parameter(50_000, "四.2", "also 十三"),
    "work_based_months_max": Parameter(6, "四.2", "also 十三"),
    "work_based_groups_insured_employer": Parameter(
        frozenset({"hardship", "zero_employment_family"}), "四.2", "参保企业 only"
    ),
    "work_based_groups_any_employer": Parameter(
        frozenset({"poverty_registered", "low_income"}), "十三", "any 生产经营主体"
    ),
    "technician_research_fen": Parameter(
        _by_level(technician=6000, senior_technician=8000), "四.5"
    ),
    "apprenticeship_year_fen": Parameter(
        _by_level(intermediate=4000, senior=5000, technician=6000, senior_technician=8000), "四.6"
    ),
    "special_operation_fen_max": Parameter(80_000, "六"),
    "school_graduate_fen": Parameter(
        _by_level(intermediate=1000, senior=1500, technician=2000), "七"
    ),
    "school_graduate_insured_months_min": Parameter(6, "七", "6个月以上 includes 6"),
    "living_allowance_monthly_fen": Parameter(
        {str(year): LIVING_ALLOWANCE_MONTHLY_PLACEHOLDER_FEN for year in (2019, 2020, 2021)},
        "十三",
        "by training year: the previous year's published monthly 低保 standard",
        placeholder=True,
    ),
    "living_allowance_days_per_month": Parameter(30, "十三", "monthly standard / 30 per day"),
    "living_allowance_groups": Parameter(
        frozenset({"poverty_registered", "low_income", "hardship", "zero_employment_family"}),
        "十三",
    ),
    "living_allowance_rural_groups": Parameter(
        frozenset({"farmer", "rural_migrant"}), "十三", "school_leaver counts when also rural"
    ),
    "trainings_per_year_max": Parameter(3, "十四"),
    "local_only_certificate_kinds": Parameter(
        frozenset({"special_ability", "special_operation", "training_completion"}), "十四"
    ),
    "advance_percent_max": Parameter(50, "十四"),
    "channel_employment_subsidy_subsidies": Parameter(
        frozenset({"living_allowance"}), "十三", "通过就业补助资金给予生活费补贴"
    ),
    "fraud_recovery_clause": Parameter(
        0, "十六", "虚假培训套取、骗取资金: recovered, cited by cases"
    ),
    "attendance_min_percent": Parameter(80, "十", "FRAUD_RULES TRN-02 default; 十: 培训考勤监管"),
}

CERTIFICATE_IF_ANY = ("certificate_holder", "certificate_unclaimed", "certificate_local")

RULES: dict[str, SubsidyRule] = {
    rule.subsidy: rule
    for rule in (
        SubsidyRule(
            "skill_upgrade",
            "四.4",
            "insured employee's certificate by level, +30% in shortage; enterprise-paid: shortage",
            compute_skill_upgrade,
            Payee(frozenset({PERSON})),
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CERTIFICATE_CHECKS,
            payee_enterprise_paid=EMPLOYER,
            certificate_kinds=frozenset({"vocational_qualification", "skill_level"}),
            parameters=(
                "skill_upgrade_fen",
                "shortage_uplift_percent",
                "skill_upgrade_insured_months_min",
            ),
        ),
        SubsidyRule(
            "pre_job",
            "四.2",
            "per trainee who passed pre-job training, to the enterprise",
            compute_pre_job,
            EMPLOYER,
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + ("exclusive_subsidy",) + CLASS_CHECKS,
            schemes=frozenset({"pre_job"}),
            parameters=("pre_job_fen",),
        ),
        SubsidyRule(
            "safety",
            "四.2",
            "per trainee who passed special-operation safety training (pre-job), to the enterprise",
            compute_safety,
            EMPLOYER,
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS,
            schemes=frozenset({"safety", "pre_job"}),
            parameters=("safety_fen",),
        ),
        SubsidyRule(
            "work_based",
            "四.2",
            "以工代训 per month for hiring target groups, at most 6 months, to the enterprise",
            compute_work_based,
            EMPLOYER,
            (*COMMON_CHECKS, "exclusive_subsidy", "class_scheme"),
            schemes=frozenset({"work_based"}),
            parameters=(
                "work_based_month_fen",
                "work_based_months_max",
                "work_based_groups_insured_employer",
                "work_based_groups_any_employer",
            ),
        ),
        SubsidyRule(
            "technician_research",
            "四.5",
            "技师/高级技师 研修 project training passed, to the enterprise or school",
            compute_technician_research,
            Payee(frozenset({"enterprise", "school"})),
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS + CERTIFICATE_IF_ANY,
            schemes=frozenset({"technician_research", "project"}),
            parameters=("technician_research_fen",),
        ),
        SubsidyRule(
            "apprenticeship",
            "四.6",
            "新型学徒制 per apprentice per year by level reached, to the employer",
            compute_apprenticeship,
            EMPLOYER,
            COMMON_CHECKS
            + TRAINING_LIMIT_CHECKS
            + CLASS_CHECKS
            + ("certificate_holder", "certificate_local"),
            schemes=frozenset({"apprenticeship"}),
            parameters=("apprenticeship_year_fen",),
        ),
        SubsidyRule(
            "special_operation",
            "六",
            "特种作业操作证 / 特种设备作业人员证, at most 800, the cost if lower",
            compute_special_operation,
            Payee(frozenset({PERSON})),
            COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CERTIFICATE_CHECKS,
            payee_enterprise_paid=EMPLOYER,
            certificate_kinds=frozenset({"special_operation", "special_equipment"}),
            parameters=("special_operation_fen_max",),
        ),
        SubsidyRule(
            "school_graduate",
            "七",
            "to the school, per graduate employed and insured 6 months or more, by level",
            compute_school_graduate,
            Payee(frozenset({"school"})),
            (*COMMON_CHECKS, "certificate_holder", "certificate_unclaimed"),
            parameters=("school_graduate_fen", "school_graduate_insured_months_min"),
        ),
        SubsidyRule(
            "living_allowance",
            "十三",
            "per training day, the previous year's monthly 低保 standard / 30, to the person",
            compute_living_allowance,
            Payee(frozenset({PERSON})),
            (*COMMON_CHECKS, "enrolled", "attendance"),
            parameters=(
                "living_allowance_monthly_fen",
                "living_allowance_days_per_month",
                "living_allowance_groups",
                "living_allowance_rural_groups",
            ),
        ),
    )
}

_CATALOG = "the rate is set by the annual 《职业培训补贴目录和补贴标准》, which is not encoded"
UNPROVIDED: dict[str, Unprovided] = {
    entry.subsidy: entry
    for entry in (
        Unprovided("on_the_job", "no_rate", "四.3", f"在岗培训: {_CATALOG}"),
        Unprovided("transfer", "no_rate", "四.3", f"转业转岗培训: {_CATALOG}"),
        Unprovided("employment_skills", "no_rate", "五.1", f"重点群体就业技能培训: {_CATALOG}"),
        Unprovided(
            "project", "no_rate", "十四", f"项目制培训 (advance allowed by 十四): {_CATALOG}"
        ),
        Unprovided(
            "certificate", "subsidy_not_provided", "", f"{DOCUMENT} pays no exam-organiser subsidy"
        ),
        Unprovided("order_class", "subsidy_not_provided", "", f"{DOCUMENT} pays no 订单班 subsidy"),
        Unprovided(
            "employment_service",
            "subsidy_not_provided",
            "",
            f"{DOCUMENT} pays no employment-service subsidy",
        ),
    )
}

KUNSHAN_2020 = register(
    RulePack(
        jurisdiction="kunshan",
        version="2020-05-14",
        document=DOCUMENT,
        # The plan implements the 2019–2021 provincial action (preamble, 一) and funds
        # trainings from 2019; see docs/rules.md, Readings.
        effective_from=date(2019, 1, 1),
        effective_to=date(2021, 12, 31),
        parameters=PARAMETERS,
        rules=RULES,
        unprovided=UNPROVIDED,
        check_clauses={
            "pensioner": "十四",
            "annual_limit": "十四",
            "same_occupation_level": "十四",
            "exclusive_subsidy": "四.2",
            "certificate_holder": "十四",
            "certificate_unclaimed": "十四",
            "certificate_unclaimed:skill_upgrade": "四.4",
            "certificate_local": "十四",
            "attendance": "十",
            "institution_banned": "十六",
        },
        exclusive={"work_based": "pre_job", "pre_job": "work_based"},
    )
)
