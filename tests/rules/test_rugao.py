"""Rugao's subsidies (皋政办发〔2019〕194号), every figure at its boundaries.

Most are percentages of the 《目录》 standard (training + appraisal) in force, a
`training_standards` catalog; the decision records which catalog it used."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from rules import assess
from rules.facts import ClaimFacts, EmploymentFacts, TrainingStandardFacts
from rules.rugao import RUGAO_2019
from tests.rules.conftest import ACME, SCHOOL, Factory, codes

DOC = "皋政办发〔2019〕194号"
# 1,234.57 + 200.00 yuan: the odd fen shows the floor.
STANDARD = TrainingStandardFacts("electrician", "senior", 123_457, 20_000)
CATALOG = "RG-ML-2020"
SHORTAGE = {"shortage_occupations": frozenset({"electrician"}), "shortage_catalog_id": "RG-JQ"}


def claim(make: Factory, subsidy: str, **overrides: Any) -> ClaimFacts:
    """A Rugao claim with the 《目录》 row of a senior electrician in force."""
    fields: dict[str, Any] = {
        "jurisdiction": "rugao",
        "training_standard": STANDARD,
        "training_standards_catalog_id": CATALOG,
        "class_institution": make.enterprise(jurisdiction="rugao"),
    }
    return make.claim(subsidy, **{**fields, **overrides})


# 四.4 skill upgrade ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shortage", "paid_fen", "rule_id"),
    [(False, 71_728, "rugao.skill_upgrade"), (True, 93_247, "rugao.skill_upgrade.shortage")],
)
def test_skill_upgrade_pays_half_the_standard_and_thirty_percent_more_in_shortage(
    make: Factory, shortage: bool, paid_fen: int, rule_id: str
) -> None:
    facts = claim(make, "skill_upgrade", **(SHORTAGE if shortage else {}))

    decision = assess(facts)

    # 143457 × 50% = 71728.5 → 71728; × 130% = 93247.05 → 93247 (one floor, at the end).
    assert (decision.amount_fen, decision.rule_id) == (paid_fen, rule_id)
    assert decision.inputs["training_standards_catalog_id"] == CATALOG
    assert decision.citations == (f"{DOC} 四.4",)


@pytest.mark.parametrize(("months", "approved"), [(11, False), (12, True)])
def test_skill_upgrade_needs_12_months_of_unemployment_insurance(
    make: Factory, months: int, approved: bool
) -> None:
    decision = assess(claim(make, "skill_upgrade", person=make.person(insured_months=months)))

    assert decision.approved is approved
    assert approved or codes(decision) == ["insufficient_insured_months"]


@pytest.mark.parametrize(
    ("issued", "approved"), [(date(2018, 12, 31), False), (date(2019, 1, 1), True)]
)
def test_skill_upgrade_counts_certificates_from_2019(
    make: Factory, issued: date, approved: bool
) -> None:
    facts = claim(make, "skill_upgrade", certificate=make.certificate(issued_on=issued))

    decision = assess(facts)

    assert decision.approved is approved
    assert approved or codes(decision) == ["certificate_too_early"]


@pytest.mark.parametrize(
    ("level", "approved"),
    [
        ("junior", True),
        ("intermediate", True),
        ("senior", True),
        ("technician", False),
        ("senior_technician", False),
    ],
)
def test_skill_upgrade_pays_the_first_three_levels_only(
    make: Factory, level: str, approved: bool
) -> None:
    standard = replace(STANDARD, level=level)
    facts = claim(
        make, "skill_upgrade", certificate=make.certificate(level=level), training_standard=standard
    )

    decision = assess(facts)

    assert decision.approved is approved
    assert approved or codes(decision) == ["subsidy_not_provided"]


def test_an_occupation_outside_the_catalog_has_no_rate(make: Factory) -> None:
    decision = assess(claim(make, "skill_upgrade", training_standard=None))

    assert codes(decision) == ["no_rate"]
    assert decision.inputs["training_standards_catalog_id"] == CATALOG


# 四.2 pre-job training ---------------------------------------------------------------------

HIRED = (EmploymentFacts("EMP-1", ACME, date(2019, 6, 30)),)
TRAINING_COMPLETION = {"kind": "training_completion", "level": "senior"}


def pre_job(make: Factory, **overrides: Any) -> ClaimFacts:
    fields: dict[str, Any] = {
        "beneficiary": "person",
        "employments": HIRED,
        "certificate": make.certificate(**TRAINING_COMPLETION),
        "certificate_no": "E-1",
    }
    return claim(make, "pre_job", **{**fields, **overrides})


@pytest.mark.parametrize(("shortage", "paid_fen"), [(False, 71_728), (True, 143_457)])
def test_pre_job_pays_half_the_standard_and_all_of_it_in_shortage(
    make: Factory, shortage: bool, paid_fen: int
) -> None:
    decision = assess(pre_job(make, **(SHORTAGE if shortage else {})))

    assert (decision.amount_fen, decision.citations) == (paid_fen, (f"{DOC} 四.2",))


@pytest.mark.parametrize(
    ("hired_on", "approved"),
    [
        (date(2019, 6, 29), False),
        (date(2019, 6, 30), True),
        (date(2020, 6, 30), True),
        (date(2020, 7, 1), False),
    ],
)
def test_pre_job_training_falls_within_12_months_of_the_hire(
    make: Factory, hired_on: date, approved: bool
) -> None:
    employments = (EmploymentFacts("EMP-1", ACME, hired_on),)

    decision = assess(pre_job(make, employments=employments))

    assert decision.approved is approved
    assert approved or codes(decision) == ["not_newly_hired"]


def test_pre_job_may_be_paid_to_the_employer_that_organised_it(make: Factory) -> None:
    facts = pre_job(make, beneficiary=make.enterprise(), enterprise_paid=True)

    assert assess(facts).amount_fen == 71_728


@pytest.mark.parametrize("kind", ["special_ability", "training_completion"])
@pytest.mark.parametrize(("trainer_in", "approved"), [("rugao", True), ("nantong", False)])
def test_local_only_certificates_count_when_trained_at_a_rugao_institution(
    make: Factory, kind: str, trainer_in: str, approved: bool
) -> None:
    facts = pre_job(
        make,
        certificate=make.certificate(kind=kind, level="senior", issued_in="rugao"),
        class_institution=make.enterprise(jurisdiction=trainer_in),
    )

    decision = assess(facts)

    assert decision.approved is approved
    if not approved:
        assert [(r.code, r.check, r.citation) for r in decision.reasons] == [
            ("certificate_not_local", "ELIG-04", f"{DOC} 十三")
        ]


def test_pre_job_excludes_work_based_training(make: Factory) -> None:
    decision = assess(pre_job(make, limits=make.limits(exclusive_claimed="work_based")))

    assert (codes(decision), decision.reasons[0].citation) == (["exclusive_subsidy"], f"{DOC} 五.3")


# 四.3 on-the-job and transfer training -----------------------------------------------------


@pytest.mark.parametrize("subsidy", ["on_the_job", "transfer"])
@pytest.mark.parametrize(("shortage", "paid_fen"), [(False, 71_728), (True, 143_457)])
def test_on_the_job_and_transfer_pay_the_employer_half_the_standard(
    make: Factory, subsidy: str, shortage: bool, paid_fen: int
) -> None:
    facts = claim(
        make,
        subsidy,
        beneficiary=make.enterprise(),
        klass=make.klass(scheme=subsidy, level="senior"),
        training=make.training(),
        **(SHORTAGE if shortage else {}),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.inputs["standard_source"]) == (paid_fen, "catalog")


def test_outside_the_catalog_on_the_job_training_pays_half_the_actual_cost(make: Factory) -> None:
    facts = claim(
        make,
        "on_the_job",
        beneficiary=make.enterprise(),
        klass=make.klass(scheme="on_the_job", level="senior"),
        training=make.training(),
        training_standard=None,
        amount_fen=99_999,
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.inputs["standard_source"]) == (49_999, "actual_cost")


# 四.1 order classes -----------------------------------------------------------------------


def order_class(make: Factory, trainees: int, **overrides: Any) -> ClaimFacts:
    fields: dict[str, Any] = {
        "beneficiary": make.enterprise(),
        "klass": make.klass(scheme="order_class", enrolled_count=trainees, institution_id=SCHOOL),
        "class_institution": make.school(jurisdiction="rugao"),
        "training": make.training(),
        "amount_fen": 120_000,
    }
    return claim(make, "order_class", **{**fields, **overrides})


@pytest.mark.parametrize(("trainees", "approved"), [(19, False), (20, True)])
def test_an_order_class_has_at_least_20_trainees(
    make: Factory, trainees: int, approved: bool
) -> None:
    decision = assess(order_class(make, trainees))

    assert decision.approved is approved
    assert approved or (codes(decision), decision.reasons[0].check) == (
        ["class_below_minimum"],
        "TRN-03",
    )


@pytest.mark.parametrize(
    ("cost_fen", "paid_fen"), [(99_999, 99_999), (100_000, 100_000), (100_001, 100_000)]
)
def test_an_order_class_pays_the_cost_up_to_1000_a_trainee(
    make: Factory, cost_fen: int, paid_fen: int
) -> None:
    decision = assess(order_class(make, 20, amount_fen=cost_fen))

    assert (decision.amount_fen, decision.citations) == (paid_fen, (f"{DOC} 四.1",))


def test_an_order_class_is_held_at_a_vocational_school(make: Factory) -> None:
    decision = assess(order_class(make, 20, class_institution=make.enterprise()))

    assert codes(decision) == ["not_a_school_class"]


# 四.6 apprenticeship ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "yuan"),
    [("intermediate", 4000), ("senior", 5000), ("technician", 6000), ("senior_technician", 8000)],
)
def test_apprenticeship_pays_the_employer_by_level_reached(
    make: Factory, level: str, yuan: int
) -> None:
    facts = claim(make, "apprenticeship", klass=make.klass(scheme="apprenticeship", level=level))

    assert assess(facts).amount_fen == yuan * 100


def test_apprenticeship_pays_nothing_at_junior_level(make: Factory) -> None:
    facts = claim(make, "apprenticeship", klass=make.klass(scheme="apprenticeship", level="junior"))

    assert codes(assess(facts)) == ["subsidy_not_provided"]


# 五.2 registered unemployed: training subsidy and living allowance ---------------------------


def test_a_registered_unemployed_trainee_gets_the_full_standard(make: Factory) -> None:
    facts = claim(
        make,
        "employment_skills",
        person=make.person(groups=frozenset({"unemployed"})),
        klass=make.klass(scheme="employment_skills", level="senior"),
        training=make.training(),
        certificate=make.certificate(),
        certificate_no="E-1",
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (143_457, (f"{DOC} 五.2",))


def test_the_employment_skills_subsidy_is_for_registered_unemployed(make: Factory) -> None:
    facts = claim(
        make,
        "employment_skills",
        klass=make.klass(scheme="employment_skills", level="senior"),
        training=make.training(),
        certificate=make.certificate(),
        certificate_no="E-1",
    )

    assert codes(assess(facts)) == ["not_in_target_group"]


@pytest.mark.parametrize("groups", [{"unemployed", "hardship"}, {"poverty_registered"}])
def test_the_living_allowance_has_no_rate_in_the_text(make: Factory, groups: set[str]) -> None:
    person = make.person(groups=frozenset(groups))

    decision = assess(claim(make, "living_allowance", person=person))

    assert codes(decision) == ["no_rate"]


@pytest.mark.parametrize("groups", [{"hardship"}, {"unemployed"}, {"low_income"}])
def test_the_living_allowance_is_for_unemployed_hardship_and_poor_households(
    make: Factory, groups: set[str]
) -> None:
    decision = assess(claim(make, "living_allowance", person=make.person(groups=frozenset(groups))))

    assert "not_in_target_group" in codes(decision)


def test_no_living_allowance_while_drawing_unemployment_benefit(make: Factory) -> None:
    person = make.person(groups=frozenset({"poverty_registered"}), unemployment_benefit=True)

    decision = assess(claim(make, "living_allowance", person=person))

    assert decision.reasons[0].code == "unemployment_benefit"
    assert (decision.reasons[0].check, decision.reasons[0].citation) == ("ELIG-03", f"{DOC} 五.2")


def test_the_living_allowance_pays_days_times_a_rate_once_one_is_set(make: Factory) -> None:
    parameters = dict(RUGAO_2019.parameters)
    parameters["living_allowance_day_fen"] = replace(
        parameters["living_allowance_day_fen"], value=2_000
    )
    pack = replace(RUGAO_2019, parameters=parameters)
    person = make.person(groups=frozenset({"poverty_registered"}))

    decision = assess(claim(make, "living_allowance", person=person, days=10), [pack])

    assert decision.amount_fen == 20_000


# 五.3 以工代训 ----------------------------------------------------------------------------


def test_work_based_training_has_no_rate_in_the_text(make: Factory) -> None:
    assert codes(assess(claim(make, "work_based"))) == ["no_rate"]


def test_work_based_training_excludes_the_pre_job_subsidy(make: Factory) -> None:
    decision = assess(claim(make, "work_based", limits=make.limits(exclusive_claimed="pre_job")))

    assert codes(decision) == ["exclusive_subsidy", "no_rate"]


def test_work_based_training_is_for_the_listed_groups(make: Factory) -> None:
    decision = assess(claim(make, "work_based", person=make.person()))

    assert codes(decision) == ["not_in_target_group", "no_rate"]


# The pack ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "in_force"),
    [
        (date(2018, 12, 31), False),
        (date(2019, 1, 1), True),
        (date(2021, 12, 31), True),
        (date(2022, 1, 1), False),
    ],
)
def test_the_pack_covers_the_2019_to_2021_plan(make: Factory, on: date, in_force: bool) -> None:
    decision = assess(claim(make, "apprenticeship", training_date=on))

    assert (decision.pack == RUGAO_2019.label) is in_force


@pytest.mark.parametrize(
    ("subsidy", "code"),
    [
        ("special_operation", "no_rate"),
        ("safety", "no_rate"),
        ("project", "no_rate"),
        ("school_graduate", "no_rate"),
        ("technician_research", "subsidy_not_provided"),
        ("certificate", "subsidy_not_provided"),
        ("employment_service", "subsidy_not_provided"),
    ],
)
def test_a_subsidy_rugao_does_not_pay_is_rejected_saying_so(
    make: Factory, subsidy: str, code: str
) -> None:
    decision = assess(claim(make, subsidy))

    assert codes(decision) == [code]
    assert decision.reasons[0].citation.startswith(DOC)


def test_the_fund_and_the_advance_cap_are_the_texts() -> None:
    assert (RUGAO_2019.figure("fund_fen"), RUGAO_2019.figure("advance_percent_max")) == (
        7_000_000_000,
        50,
    )
    assert RUGAO_2019.cite_parameter("advance_percent_max") == f"{DOC} 十三"
