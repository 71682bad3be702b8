"""The parties: people who train and institutions that train, employ, evaluate or pay."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.base import Created, Entity, entity_id, records

# The facts of a person that update_person may change, effective from its date.
PERSON_FACTS = (
    "name",
    "jurisdiction",
    "groups",
    "insured_months",
    "pensioner",
    "unemployment_benefit",
    "employer_id",
    "account",
    "phone",
)


class Institution(Entity):
    """An enterprise, school, training or evaluation organisation, or department."""

    TOPIC = "skillfund:Institution"

    class Registered(Created):
        TOPIC = "skillfund:Institution.Registered"
        institution_id: str
        name: str
        kind: str
        jurisdiction: str
        insured: bool
        account: str | None
        address: str | None
        on: date
        digest: str

    class Banned(Entity.Event):
        """Barred from subsidised training (Yuncheng 三.17) by a case's fraud finding."""

        TOPIC = "skillfund:Institution.Banned"
        case_id: str
        on: date

    @staticmethod
    def create_id(institution_id: str) -> UUID:
        return entity_id(f"/institutions/{institution_id}")

    def ban(self, case_id: str, on: date) -> None:
        if not self.banned:
            self._banned(case_id, on)

    @records(Banned)
    def _banned(self, case_id: str, on: date) -> None:
        self.banned, self.banned_by_case = True, case_id

    def __init__(
        self,
        institution_id: str,
        name: str,
        kind: str,
        jurisdiction: str,
        insured: bool,
        account: str | None,
        address: str | None,
        on: date,
        digest: str,
    ) -> None:
        self.institution_id, self.name, self.kind = institution_id, name, kind
        self.jurisdiction, self.insured = jurisdiction, insured
        self.account, self.address, self.registered_on, self.digest = account, address, on, digest
        self.banned = False


class Person(Entity):
    """A trainee. Facts change over time; `facts_on(day)` gives those in force on a day."""

    TOPIC = "skillfund:Person"

    class Registered(Created):
        TOPIC = "skillfund:Person.Registered"
        person_id: str
        facts: dict[str, Any]
        on: date
        digest: str

    class Updated(Entity.Event):
        TOPIC = "skillfund:Person.Updated"
        changes: dict[str, Any]
        on: date
        digest: str

    class EmploymentRecorded(Entity.Event):
        TOPIC = "skillfund:Person.EmploymentRecorded"
        employment_id: str
        employer_id: str
        on: date

    @staticmethod
    def create_id(person_id: str) -> UUID:
        return entity_id(f"/persons/{person_id}")

    def __init__(self, person_id: str, facts: dict[str, Any], on: date, digest: str) -> None:
        self.person_id, self.registered_on, self.digest = person_id, on, digest
        self.registered_facts = dict(facts)
        self.updates: list[tuple[date, dict[str, Any]]] = []
        self.update_digests: dict[date, str] = {}
        self.employments: list[tuple[date, str, str]] = []  # (date, employment_id, employer_id)

    def record_employment(self, employment_id: str, employer_id: str, on: date) -> None:
        self._employment_recorded(employment_id, employer_id, on)

    @records(EmploymentRecorded)
    def _employment_recorded(self, employment_id: str, employer_id: str, on: date) -> None:
        self.employments.append((on, employment_id, employer_id))

    def update(self, changes: dict[str, Any], on: date, digest: str) -> None:
        self._updated(changes, on, digest)

    @records(Updated)
    def _updated(self, changes: dict[str, Any], on: date, digest: str) -> None:
        self.updates.append((on, dict(changes)))
        self.update_digests[on] = digest

    def facts_on(self, day: date | None = None) -> dict[str, Any]:
        """The facts in force on `day` (all updates when `day` is None)."""
        facts = dict(self.registered_facts)
        for on, changes in sorted(self.updates, key=lambda item: item[0]):
            if day is None or on <= day:
                facts.update(changes)
        return facts

    @property
    def name(self) -> str:
        return str(self.facts_on()["name"])
