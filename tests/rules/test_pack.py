"""The rule-pack registry: which pack is in force, how it cites, what it holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

import rules
from domain.vocabulary import SUBSIDIES
from rules.kunshan import KUNSHAN_2020
from rules.pack import (
    PACKS,
    NoRulePackError,
    RulePackOverlapError,
    pack_for,
    packs_in_force,
    register,
)
from rules.shared import CHECKS, counts_as_training


def test_kunshan_pack_is_labelled_by_jurisdiction_and_version() -> None:
    assert KUNSHAN_2020.label == "kunshan@2020-05-14"


def test_a_clause_is_cited_with_the_document_number() -> None:
    assert KUNSHAN_2020.cite("四.4") == "昆政办发〔2020〕67号 四.4"


def test_a_parameter_is_cited_with_its_own_clause() -> None:
    assert KUNSHAN_2020.cite_parameter("trainings_per_year_max") == "昆政办发〔2020〕67号 十四"


@pytest.mark.parametrize("on", [date(2019, 1, 1), date(2020, 5, 14), date(2021, 12, 31)])
def test_kunshan_pack_is_in_force_throughout_the_2019_to_2021_action(on: date) -> None:
    assert pack_for("kunshan", on) is KUNSHAN_2020


@pytest.mark.parametrize("on", [date(2018, 12, 31), date(2022, 1, 1)])
def test_no_kunshan_pack_is_in_force_outside_the_action(on: date) -> None:
    with pytest.raises(NoRulePackError) as raised:
        pack_for("kunshan", on)

    assert (raised.value.jurisdiction, raised.value.on) == ("kunshan", on)


def test_an_unknown_jurisdiction_has_no_pack() -> None:
    with pytest.raises(NoRulePackError):
        pack_for("atlantis", date(2020, 1, 1))


def test_packs_in_force_of_all_jurisdictions_include_kunshan() -> None:
    assert KUNSHAN_2020 in packs_in_force(None, date(2020, 1, 1))


def test_packs_in_force_of_one_jurisdiction_are_only_its_own() -> None:
    assert packs_in_force("kunshan", date(2020, 1, 1)) == [KUNSHAN_2020]


def test_registering_an_overlapping_pack_of_the_same_jurisdiction_is_refused() -> None:
    registry = list(PACKS)
    later = replace(KUNSHAN_2020, version="2021-01-01", effective_from=date(2021, 1, 1))

    with pytest.raises(RulePackOverlapError):
        register(later, registry)


def test_a_later_pack_takes_over_from_the_day_after_the_earlier_ends() -> None:
    registry = [replace(KUNSHAN_2020, effective_to=date(2020, 12, 31))]
    later = register(
        replace(KUNSHAN_2020, version="2021-01-01", effective_from=date(2021, 1, 1)), registry
    )

    assert pack_for("kunshan", date(2020, 12, 31), registry).version == "2020-05-14"
    assert pack_for("kunshan", date(2021, 1, 1), registry) is later


def test_every_subsidy_of_the_contract_is_either_paid_or_explicitly_not_paid_in_kunshan() -> None:
    covered = set(KUNSHAN_2020.rules) | set(KUNSHAN_2020.unprovided)

    assert covered == set(SUBSIDIES)
    assert not set(KUNSHAN_2020.rules) & set(KUNSHAN_2020.unprovided)


def test_every_money_parameter_is_an_integer_of_fen() -> None:
    for name, parameter in KUNSHAN_2020.parameters.items():
        if "_fen" not in name:
            continue
        value = parameter.value
        assert isinstance(value, (int, Mapping)), name
        values = [value] if isinstance(value, int) else list(value.values())
        assert values and all(type(v) is int for v in values), name


def test_every_parameter_cites_a_clause() -> None:
    assert all(p.clause for p in KUNSHAN_2020.parameters.values())


def test_every_check_a_rule_names_exists() -> None:
    for rule in KUNSHAN_2020.rules.values():
        assert set(rule.checks) <= set(CHECKS), rule.subsidy


@pytest.mark.parametrize("subsidy", sorted(KUNSHAN_2020.rules))
def test_the_training_limits_apply_exactly_to_the_subsidies_counted_as_trainings(
    subsidy: str,
) -> None:
    checks = KUNSHAN_2020.rule(subsidy).checks

    assert ("annual_limit" in checks) == counts_as_training(subsidy)
    assert ("same_occupation_level" in checks) == counts_as_training(subsidy)


@pytest.mark.parametrize(
    "subsidy", ["living_allowance", "school_graduate", "work_based", "employment_service"]
)
def test_allowances_and_non_training_subsidies_are_not_counted_as_trainings(subsidy: str) -> None:
    assert not rules.counts_as_training(subsidy)


def test_the_living_allowance_standard_is_marked_as_a_placeholder() -> None:
    assert KUNSHAN_2020.parameter("living_allowance_monthly_fen").placeholder


def test_a_figure_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(TypeError):
        KUNSHAN_2020.figure("skill_upgrade_fen")


def test_every_kunshan_figure_is_documented() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")

    assert [name for name in KUNSHAN_2020.parameters if f"`{name}`" not in text] == []
