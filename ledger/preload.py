"""Which aggregates a batch of commands will probably load, read from their fields.

Before a batch runs, the ledger loads every aggregate its commands name in a few
`SELECT … WHERE originator_id IN (…)` statements instead of one statement per aggregate
as each handler asks (ledger/app.py, `Ledger.preload`). A hint is only a guess: an
aggregate hinted and never asked for costs a row read, one asked for and not hinted is
loaded when asked. Results never depend on the hints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from domain.claim import Claim
from domain.finance import Advance, ClassFunding, Objection, Payment, Publicity
from domain.fund import Deposit
from domain.limits import AnnualTrainings, OccupationLevel, WorkBasedOrPreJob
from domain.parties import Institution, Person
from domain.training import Certificate, Employment, Enrollment, TrainingClass
from rules.facts import claim_occupation

# field -> the aggregate ids that field names.
BY_FIELD: dict[str, Callable[[Any], UUID]] = {
    "person_id": Person.create_id,
    "institution_id": Institution.create_id,
    "employer_id": Institution.create_id,
    "issuer_id": Institution.create_id,
    "class_id": TrainingClass.create_id,
    "certificate_no": Certificate.create_id,
    "claim_id": Claim.create_id,
    "employment_id": Employment.create_id,
    "deposit_id": Deposit.create_id,
    "payment_id": Payment.create_id,
    "advance_id": Advance.create_id,
    "publicity_id": Publicity.create_id,
    "objection_id": Objection.create_id,
}


def hinted_ids(commands: Iterable[Any]) -> list[UUID]:
    """The aggregate ids the commands name, each once, in first-named order (every hint
    costs hashing on the hot path, so only those a handler is likely to load)."""
    ids: dict[UUID, None] = {}
    for command in commands:
        fields = command.fields
        for name, id_of in BY_FIELD.items():
            value = fields.get(name)
            if isinstance(value, str) and value:
                ids[id_of(value)] = None
        person, klass = fields.get("person_id"), fields.get("class_id")
        if isinstance(person, str) and isinstance(klass, str):
            ids[Enrollment.create_id(klass, person)] = None
        if command.type == "file_claim":
            ids.update(dict.fromkeys(claim_ids(fields)))
        listed = fields.get("claim_ids")  # A publicity list.
        if isinstance(listed, list):
            ids.update((Claim.create_id(c), None) for c in listed if isinstance(c, str) and c)
    return list(ids)


def derived_ids(commands: Sequence[Any], cached: Callable[[UUID], Any]) -> list[UUID]:
    """The second round of hints, from what the first loaded (`cached` gives the cached
    aggregate or None) or, for a class or certificate recorded in the same batch, from
    its command: the limits a claim reads that its class or certificate decide, for the
    claim's occupation and level (rules/facts.py, `claim_occupation`) and for the year
    of its training (the class's end, else the certificate's issue). On the city
    workload these, with the payment, advance, objection and publicity ids and the
    publicity lists, were 41,000 single-row reads (9.5 s of a 149 s PostgreSQL ingest)."""
    in_batch: dict[UUID, SimpleNamespace] = {}
    for command in commands:
        fields = command.fields
        if command.type == "open_class":
            in_batch[TrainingClass.create_id(fields["class_id"])] = SimpleNamespace(**fields)
        elif command.type == "issue_certificate":
            in_batch[Certificate.create_id(fields["certificate_no"])] = SimpleNamespace(**fields)
    ids: dict[UUID, None] = {}
    for command in commands:
        fields = command.fields
        person = fields.get("person_id")
        if command.type != "file_claim" or not isinstance(person, str):
            continue
        klass, certificate = (
            cached(id_of(value)) or in_batch.get(id_of(value))
            if isinstance(value, str) and value
            else None
            for id_of, value in (
                (TrainingClass.create_id, fields.get("class_id")),
                (Certificate.create_id, fields.get("certificate_no")),
            )
        )
        occupation, level = claim_occupation(certificate, klass)
        if occupation:
            ids[OccupationLevel.create_id(person, occupation, level or "")] = None
        trained = klass.end_date if klass is not None else getattr(certificate, "issued_on", None)
        if isinstance(trained, date):
            ids[AnnualTrainings.create_id(person, trained.year)] = None
    return list(ids)


def claim_ids(fields: dict[str, Any]) -> list[UUID]:
    """What assessing a claim reads besides the ids its fields name: the beneficiary, the
    class's funding and the person's limits."""
    found = []
    beneficiary, person = fields.get("beneficiary_id"), fields.get("person_id")
    if isinstance(beneficiary, str):
        found += [Person.create_id(beneficiary), Institution.create_id(beneficiary)]
    if isinstance(fields.get("class_id"), str):
        found.append(ClassFunding.create_id(fields["class_id"]))
    if isinstance(person, str):
        found.append(WorkBasedOrPreJob.create_id(person))
        filed = fields.get("filed_on") or fields.get("date")
        if isinstance(filed, date):
            found.append(AnnualTrainings.create_id(person, filed.year))
    return found
