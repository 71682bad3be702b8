"""A sixth jurisdiction is a pack and its tests: the example of docs/architecture.md,
registered in a local registry, decides claims and explains itself with no other code."""

from __future__ import annotations

from datetime import date

from domain.decision import Decision
from domain.vocabulary import SUBSIDIES
from rules import assess, explain
from rules.facts import ClaimFacts
from rules.pack import Parameter, Payee, RulePack, SubsidyRule, Unprovided, register
from rules.shared import CLASS_CHECKS, COMMON_CHECKS, TRAINING_LIMIT_CHECKS
from rules.subsidies import per_trainee
from tests.rules.conftest import Factory, codes

DOCUMENT = "X政办发〔2020〕1号"
PARAMETERS = {
    "pre_job_fen": Parameter(80_000, "三.2"),
    "trainings_per_year_max": Parameter(3, "五"),
    "attendance_min_percent": Parameter(80, "六", "FRAUD_RULES TRN-02 default"),
}


def compute_pre_job(facts: ClaimFacts, pack: RulePack) -> Decision:
    """三.2: 800 to the enterprise per employee who passed pre-job training."""
    return per_trainee(facts, pack, "pre_job_fen", "三.2")


RULES = {
    "pre_job": SubsidyRule(
        "pre_job",
        "三.2",
        "pre-job training, 800",
        compute_pre_job,
        Payee(frozenset({"enterprise"}), employer=True),
        COMMON_CHECKS + TRAINING_LIMIT_CHECKS + CLASS_CHECKS,
        schemes=frozenset({"pre_job"}),
        parameters=("pre_job_fen",),
    )
}
UNPROVIDED = {
    s: Unprovided(s, "subsidy_not_provided", "", f"{DOCUMENT} pays no {s}")
    for s in SUBSIDIES
    if s not in RULES
}
REGISTRY: list[RulePack] = []
X_2020 = register(
    RulePack(
        "xcity",
        "2020-06-01",
        DOCUMENT,
        date(2020, 6, 1),
        date(2021, 12, 31),
        PARAMETERS,
        RULES,
        UNPROVIDED,
        check_clauses={"annual_limit": "五"},
    ),
    REGISTRY,
)


def test_the_sixth_jurisdiction_pays_what_its_document_says(make: Factory) -> None:
    decision = assess(make.claim("pre_job", jurisdiction="xcity"), REGISTRY)

    assert (decision.amount_fen, decision.pack, decision.citations) == (
        80_000,
        "xcity@2020-06-01",
        (f"{DOCUMENT} 三.2",),
    )


def test_the_sixth_jurisdiction_shares_the_checks(make: Factory) -> None:
    limits = make.limits(trainings_this_year=frozenset({"a", "b", "c"}))

    decision = assess(make.claim("pre_job", jurisdiction="xcity", limits=limits), REGISTRY)

    assert [(r.code, r.citation) for r in decision.reasons] == [("annual_limit", f"{DOCUMENT} 五")]


def test_the_sixth_jurisdiction_refuses_what_it_does_not_pay(make: Factory) -> None:
    assert codes(assess(make.claim("skill_upgrade", jurisdiction="xcity"), REGISTRY)) == [
        "subsidy_not_provided"
    ]


def test_the_sixth_jurisdiction_explains_its_rules() -> None:
    rows = explain("xcity", date(2020, 6, 1), REGISTRY)

    assert {r["subsidy"] for r in rows if "subsidy" in r} == set(SUBSIDIES)
