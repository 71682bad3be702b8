"""What the rules see: plain, immutable facts gathered by the ledger before assessment.

The ledger loads aggregates, reads the limit aggregates, picks the catalog in force,
and hands the rules one ClaimFacts. Rules never read the database or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol


@dataclass(frozen=True)
class PersonFacts:
    """A person's facts as in force on the training date (update_person is effective-dated)."""

    person_id: str
    name: str
    jurisdiction: str
    groups: frozenset[str]
    insured_months: int
    pensioner: bool
    unemployment_benefit: bool
    employer_id: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class InstitutionFacts:
    institution_id: str
    name: str
    kind: str  # enterprise | school | training_org | evaluation_org | department
    jurisdiction: str
    insured: bool = False
    banned: bool = False


@dataclass(frozen=True)
class ClassFacts:
    class_id: str
    fund_id: str
    institution_id: str
    scheme: str
    occupation: str
    level: str | None
    start_date: date
    end_date: date
    class_hours: int
    enrolled_count: int = 0


@dataclass(frozen=True)
class TrainingFacts:
    """One person's record in one class: enrolment, attendance and completion."""

    enrolled_on: date
    attended_minutes: int
    completed: bool
    passed: bool
    completed_on: date | None = None


@dataclass(frozen=True)
class CertificateFacts:
    certificate_no: str
    person_id: str
    kind: str
    occupation: str
    level: str | None
    issued_on: date
    issuer_id: str
    issued_in: str


@dataclass(frozen=True)
class TrainingStandardFacts:
    """One row of a 《职业培训补贴目录》 (training_standards catalog) in force: the
    standard training and appraisal cost of an occupation at a level."""

    occupation: str
    level: str | None
    training_fen: int
    appraisal_fen: int


@dataclass(frozen=True)
class EmploymentFacts:
    """A job placement of the person (record_employment)."""

    employment_id: str
    employer_id: str
    on: date


@dataclass(frozen=True)
class LimitFacts:
    """What the limit aggregates hold for this person and this claim's training.

    `training_key` identifies the training the claim is for (the class id, else the
    certificate number, else the claim id). Claims on the same training (an allowance
    beside the main subsidy) do not count twice.
    """

    training_key: str
    trainings_this_year: frozenset[str] = frozenset()  # Training keys subsidised this year.
    occupation_level_training: str | None = None  # Training key that used this occupation+level.
    certificate_claim_id: str | None = None  # Claim already based on the certificate.
    work_based_months_used: int = 0  # 以工代训 months already approved for the person.
    exclusive_claimed: str | None = None  # "work_based" or "pre_job", whichever was approved first.


@dataclass(frozen=True)
class ClaimFacts:
    """Everything the rules may look at for one claim."""

    claim_id: str
    fund_id: str
    jurisdiction: str  # The fund's jurisdiction: whose rule pack applies.
    filed_on: date
    training_date: date  # The date whose rules and catalogs apply.
    subsidy: str
    beneficiary_id: str
    beneficiary_is_person: bool
    person: PersonFacts
    beneficiary: InstitutionFacts | None = None  # Set when an institution is paid.
    klass: ClassFacts | None = None
    training: TrainingFacts | None = None
    certificate: CertificateFacts | None = None
    certificate_no: str | None = None  # As filed; set even when no such certificate is recorded.
    months: int | None = None
    days: int | None = None
    amount_fen: int | None = None  # The actual cost, where a rule pays "actual cost if lower".
    enterprise_paid: bool = False
    shortage_occupations: frozenset[str] = frozenset()
    shortage_catalog_id: str | None = None
    class_institution: InstitutionFacts | None = None  # Who ran the class, when there is one.
    training_standard: TrainingStandardFacts | None = None  # For the claim's occupation+level.
    training_standards_catalog_id: str | None = None
    uplift_enterprises: Mapping[str, str] = field(default_factory=dict)  # Institution -> reason.
    uplift_catalog_id: str | None = None
    employments: tuple[EmploymentFacts, ...] = ()  # The person's placements, in date order.
    limits: LimitFacts = field(default_factory=lambda: LimitFacts(training_key=""))

    @property
    def occupation(self) -> str | None:
        """The occupation the claim is for: the certificate's, else the class's."""
        return claim_occupation(self.certificate, self.klass)[0]

    @property
    def level(self) -> str | None:
        return claim_occupation(self.certificate, self.klass)[1]


class HasOccupation(Protocol):
    @property
    def occupation(self) -> str: ...
    @property
    def level(self) -> str | None: ...


def claim_occupation(
    certificate: HasOccupation | None, klass: HasOccupation | None
) -> tuple[str | None, str | None]:
    """The occupation and level a claim is for: the certificate's occupation, else the
    class's; the certificate's level, else the class's. Takes the facts or the aggregates
    (the ledger's preload guesses from the aggregates which limits a claim will read)."""
    occupation = level = None
    if certificate is not None:
        occupation, level = certificate.occupation, certificate.level or None
    elif klass is not None:
        occupation = klass.occupation
    if level is None and klass is not None:
        level = klass.level
    return occupation, level
