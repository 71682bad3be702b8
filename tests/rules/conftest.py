"""A small factory of claim facts: each subsidy's default claim is one Kunshan approves,
so a test changes only the fact it is about."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from rules.facts import (
    CertificateFacts,
    ClaimFacts,
    ClassFacts,
    InstitutionFacts,
    LimitFacts,
    PersonFacts,
    TrainingFacts,
)

ALICE = "320583199001010011"
BOB = "320583199202020022"
ACME = "91320583MA1ACME001"  # An insured enterprise, Alice's employer.
OTHER_CO = "91320583MA1OTHER02"
SCHOOL = "12320583MB1SCHOOL3"
TRAINING_DATE = date(2020, 6, 30)

PERSON_PAID = "person"


class Factory:
    """Builders of facts; each takes keyword overrides of its defaults."""

    def person(self, **overrides: Any) -> PersonFacts:
        defaults: dict[str, Any] = {
            "person_id": ALICE,
            "name": "Alice",
            "jurisdiction": "kunshan",
            "groups": frozenset({"enterprise_employee"}),
            "insured_months": 12,
            "pensioner": False,
            "unemployment_benefit": False,
            "employer_id": ACME,
        }
        return PersonFacts(**{**defaults, **overrides})

    def enterprise(self, **overrides: Any) -> InstitutionFacts:
        defaults: dict[str, Any] = {
            "institution_id": ACME,
            "name": "Acme",
            "kind": "enterprise",
            "jurisdiction": "kunshan",
            "insured": True,
        }
        return InstitutionFacts(**{**defaults, **overrides})

    def school(self, **overrides: Any) -> InstitutionFacts:
        return self.enterprise(
            **{"institution_id": SCHOOL, "name": "School", "kind": "school", **overrides}
        )

    def klass(self, **overrides: Any) -> ClassFacts:
        defaults: dict[str, Any] = {
            "class_id": "K-1",
            "fund_id": "F-1",
            "institution_id": ACME,
            "scheme": "pre_job",
            "occupation": "electrician",
            "level": None,
            "start_date": date(2020, 6, 21),
            "end_date": TRAINING_DATE,
            "class_hours": 40,
            "enrolled_count": 20,
        }
        return ClassFacts(**{**defaults, **overrides})

    def training(self, **overrides: Any) -> TrainingFacts:
        defaults: dict[str, Any] = {
            "enrolled_on": date(2020, 6, 20),
            "attended_minutes": 40 * 60,
            "completed": True,
            "passed": True,
            "completed_on": TRAINING_DATE,
        }
        return TrainingFacts(**{**defaults, **overrides})

    def certificate(self, **overrides: Any) -> CertificateFacts:
        defaults: dict[str, Any] = {
            "certificate_no": "E-1",
            "person_id": ALICE,
            "kind": "skill_level",
            "occupation": "electrician",
            "level": "senior",
            "issued_on": TRAINING_DATE,
            "issuer_id": "EVAL-1",
            "issued_in": "kunshan",
        }
        return CertificateFacts(**{**defaults, **overrides})

    def limits(self, **overrides: Any) -> LimitFacts:
        return LimitFacts(**{"training_key": "T-1", **overrides})

    def claim(
        self, subsidy: str, beneficiary: InstitutionFacts | str | None = None, **overrides: Any
    ) -> ClaimFacts:
        """The default approved claim of `subsidy`, with `overrides` applied.

        `beneficiary`: an institution, or "person" for the trainee; default per subsidy.
        """
        fields: dict[str, Any] = {
            "claim_id": "CL-1",
            "fund_id": "F-1",
            "jurisdiction": "kunshan",
            "filed_on": date(2020, 7, 15),
            "training_date": TRAINING_DATE,
            "subsidy": subsidy,
            "person": self.person(),
            "limits": self.limits(),
        }
        defaults = self._defaults(subsidy)
        default_paid = defaults.pop("paid", PERSON_PAID)
        fields.update({**defaults, **overrides})
        facts = ClaimFacts(beneficiary_id="", beneficiary_is_person=True, **fields)
        return self.paid_to(facts, beneficiary if beneficiary is not None else default_paid)

    def paid_to(self, facts: ClaimFacts, paid: InstitutionFacts | str) -> ClaimFacts:
        """The same claim, paid to an institution or (PERSON_PAID) to the trainee."""
        if isinstance(paid, InstitutionFacts):
            return replace(
                facts,
                beneficiary_id=paid.institution_id,
                beneficiary_is_person=False,
                beneficiary=paid,
            )
        person_id = facts.person.person_id if paid == PERSON_PAID else paid
        return replace(
            facts, beneficiary_id=person_id, beneficiary_is_person=True, beneficiary=None
        )

    def _defaults(self, subsidy: str) -> dict[str, Any]:
        certificate = self.certificate()
        defaults: dict[str, dict[str, Any]] = {
            "skill_upgrade": {"certificate": certificate, "certificate_no": "E-1"},
            "pre_job": {
                "paid": self.enterprise(),
                "klass": self.klass(),
                "training": self.training(),
            },
            "safety": {
                "paid": self.enterprise(),
                "klass": self.klass(scheme="safety"),
                "training": self.training(),
            },
            "work_based": {
                "paid": self.enterprise(),
                "person": self.person(groups=frozenset({"hardship"})),
                "months": 3,
            },
            "technician_research": {
                "paid": self.enterprise(),
                "klass": self.klass(scheme="technician_research", level="technician"),
                "training": self.training(),
            },
            "apprenticeship": {
                "paid": self.enterprise(),
                "klass": self.klass(scheme="apprenticeship", level="intermediate"),
                "training": self.training(),
            },
            "special_operation": {
                "certificate": self.certificate(kind="special_operation", level=None),
                "certificate_no": "E-1",
            },
            "school_graduate": {
                "paid": self.school(),
                "certificate": self.certificate(
                    kind="vocational_qualification", level="intermediate"
                ),
                "certificate_no": "E-1",
                "person": self.person(insured_months=6),
            },
            "living_allowance": {
                "person": self.person(groups=frozenset({"low_income"})),
                "klass": self.klass(
                    scheme="employment_skills",
                    start_date=date(2020, 6, 21),
                    end_date=date(2020, 6, 30),
                ),
                "training": self.training(),
                "days": 10,
            },
        }
        return defaults.get(subsidy, {})


@pytest.fixture
def make() -> Factory:
    return Factory()


def codes(decision: Any) -> list[str]:
    """The reason codes of a decision, in order."""
    return [r.code for r in decision.reasons]
