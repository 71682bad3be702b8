"""Finance rules of a pack: advances (先行拨付), publicity (公示) and funding channels.

Pure functions over a pack's parameters. Where a document is silent the default is
stated here and in docs/rules.md: advances are refused, publicity lasts 5 working days,
and payments are charged to the dedicated account's channels in CHANNEL_ORDER.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rules.facts import ClassFacts
from rules.pack import RulePack

PUBLICITY_WORKING_DAYS_DEFAULT = 5
PERCENT = 100

# The dedicated account first (the documents' 行动专账), then the other channels.
CHANNEL_ORDER: tuple[str, ...] = (
    "unemployment_insurance_surplus",
    "employment_subsidy",
    "talent_fund",
    "industry_fund",
    "other",
)


def fraud_citation(pack: RulePack) -> str:
    """The clause on recovering fraudulently obtained money (Kunshan 十六), or the document."""
    if "fraud_recovery_clause" in pack.parameters:
        return pack.cite_parameter("fraud_recovery_clause")
    return pack.document


def channel_parameter(channel: str) -> str:
    """The pack parameter listing the subsidies a document charges to `channel` first."""
    return f"channel_{channel}_subsidies"


@dataclass(frozen=True)
class AdvanceBounds:
    """The share of a class's expected subsidy an advance may be, in percent, with its clause."""

    percent_min: int
    percent_max: int
    citation: str


@dataclass(frozen=True)
class Publicity:
    working_days: int
    citation: str


def publicity_rule(pack: RulePack, requested: int | None) -> Publicity:
    """The publicity period: as requested, else the pack's figure, else the default of 5."""
    if requested is not None:
        return Publicity(requested, "as requested in start_publicity")
    if "publicity_working_days" in pack.parameters:
        return Publicity(
            pack.figure("publicity_working_days"), pack.cite_parameter("publicity_working_days")
        )
    return Publicity(
        PUBLICITY_WORKING_DAYS_DEFAULT, f"{pack.document}: silent; default of 5 working days"
    )


def advance_bounds(pack: RulePack, overcapacity: bool) -> AdvanceBounds | None:
    """None when the pack allows no advance (the document is silent or forbids it).

    A cap (`advance_percent_max`, Kunshan 十四, Rugao 十三) bounds from above; a floor
    (`advance_percent_min`, Linkou 四.四.2, 70% for overcapacity-reduction workers'
    classes via `advance_percent_min_overcapacity`) bounds from below.
    """
    params = pack.parameters
    if "advance_percent_max" not in params and "advance_percent_min" not in params:
        return None
    low_name = "advance_percent_min"
    if overcapacity and "advance_percent_min_overcapacity" in params:
        low_name = "advance_percent_min_overcapacity"
    low = pack.figure(low_name) if low_name in params else 0
    high = pack.figure("advance_percent_max") if "advance_percent_max" in params else PERCENT
    cited = low_name if low_name in params else "advance_percent_max"
    return AdvanceBounds(low, high, pack.cite_parameter(cited))


def per_trainee_fen(pack: RulePack, klass: ClassFacts) -> tuple[int, str] | None:
    """What one trainee of the class is expected to earn under the pack, and the rule id:
    the first figure of the rule that pays for the class's scheme (by level where the
    figure is a table). None when no rule of the pack pays a fixed figure for it."""
    for subsidy, rule in sorted(pack.rules.items(), key=lambda item: item[0] != klass.scheme):
        if klass.scheme not in rule.schemes:
            continue
        for name in rule.parameters:
            value = pack.parameters[name].value
            if isinstance(value, int) and name.endswith("_fen"):
                return value, f"{pack.jurisdiction}.{subsidy}"
            if isinstance(value, Mapping) and klass.level is not None and klass.level in value:
                return int(value[klass.level]), f"{pack.jurisdiction}.{subsidy}"
    return None


def channel_order(pack: RulePack, subsidy: str | None) -> tuple[str, ...]:
    """The channels a payment is charged to, first to last: a channel the document names
    for the subsidy (Kunshan 十三: living allowance from employment subsidy funds), then
    the dedicated account and the rest in CHANNEL_ORDER."""
    named = tuple(
        channel
        for channel in CHANNEL_ORDER
        if channel_parameter(channel) in pack.parameters
        and subsidy in pack.names(channel_parameter(channel))
    )
    return named + tuple(c for c in CHANNEL_ORDER if c not in named)
