"""Yuncheng's subsidies (运政办发〔2020〕14号), every figure at its boundaries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from rules import assess
from rules.facts import ClaimFacts
from rules.yuncheng import YUNCHENG_2020
from tests.rules.conftest import Factory, codes

DOC = "运政办发〔2020〕14号"
ORG = "52140802MJ1TRAIN01"


def claim(make: Factory, subsidy: str, **overrides: Any) -> ClaimFacts:
    """A Yuncheng claim: the Kunshan factory's default claim, under Yuncheng's pack."""
    return make.claim(subsidy, jurisdiction="yuncheng", **overrides)


def training_org(make: Factory) -> Any:
    return make.enterprise(institution_id=ORG, kind="training_org", jurisdiction="yuncheng")


# 三.3 living allowance ----------------------------------------------------------------------

POOR = frozenset({"poverty_registered"})


@pytest.mark.parametrize(("days", "paid_yuan"), [(1, 15), (9, 135), (10, 150), (11, 150)])
def test_living_allowance_pays_15_a_day_of_training_up_to_the_class_days(
    make: Factory, days: int, paid_yuan: int
) -> None:
    facts = claim(make, "living_allowance", person=make.person(groups=POOR), days=days)

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (paid_yuan * 100, (f"{DOC} 三.3",))
    assert decision.inputs["days_paid"] == min(days, 10)


def test_living_allowance_is_for_poor_labourers_only(make: Factory) -> None:
    facts = claim(make, "living_allowance", person=make.person(groups=frozenset({"low_income"})))

    assert codes(assess(facts)) == ["not_in_target_group"]


@pytest.mark.parametrize("days", [None, 0])
def test_living_allowance_needs_days(make: Factory, days: int | None) -> None:
    facts = claim(make, "living_allowance", person=make.person(groups=POOR), days=days)

    assert codes(assess(facts)) == ["days_missing"]


def test_living_allowance_is_paid_to_the_person(make: Factory) -> None:
    facts = claim(
        make, "living_allowance", person=make.person(groups=POOR), beneficiary=make.enterprise()
    )

    assert codes(assess(facts)) == ["wrong_beneficiary"]


def test_living_allowance_is_not_paid_while_drawing_benefit_only_in_rugao(make: Factory) -> None:
    person = make.person(groups=POOR, unemployment_benefit=True)

    assert assess(claim(make, "living_allowance", person=person)).approved


# 三.13 enterprise staff training ------------------------------------------------------------


@pytest.mark.parametrize(
    ("subsidy", "scheme"), [("pre_job", "pre_job"), ("safety", "safety"), ("transfer", "transfer")]
)
def test_pre_job_safety_and_transfer_training_pay_the_enterprise_300(
    make: Factory, subsidy: str, scheme: str
) -> None:
    facts = claim(
        make,
        subsidy,
        beneficiary=make.enterprise(),
        klass=make.klass(scheme=scheme),
        training=make.training(),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (30_000, f"yuncheng.{subsidy}")
    assert decision.citations == (f"{DOC} 三.13",)


@pytest.mark.parametrize("subsidy", ["pre_job", "safety"])
def test_enterprise_training_is_paid_for_a_passed_class_of_its_scheme(
    make: Factory, subsidy: str
) -> None:
    facts = claim(
        make,
        subsidy,
        klass=make.klass(scheme="transfer"),
        training=make.training(passed=False),
    )

    assert codes(assess(facts)) == ["wrong_scheme", "training_not_passed"]


def test_enterprise_training_is_not_paid_to_the_person(make: Factory) -> None:
    assert codes(assess(claim(make, "pre_job", beneficiary="person"))) == ["wrong_beneficiary"]


def test_on_the_job_training_is_not_a_subsidy_of_its_own(make: Factory) -> None:
    decision = assess(claim(make, "on_the_job", beneficiary=make.enterprise()))

    assert codes(decision) == ["subsidy_not_provided"]
    assert decision.reasons[0].citation == f"{DOC} 三.13"


# 三.14 employment-skills training ----------------------------------------------------------

UNEMPLOYED = frozenset({"unemployed"})


@pytest.mark.parametrize(
    ("cost_fen", "paid_fen"), [(1, 1), (99_999, 99_999), (100_000, 100_000), (100_001, 100_000)]
)
def test_employment_skills_pays_the_cost_up_to_1000(
    make: Factory, cost_fen: int, paid_fen: int
) -> None:
    facts = claim(
        make,
        "employment_skills",
        person=make.person(groups=UNEMPLOYED),
        klass=make.klass(scheme="employment_skills"),
        training=make.training(),
        amount_fen=cost_fen,
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (paid_fen, (f"{DOC} 三.14",))


@pytest.mark.parametrize(
    "group", ["rural_migrant", "school_leaver", "college_graduate", "unemployed", "hardship"]
)
def test_employment_skills_is_for_the_key_groups(make: Factory, group: str) -> None:
    facts = claim(
        make,
        "employment_skills",
        person=make.person(groups=frozenset({group})),
        klass=make.klass(scheme="employment_skills"),
        training=make.training(),
        amount_fen=50_000,
    )

    assert assess(facts).approved


def test_employment_skills_is_not_for_other_groups(make: Factory) -> None:
    facts = claim(
        make,
        "employment_skills",
        klass=make.klass(scheme="employment_skills"),
        training=make.training(),
        amount_fen=50_000,
    )

    assert codes(assess(facts)) == ["not_in_target_group"]


@pytest.mark.parametrize(
    ("cost_fen", "code"), [(None, "amount_missing"), (0, "amount_not_positive")]
)
def test_employment_skills_needs_the_cost(make: Factory, cost_fen: int | None, code: str) -> None:
    facts = claim(
        make,
        "employment_skills",
        person=make.person(groups=UNEMPLOYED),
        klass=make.klass(scheme="employment_skills"),
        training=make.training(),
        amount_fen=cost_fen,
    )

    assert codes(assess(facts)) == [code]


def test_employment_skills_may_be_paid_to_the_body_that_ran_the_class(make: Factory) -> None:
    org = training_org(make)
    facts = claim(
        make,
        "employment_skills",
        beneficiary=org,
        person=make.person(groups=UNEMPLOYED),
        klass=make.klass(scheme="employment_skills", institution_id=ORG),
        training=make.training(),
        amount_fen=80_000,
    )

    assert assess(facts).approved


def test_employment_skills_is_not_paid_to_a_body_that_did_not_run_the_class(
    make: Factory,
) -> None:
    facts = claim(
        make,
        "employment_skills",
        beneficiary=training_org(make),
        person=make.person(groups=UNEMPLOYED),
        klass=make.klass(scheme="employment_skills"),
        training=make.training(),
        amount_fen=80_000,
    )

    assert codes(assess(facts)) == ["wrong_beneficiary"]


# 三.15 certificate exams organised for free --------------------------------------------------


def certificate_claim(make: Factory, **certificate: Any) -> ClaimFacts:
    return claim(
        make,
        "certificate",
        beneficiary=training_org(make),
        klass=make.klass(scheme="certificate_training", institution_id=ORG),
        certificate=make.certificate(**certificate),
        certificate_no="E-1",
    )


@pytest.mark.parametrize(
    ("kind", "level", "yuan"),
    [
        ("special_ability", None, 150),
        ("skill_level", "junior", 300),
        ("vocational_qualification", "junior", 300),
        ("skill_level", "senior", 600),
    ],
)
def test_certificate_pays_the_organiser_by_certificate(
    make: Factory, kind: str, level: str | None, yuan: int
) -> None:
    decision = assess(certificate_claim(make, kind=kind, level=level))

    assert (decision.amount_fen, decision.citations) == (yuan * 100, (f"{DOC} 三.15",))


@pytest.mark.parametrize("level", ["intermediate", "technician", "senior_technician"])
def test_certificate_pays_no_level_the_clause_does_not_list(make: Factory, level: str) -> None:
    decision = assess(certificate_claim(make, level=level))

    assert codes(decision) == ["subsidy_not_provided"]
    assert decision.reasons[0].citation == f"{DOC} 三.15"


@pytest.mark.parametrize("kind", ["special_operation", "training_completion"])
def test_certificate_pays_no_other_certificate_kind(make: Factory, kind: str) -> None:
    assert codes(assess(certificate_claim(make, kind=kind))) == ["certificate_required"]


def test_certificate_of_a_skill_level_needs_the_level(make: Factory) -> None:
    assert codes(assess(certificate_claim(make, level=None))) == ["certificate_required"]


def test_certificate_is_not_paid_to_the_person(make: Factory) -> None:
    facts = make.paid_to(certificate_claim(make), "person")

    assert codes(assess(facts)) == ["wrong_beneficiary"]


def test_certificate_without_a_class_goes_to_the_employer_that_organised_it(
    make: Factory,
) -> None:
    facts = claim(
        make,
        "certificate",
        beneficiary=make.enterprise(),
        certificate=make.certificate(),
        certificate_no="E-1",
    )

    assert assess(facts).amount_fen == 60_000


# Shared checks, as Yuncheng cites them ------------------------------------------------------


def test_the_fourth_training_of_a_year_is_rejected_citing_3_15(make: Factory) -> None:
    limits = make.limits(trainings_this_year=frozenset({"a", "b", "c"}))

    decision = assess(claim(make, "pre_job", limits=limits))

    assert (codes(decision), decision.reasons[0].citation) == (["annual_limit"], f"{DOC} 三.15")


def test_a_banned_institution_is_rejected_citing_3_17(make: Factory) -> None:
    decision = assess(claim(make, "pre_job", beneficiary=make.enterprise(banned=True)))

    assert decision.reasons[0].citation == f"{DOC} 三.17"


def test_a_pensioner_is_rejected(make: Factory) -> None:
    decision = assess(claim(make, "pre_job", person=make.person(pensioner=True)))

    assert (codes(decision), decision.reasons[0].check) == (["pensioner"], "ELIG-01")


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
    decision = assess(claim(make, "pre_job", training_date=on))

    assert (decision.pack == YUNCHENG_2020.label) is in_force


@pytest.mark.parametrize(
    ("subsidy", "code"),
    [
        ("skill_upgrade", "no_rate"),
        ("apprenticeship", "no_rate"),
        ("project", "subsidy_not_provided"),
        ("special_operation", "subsidy_not_provided"),
        ("work_based", "subsidy_not_provided"),
        ("technician_research", "subsidy_not_provided"),
        ("order_class", "subsidy_not_provided"),
        ("employment_service", "subsidy_not_provided"),
        ("school_graduate", "subsidy_not_provided"),
    ],
)
def test_a_subsidy_yuncheng_does_not_pay_is_rejected_saying_so(
    make: Factory, subsidy: str, code: str
) -> None:
    decision = assess(claim(make, subsidy))

    assert codes(decision) == [code]
    assert decision.reasons[0].citation.startswith(DOC)


def test_the_targets_are_report_figures_of_clause_2() -> None:
    figures = {
        n: YUNCHENG_2020.figure(n) for n in ("training_target", "employment_rate_target_percent")
    }

    assert figures == {"training_target": 300_000, "employment_rate_target_percent": 25}
    assert YUNCHENG_2020.cite_parameter("training_target") == f"{DOC} 二"
    assert "advance_percent_max" not in YUNCHENG_2020.parameters  # No 先行拨付 clause.
