"""Limits that span claims, each a small aggregate with a deterministic id.

The ledger reads them to give the rules their facts, and records each approved claim
on them in the same transaction as the claim. Two concurrent writers of conflicting
claims append to the same limit aggregate at the same version: exactly one commits,
the other reloads and is decided again on what is now recorded.
"""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from domain.base import Created, Entity, entity_id, records


class AnnualTrainings(Entity):
    """The subsidised trainings of one person in one calendar year (at most 3)."""

    TOPIC = "skillfund:AnnualTrainings"

    class Started(Created):
        TOPIC = "skillfund:AnnualTrainings.Started"
        person_id: str
        year: int

    class Counted(Entity.Event):
        TOPIC = "skillfund:AnnualTrainings.Counted"
        training_key: str
        claim_id: str
        on: date

    @staticmethod
    def create_id(person_id: str, year: int) -> UUID:
        return entity_id(f"/persons/{person_id}/years/{year}")

    def __init__(self, person_id: str, year: int) -> None:
        self.person_id, self.year = person_id, year
        self.trainings: dict[str, str] = {}  # Training key -> the first claim counted on it.

    def count(self, training_key: str, claim_id: str, on: date) -> None:
        if training_key not in self.trainings:
            self._counted(training_key, claim_id, on)

    @records(Counted)
    def _counted(self, training_key: str, claim_id: str, on: date) -> None:
        self.trainings[training_key] = claim_id


class OccupationLevel(Entity):
    """One occupation at one level for one person: subsidised once, ever, under any fund."""

    TOPIC = "skillfund:OccupationLevel"

    class Started(Created):
        TOPIC = "skillfund:OccupationLevel.Started"
        person_id: str
        occupation: str
        level: str

    class Taken(Entity.Event):
        TOPIC = "skillfund:OccupationLevel.Taken"
        training_key: str
        claim_id: str
        on: date

    @staticmethod
    def create_id(person_id: str, occupation: str, level: str) -> UUID:
        key = json.dumps([occupation, level], ensure_ascii=False)
        return entity_id(f"/persons/{person_id}/occupation-levels/{key}")

    def __init__(self, person_id: str, occupation: str, level: str) -> None:
        self.person_id, self.occupation, self.level = person_id, occupation, level
        self.training_key: str | None = None
        self.claim_id: str | None = None

    def take(self, training_key: str, claim_id: str, on: date) -> None:
        if self.training_key is None:
            self._taken(training_key, claim_id, on)

    @records(Taken)
    def _taken(self, training_key: str, claim_id: str, on: date) -> None:
        self.training_key, self.claim_id = training_key, claim_id


class WorkBasedOrPreJob(Entity):
    """以工代训 and the new-hire pre-job subsidy exclude each other for one person;
    以工代训 runs at most 6 months. Both are tracked here."""

    TOPIC = "skillfund:WorkBasedOrPreJob"

    class Started(Created):
        TOPIC = "skillfund:WorkBasedOrPreJob.Started"
        person_id: str

    class Claimed(Entity.Event):
        TOPIC = "skillfund:WorkBasedOrPreJob.Claimed"
        subsidy: str
        months: int
        claim_id: str
        on: date

    @staticmethod
    def create_id(person_id: str) -> UUID:
        return entity_id(f"/persons/{person_id}/work-based-or-pre-job")

    def __init__(self, person_id: str) -> None:
        self.person_id = person_id
        self.first_subsidy: str | None = None
        self.work_based_months = 0

    def claim(self, subsidy: str, months: int, claim_id: str, on: date) -> None:
        self._claimed(subsidy, months, claim_id, on)

    @records(Claimed)
    def _claimed(self, subsidy: str, months: int, claim_id: str, on: date) -> None:
        if self.first_subsidy is None:
            self.first_subsidy = subsidy
        if subsidy == "work_based":
            self.work_based_months += months
