"""Every registered pack, checked the same way: each subsidy of the contract is paid or
refused with a reason, each figure is cited and documented, money is int fen; and rule
pack versions take over from their effective date."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from domain.vocabulary import JURISDICTIONS, SUBSIDIES
from rules import PACKS, assess, explain
from rules.jinhua import JINHUA_2020
from rules.pack import RulePack, pack_for, register
from rules.plans import load_plans
from rules.shared import CHECKS, counts_as_training
from tests.rules.conftest import Factory, codes

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"
ALL_PACKS = {pack.label: pack for pack in PACKS}


def test_every_jurisdiction_of_the_contract_has_a_pack() -> None:
    assert {pack.jurisdiction for pack in PACKS} == set(JURISDICTIONS)


@pytest.mark.parametrize("label", sorted(ALL_PACKS))
def test_every_subsidy_is_either_paid_or_refused_with_a_reason(label: str) -> None:
    pack = ALL_PACKS[label]

    assert set(pack.rules) | set(pack.unprovided) == set(SUBSIDIES)
    assert not set(pack.rules) & set(pack.unprovided)
    assert {e.code for e in pack.unprovided.values()} <= {"no_rate", "subsidy_not_provided"}


@pytest.mark.parametrize("label", sorted(ALL_PACKS))
def test_every_money_figure_is_an_integer_of_fen(label: str) -> None:
    for name, parameter in ALL_PACKS[label].parameters.items():
        if "_fen" not in name or parameter.value is None:
            continue
        value = parameter.value
        assert isinstance(value, (int, Mapping)), name
        values = [value] if isinstance(value, int) else list(value.values())
        assert values and all(type(v) is int for v in values), name


@pytest.mark.parametrize("label", sorted(ALL_PACKS))
def test_every_figure_cites_a_clause_and_an_unset_one_a_rule_reads_is_a_placeholder(
    label: str,
) -> None:
    pack = ALL_PACKS[label]
    read = {name for rule in pack.rules.values() for name in rule.parameters}
    for name, parameter in pack.parameters.items():
        assert parameter.clause, name
        assert name not in read or parameter.value is not None or parameter.placeholder, name


@pytest.mark.parametrize("label", sorted(ALL_PACKS))
def test_every_figure_is_documented(label: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    heading = f"\n## {ALL_PACKS[label].jurisdiction.capitalize()} "
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]

    assert [n for n in ALL_PACKS[label].parameters if f"`{n}`" not in section] == []


@pytest.mark.parametrize("label", sorted(ALL_PACKS))
def test_every_check_and_figure_a_rule_names_exists(label: str) -> None:
    pack = ALL_PACKS[label]
    for rule in pack.rules.values():
        assert set(rule.checks) <= set(CHECKS), rule.subsidy
        assert set(rule.parameters) <= set(pack.parameters), rule.subsidy
        if "certificate_local" in rule.checks or "certificate_trained_locally" in rule.checks:
            assert "local_only_certificate_kinds" in pack.parameters
        if "annual_limit" in rule.checks:
            assert "trainings_per_year_max" in pack.parameters
        if "attendance" in rule.checks:
            assert "attendance_min_percent" in pack.parameters


@pytest.mark.parametrize(
    ("label", "subsidy"),
    [(label, subsidy) for label, pack in sorted(ALL_PACKS.items()) for subsidy in pack.rules],
)
def test_the_training_limits_apply_exactly_to_the_subsidies_counted_as_trainings(
    label: str, subsidy: str
) -> None:
    checks = ALL_PACKS[label].rule(subsidy).checks

    assert ("annual_limit" in checks) == counts_as_training(subsidy)
    assert ("same_occupation_level" in checks) == counts_as_training(subsidy)


@pytest.mark.parametrize("label", sorted(ALL_PACKS))
def test_every_rule_checks_pensioners_bans_and_the_payee(label: str) -> None:
    for rule in ALL_PACKS[label].rules.values():
        assert {"pensioner", "institution_banned", "beneficiary"} <= set(rule.checks)


@pytest.mark.parametrize("jurisdiction", sorted(JURISDICTIONS))
def test_explain_lists_each_pack_as_plain_json(jurisdiction: str) -> None:
    rows = explain(jurisdiction, date(2020, 6, 1))

    assert {r["jurisdiction"] for r in rows} == {jurisdiction}
    assert {r["subsidy"] for r in rows if "subsidy" in r} == set(SUBSIDIES)
    assert json.loads(json.dumps(rows, ensure_ascii=False)) == rows


def test_explain_shows_an_unset_figure_as_a_placeholder() -> None:
    rows = explain("rugao", date(2020, 6, 1))
    living = next(r for r in rows if r.get("subsidy") == "living_allowance")

    figure = next(f for f in living["figures"] if f["name"] == "living_allowance_day_fen")
    assert (figure["value"], figure["placeholder"]) == (None, True)


def test_explain_of_all_jurisdictions_lists_the_packs_in_force_on_the_day() -> None:
    before_jinhua = {r["pack"] for r in explain(None, date(2020, 1, 4))}

    assert before_jinhua == {"kunshan@2020-05-14", "linkou@2019", "rugao@2019-12-31"} | {
        "yuncheng@2020-04-20"
    }


# Versions ---------------------------------------------------------------------------------


@pytest.fixture
def versions() -> list[RulePack]:
    """A registry where Jinhua's 2020 pack ends on 2020-12-31 and a 2021 version raises
    the 专项能力证书 rate to 700 from 2021-01-01."""
    registry = [p for p in PACKS if p.jurisdiction != "jinhua"]
    register(replace(JINHUA_2020, effective_to=date(2020, 12, 31)), registry)
    parameters = dict(JINHUA_2020.parameters)
    parameters["skill_upgrade_special_ability_fen"] = replace(
        parameters["skill_upgrade_special_ability_fen"], value=70_000
    )
    later = replace(
        JINHUA_2020, version="2021-01-01", effective_from=date(2021, 1, 1), parameters=parameters
    )
    register(later, registry)
    return registry


@pytest.mark.parametrize(
    ("training_date", "pack", "yuan"),
    [
        (date(2020, 12, 31), "jinhua@2020-01-05", 600),
        (date(2021, 1, 1), "jinhua@2021-01-01", 700),
    ],
)
def test_a_new_version_applies_to_trainings_from_its_effective_date(
    make: Factory, versions: list[RulePack], training_date: date, pack: str, yuan: int
) -> None:
    facts = make.claim(
        "skill_upgrade",
        jurisdiction="jinhua",
        person=make.person(jurisdiction="jinhua"),
        certificate=make.certificate(kind="special_ability", level=None),
        training_date=training_date,
    )

    decision = assess(facts, versions)

    assert (decision.pack, decision.amount_fen) == (pack, yuan * 100)


def test_a_decision_recorded_under_the_old_version_is_unchanged_by_the_new(
    make: Factory, versions: list[RulePack]
) -> None:
    facts = make.claim(
        "skill_upgrade",
        jurisdiction="jinhua",
        person=make.person(jurisdiction="jinhua"),
        certificate=make.certificate(kind="special_ability", level=None),
        training_date=date(2020, 12, 1),
    )

    assert assess(facts) == assess(facts, versions)


@pytest.mark.parametrize(
    ("on", "pack"),
    [(date(2020, 12, 31), "jinhua@2020-01-05"), (date(2021, 1, 1), "jinhua@2021-01-01")],
)
def test_explain_lists_the_version_in_force(versions: list[RulePack], on: date, pack: str) -> None:
    rows = explain("jinhua", on, versions)

    assert {r["pack"] for r in rows} == {pack}
    assert pack_for("jinhua", on, versions).label == pack


def test_a_rejection_for_want_of_a_pack_lists_every_version(
    make: Factory, versions: list[RulePack]
) -> None:
    facts = make.claim("skill_upgrade", jurisdiction="jinhua", training_date=date(2022, 1, 1))

    decision = assess(facts, versions)

    assert codes(decision) == ["no_rule_pack"]
    assert "2020-01-05..2020-12-31" in decision.reasons[0].citation
    assert "2021-01-01..2021-12-31" in decision.reasons[0].citation


# Jinhua's annual plans (attachments 1 and 2) ---------------------------------------------


def test_the_annual_plans_add_up_to_the_figures_of_the_pack() -> None:
    plans = load_plans()

    assert plans["by_region"].total.trainings == JINHUA_2020.figure("annual_plan_by_region_total")
    assert plans["by_department"].total.trainings == JINHUA_2020.figure(
        "annual_plan_by_department_total"
    )


def test_the_plan_by_region_keeps_the_districts_as_a_breakdown_of_the_city() -> None:
    plan = load_plans()["by_region"]

    districts = [r for r in plan.rows if r.part_of == "金华市区合计"]
    assert [r.name for r in districts] == ["婺城区", "金东区", "开发区"]
    assert sum(r.trainings for r in districts) == 17_000  # Of 22,000: the text leaves 5,000.
    assert len(plan.top_level()) == 8


def test_the_plan_by_department_lists_twelve_departments_in_order() -> None:
    plan = load_plans()["by_department"]

    assert [r.name for r in plan.rows][:2] == ["市经信局", "市教育局"]
    assert len(plan.rows) == 12
    assert next(r for r in plan.rows if r.name == "市人力社保局").trainings == 26_800
