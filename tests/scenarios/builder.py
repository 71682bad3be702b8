"""A small builder of scenario files: the commands of one jurisdiction's worked example,
and beside each claim the decision its document gives.

The builders (tests/scenarios/build_<jurisdiction>.py) are the source of the committed
JSONL files; `python -m tests.scenarios.build` rewrites them, and a test holds the files
and the builders in step. Resident ids and credit codes carry valid check characters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from domain.identity import make_credit_code, make_resident_id

SCENARIOS = Path(__file__).resolve().parent
SESSION_HOURS_MAX = 8  # Hours recorded per day of attendance.
# The first two characters of a credit code by kind: 91 a company, 12 a public institution
# (schools, departments), 52 a private non-enterprise unit (training bodies, evaluators).
CREDIT_PREFIX = {
    "enterprise": "91",
    "school": "12",
    "department": "11",
    "training_org": "52",
    "evaluation_org": "52",
}


@dataclass(frozen=True)
class Expected:
    """The decision a claim must get: outcome, amount in yuan as printed, reason codes
    that must all be present, a clause whose citation must be among the citations, and
    inputs the recorded decision must carry (e.g. the catalog it used)."""

    outcome: str
    amount: str
    codes: frozenset[str]
    clause: str | None
    rule_id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)


def approved(amount: str, clause: str, rule_id: str | None = None, **inputs: Any) -> Expected:
    return Expected("approved", amount, frozenset(), clause, rule_id, inputs)


def rejected(*codes: str, clause: str | None = None, **inputs: Any) -> Expected:
    return Expected("rejected", "0.00", frozenset(codes), clause, None, inputs)


@dataclass(frozen=True)
class Org:
    n: int  # Sequence number inside the credit code.
    name: str
    kind: str
    insured: bool = False
    jurisdiction: str | None = None  # Default: the scenario's.


@dataclass(frozen=True)
class Person:
    n: int  # Sequence number inside the resident id.
    name: str
    born: date
    facts: dict[str, Any] = field(default_factory=dict)  # register_person facts.


@dataclass(frozen=True)
class Catalog:
    catalog_id: str
    kind: str
    effective: date
    entries: list[dict[str, Any]]


@dataclass(frozen=True)
class Class:
    class_id: str
    institution: str  # A short name of Tables.orgs.
    scheme: str
    occupation: str
    level: str | None
    days: tuple[date, date]
    hours: int
    trainees: tuple[tuple[str, int | None], ...]  # (person, hours attended; None: enrolled only)


@dataclass(frozen=True)
class Certificate:
    number: str
    person: str
    kind: str
    occupation: str
    level: str | None
    issued: date
    issuer: str
    issued_in: str | None = None


@dataclass(frozen=True)
class Claim:
    claim_id: str
    subsidy: str
    beneficiary: str  # A short name of an org or a person.
    person: str
    expect: Expected
    extra: dict[str, Any] = field(default_factory=dict)  # class_id, certificate_no, amount…
    filed: date | None = None  # Default: Tables.filed.


@dataclass(frozen=True)
class Tables:
    """A scenario as data: what is registered, trained, certified, placed and claimed."""

    filed: date
    orgs: dict[str, Org]
    people: dict[str, Person]
    classes: list[Class]
    certificates: list[Certificate]
    claims: list[Claim]
    catalogs: list[Catalog] = field(default_factory=list)
    employments: list[tuple[str, str, str, date]] = field(default_factory=list)


@dataclass
class Builder:
    """The commands of one scenario, in order, and the expected decision of each claim."""

    jurisdiction: str
    region: str  # The 6-digit administrative region code, for ids.
    fund_id: str
    document: str  # The document number every citation must start with.
    registered_on: date
    lines: list[dict[str, Any]] = field(default_factory=list)
    expected: dict[str, Expected] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # Short names → resident ids, credit codes.

    def add(self, command: dict[str, Any]) -> None:
        self.lines.append(command)

    def fund(self, name: str, amount_yuan: str) -> None:
        day = self.registered_on.isoformat()
        self.add(
            {
                "type": "open_fund",
                "fund_id": self.fund_id,
                "jurisdiction": self.jurisdiction,
                "name": name,
                "date": day,
            }
        )
        self.add(
            {
                "type": "deposit",
                "deposit_id": f"{self.fund_id}-DEP-1",
                "fund_id": self.fund_id,
                "amount": amount_yuan,
                "channel": "unemployment_insurance_surplus",
                "date": day,
                "reference": f"{self.fund_id} 失业保险基金结余划转",
            }
        )

    def catalog(self, catalog_id: str, kind: str, effective: date, entries: list[Any]) -> None:
        self.add(
            {
                "type": "publish_catalog",
                "catalog_id": catalog_id,
                "jurisdiction": self.jurisdiction,
                "kind": kind,
                "effective_from": effective.isoformat(),
                "entries": entries,
            }
        )

    def org(self, n: int, name: str, kind: str, insured: bool = False, **extra: Any) -> str:
        """Register an institution and return its credit code."""
        code = make_credit_code(f"{CREDIT_PREFIX[kind]}{self.region}MA{n:07d}")
        command = {
            "type": "register_institution",
            "institution_id": code,
            "name": name,
            "kind": kind,
            "jurisdiction": extra.pop("jurisdiction", self.jurisdiction),
            "date": self.registered_on.isoformat(),
        }
        self.add(command | ({"insured": True} if insured else {}) | extra)
        return code

    def person(self, n: int, name: str, born: date, **facts: Any) -> str:
        """Register a person (hukou or residence in the jurisdiction unless `jurisdiction`
        says otherwise) and return the resident id."""
        person_id = make_resident_id(self.region, born, 100 + n)
        command = {
            "type": "register_person",
            "person_id": person_id,
            "name": name,
            "date": self.registered_on.isoformat(),
            "jurisdiction": facts.pop("jurisdiction", self.jurisdiction),
        }
        self.add(command | facts)
        return person_id

    def klass(
        self,
        class_id: str,
        institution: str,
        scheme: str,
        occupation: str,
        level: str | None,
        days: tuple[date, date],
        hours: int,
    ) -> str:
        command = {
            "type": "open_class",
            "class_id": class_id,
            "fund_id": self.fund_id,
            "institution_id": institution,
            "scheme": scheme,
            "occupation": occupation,
            "start_date": days[0].isoformat(),
            "end_date": days[1].isoformat(),
            "class_hours": hours,
        }
        self.add(command | ({"level": level} if level else {}))
        return class_id

    def train(self, class_id: str, person_id: str, hours: int, passed: bool = True) -> None:
        """Enrol on the class's first day, attend `hours` in daily sessions of at most
        SESSION_HOURS_MAX, complete on its last day."""
        klass = next(c for c in self.lines if c.get("class_id") == class_id and "scheme" in c)
        first, last = date.fromisoformat(klass["start_date"]), date.fromisoformat(klass["end_date"])
        key = {"class_id": class_id, "person_id": person_id}
        self.add({"type": "enroll", **key, "date": first.isoformat()})
        day, left = first, hours
        while left > 0:
            assert day <= last, f"{hours} hours do not fit in class {class_id}"
            session = min(left, SESSION_HOURS_MAX)
            self.add(
                {"type": "record_attendance", **key, "date": day.isoformat(), "hours": session}
            )
            day, left = day + timedelta(days=1), left - session
        completion = {"type": "complete_training", **key, "date": last.isoformat()}
        self.add(completion | {"passed": passed})

    def certificate(
        self,
        number: str,
        person_id: str,
        kind: str,
        occupation: str,
        level: str | None,
        issued: date,
        issuer: str,
        issued_in: str | None = None,
    ) -> str:
        command = {
            "type": "issue_certificate",
            "certificate_no": number,
            "person_id": person_id,
            "kind": kind,
            "occupation": occupation,
            "issued_on": issued.isoformat(),
            "issuer_id": issuer,
            "issued_in": issued_in or self.jurisdiction,
        }
        self.add(command | ({"level": level} if level else {}))
        return number

    def employ(self, employment_id: str, person_id: str, employer: str, on: date) -> None:
        self.add(
            {
                "type": "record_employment",
                "employment_id": employment_id,
                "person_id": person_id,
                "employer_id": employer,
                "date": on.isoformat(),
            }
        )

    def claim(
        self,
        claim_id: str,
        subsidy: str,
        beneficiary: str,
        person_id: str,
        filed: date,
        expect: Expected,
        **extra: Any,
    ) -> None:
        """File a claim; `expect` is the decision the document gives it."""
        self.add(
            {
                "type": "file_claim",
                "claim_id": claim_id,
                "fund_id": self.fund_id,
                "date": filed.isoformat(),
                "subsidy": subsidy,
                "beneficiary_id": beneficiary,
                "person_id": person_id,
                **extra,
            }
        )
        self.expected[claim_id] = expect

    def resolve(self, key: str) -> str:
        """The id registered under a scenario's short name (e.g. "works"), else the key."""
        return self.ids.get(key, key)

    def load(self, tables: Tables) -> None:
        """Register and record everything the tables list, in table order."""
        for key, org in tables.orgs.items():
            extra = {"jurisdiction": org.jurisdiction} if org.jurisdiction else {}
            self.ids[key] = self.org(org.n, org.name, org.kind, org.insured, **extra)
        for catalog in tables.catalogs:
            entries = [self._resolved(e) for e in catalog.entries]
            self.catalog(catalog.catalog_id, catalog.kind, catalog.effective, entries)
        for key, person in tables.people.items():
            self.ids[key] = self.person(
                person.n, person.name, person.born, **self._resolved(person.facts)
            )
        for employment_id, person_key, employer, on in tables.employments:
            self.employ(employment_id, self.resolve(person_key), self.resolve(employer), on)
        for klass in tables.classes:
            self._load_class(klass)
        for c in tables.certificates:
            self.certificate(
                c.number,
                self.resolve(c.person),
                c.kind,
                c.occupation,
                c.level,
                c.issued,
                self.resolve(c.issuer),
                c.issued_in,
            )
        for claim in tables.claims:
            extra = claim.extra | {"filed": claim.filed or tables.filed}
            self._load_claim(claim, extra)

    def _resolved(self, data: dict[str, Any]) -> dict[str, Any]:
        """A copy with the short names of institution and employer fields resolved."""
        names = ("employer_id", "institution_id")
        return {k: self.resolve(v) if k in names else v for k, v in data.items()}

    def _load_class(self, klass: Class) -> None:
        institution = self.resolve(klass.institution)
        self.klass(
            klass.class_id,
            institution,
            klass.scheme,
            klass.occupation,
            klass.level,
            klass.days,
            klass.hours,
        )
        for person_key, hours in klass.trainees:
            person_id = self.resolve(person_key)
            if hours is None:  # Enrolled only: counts towards the class size.
                enrol = {"type": "enroll", "class_id": klass.class_id, "person_id": person_id}
                self.add(enrol | {"date": klass.days[0].isoformat()})
            else:
                self.train(klass.class_id, person_id, hours)

    def _load_claim(self, claim: Claim, extra: dict[str, Any]) -> None:
        filed = extra.pop("filed")
        beneficiary, person_id = self.resolve(claim.beneficiary), self.resolve(claim.person)
        self.claim(
            claim.claim_id, claim.subsidy, beneficiary, person_id, filed, claim.expect, **extra
        )

    @property
    def path(self) -> Path:
        return SCENARIOS / f"{self.jurisdiction}.jsonl"

    def text(self) -> str:
        """The scenario file's content: one command per line, UTF-8, keys in order."""
        return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in self.lines)
