"""Rule packs: one jurisdiction's document, its figures and its rules, for one period.

A pack is data. Its figures are named parameters, each with the clause that states it;
its rules say, per subsidy, who is paid, which shared checks apply and which compute
function turns the facts into a decision. A jurisdiction module builds its pack(s) and
calls `register`; `pack_for` finds the one in force on a training date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TypeAlias

from domain.decision import Decision
from rules.facts import ClaimFacts

# A figure: an amount, count or percentage; a table by key; a set of names; a date; or
# None where the document leaves the figure unset (the rule that reads it answers no_rate).
ParameterValue: TypeAlias = int | Mapping[str, int] | frozenset[str] | date | None
Compute: TypeAlias = Callable[[ClaimFacts, "RulePack"], Decision]

PERSON = "person"  # A payee kind: the trainee himself or herself.


class NoRulePackError(LookupError):
    """No rule pack of the jurisdiction is in force on the date."""

    def __init__(self, jurisdiction: str, on: date) -> None:
        super().__init__(f"no rule pack for {jurisdiction!r} in force on {on.isoformat()}")
        self.jurisdiction, self.on = jurisdiction, on


class RulePackOverlapError(ValueError):
    """Two packs of one jurisdiction would be in force on the same day."""

    def __init__(self, new: str, existing: str) -> None:
        super().__init__(f"rule pack {new} overlaps {existing}")
        self.new, self.existing = new, existing


@dataclass(frozen=True)
class Parameter:
    """One figure of a document: its value, the clause that states it, and how it was read.

    `placeholder` marks a value the document does not give and that must be set from
    another published source before the figure is relied on.
    """

    value: ParameterValue
    clause: str
    note: str = ""
    placeholder: bool = False

    def as_json(self) -> int | dict[str, int] | list[str] | str | None:
        """The value as plain JSON: sets as sorted lists, tables as dicts, dates as ISO."""
        if isinstance(self.value, frozenset):
            return sorted(self.value)
        if isinstance(self.value, date):
            return self.value.isoformat()
        if self.value is None or isinstance(self.value, int):
            return self.value
        return dict(self.value)


@dataclass(frozen=True)
class Payee:
    """Who a subsidy is paid to: the person, or an institution of one of `kinds`.

    `insured`: the institution must take part in unemployment insurance.
    `employer`: the institution must be the person's employer where the employer is known.
    `organiser`: the institution must be the one that ran the claim's class; without a
    class, the person's employer where the employer is known (who organised the training).
    """

    kinds: frozenset[str]
    insured: bool = False
    employer: bool = False
    organiser: bool = False

    def describe(self) -> str:
        text = " or ".join(sorted(self.kinds))
        if self.insured:
            text = f"insured {text}"
        if self.organiser:
            return f"{text} (that ran the class)"
        return f"{text} (the person's employer)" if self.employer else text


@dataclass(frozen=True)
class SubsidyRule:
    """How one jurisdiction pays one subsidy.

    `checks` names the shared checks that apply (rules.shared.CHECKS), in the order run.
    `certificate_kinds`: the certificate kinds the subsidy is paid for (empty: none needed).
    `schemes`: the class schemes the subsidy is paid for, when a class is given.
    `parameters`: the figures the rule reads, for `explain`.
    """

    subsidy: str
    clause: str
    summary: str
    compute: Compute
    payee: Payee
    checks: tuple[str, ...]
    payee_enterprise_paid: Payee | None = None
    certificate_kinds: frozenset[str] = frozenset()
    schemes: frozenset[str] = frozenset()
    parameters: tuple[str, ...] = ()

    def payee_for(self, enterprise_paid: bool) -> Payee:
        if enterprise_paid and self.payee_enterprise_paid is not None:
            return self.payee_enterprise_paid
        return self.payee


@dataclass(frozen=True)
class Unprovided:
    """A subsidy the jurisdiction does not pay (`subsidy_not_provided`), or pays at a rate
    the document leaves to a catalog that is not encoded (`no_rate`)."""

    subsidy: str
    code: str
    clause: str
    message: str


@dataclass(frozen=True)
class RulePack:
    """One document of one jurisdiction, in force from `effective_from` to `effective_to`
    (both inclusive; None: open-ended)."""

    jurisdiction: str
    version: str
    document: str
    effective_from: date
    effective_to: date | None
    parameters: Mapping[str, Parameter]
    rules: Mapping[str, SubsidyRule]
    unprovided: Mapping[str, Unprovided] = field(default_factory=dict)
    # The clause each shared check cites, by check name; "check:subsidy" overrides it for one
    # subsidy. A check not listed cites the clause of the subsidy's own rule.
    check_clauses: Mapping[str, str] = field(default_factory=dict)
    # Subsidies that exclude each other for one person (LIM-04), both directions listed.
    exclusive: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("parameters", "rules", "unprovided", "check_clauses", "exclusive"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @property
    def label(self) -> str:
        return f"{self.jurisdiction}@{self.version}"

    def cite(self, clause: str = "") -> str:
        """The citation of a clause of the pack's document, e.g. "昆政办发〔2020〕67号 四.4"."""
        return f"{self.document} {clause}" if clause else self.document

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def rule(self, subsidy: str) -> SubsidyRule:
        return self.rules[subsidy]

    def clause_for(self, check: str, subsidy: str) -> str:
        """The clause a shared check cites for a subsidy."""
        specific = self.check_clauses.get(f"{check}:{subsidy}")
        if specific is not None:
            return specific
        return self.check_clauses.get(check) or self.rules[subsidy].clause

    def parameter(self, name: str) -> Parameter:
        return self.parameters[name]

    def cite_parameter(self, name: str) -> str:
        return self.cite(self.parameters[name].clause)

    def figure(self, name: str) -> int:
        """A single figure: an amount in fen, a count or a percentage."""
        value = self.parameters[name].value
        if not isinstance(value, int):
            raise TypeError(f"parameter {name} of {self.label} is not a single figure")
        return value

    def optional_figure(self, name: str) -> int | None:
        """A single figure the document may leave unset (None): the caller answers no_rate."""
        if self.parameters[name].value is None:
            return None
        return self.figure(name)

    def day(self, name: str) -> date:
        """A date the document states, e.g. the first day certificates count from."""
        value = self.parameters[name].value
        if not isinstance(value, date):
            raise TypeError(f"parameter {name} of {self.label} is not a date")
        return value

    def table(self, name: str) -> Mapping[str, int]:
        """A figure by key, e.g. an amount in fen by level."""
        value = self.parameters[name].value
        if not isinstance(value, Mapping):
            raise TypeError(f"parameter {name} of {self.label} is not a table")
        return value

    def names(self, name: str) -> frozenset[str]:
        """A set of names, e.g. the groups a subsidy is for."""
        value = self.parameters[name].value
        if not isinstance(value, frozenset):
            raise TypeError(f"parameter {name} of {self.label} is not a set of names")
        return value


PACKS: list[RulePack] = []


def register(pack: RulePack, packs: list[RulePack] = PACKS) -> RulePack:
    """Add a pack to the registry; refuse one whose period overlaps its jurisdiction's others."""
    for existing in packs:
        if existing.jurisdiction == pack.jurisdiction and _overlap(existing, pack):
            raise RulePackOverlapError(pack.label, existing.label)
    packs.append(pack)
    return pack


def _overlap(a: RulePack, b: RulePack) -> bool:
    a_end, b_end = a.effective_to or date.max, b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def packs_in_force(
    jurisdiction: str | None, on: date, packs: Sequence[RulePack] = PACKS
) -> list[RulePack]:
    """The packs in force on a date, of one jurisdiction or (None) of all, by jurisdiction."""
    found = [
        p
        for p in packs
        if p.in_force(on) and (jurisdiction is None or p.jurisdiction == jurisdiction)
    ]
    return sorted(found, key=lambda p: p.jurisdiction)


def pack_for(jurisdiction: str, on: date, packs: Sequence[RulePack] = PACKS) -> RulePack:
    """The pack of a jurisdiction in force on a date; NoRulePackError when there is none."""
    found = packs_in_force(jurisdiction, on, packs)
    if not found:
        raise NoRulePackError(jurisdiction, on)
    # `register` refuses overlapping periods, so at most one pack is in force.
    assert len(found) == 1, found
    return found[0]


def packs_of(jurisdiction: str, packs: Sequence[RulePack] = PACKS) -> list[RulePack]:
    """Every registered pack of a jurisdiction, oldest first."""
    return sorted(
        (p for p in packs if p.jurisdiction == jurisdiction), key=lambda p: p.effective_from
    )
