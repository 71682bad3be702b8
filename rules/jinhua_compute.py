"""Jinhua's compute functions: 金人社发〔2020〕1号, attachment 3 (金华市区职业技能培训补贴标准).

Clauses are cited as the text numbers them: "四.二" is 四（二） of the plan; "附件3 二.2" is
part 二, item 2 of attachment 3. The pack (figures, rules, registration) is rules/jinhua.py;
the readings are in docs/rules.md.
"""

from __future__ import annotations

from domain.decision import Decision, Reason
from rules.compute import (
    capped_cost,
    catalog_inputs,
    certificate_problem,
    class_minimum_reasons,
    clause_reason,
    level_amount,
    percent_of,
    rejection,
)
from rules.facts import ClaimFacts
from rules.pack import RulePack
from rules.subsidies import rule_id

DOCUMENT = "金人社发〔2020〕1号"
RESIDENT = "jinhua"


def eligibility_reasons(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """附件3 一.1 (二.1 参照): 市区 hukou or residence, else employed in 市区 with at least
    `non_resident_insured_months_min` months of social insurance (ELIG-02)."""
    if facts.person.jurisdiction == RESIDENT:
        return []
    months_min = pack.figure("non_resident_insured_months_min")
    if facts.person.insured_months >= months_min:
        return []
    message = (
        f"the person's hukou or residence is {facts.person.jurisdiction}, not {RESIDENT}, "
        f"and {facts.person.insured_months} insured months are fewer than {months_min}"
    )
    clause = "附件3 一.1"
    return [clause_reason(pack, clause, "insufficient_insured_months", message, "ELIG-02")]


def _self_evaluation_reasons(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """附件3 一.2: an enterprise that evaluates its own staff (自主评价) is paid for their
    certificates, and its staff get no individual subsidy (LIM-04). The certificate's issuer
    tells who evaluated."""
    certificate, clause = facts.certificate, "附件3 一.2"
    assert certificate is not None
    if facts.enterprise_paid:
        if certificate.issuer_id == facts.beneficiary_id:
            return []
        message = (
            f"{clause} pays an enterprise for its staff's certificates only where it evaluates "
            f"them itself; {certificate.certificate_no} was issued by {certificate.issuer_id}"
        )
        return [clause_reason(pack, clause, "wrong_beneficiary", message)]
    employer_id = facts.person.employer_id
    if employer_id is None or certificate.issuer_id != employer_id:
        return []
    message = (
        f"{certificate.certificate_no} was issued by the person's employer {employer_id}, which "
        "evaluates its own staff: the enterprise is paid, not the employee "
        "(不再发放职工个人培训补贴)"
    )
    return [clause_reason(pack, clause, "exclusive_subsidy", message, "LIM-04")]


def _skill_base(facts: ClaimFacts, pack: RulePack) -> tuple[int, str, list[Reason]]:
    """The base amount: 专项能力证书 600 whatever its level, else by the certificate's level."""
    assert facts.certificate is not None
    if facts.certificate.kind == "special_ability":
        return pack.figure("skill_upgrade_special_ability_fen"), "special_ability", []
    return level_amount(facts, pack, "skill_upgrade_fen", "附件3 一.2")


def compute_skill_upgrade(facts: ClaimFacts, pack: RulePack) -> Decision:
    """附件3 一.2: 高级技师 3000, 技师 2500, 高级工 2000, 中级工 900, 初级工 800, 专项能力 600;
    shortage occupations +30%. To the person's social-security card (一.3), or to the
    self-evaluating enterprise instead (enterprise_paid)."""
    special = facts.certificate is not None and facts.certificate.kind == "special_ability"
    problem = certificate_problem(facts, pack, "附件3 一.2", level_required=not special)
    if problem is not None:
        return rejection(pack, facts, problem)
    base_fen, level, reasons = _skill_base(facts, pack)
    reasons += eligibility_reasons(facts, pack) + _self_evaluation_reasons(facts, pack)
    if reasons:
        return rejection(pack, facts, *reasons, **catalog_inputs(facts, "shortage"))
    uplift = pack.figure("shortage_uplift_percent")
    shortage = facts.occupation in facts.shortage_occupations
    amount_fen = percent_of(base_fen, 100 + uplift) if shortage else base_fen
    branches = (("enterprise_paid", facts.enterprise_paid), ("shortage", shortage))
    variant = ".".join(name for name, taken in branches if taken)
    return Decision.approve(
        amount_fen,
        rule_id(pack, facts, variant),
        pack.cite("附件3 一.2"),
        level=level,
        base_fen=base_fen,
        shortage=shortage,
        shortage_uplift_percent=uplift,
        enterprise_paid=facts.enterprise_paid,
        **catalog_inputs(facts, "shortage"),
    )


def _project_rates(facts: ClaimFacts, pack: RulePack) -> tuple[str, int, int]:
    """附件3 二.2: (branch, per class-hour, cap) by who ran the class: an enterprise
    training its own staff, or a department, training body or school."""
    if facts.beneficiary is not None and facts.beneficiary.kind == "enterprise":
        return (
            "enterprise",
            pack.figure("project_enterprise_hour_fen"),
            pack.figure("project_enterprise_fen_max"),
        )
    return (
        "organisation",
        pack.figure("project_organisation_hour_fen"),
        pack.figure("project_organisation_fen_max"),
    )


def _own_staff_reasons(facts: ClaimFacts, pack: RulePack) -> list[Reason]:
    """附件3 二.2 "企业组织本单位员工培训": an enterprise is paid for its own staff only."""
    employer_id = facts.person.employer_id
    if employer_id is None or employer_id == facts.beneficiary_id:
        return []
    message = (
        f"附件3 二.2 pays an enterprise for training its own staff; the person's employer is "
        f"{employer_id}, not {facts.beneficiary_id}"
    )
    return [clause_reason(pack, "附件3 二.2", "wrong_beneficiary", message)]


def compute_project(facts: ClaimFacts, pack: RulePack) -> Decision:
    """附件3 二.2: class-hours × 30 yuan, at most 800, at least 20 class-hours a session, for an
    enterprise training its own staff (+30% where the enterprise is on the uplift list);
    class-hours × 25 yuan, at most 500, for departments, training bodies and schools."""
    reasons = eligibility_reasons(facts, pack)
    if facts.klass is None:
        message = "项目制 is paid per class-hour of a project class; the claim names no class"
        reasons.append(clause_reason(pack, "附件3 二.2", "not_enrolled", message, "TRN-01"))
        return rejection(pack, facts, *reasons)
    branch, hour_fen, cap_fen = _project_rates(facts, pack)
    hours = facts.klass.class_hours
    if branch == "enterprise":
        reasons += _own_staff_reasons(facts, pack)
        reasons += class_minimum_reasons(
            facts, pack, hours, "project_class_hours_min", "class-hours", "附件3 二.2"
        )
    uplift_reason = facts.uplift_enterprises.get(facts.beneficiary_id)
    uplift = (
        pack.figure("project_uplift_percent") if branch == "enterprise" and uplift_reason else 0
    )
    inputs: dict[str, object] = {"class_hours": hours, "hour_fen": hour_fen, "cap_fen": cap_fen}
    inputs |= {"uplift_percent": uplift, "uplift_reason": uplift_reason}
    inputs |= catalog_inputs(facts, "uplift")
    if reasons:
        return rejection(pack, facts, *reasons, **inputs)
    amount_fen = percent_of(min(hours * hour_fen, cap_fen), 100 + uplift)
    variant = f"{branch}.uplift" if uplift else branch
    return Decision.approve(
        amount_fen, rule_id(pack, facts, variant), pack.cite("附件3 二.2"), **inputs
    )


def compute_special_operation(facts: ClaimFacts, pack: RulePack) -> Decision:
    """附件3 二.2: 特种作业人员操作证复审培训, 100 yuan a person, to the department, training
    body or school that ran it."""
    problem = certificate_problem(facts, pack, "附件3 二.2")
    reasons = [problem] if problem is not None else []
    reasons += eligibility_reasons(facts, pack)
    if reasons:
        return rejection(pack, facts, *reasons)
    amount_fen = pack.figure("special_operation_review_fen")
    return Decision.approve(
        amount_fen,
        rule_id(pack, facts, "review"),
        pack.cite("附件3 二.2"),
        special_operation_review_fen=amount_fen,
    )


def _apprentice_cap(facts: ClaimFacts, pack: RulePack) -> tuple[str, int, int]:
    """附件3 三: (kind, cap, uplift %): an employee apprentice (the person has an employer)
    up to 6000 a year, +30% at a key manufacturing enterprise; a student apprentice 3000."""
    employee = facts.person.employer_id is not None or "enterprise_employee" in facts.person.groups
    if not employee:
        return "student", pack.figure("apprenticeship_student_fen_max"), 0
    key = facts.uplift_enterprises.get(facts.beneficiary_id) == "key_manufacturing"
    uplift = pack.figure("apprenticeship_uplift_percent") if key else 0
    return "employee", pack.figure("apprenticeship_employee_fen_max"), uplift


def compute_apprenticeship(facts: ClaimFacts, pack: RulePack) -> Decision:
    """附件3 三: per apprentice per year, the actual cost up to 6000 (employee apprentices) or
    3000 (student apprentices); the employee cap +30% at key manufacturing enterprises."""
    kind, cap_fen, uplift = _apprentice_cap(facts, pack)
    cap_fen = percent_of(cap_fen, 100 + uplift)
    amount_fen, reasons = capped_cost(facts, cap_fen, pack, "附件3 三")
    inputs: dict[str, object] = {"apprentice": kind, "cap_fen": cap_fen, "uplift_percent": uplift}
    inputs |= {"amount_claimed_fen": facts.amount_fen, **catalog_inputs(facts, "uplift")}
    if reasons:
        return rejection(pack, facts, *reasons, **inputs)
    variant = f"{kind}.uplift" if uplift else kind
    return Decision.approve(
        amount_fen, rule_id(pack, facts, variant), pack.cite("附件3 三"), **inputs
    )
