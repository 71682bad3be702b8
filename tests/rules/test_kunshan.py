"""Kunshan's subsidies (昆政办发〔2020〕67号), every figure at its boundaries."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules import assess
from rules.kunshan import KUNSHAN_2020, compute_skill_upgrade
from tests.rules.conftest import Factory

DOC = "昆政办发〔2020〕67号"


def codes(decision: object) -> list[str]:
    return [r.code for r in decision.reasons]  # type: ignore[attr-defined]


# 四.4 skill upgrade ------------------------------------------------------------------------

SKILL_UPGRADE_YUAN = [
    ("junior", 1000, 1300),
    ("intermediate", 1500, 1950),
    ("senior", 2000, 2600),
    ("technician", 3500, 4550),
    ("senior_technician", 4500, 5850),
]


@pytest.mark.parametrize(("level", "yuan", "shortage_yuan"), SKILL_UPGRADE_YUAN)
def test_skill_upgrade_pays_the_insured_employee_by_certificate_level(
    make: Factory, level: str, yuan: int, shortage_yuan: int
) -> None:
    decision = assess(make.claim("skill_upgrade", certificate=make.certificate(level=level)))

    assert (decision.amount_fen, decision.rule_id) == (yuan * 100, "kunshan.skill_upgrade")
    assert decision.citations == (f"{DOC} 四.4",)


@pytest.mark.parametrize(("level", "yuan", "shortage_yuan"), SKILL_UPGRADE_YUAN)
def test_skill_upgrade_in_a_shortage_occupation_pays_thirty_percent_more(
    make: Factory, level: str, yuan: int, shortage_yuan: int
) -> None:
    facts = make.claim(
        "skill_upgrade",
        certificate=make.certificate(level=level),
        shortage_occupations=frozenset({"electrician"}),
        shortage_catalog_id="SC-2020",
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (
        shortage_yuan * 100,
        "kunshan.skill_upgrade.shortage",
    )
    assert decision.inputs["shortage_catalog_id"] == "SC-2020"
    assert decision.inputs["shortage"] is True


def test_skill_upgrade_outside_the_shortage_list_pays_the_base_amount(make: Factory) -> None:
    facts = make.claim(
        "skill_upgrade", shortage_occupations=frozenset({"welder"}), shortage_catalog_id="SC-2020"
    )

    decision = assess(facts)

    assert decision.amount_fen == 200_000
    assert decision.inputs["shortage"] is False
    assert decision.inputs["shortage_catalog_id"] == "SC-2020"


@pytest.mark.parametrize(("level", "yuan", "shortage_yuan"), SKILL_UPGRADE_YUAN)
def test_enterprise_paid_skill_upgrade_pays_the_enterprise_the_shortage_rate_in_any_occupation(
    make: Factory, level: str, yuan: int, shortage_yuan: int
) -> None:
    facts = make.claim(
        "skill_upgrade",
        beneficiary=make.enterprise(),
        enterprise_paid=True,
        certificate=make.certificate(level=level, occupation="welder"),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.rule_id) == (
        shortage_yuan * 100,
        "kunshan.skill_upgrade.enterprise_paid",
    )


@pytest.mark.parametrize(("insured_months", "approved"), [(0, False), (1, True)])
def test_skill_upgrade_needs_an_insured_employee(
    make: Factory, insured_months: int, approved: bool
) -> None:
    facts = make.claim("skill_upgrade", person=make.person(insured_months=insured_months))

    decision = assess(facts)

    assert decision.approved is approved
    assert approved or codes(decision) == ["insufficient_insured_months"]


def test_enterprise_paid_skill_upgrade_does_not_need_the_employee_insured(make: Factory) -> None:
    facts = make.claim(
        "skill_upgrade",
        beneficiary=make.enterprise(),
        enterprise_paid=True,
        person=make.person(insured_months=0),
    )

    assert assess(facts).approved


@pytest.mark.parametrize(
    "kind", ["special_ability", "special_operation", "special_equipment", "training_completion"]
)
def test_skill_upgrade_needs_a_qualification_or_skill_level_certificate(
    make: Factory, kind: str
) -> None:
    facts = make.claim("skill_upgrade", certificate=make.certificate(kind=kind))

    assert codes(assess(facts)) == ["certificate_required"]


def test_skill_upgrade_needs_a_certificate_with_a_level(make: Factory) -> None:
    facts = make.claim("skill_upgrade", certificate=make.certificate(level=None))

    assert codes(assess(facts)) == ["certificate_required"]


def test_the_compute_function_alone_rejects_a_claim_without_a_certificate(make: Factory) -> None:
    facts = make.claim("skill_upgrade", certificate=None, certificate_no=None)

    decision = compute_skill_upgrade(facts, KUNSHAN_2020)

    assert codes(decision) == ["certificate_required"]


# 四.2 pre-job and safety, 以工代训 ------------------------------------------------------------


@pytest.mark.parametrize("subsidy", ["pre_job", "safety"])
def test_pre_job_and_safety_training_pay_the_enterprise_300_per_trainee_who_passed(
    make: Factory, subsidy: str
) -> None:
    decision = assess(make.claim(subsidy))

    assert (decision.amount_fen, decision.citations) == (30_000, (f"{DOC} 四.2",))


def test_safety_training_may_be_run_as_a_pre_job_class(make: Factory) -> None:
    assert assess(make.claim("safety", klass=make.klass(scheme="pre_job"))).approved


@pytest.mark.parametrize(
    ("months_used", "months", "months_paid"),
    [(0, 1, 1), (0, 5, 5), (0, 6, 6), (0, 7, 6), (5, 1, 1), (5, 2, 1), (4, 3, 2)],
)
def test_work_based_training_pays_500_a_month_for_at_most_six_months(
    make: Factory, months_used: int, months: int, months_paid: int
) -> None:
    facts = make.claim(
        "work_based", months=months, limits=make.limits(work_based_months_used=months_used)
    )

    decision = assess(facts)

    assert decision.amount_fen == months_paid * 50_000
    assert (decision.inputs["months_claimed"], decision.inputs["months_paid"]) == (
        months,
        months_paid,
    )


@pytest.mark.parametrize("months_used", [6, 7])
def test_work_based_training_is_rejected_once_six_months_are_paid(
    make: Factory, months_used: int
) -> None:
    facts = make.claim(
        "work_based", months=1, limits=make.limits(work_based_months_used=months_used)
    )

    assert codes(assess(facts)) == ["months_exhausted"]


@pytest.mark.parametrize("months", [None, 0])
def test_work_based_training_needs_months(make: Factory, months: int | None) -> None:
    assert codes(assess(make.claim("work_based", months=months))) == ["months_missing"]


@pytest.mark.parametrize("group", ["hardship", "zero_employment_family"])
def test_work_based_training_for_hardship_hires_needs_an_insured_enterprise(
    make: Factory, group: str
) -> None:
    facts = make.claim(
        "work_based",
        beneficiary=make.enterprise(insured=False),
        person=make.person(groups=frozenset({group})),
    )

    decision = assess(facts)

    assert codes(decision) == ["wrong_beneficiary"]
    assert decision.reasons[0].citation == f"{DOC} 四.2"


@pytest.mark.parametrize("group", ["poverty_registered", "low_income"])
def test_work_based_training_for_poverty_and_low_income_hires_is_paid_to_any_enterprise(
    make: Factory, group: str
) -> None:
    facts = make.claim(
        "work_based",
        beneficiary=make.enterprise(insured=False),
        person=make.person(groups=frozenset({group})),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (150_000, (f"{DOC} 十三",))


def test_work_based_training_for_a_hire_outside_the_target_groups_is_rejected(
    make: Factory,
) -> None:
    facts = make.claim("work_based", person=make.person(groups=frozenset({"enterprise_employee"})))

    assert codes(assess(facts)) == ["not_in_target_group"]


# 四.5 技师研修, 四.6 新型学徒制 ------------------------------------------------------------


@pytest.mark.parametrize(("level", "yuan"), [("technician", 6000), ("senior_technician", 8000)])
def test_technician_research_pays_by_level(make: Factory, level: str, yuan: int) -> None:
    facts = make.claim(
        "technician_research", klass=make.klass(scheme="technician_research", level=level)
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (yuan * 100, (f"{DOC} 四.5",))


@pytest.mark.parametrize("level", ["junior", "intermediate", "senior"])
def test_technician_research_below_technician_is_not_provided(make: Factory, level: str) -> None:
    facts = make.claim(
        "technician_research", klass=make.klass(scheme="technician_research", level=level)
    )

    assert codes(assess(facts)) == ["subsidy_not_provided"]


def test_technician_research_needs_a_passed_assessment(make: Factory) -> None:
    facts = make.claim("technician_research", training=make.training(passed=False))

    assert codes(assess(facts)) == ["training_not_passed"]


@pytest.mark.parametrize(
    ("level", "yuan"),
    [("intermediate", 4000), ("senior", 5000), ("technician", 6000), ("senior_technician", 8000)],
)
def test_apprenticeship_pays_per_year_by_the_level_reached(
    make: Factory, level: str, yuan: int
) -> None:
    facts = make.claim("apprenticeship", klass=make.klass(scheme="apprenticeship", level=level))

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (yuan * 100, (f"{DOC} 四.6",))


def test_apprenticeship_at_junior_level_is_not_provided(make: Factory) -> None:
    facts = make.claim("apprenticeship", klass=make.klass(scheme="apprenticeship", level="junior"))

    assert codes(assess(facts)) == ["subsidy_not_provided"]


def test_apprenticeship_without_a_level_is_rejected(make: Factory) -> None:
    facts = make.claim("apprenticeship", klass=make.klass(scheme="apprenticeship", level=None))

    assert codes(assess(facts)) == ["level_missing"]


# 六 special operation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost_fen", "paid_fen"), [(79_900, 79_900), (80_000, 80_000), (80_100, 80_000), (None, 80_000)]
)
def test_a_special_operation_certificate_pays_the_cost_up_to_800(
    make: Factory, cost_fen: int | None, paid_fen: int
) -> None:
    decision = assess(make.claim("special_operation", amount_fen=cost_fen))

    assert (decision.amount_fen, decision.citations) == (paid_fen, (f"{DOC} 六",))


def test_a_special_equipment_certificate_is_paid_like_a_special_operation_one(
    make: Factory,
) -> None:
    facts = make.claim(
        "special_operation", certificate=make.certificate(kind="special_equipment", level=None)
    )

    assert assess(facts).amount_fen == 80_000


@pytest.mark.parametrize(
    "kind", ["skill_level", "vocational_qualification", "special_ability", "training_completion"]
)
def test_special_operation_needs_a_special_operation_or_equipment_certificate(
    make: Factory, kind: str
) -> None:
    facts = make.claim("special_operation", certificate=make.certificate(kind=kind))

    assert codes(assess(facts)) == ["certificate_required"]


def test_a_special_operation_claim_of_no_cost_is_rejected(make: Factory) -> None:
    assert codes(assess(make.claim("special_operation", amount_fen=0))) == ["amount_not_positive"]


def test_an_enterprise_that_paid_for_special_operation_training_is_paid_instead(
    make: Factory,
) -> None:
    facts = make.claim("special_operation", beneficiary=make.enterprise(), enterprise_paid=True)

    assert assess(facts).amount_fen == 80_000


# 七 school graduates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "yuan"), [("intermediate", 1000), ("senior", 1500), ("technician", 2000)]
)
def test_a_school_is_paid_per_graduate_by_level(make: Factory, level: str, yuan: int) -> None:
    facts = make.claim(
        "school_graduate",
        certificate=make.certificate(kind="vocational_qualification", level=level),
    )

    decision = assess(facts)

    assert (decision.amount_fen, decision.citations) == (yuan * 100, (f"{DOC} 七",))


@pytest.mark.parametrize("level", ["junior", "senior_technician"])
def test_a_graduate_at_a_level_the_clause_does_not_list_is_not_provided(
    make: Factory, level: str
) -> None:
    facts = make.claim(
        "school_graduate",
        certificate=make.certificate(kind="vocational_qualification", level=level),
    )

    assert codes(assess(facts)) == ["subsidy_not_provided"]


@pytest.mark.parametrize(("insured_months", "approved"), [(5, False), (6, True), (7, True)])
def test_a_graduate_must_be_insured_six_months_or_more(
    make: Factory, insured_months: int, approved: bool
) -> None:
    facts = make.claim("school_graduate", person=make.person(insured_months=insured_months))

    decision = assess(facts)

    assert decision.approved is approved
    assert approved or (codes(decision), decision.reasons[0].check) == (
        ["insufficient_insured_months"],
        "ELIG-02",
    )


# 十三 living allowance ---------------------------------------------------------------------


@pytest.mark.parametrize(("days", "paid_fen"), [(1, 3_483), (3, 10_450), (10, 34_833)])
def test_the_living_allowance_pays_a_thirtieth_of_the_monthly_standard_a_day_floored_to_the_fen(
    make: Factory, days: int, paid_fen: int
) -> None:
    decision = assess(make.claim("living_allowance", days=days))

    assert (decision.amount_fen, decision.citations) == (paid_fen, (f"{DOC} 十三",))
    assert decision.inputs["living_allowance_monthly_fen"] == 104_500


def test_the_living_allowance_pays_no_more_days_than_the_class_lasted(make: Factory) -> None:
    decision = assess(make.claim("living_allowance", days=11))

    assert (decision.inputs["days_claimed"], decision.inputs["days_paid"]) == (11, 10)
    assert decision.amount_fen == 34_833


@pytest.mark.parametrize(
    "groups",
    [
        {"poverty_registered"},
        {"low_income"},
        {"hardship"},
        {"zero_employment_family"},
        {"school_leaver", "farmer"},
        {"school_leaver", "rural_migrant"},
    ],
)
def test_the_living_allowance_is_paid_to_the_listed_groups(make: Factory, groups: set[str]) -> None:
    facts = make.claim("living_allowance", person=make.person(groups=frozenset(groups)))

    assert assess(facts).approved


@pytest.mark.parametrize(
    "groups", [set(), {"school_leaver"}, {"enterprise_employee"}, {"unemployed"}]
)
def test_the_living_allowance_is_not_paid_outside_the_listed_groups(
    make: Factory, groups: set[str]
) -> None:
    facts = make.claim("living_allowance", person=make.person(groups=frozenset(groups)))

    assert codes(assess(facts)) == ["not_in_target_group"]


def test_the_living_allowance_needs_the_person_enrolled(make: Factory) -> None:
    facts = make.claim("living_allowance", klass=None, training=None)

    assert codes(assess(facts)) == ["not_enrolled"]


@pytest.mark.parametrize("days", [None, 0])
def test_the_living_allowance_needs_days(make: Factory, days: int | None) -> None:
    assert codes(assess(make.claim("living_allowance", days=days))) == ["days_missing"]


def test_the_living_allowance_does_not_need_a_passed_training(make: Factory) -> None:
    facts = make.claim("living_allowance", training=make.training(completed=False, passed=False))

    assert assess(facts).approved


# Subsidies Kunshan does not pay ------------------------------------------------------------


@pytest.mark.parametrize(
    ("subsidy", "code", "clause"),
    [
        ("on_the_job", "no_rate", " 四.3"),
        ("transfer", "no_rate", " 四.3"),
        ("employment_skills", "no_rate", " 五.1"),
        ("project", "no_rate", " 十四"),
        ("certificate", "subsidy_not_provided", ""),
        ("order_class", "subsidy_not_provided", ""),
        ("employment_service", "subsidy_not_provided", ""),
    ],
)
def test_subsidies_kunshan_does_not_pay_are_rejected_with_the_reason(
    make: Factory, subsidy: str, code: str, clause: str
) -> None:
    decision = assess(make.claim(subsidy))

    assert codes(decision) == [code]
    assert decision.citations == (f"{DOC}{clause}",)
    assert decision.pack == "kunshan@2020-05-14"


def test_a_subsidy_unknown_to_the_pack_is_not_provided(make: Factory) -> None:
    facts = replace(make.claim("pre_job"), subsidy="moon_landing")

    assert codes(assess(facts)) == ["subsidy_not_provided"]
