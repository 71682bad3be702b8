"""Linkou's subsidies (林政办规〔2019〕4号), every figure at its boundaries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules import assess
from rules.facts import ClaimFacts, EmploymentFacts, TrainingStandardFacts
from rules.linkou import LINKOU_2019
from tests.rules.conftest import Factory, codes

DOC = "林政办规〔2019〕4号"
FEES = TrainingStandardFacts("electrician", None, 80_000, 20_000)  # 800 + 200 yuan.


def claim(make: Factory, subsidy: str, **overrides: Any) -> ClaimFacts:
    return make.claim(subsidy, jurisdiction="linkou", **overrides)


# 四.二.1 enterprise staff training and apprenticeship -------------------------------------

LEVELS_YUAN = [
    ("junior", 1000, 1200),
    ("intermediate", 1500, 1800),
    ("senior", 2000, 2500),
    ("technician", 2500, 3500),
    ("senior_technician", 3000, 4500),
]


@pytest.mark.parametrize(("level", "yuan", "shortage_yuan"), LEVELS_YUAN)
def test_staff_training_pays_the_enterprise_by_level(
    make: Factory, level: str, yuan: int, shortage_yuan: int
) -> None:
    facts = claim(
        make,
        "skill_upgrade",
        beneficiary=make.enterprise(),
        certificate=make.certificate(level=level),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (yuan * 100, "linkou.skill_upgrade")
    assert decision.citations == (f"{DOC} 四.二.1",)


@pytest.mark.parametrize(("level", "yuan", "shortage_yuan"), LEVELS_YUAN)
def test_staff_training_in_a_shortage_occupation_pays_its_own_table(
    make: Factory, level: str, yuan: int, shortage_yuan: int
) -> None:
    facts = claim(
        make,
        "skill_upgrade",
        beneficiary=make.enterprise(),
        certificate=make.certificate(level=level),
        shortage_occupations=frozenset({"electrician"}),
        shortage_catalog_id="LK-JQ-2020",
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (
        shortage_yuan * 100,
        "linkou.skill_upgrade.shortage",
    )
    assert decision.inputs["shortage_catalog_id"] == "LK-JQ-2020"


def test_staff_training_is_paid_to_the_enterprise_not_the_person(make: Factory) -> None:
    assert codes(assess(claim(make, "skill_upgrade"))) == ["wrong_beneficiary"]


def test_staff_training_is_paid_to_the_persons_employer(make: Factory) -> None:
    other = make.enterprise(institution_id="91231025MA1OTHER01")

    assert codes(assess(claim(make, "skill_upgrade", beneficiary=other))) == ["wrong_beneficiary"]


@pytest.mark.parametrize("level", ["intermediate", "senior_technician"])
def test_apprenticeship_pays_the_4000_floor_a_year_at_any_level(make: Factory, level: str) -> None:
    facts = claim(make, "apprenticeship", klass=make.klass(scheme="apprenticeship", level=level))

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (400_000, (f"{DOC} 四.二.1",))


# 四.二.2 pre-job, safety and transfer ------------------------------------------------------


@pytest.mark.parametrize(
    ("subsidy", "scheme", "yuan"),
    [
        ("pre_job", "pre_job", 1000),
        ("safety", "safety", 1000),
        ("safety", "pre_job", 1000),
        ("transfer", "transfer", 1500),
    ],
)
def test_pre_job_safety_and_transfer_pay_the_enterprise(
    make: Factory, subsidy: str, scheme: str, yuan: int
) -> None:
    facts = claim(
        make,
        subsidy,
        beneficiary=make.enterprise(),
        klass=make.klass(scheme=scheme),
        training=make.training(),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (yuan * 100, (f"{DOC} 四.二.2",))


def test_pre_job_is_paid_for_a_passed_trainee(make: Factory) -> None:
    facts = claim(make, "pre_job", training=make.training(passed=False))

    assert codes(assess(facts)) == ["training_not_passed"]


# 四.二.3 以工代训 --------------------------------------------------------------------------


@pytest.mark.parametrize(("used", "months", "paid"), [(0, 1, 1), (0, 6, 6), (0, 7, 6), (5, 3, 1)])
def test_work_based_training_pays_500_a_month_for_at_most_6_months(
    make: Factory, used: int, months: int, paid: int
) -> None:
    facts = claim(
        make, "work_based", months=months, limits=make.limits(work_based_months_used=used)
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.inputs["months_paid"]) == (paid * 50_000, paid)


def test_work_based_training_after_6_months_is_exhausted(make: Factory) -> None:
    facts = claim(make, "work_based", limits=make.limits(work_based_months_used=6))

    assert codes(assess(facts)) == ["months_exhausted"]


def test_a_poor_labourer_qualifies_at_any_employer(make: Factory) -> None:
    facts = claim(
        make,
        "work_based",
        person=make.person(groups=frozenset({"poverty_registered"})),
        beneficiary=make.enterprise(insured=False),
    )

    decision = assess(facts)

    assert (decision.approved, decision.citations) == (True, (f"{DOC} 四.二.3",))


def test_a_hardship_hire_qualifies_at_an_insured_enterprise_only(make: Factory) -> None:
    facts = claim(make, "work_based", beneficiary=make.enterprise(insured=False))

    assert codes(assess(facts)) == ["wrong_beneficiary"]


def test_low_income_alone_does_not_qualify_for_work_based_training(make: Factory) -> None:
    facts = claim(make, "work_based", person=make.person(groups=frozenset({"low_income"})))

    assert codes(assess(facts)) == ["not_in_target_group"]


def test_work_based_training_and_pre_job_do_not_exclude_each_other_in_linkou(
    make: Factory,
) -> None:
    facts = claim(make, "work_based", limits=make.limits(exclusive_claimed="pre_job"))

    assert assess(facts).approved


# 四.三 living allowance --------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups",
    [
        {"poverty_registered"},
        {"hardship"},
        {"zero_employment_family"},
        {"school_leaver", "farmer"},
        {"school_leaver", "rural_migrant"},
        {"school_leaver", "low_income"},
    ],
)
@pytest.mark.parametrize(("days", "yuan"), [(1, 15), (10, 150), (11, 150)])
def test_the_living_allowance_pays_15_a_day_to_the_listed_groups(
    make: Factory, groups: set[str], days: int, yuan: int
) -> None:
    facts = claim(make, "living_allowance", person=make.person(groups=frozenset(groups)), days=days)

    assert assess(facts).amount_fen == yuan * 100


@pytest.mark.parametrize("groups", [{"low_income"}, {"school_leaver"}, {"unemployed"}])
def test_the_living_allowance_is_not_for_other_groups(make: Factory, groups: set[str]) -> None:
    facts = claim(make, "living_allowance", person=make.person(groups=frozenset(groups)))

    assert codes(assess(facts)) == ["not_in_target_group"]


def test_the_living_allowance_is_paid_while_drawing_unemployment_benefit(make: Factory) -> None:
    person = make.person(groups=frozenset({"hardship"}), unemployment_benefit=True)

    assert assess(claim(make, "living_allowance", person=person)).approved


# 四.一 free training of key groups, at the fee standard --------------------------------------


def free_training(make: Factory, subsidy: str, group: str, **overrides: Any) -> ClaimFacts:
    fields: dict[str, Any] = {
        "beneficiary": make.enterprise(kind="training_org"),
        "person": make.person(groups=frozenset({group})),
        "klass": make.klass(scheme="project" if subsidy == "project" else "employment_skills"),
        "training": make.training(),
        "training_standard": FEES,
        "training_standards_catalog_id": "LK-ML-2020",
    }
    return claim(make, subsidy, **{**fields, **overrides})


@pytest.mark.parametrize(
    ("cost_fen", "paid_fen"),
    [(None, 100_000), (99_999, 99_999), (100_000, 100_000), (100_001, 100_000)],
)
def test_key_groups_training_pays_the_fee_standard_or_the_cost_if_lower(
    make: Factory, cost_fen: int | None, paid_fen: int
) -> None:
    decision = assess(free_training(make, "employment_skills", "unemployed", amount_fen=cost_fen))

    assert (decision.amount_fen, decision.citations) == (paid_fen, (f"{DOC} 四.一.1",))
    assert decision.inputs["training_standards_catalog_id"] == "LK-ML-2020"


def test_key_groups_training_may_be_paid_to_the_trainee(make: Factory) -> None:
    facts = free_training(make, "employment_skills", "veteran", beneficiary="person")

    assert assess(facts).amount_fen == 100_000


def test_key_groups_training_without_a_fee_standard_has_no_rate(make: Factory) -> None:
    facts = free_training(make, "employment_skills", "unemployed", training_standard=None)

    assert codes(assess(facts)) == ["no_rate"]


@pytest.mark.parametrize(
    ("group", "approved"), [("overcapacity_worker", True), ("unemployed", False)]
)
def test_project_training_is_for_poor_overcapacity_and_veteran_trainees(
    make: Factory, group: str, approved: bool
) -> None:
    decision = assess(free_training(make, "project", group))

    assert decision.approved is approved
    assert approved or codes(decision) == ["not_in_target_group"]


def test_project_training_is_paid_to_who_ran_it_not_the_person(make: Factory) -> None:
    facts = free_training(make, "project", "veteran", beneficiary="person")

    assert codes(assess(facts)) == ["wrong_beneficiary"]


# 四.四.3 employment service ----------------------------------------------------------------


def service(make: Factory, employed_on: date | None, **overrides: Any) -> ClaimFacts:
    jobs = (EmploymentFacts("JOB-1", "91231025MA1EMPLOY1", employed_on),) if employed_on else ()
    fields: dict[str, Any] = {
        "beneficiary": make.enterprise(kind="training_org"),
        "person": make.person(groups=frozenset({"unemployed"}), employer_id=None),
        "klass": make.klass(scheme="employment_skills"),
        "training": make.training(),
        "employments": jobs,
    }
    return claim(make, "employment_service", **{**fields, **overrides})


@pytest.mark.parametrize(
    ("employed_on", "approved"),
    [
        (date(2020, 6, 29), False),
        (date(2020, 6, 30), True),
        (date(2020, 12, 30), True),
        (date(2020, 12, 31), False),
        (None, False),
    ],
)
def test_employment_service_pays_200_for_a_placement_within_6_months_of_training(
    make: Factory, employed_on: date | None, approved: bool
) -> None:
    decision = assess(service(make, employed_on))

    assert decision.approved is approved
    if approved:
        assert (decision.amount_fen, decision.inputs["employment_id"]) == (20_000, "JOB-1")
    else:
        assert codes(decision) == ["not_placed"]


def test_employment_service_is_for_key_group_trainees(make: Factory) -> None:
    facts = service(make, date(2020, 8, 1), person=make.person(groups=frozenset()))

    assert codes(assess(facts)) == ["not_in_target_group"]


def test_employment_service_is_paid_to_who_ran_the_class(make: Factory) -> None:
    other = make.enterprise(institution_id="52231025MJ1TRAIN02", kind="training_org")

    assert codes(assess(service(make, date(2020, 8, 1), beneficiary=other))) == [
        "wrong_beneficiary"
    ]


def test_employment_service_needs_a_completed_training(make: Factory) -> None:
    facts = service(make, date(2020, 8, 1), training=make.training(completed=False))

    assert codes(assess(facts)) == ["training_not_passed"]


# The pack ---------------------------------------------------------------------------------


def test_the_advance_is_a_floor_not_a_cap() -> None:
    assert "advance_percent_max" not in LINKOU_2019.parameters
    assert (
        LINKOU_2019.figure("advance_percent_min"),
        LINKOU_2019.figure("advance_percent_min_overcapacity"),
    ) == (50, 70)


@pytest.mark.parametrize(
    ("on", "in_force"),
    [
        (date(2018, 12, 31), False),
        (date(2019, 1, 1), True),
        (date(2021, 12, 31), True),
        (date(2022, 1, 1), False),
    ],
)
def test_the_pack_covers_2019_to_2021(make: Factory, on: date, in_force: bool) -> None:
    decision = assess(claim(make, "pre_job", training_date=on))

    assert (decision.pack == LINKOU_2019.label) is in_force


@pytest.mark.parametrize(
    "subsidy",
    [
        "on_the_job",
        "technician_research",
        "special_operation",
        "certificate",
        "order_class",
        "school_graduate",
    ],
)
def test_a_subsidy_linkou_does_not_pay_is_rejected_saying_so(make: Factory, subsidy: str) -> None:
    decision = assess(claim(make, subsidy))

    assert codes(decision) == ["subsidy_not_provided"]
    assert decision.reasons[0].citation.startswith(DOC)
