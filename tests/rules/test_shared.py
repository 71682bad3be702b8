"""The checks every jurisdiction shares, at their boundaries, as Kunshan cites them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rules import assess
from rules.facts import InstitutionFacts
from rules.kunshan import KUNSHAN_2020
from rules.shared import check_certificate_local
from tests.rules.conftest import BOB, OTHER_CO, Factory

PAID_SUBSIDIES = sorted(KUNSHAN_2020.rules)
TRAININGS = [
    "skill_upgrade",
    "pre_job",
    "safety",
    "technician_research",
    "apprenticeship",
    "special_operation",
]


def codes(decision: object) -> list[str]:
    return [r.code for r in decision.reasons]  # type: ignore[attr-defined]


@pytest.mark.parametrize("subsidy", PAID_SUBSIDIES)
def test_every_default_claim_is_approved(make: Factory, subsidy: str) -> None:
    decision = assess(make.claim(subsidy))

    assert decision.approved, decision.reasons


@pytest.mark.parametrize("subsidy", PAID_SUBSIDIES)
def test_a_pensioner_is_rejected_under_every_subsidy(make: Factory, subsidy: str) -> None:
    facts = make.claim(subsidy)
    facts = replace(facts, person=replace(facts.person, pensioner=True))

    decision = assess(facts)

    assert codes(decision) == ["pensioner"]
    assert decision.reasons[0].check == "ELIG-01"
    assert decision.reasons[0].citation == "昆政办发〔2020〕67号 十四"


@pytest.mark.parametrize(
    ("trainings_before", "approved"), [(0, True), (2, True), (3, False), (4, False)]
)
def test_a_fourth_subsidised_training_in_a_year_is_rejected(
    make: Factory, trainings_before: int, approved: bool
) -> None:
    counted = frozenset(f"class:K-{n}" for n in range(100, 100 + trainings_before))
    facts = make.claim(
        "pre_job", limits=make.limits(training_key="class:K-1", trainings_this_year=counted)
    )

    decision = assess(facts)

    assert decision.approved is approved
    assert approved or codes(decision) == ["annual_limit"]


def test_a_claim_on_a_training_already_counted_this_year_is_not_counted_again(
    make: Factory,
) -> None:
    counted = frozenset({"class:K-1", "class:K-2", "class:K-3"})
    facts = make.claim(
        "pre_job", limits=make.limits(training_key="class:K-1", trainings_this_year=counted)
    )

    assert assess(facts).approved


def test_the_annual_limit_cites_its_figure_and_clause(make: Factory) -> None:
    counted = frozenset({"class:K-2", "class:K-3", "class:K-4"})
    facts = make.claim(
        "pre_job", limits=make.limits(training_key="class:K-1", trainings_this_year=counted)
    )

    decision = assess(facts)

    assert decision.reasons[0].check == "LIM-01"
    assert decision.reasons[0].citation == "昆政办发〔2020〕67号 十四"
    assert decision.inputs["thresholds"] == {"trainings_per_year_max": 3}


@pytest.mark.parametrize("subsidy", ["living_allowance", "school_graduate", "work_based"])
def test_subsidies_that_are_not_trainings_skip_the_annual_limit(
    make: Factory, subsidy: str
) -> None:
    counted = frozenset({"class:K-2", "class:K-3", "class:K-4"})
    facts = make.claim(
        subsidy, limits=make.limits(training_key="class:K-1", trainings_this_year=counted)
    )

    assert assess(facts).approved


@pytest.mark.parametrize(
    ("used_by", "approved"), [(None, True), ("class:K-1", True), ("class:K-9", False)]
)
def test_the_same_occupation_and_level_is_subsidised_once(
    make: Factory, used_by: str | None, approved: bool
) -> None:
    limits = make.limits(training_key="class:K-1", occupation_level_training=used_by)

    decision = assess(make.claim("skill_upgrade", limits=limits))

    assert decision.approved is approved
    assert approved or (codes(decision), decision.reasons[0].check) == (
        ["same_occupation_level"],
        "LIM-02",
    )


@pytest.mark.parametrize("subsidy", TRAININGS)
def test_every_training_subsidy_applies_the_occupation_level_limit(
    make: Factory, subsidy: str
) -> None:
    limits = make.limits(training_key="class:K-1", occupation_level_training="class:K-9")

    assert "same_occupation_level" in codes(assess(make.claim(subsidy, limits=limits)))


def test_a_certificate_of_another_person_is_rejected(make: Factory) -> None:
    facts = make.claim("skill_upgrade", certificate=make.certificate(person_id=BOB))

    decision = assess(facts)

    assert codes(decision) == ["certificate_of_another_person"]
    assert decision.reasons[0].check == "CERT-01"


def test_a_certificate_named_but_not_recorded_is_not_found(make: Factory) -> None:
    decision = assess(make.claim("skill_upgrade", certificate=None, certificate_no="E-404"))

    assert codes(decision) == ["certificate_not_found"]


def test_a_certificate_subsidy_without_a_certificate_is_rejected_once(make: Factory) -> None:
    decision = assess(make.claim("skill_upgrade", certificate=None, certificate_no=None))

    assert codes(decision) == ["certificate_required"]
    assert decision.reasons[0].check == "TRN-01"


@pytest.mark.parametrize(
    ("claimed_by", "approved"), [(None, True), ("CL-1", True), ("CL-0", False)]
)
def test_a_certificate_is_the_basis_of_one_claim(
    make: Factory, claimed_by: str | None, approved: bool
) -> None:
    facts = make.claim("special_operation", limits=make.limits(certificate_claim_id=claimed_by))

    decision = assess(facts)

    assert decision.approved is approved
    assert approved or (codes(decision), decision.reasons[0].check) == (
        ["certificate_already_claimed"],
        "CERT-02",
    )


def test_the_enterprise_and_its_employee_cannot_both_claim_one_certificate(make: Factory) -> None:
    facts = make.claim(
        "skill_upgrade",
        beneficiary=make.enterprise(),
        enterprise_paid=True,
        limits=make.limits(certificate_claim_id="CL-EMPLOYEE"),
    )

    decision = assess(facts)

    assert codes(decision) == ["certificate_already_claimed"]
    assert decision.reasons[0].citation == "昆政办发〔2020〕67号 四.4"


@pytest.mark.parametrize(
    ("subsidy", "first", "approved"),
    [
        ("pre_job", None, True),
        ("pre_job", "pre_job", True),
        ("pre_job", "work_based", False),
        ("work_based", "work_based", True),
        ("work_based", "pre_job", False),
    ],
)
def test_work_based_training_and_the_pre_job_subsidy_exclude_each_other(
    make: Factory, subsidy: str, first: str | None, approved: bool
) -> None:
    decision = assess(make.claim(subsidy, limits=make.limits(exclusive_claimed=first)))

    assert decision.approved is approved
    if not approved:
        assert codes(decision) == ["exclusive_subsidy"]
        assert (decision.reasons[0].check, decision.reasons[0].citation) == (
            "LIM-04",
            "昆政办发〔2020〕67号 四.2",
        )


@pytest.mark.parametrize("kind", ["special_ability", "special_operation", "training_completion"])
def test_local_only_certificates_obtained_elsewhere_do_not_count(make: Factory, kind: str) -> None:
    facts = make.claim(
        "special_operation", certificate=make.certificate(kind=kind, issued_in="suzhou")
    )

    found = check_certificate_local(facts, KUNSHAN_2020)

    assert [(r.code, r.check, r.citation) for r in found] == [
        ("certificate_not_local", "ELIG-04", "昆政办发〔2020〕67号 十四")
    ]


@pytest.mark.parametrize("kind", ["special_ability", "special_operation", "training_completion"])
def test_local_only_certificates_obtained_in_kunshan_count(make: Factory, kind: str) -> None:
    facts = make.claim(
        "special_operation", certificate=make.certificate(kind=kind, issued_in="kunshan")
    )

    assert check_certificate_local(facts, KUNSHAN_2020) == []


@pytest.mark.parametrize(
    ("subsidy", "kind"),
    [
        ("skill_upgrade", "skill_level"),
        ("skill_upgrade", "vocational_qualification"),
        ("special_operation", "special_equipment"),
    ],
)
def test_other_certificates_obtained_elsewhere_count(
    make: Factory, subsidy: str, kind: str
) -> None:
    certificate = make.certificate(kind=kind, issued_in="suzhou")

    assert assess(make.claim(subsidy, certificate=certificate)).approved


def test_a_special_operation_certificate_obtained_elsewhere_is_rejected(make: Factory) -> None:
    certificate = make.certificate(kind="special_operation", level=None, issued_in="suzhou")

    assert codes(assess(make.claim("special_operation", certificate=certificate))) == [
        "certificate_not_local"
    ]


@pytest.mark.parametrize(
    ("attended_minutes", "approved"),
    [(1896, False), (1919, False), (1920, True), (2400, True)],  # 40 h: 79%, <80%, 80%, 100%
)
def test_attendance_below_eighty_percent_of_class_hours_is_rejected(
    make: Factory, attended_minutes: int, approved: bool
) -> None:
    facts = make.claim("pre_job", training=make.training(attended_minutes=attended_minutes))

    decision = assess(facts)

    assert decision.approved is approved
    assert approved or (codes(decision), decision.reasons[0].check) == (
        ["attendance_below_minimum"],
        "TRN-02",
    )


@pytest.mark.parametrize(
    "subsidy", ["pre_job", "safety", "technician_research", "apprenticeship", "living_allowance"]
)
def test_every_class_subsidy_checks_attendance(make: Factory, subsidy: str) -> None:
    facts = make.claim(subsidy)
    facts = replace(facts, training=make.training(attended_minutes=0))

    assert "attendance_below_minimum" in codes(assess(facts))


@pytest.mark.parametrize(
    "training", [None, {"completed": False, "passed": False}, {"completed": True, "passed": False}]
)
def test_a_pre_job_claim_needs_a_completed_passed_training(
    make: Factory, training: dict | None
) -> None:
    record = None if training is None else make.training(**training)

    decision = assess(make.claim("pre_job", training=record))

    assert codes(decision) == ["training_not_passed"]
    assert decision.reasons[0].check == "TRN-01"


def test_a_claim_on_a_class_of_another_scheme_is_rejected(make: Factory) -> None:
    facts = make.claim("pre_job", klass=make.klass(scheme="certificate_training"))

    assert codes(assess(facts)) == ["wrong_scheme"]


@pytest.mark.parametrize(
    ("subsidy", "payee", "enterprise_paid"),
    [
        ("skill_upgrade", "enterprise", False),
        ("skill_upgrade", "person", True),
        ("skill_upgrade", "other_person", False),
        ("skill_upgrade", "school", True),
        ("pre_job", "person", False),
        ("pre_job", "school", False),
        ("pre_job", "other_enterprise", False),
        ("safety", "person", False),
        ("work_based", "person", False),
        ("technician_research", "person", False),
        ("apprenticeship", "person", False),
        ("special_operation", "enterprise", False),
        ("special_operation", "other_person", False),
        ("school_graduate", "enterprise", False),
        ("school_graduate", "person", False),
        ("living_allowance", "school", False),
    ],
)
def test_a_subsidy_paid_to_the_wrong_beneficiary_is_rejected(
    make: Factory, subsidy: str, payee: str, enterprise_paid: bool
) -> None:
    payees: dict[str, InstitutionFacts | str] = {
        "person": "person",
        "other_person": BOB,
        "enterprise": make.enterprise(),
        "other_enterprise": make.enterprise(institution_id=OTHER_CO),
        "school": make.school(),
    }
    facts = make.claim(subsidy, beneficiary=payees[payee], enterprise_paid=enterprise_paid)

    assert "wrong_beneficiary" in codes(assess(facts))


def test_an_employers_claim_is_accepted_when_the_employer_is_not_recorded(make: Factory) -> None:
    facts = make.claim("pre_job", person=make.person(employer_id=None))

    assert assess(facts).approved


def test_a_banned_institution_is_rejected(make: Factory) -> None:
    facts = make.claim("pre_job", beneficiary=make.enterprise(banned=True))

    decision = assess(facts)

    assert codes(decision) == ["institution_banned"]
    assert decision.reasons[0].check == "INST-01"


def test_every_failing_check_is_reported_in_one_rejection(make: Factory) -> None:
    counted = frozenset({"class:K-2", "class:K-3", "class:K-4"})
    facts = make.claim(
        "pre_job",
        person=make.person(pensioner=True),
        training=make.training(attended_minutes=60, passed=False),
        limits=make.limits(
            training_key="class:K-1", trainings_this_year=counted, exclusive_claimed="work_based"
        ),
    )

    decision = assess(facts)

    assert codes(decision) == [
        "pensioner",
        "annual_limit",
        "exclusive_subsidy",
        "training_not_passed",
        "attendance_below_minimum",
    ]
    assert decision.amount_fen == 0
