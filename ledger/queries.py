"""What the query verbs return, as plain JSON-ready dicts with money in yuan strings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.base import business_date, event_label
from domain.fund import Fund
from domain.money import format_fen
from domain.parties import Institution, Person
from domain.training import Certificate, TrainingClass
from ledger.service import Skillfund
from projections.balance import Balance, balance, sub_accounts
from projections.claims import claim_rows, claims_of
from projections.directory import enrollments, resolve
from projections.journal import reconciled_through

HIDDEN_EVENT_FIELDS = ("originator_id", "originator_version", "timestamp", "originator_topic")


class NotFoundError(Exception):
    """No entity is recorded under that id (exit code 1)."""


def public(value: Any) -> Any:
    """Money fields `*_fen` become yuan strings without the suffix; dates become ISO strings."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(key, str) and key.endswith("_fen") and isinstance(item, int):
                out[key[: -len("_fen")]] = format_fen(item)
            elif isinstance(key, str) and key.endswith("_fen") and isinstance(item, dict):
                out[key[: -len("_fen")]] = {k: format_fen(v) for k, v in item.items()}
            else:
                out[key] = public(item)
        return out
    if isinstance(value, list | tuple):
        return [public(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def balance_json(b: Balance) -> dict[str, Any]:
    return public(
        {
            "fund_id": b.fund_id,
            "as_of": b.as_of,
            "cash_fen": b.cash_fen,
            "deposits_by_channel_fen": b.deposits_by_channel_fen,
            "cash_by_channel_fen": b.cash_by_channel_fen,
            "approved_by_subsidy_fen": b.approved_by_subsidy_fen,
            "payable_by_subsidy_fen": b.payable_by_subsidy_fen,
            "paid_by_subsidy_fen": b.paid_by_subsidy_fen,
            "allocated_out_fen": b.allocated_out_fen,
            "allocated_in_fen": b.allocated_in_fen,
            "advances_outstanding_fen": b.advances_outstanding_fen,
            "institution_receivable_fen": b.institution_receivable_fen,
            "clawbacks_receivable_fen": b.clawbacks_receivable_fen,
            "recovered_fen": b.recovered_fen,
            "trial_balance_fen": b.debits_fen - b.credits_fen,
        }
    )


def fund_balance(sf: Skillfund, fund_id: str, as_of: date | None) -> dict[str, Any]:
    """The fund's own balance; a city fund with district sub-accounts also gets their
    balances and the consolidated figures (allocations between them cancel out)."""
    fund_aggregate(sf, fund_id)
    with sf.engine.connect() as connection:
        data = balance_json(balance(connection, [fund_id], as_of))
        data["reconciled_through"] = public(reconciled_through(connection, fund_id, as_of))
        children = sub_accounts(connection, fund_id)
        if children:
            data["sub_accounts"] = [balance_json(balance(connection, [c], as_of)) for c in children]
            consolidated = balance_json(balance(connection, [fund_id, *children], as_of))
            data["consolidated"] = consolidated | {"fund_ids": [fund_id, *children]}
    return data


def fund_aggregate(sf: Skillfund, fund_id: str) -> Fund:
    fund = sf.ledger.find(Fund, Fund.create_id(fund_id))
    if fund is None:
        raise NotFoundError(f"no fund {fund_id!r} is recorded")
    return fund


def claim_register(sf: Skillfund, **filters: Any) -> list[dict[str, Any]]:
    with sf.engine.connect() as connection:
        return [public(row) for row in claim_rows(connection, **filters)]


def show(sf: Skillfund, kind: str, key: str) -> dict[str, Any]:
    return SHOW[kind](sf, key)


def show_claim(sf: Skillfund, claim_id: str) -> dict[str, Any]:
    rows = claim_register(sf, claim_id=claim_id)
    if not rows:
        raise NotFoundError(f"no claim {claim_id!r} is recorded")
    return rows[0]


def show_fund(sf: Skillfund, fund_id: str) -> dict[str, Any]:
    fund = fund_aggregate(sf, fund_id)
    data = {
        "fund_id": fund.fund_id,
        "jurisdiction": fund.jurisdiction,
        "name": fund.name,
        "parent_fund_id": fund.parent_fund_id,
        "opened_on": fund.opened_on,
    }
    return public(data) | {"balance": fund_balance(sf, fund_id, None)}


def show_person(sf: Skillfund, person_id: str) -> dict[str, Any]:
    person = sf.ledger.find(Person, Person.create_id(person_id))
    if person is None:
        raise NotFoundError(f"no person {person_id!r} is recorded")
    with sf.engine.connect() as connection:
        data = {
            "person_id": person.person_id,
            "registered_on": person.registered_on,
            "facts": person.facts_on(None),
            "updates": [{"date": on, "changes": changes} for on, changes in person.updates],
            "enrollments": enrollments(connection, "person_id", person_id),
            "claims": claims_of(connection, "person_id", person_id),
        }
    return public(data)


def show_institution(sf: Skillfund, institution_id: str) -> dict[str, Any]:
    institution = sf.ledger.find(Institution, Institution.create_id(institution_id))
    if institution is None:
        raise NotFoundError(f"no institution {institution_id!r} is recorded")
    fields = (
        "institution_id",
        "name",
        "kind",
        "jurisdiction",
        "insured",
        "account",
        "address",
        "registered_on",
        "banned",
    )
    with sf.engine.connect() as connection:
        data = {name: getattr(institution, name) for name in fields}
        data["claims_as_beneficiary"] = claims_of(connection, "beneficiary_id", institution_id)
    return public(data)


def show_class(sf: Skillfund, class_id: str) -> dict[str, Any]:
    klass = sf.ledger.find(TrainingClass, TrainingClass.create_id(class_id))
    if klass is None:
        raise NotFoundError(f"no class {class_id!r} is recorded")
    fields = (
        "class_id",
        "fund_id",
        "institution_id",
        "scheme",
        "occupation",
        "level",
        "start_date",
        "end_date",
        "class_hours",
        "venue",
    )
    with sf.engine.connect() as connection:
        data = {name: getattr(klass, name) for name in fields}
        data["trainees"] = enrollments(connection, "class_id", class_id)
        data["claims"] = claims_of(connection, "class_id", class_id)
    return public(data)


def show_certificate(sf: Skillfund, certificate_no: str) -> dict[str, Any]:
    certificate = sf.ledger.find(Certificate, Certificate.create_id(certificate_no))
    if certificate is None:
        raise NotFoundError(f"no certificate {certificate_no!r} is recorded")
    fields = (
        "certificate_no",
        "person_id",
        "kind",
        "occupation",
        "level",
        "issued_on",
        "issuer_id",
        "issued_in",
        "claim_id",
    )
    return public({name: getattr(certificate, name) for name in fields})


SHOW = {
    "fund": show_fund,
    "claim": show_claim,
    "person": show_person,
    "institution": show_institution,
    "class": show_class,
    "certificate": show_certificate,
}


def history(sf: Skillfund, key: str, as_of: date | None = None) -> dict[str, Any]:
    """Every event of the entities a key names, in recording order, with both dates."""
    with sf.engine.connect() as connection:
        entities = resolve(connection, key)
    if not entities:
        raise NotFoundError(f"nothing is recorded under {key!r}")
    events = []
    for entity in entities:
        for domain_event in sf.ledger.events.get(UUID(entity["aggregate_id"])):
            on = business_date(domain_event)
            if as_of is not None and on is not None and on > as_of:
                continue
            events.append(event_row(entity["kind"], domain_event, on))
    events.sort(key=lambda row: (row["recorded_at"], row["kind"], row["version"]))
    return {"id": key, "as_of": public(as_of), "events": events}


def event_row(kind: str, domain_event: Any, on: date | None) -> dict[str, Any]:
    data = {
        k: v for k, v in domain_event.__dict__.items() if k not in HIDDEN_EVENT_FIELDS and k != "on"
    }
    return {
        "kind": kind,
        "event": event_label(domain_event),
        "version": domain_event.originator_version,
        "business_date": public(on),
        "recorded_at": domain_event.timestamp.isoformat(),
        "data": public(data),
    }
