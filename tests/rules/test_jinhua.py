"""Jinhua's subsidies (金人社发〔2020〕1号, attachment 3 for 市区), every figure at its
boundaries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules import assess
from rules.facts import ClaimFacts
from rules.jinhua import JINHUA_2020
from tests.rules.conftest import ACME, Factory, codes

DOC = "金人社发〔2020〕1号"
SCHOOL_ID = "12330702MB1SCHOOL1"


def claim(make: Factory, subsidy: str, **overrides: Any) -> ClaimFacts:
    """A Jinhua claim by a 市区 resident, unless `person` says otherwise."""
    fields: dict[str, Any] = {
        "jurisdiction": "jinhua",
        "person": make.person(jurisdiction="jinhua"),
    }
    return make.claim(subsidy, **{**fields, **overrides})


# 附件3 一.1 eligibility --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("jurisdiction", "insured_months", "approved"),
    [
        ("jinhua", 0, True),
        ("kunshan", 5, False),
        ("kunshan", 6, True),
        ("yuncheng", 60, True),
    ],
)
def test_certificate_training_needs_residence_or_six_insured_months(
    make: Factory, jurisdiction: str, insured_months: int, approved: bool
) -> None:
    person = make.person(jurisdiction=jurisdiction, insured_months=insured_months)

    decision = assess(claim(make, "skill_upgrade", person=person))

    assert decision.approved is approved
    if not approved:
        assert codes(decision) == ["insufficient_insured_months"]
        assert (decision.reasons[0].check, decision.reasons[0].citation) == (
            "ELIG-02",
            f"{DOC} 附件3 一.1",
        )


def test_a_pensioner_is_outside_the_subsidy(make: Factory) -> None:
    person = make.person(jurisdiction="jinhua", pensioner=True)

    decision = assess(claim(make, "skill_upgrade", person=person))

    assert (codes(decision), decision.reasons[0].citation) == (["pensioner"], f"{DOC} 附件3 一.1")


# 附件3 一.2 certificate training ------------------------------------------------------------

LEVELS_YUAN = [
    ("junior", 800, 1040),
    ("intermediate", 900, 1170),
    ("senior", 2000, 2600),
    ("technician", 2500, 3250),
    ("senior_technician", 3000, 3900),
]


@pytest.mark.parametrize(("level", "yuan", "shortage_yuan"), LEVELS_YUAN)
def test_certificate_training_pays_the_person_by_level(
    make: Factory, level: str, yuan: int, shortage_yuan: int
) -> None:
    decision = assess(claim(make, "skill_upgrade", certificate=make.certificate(level=level)))

    assert (decision.amount_fen, decision.rule_id) == (yuan * 100, "jinhua.skill_upgrade")
    assert decision.citations == (f"{DOC} 附件3 一.2",)


@pytest.mark.parametrize(("level", "yuan", "shortage_yuan"), LEVELS_YUAN)
def test_certificate_training_in_a_shortage_occupation_pays_thirty_percent_more(
    make: Factory, level: str, yuan: int, shortage_yuan: int
) -> None:
    facts = claim(
        make,
        "skill_upgrade",
        certificate=make.certificate(level=level),
        shortage_occupations=frozenset({"electrician"}),
        shortage_catalog_id="JH-JQ-2020",
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (
        shortage_yuan * 100,
        "jinhua.skill_upgrade.shortage",
    )
    assert decision.inputs["shortage_catalog_id"] == "JH-JQ-2020"


@pytest.mark.parametrize(("shortage", "yuan"), [(False, 600), (True, 780)])
def test_a_special_ability_certificate_pays_600_whatever_its_level(
    make: Factory, shortage: bool, yuan: int
) -> None:
    facts = claim(
        make,
        "skill_upgrade",
        certificate=make.certificate(kind="special_ability", level=None),
        shortage_occupations=frozenset({"electrician"} if shortage else set()),
    )

    assert assess(facts).amount_fen == yuan * 100


@pytest.mark.parametrize("kind", ["special_operation", "special_equipment", "training_completion"])
def test_certificate_training_pays_no_other_certificate(make: Factory, kind: str) -> None:
    facts = claim(make, "skill_upgrade", certificate=make.certificate(kind=kind))

    assert codes(assess(facts)) == ["certificate_required"]


def test_a_self_evaluating_enterprise_is_paid_for_its_staff(make: Factory) -> None:
    facts = claim(
        make,
        "skill_upgrade",
        beneficiary=make.enterprise(),
        enterprise_paid=True,
        certificate=make.certificate(issuer_id=ACME),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (
        200_000,
        "jinhua.skill_upgrade.enterprise_paid",
    )


def test_an_enterprise_that_did_not_evaluate_its_staff_is_not_paid(make: Factory) -> None:
    facts = claim(make, "skill_upgrade", beneficiary=make.enterprise(), enterprise_paid=True)

    assert codes(assess(facts)) == ["wrong_beneficiary"]


def test_staff_of_a_self_evaluating_enterprise_get_no_individual_subsidy(make: Factory) -> None:
    facts = claim(make, "skill_upgrade", certificate=make.certificate(issuer_id=ACME))

    decision = assess(facts)

    assert codes(decision) == ["exclusive_subsidy"]
    assert (decision.reasons[0].check, decision.reasons[0].citation) == (
        "LIM-04",
        f"{DOC} 附件3 一.2",
    )


def test_the_enterprise_and_its_employee_cannot_both_claim_one_certificate(make: Factory) -> None:
    facts = claim(
        make,
        "skill_upgrade",
        beneficiary=make.enterprise(),
        enterprise_paid=True,
        certificate=make.certificate(issuer_id=ACME),
        limits=make.limits(certificate_claim_id="CL-EMPLOYEE"),
    )

    decision = assess(facts)

    assert codes(decision) == ["certificate_already_claimed"]
    assert decision.reasons[0].citation == f"{DOC} 附件3 一.2"


# 附件3 二.2 project-based training ----------------------------------------------------------


def project(make: Factory, hours: int, paid: Any = None, **overrides: Any) -> ClaimFacts:
    paid = paid if paid is not None else make.enterprise()
    return claim(
        make,
        "project",
        beneficiary=paid,
        klass=make.klass(scheme="project", class_hours=hours, institution_id=paid.institution_id),
        training=make.training(attended_minutes=hours * 60),
        **overrides,
    )


@pytest.mark.parametrize(("hours", "yuan"), [(20, 600), (26, 780), (27, 800), (40, 800)])
def test_an_enterprise_project_pays_30_a_class_hour_up_to_800(
    make: Factory, hours: int, yuan: int
) -> None:
    decision = assess(project(make, hours))

    assert (decision.amount_fen, decision.rule_id) == (yuan * 100, "jinhua.project.enterprise")
    assert decision.citations == (f"{DOC} 附件3 二.2",)


@pytest.mark.parametrize(("hours", "approved"), [(19, False), (20, True)])
def test_an_enterprise_project_session_has_at_least_20_class_hours(
    make: Factory, hours: int, approved: bool
) -> None:
    decision = assess(project(make, hours))

    assert decision.approved is approved
    if not approved:
        assert (codes(decision), decision.reasons[0].check) == (["class_below_minimum"], "TRN-03")


@pytest.mark.parametrize("reason", ["trade_friction", "key_manufacturing"])
@pytest.mark.parametrize(("hours", "yuan"), [(20, 780), (40, 1040)])
def test_an_enterprise_on_the_uplift_list_gets_thirty_percent_more(
    make: Factory, reason: str, hours: int, yuan: int
) -> None:
    facts = project(make, hours, uplift_enterprises={ACME: reason}, uplift_catalog_id="JH-SF-2020")

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (
        yuan * 100,
        "jinhua.project.enterprise.uplift",
    )
    assert decision.inputs["uplift_catalog_id"] == "JH-SF-2020"
    assert decision.inputs["uplift_reason"] == reason


def test_an_enterprise_project_pays_for_its_own_staff_only(make: Factory) -> None:
    facts = project(make, 20, person=make.person(jurisdiction="jinhua", employer_id="OTHER"))

    assert codes(assess(facts)) == ["wrong_beneficiary"]


@pytest.mark.parametrize("kind", ["school", "training_org", "department"])
@pytest.mark.parametrize(("hours", "yuan"), [(8, 200), (19, 475), (20, 500), (40, 500)])
def test_a_project_of_a_school_body_or_department_pays_25_a_class_hour_up_to_500(
    make: Factory, kind: str, hours: int, yuan: int
) -> None:
    organiser = make.enterprise(institution_id=SCHOOL_ID, kind=kind)

    decision = assess(project(make, hours, organiser))

    assert (decision.amount_fen, decision.rule_id) == (yuan * 100, "jinhua.project.organisation")


def test_the_uplift_is_for_enterprises_training_their_staff(make: Factory) -> None:
    organiser = make.enterprise(institution_id=SCHOOL_ID, kind="school")

    decision = assess(
        project(make, 40, organiser, uplift_enterprises={SCHOOL_ID: "trade_friction"})
    )

    assert decision.amount_fen == 50_000


def test_a_project_is_paid_to_who_ran_the_class(make: Factory) -> None:
    facts = make.paid_to(project(make, 20), make.school())

    assert codes(assess(facts)) == ["wrong_beneficiary"]


def test_a_special_operation_review_pays_100_to_who_ran_it(make: Factory) -> None:
    school = make.enterprise(institution_id=SCHOOL_ID, kind="school")
    facts = claim(
        make,
        "special_operation",
        beneficiary=school,
        klass=make.klass(scheme="safety", institution_id=SCHOOL_ID),
        training=make.training(),
        certificate=make.certificate(kind="special_operation", level=None),
        certificate_no="E-1",
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (10_000, (f"{DOC} 附件3 二.2",))


# 附件3 三 apprenticeship -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost_yuan", "paid_yuan"), [(1, 1), (5999, 5999), (6000, 6000), (6001, 6000)]
)
def test_an_employee_apprentice_pays_the_cost_up_to_6000(
    make: Factory, cost_yuan: int, paid_yuan: int
) -> None:
    decision = assess(claim(make, "apprenticeship", amount_fen=cost_yuan * 100))

    assert (decision.amount_fen, decision.rule_id) == (
        paid_yuan * 100,
        "jinhua.apprenticeship.employee",
    )


@pytest.mark.parametrize(("cost_yuan", "paid_yuan"), [(7000, 7000), (7800, 7800), (7801, 7800)])
def test_an_employee_apprentice_at_key_manufacturing_has_the_cap_raised_30_percent(
    make: Factory, cost_yuan: int, paid_yuan: int
) -> None:
    facts = claim(
        make,
        "apprenticeship",
        amount_fen=cost_yuan * 100,
        uplift_enterprises={ACME: "key_manufacturing"},
        uplift_catalog_id="JH-SF-2020",
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.inputs["uplift_catalog_id"]) == (
        paid_yuan * 100,
        "JH-SF-2020",
    )


def test_trade_friction_alone_does_not_raise_the_apprenticeship_cap(make: Factory) -> None:
    facts = claim(
        make, "apprenticeship", amount_fen=700_000, uplift_enterprises={ACME: "trade_friction"}
    )

    assert assess(facts).amount_fen == 600_000


@pytest.mark.parametrize(("cost_yuan", "paid_yuan"), [(2999, 2999), (3000, 3000), (3001, 3000)])
def test_a_student_apprentice_pays_the_cost_up_to_3000_without_uplift(
    make: Factory, cost_yuan: int, paid_yuan: int
) -> None:
    student = make.person(jurisdiction="jinhua", employer_id=None, groups=frozenset())
    facts = claim(
        make,
        "apprenticeship",
        person=student,
        amount_fen=cost_yuan * 100,
        uplift_enterprises={ACME: "key_manufacturing"},
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (
        paid_yuan * 100,
        "jinhua.apprenticeship.student",
    )


def test_an_apprenticeship_claim_needs_the_actual_cost(make: Factory) -> None:
    assert codes(assess(claim(make, "apprenticeship"))) == ["amount_missing"]


# The pack ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "in_force"),
    [
        (date(2020, 1, 4), False),
        (date(2020, 1, 5), True),
        (date(2021, 12, 31), True),
        (date(2022, 1, 1), False),
    ],
)
def test_the_plan_is_in_force_from_its_issue(make: Factory, on: date, in_force: bool) -> None:
    decision = assess(claim(make, "skill_upgrade", training_date=on))

    assert (decision.pack == JINHUA_2020.label) is in_force


@pytest.mark.parametrize(
    ("subsidy", "code"),
    [
        ("living_allowance", "no_rate"),
        ("pre_job", "subsidy_not_provided"),
        ("on_the_job", "subsidy_not_provided"),
        ("transfer", "subsidy_not_provided"),
        ("safety", "subsidy_not_provided"),
        ("employment_skills", "subsidy_not_provided"),
        ("certificate", "subsidy_not_provided"),
        ("work_based", "subsidy_not_provided"),
        ("technician_research", "subsidy_not_provided"),
        ("order_class", "subsidy_not_provided"),
        ("employment_service", "subsidy_not_provided"),
        ("school_graduate", "subsidy_not_provided"),
    ],
)
def test_a_subsidy_jinhua_does_not_pay_is_rejected_saying_so(
    make: Factory, subsidy: str, code: str
) -> None:
    decision = assess(claim(make, subsidy))

    assert codes(decision) == [code]
    assert decision.reasons[0].citation.startswith(DOC)
