"""assess and explain: the public face of the rules layer."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from domain.decision import Decision
from rules import assess, explain
from rules.kunshan import KUNSHAN_2020
from tests.rules.conftest import Factory


def test_an_approved_decision_carries_the_pack_that_decided(make: Factory) -> None:
    assert assess(make.claim("pre_job")).pack == "kunshan@2020-05-14"


def test_a_rejected_decision_carries_the_pack_that_decided(make: Factory) -> None:
    decision = assess(make.claim("pre_job", person=make.person(pensioner=True)))

    assert (decision.outcome, decision.pack) == ("rejected", "kunshan@2020-05-14")


def test_a_rejection_is_filed_under_the_rule_of_its_subsidy(make: Factory) -> None:
    decision = assess(make.claim("pre_job", person=make.person(pensioner=True)))

    assert decision.rule_id == "kunshan.pre_job"


@pytest.mark.parametrize("training_date", [date(2018, 12, 31), date(2022, 1, 1)])
def test_a_training_outside_any_pack_is_rejected_for_want_of_a_rule_pack(
    make: Factory, training_date: date
) -> None:
    decision = assess(make.claim("pre_job", training_date=training_date))

    assert [r.code for r in decision.reasons] == ["no_rule_pack"]
    assert decision.pack == ""
    assert "昆政办发〔2020〕67号" in decision.reasons[0].citation


def test_a_jurisdiction_without_rules_is_rejected_for_want_of_a_rule_pack(make: Factory) -> None:
    decision = assess(make.claim("pre_job", jurisdiction="atlantis"))

    assert [r.code for r in decision.reasons] == ["no_rule_pack"]


def test_the_same_facts_give_the_same_decision(make: Factory) -> None:
    facts = make.claim("skill_upgrade", shortage_occupations=frozenset({"electrician"}))

    assert assess(facts) == assess(facts)


@pytest.mark.parametrize("subsidy", sorted(KUNSHAN_2020.rules))
def test_a_decision_survives_a_round_trip_through_json(make: Factory, subsidy: str) -> None:
    decision = assess(make.claim(subsidy))

    restored = Decision.from_dict(json.loads(json.dumps(decision.to_dict(), ensure_ascii=False)))

    assert restored == decision


def test_a_rejection_records_the_thresholds_of_the_checks_that_failed(make: Factory) -> None:
    facts = make.claim("pre_job", training=make.training(attended_minutes=0))

    assert assess(facts).inputs["thresholds"] == {"attendance_min_percent": 80}


def test_one_missing_input_noticed_twice_is_reported_once(make: Factory) -> None:
    facts = make.claim("living_allowance", klass=None, training=None)

    assert [r.code for r in assess(facts).reasons] == ["not_enrolled"]


def test_a_wrong_payee_and_a_missing_training_are_both_reported(make: Factory) -> None:
    facts = make.claim("pre_job", beneficiary="person", training=None)

    assert [r.code for r in assess(facts).reasons] == ["wrong_beneficiary", "training_not_passed"]


def test_rules_read_only_the_facts_they_are_given(make: Factory) -> None:
    facts = make.claim("pre_job")

    assert assess(replace(facts, filed_on=date(2030, 1, 1))) == assess(facts)


def test_explain_lists_every_subsidy_kunshan_pays_with_its_citation() -> None:
    rows = [r for r in explain("kunshan", date(2020, 6, 1)) if r["kind"] == "subsidy"]

    assert {r["subsidy"] for r in rows} == set(KUNSHAN_2020.rules)
    skill = next(r for r in rows if r["subsidy"] == "skill_upgrade")
    assert skill["citation"] == "昆政办发〔2020〕67号 四.4"
    assert skill["figures"][0]["value"]["senior_technician"] == 450_000


def test_explain_lists_the_subsidies_kunshan_does_not_pay_with_the_reason() -> None:
    rows = explain("kunshan", date(2020, 6, 1))

    kinds = {
        r["subsidy"]: r["kind"] for r in rows if r["kind"] in ("no_rate", "subsidy_not_provided")
    }
    assert kinds["on_the_job"] == "no_rate"
    assert kinds["order_class"] == "subsidy_not_provided"


def test_explain_lists_the_limits_no_subsidy_rule_reads() -> None:
    figures = {r["name"]: r for r in explain("kunshan", date(2020, 6, 1)) if r["kind"] == "figure"}

    assert figures["trainings_per_year_max"]["value"] == 3
    assert figures["advance_percent_max"]["citation"] == "昆政办发〔2020〕67号 十四"
    assert figures["local_only_certificate_kinds"]["value"] == [
        "special_ability",
        "special_operation",
        "training_completion",
    ]


def test_explain_of_all_jurisdictions_includes_kunshan() -> None:
    assert {r["jurisdiction"] for r in explain(None, date(2020, 6, 1))} >= {"kunshan"}


def test_explain_is_empty_when_no_pack_is_in_force() -> None:
    assert explain("kunshan", date(2022, 1, 1)) == []


def test_explain_is_plain_json() -> None:
    rows = explain(None, date(2020, 6, 1))

    assert json.loads(json.dumps(rows, ensure_ascii=False)) == rows
