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
from ledger.timetravel import Cutoff, aggregate_as_of, view_engine
from projections.balance import Balance, balance, sub_accounts
from projections.claims import claim_rows, claims_of
from projections.directory import enrollments, resolve
from projections.journal import reconciled_through

HIDDEN_EVENT_FIELDS = ("originator_id", "originator_version", "timestamp", "originator_topic")
NO_CUTOFF = Cutoff()


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


def fund_balance(
    sf: Skillfund, fund_id: str, as_of: date | None, cutoff: Cutoff = NO_CUTOFF
) -> dict[str, Any]:
    """The fund's own balance; a city fund with district sub-accounts also gets their
    balances and the consolidated figures (allocations between them cancel out).
    Postings carry their business date, so --as-of alone reads the live journal; a
    --known-at replays the journal as it was known then."""
    fund_aggregate(sf, fund_id, cutoff)
    known = Cutoff(known_at=cutoff.known_at)
    with view_engine(sf, known) as engine, engine.connect() as connection:
        data = balance_json(balance(connection, [fund_id], as_of))
        data["reconciled_through"] = public(reconciled_through(connection, fund_id, as_of))
        children = sub_accounts(connection, fund_id)
        if children:
            data["sub_accounts"] = [balance_json(balance(connection, [c], as_of)) for c in children]
            consolidated = balance_json(balance(connection, [fund_id, *children], as_of))
            data["consolidated"] = consolidated | {"fund_ids": [fund_id, *children]}
    if cutoff.known_at is not None:
        data["known_at"] = cutoff.known_at.isoformat()
    return data


def find_as_of(sf: Skillfund, cls: Any, key: str, kind: str, cutoff: Cutoff) -> Any:
    """The aggregate as the cutoff sees it; NotFoundError when it did not exist yet."""
    aggregate_id = cls.create_id(key)
    found = (
        aggregate_as_of(sf, aggregate_id, cutoff)
        if cutoff.active
        else sf.ledger.find(cls, aggregate_id)
    )
    if found is None:
        raise NotFoundError(
            f"no {kind} {key!r} is recorded" + (" by then" if cutoff.active else "")
        )
    return found


def fund_aggregate(sf: Skillfund, fund_id: str, cutoff: Cutoff = NO_CUTOFF) -> Fund:
    return find_as_of(sf, Fund, fund_id, "fund", cutoff)  # type: ignore[no-any-return]


def claim_register(
    sf: Skillfund, cutoff: Cutoff = NO_CUTOFF, **filters: Any
) -> list[dict[str, Any]]:
    with view_engine(sf, cutoff) as engine, engine.connect() as connection:
        return [public(row) for row in claim_rows(connection, **filters)]


def show(sf: Skillfund, kind: str, key: str, cutoff: Cutoff = NO_CUTOFF) -> dict[str, Any]:
    if kind == "claim":
        return show_claim(sf, key, cutoff)
    aggregate = find_as_of(sf, SHOWN[kind][0], key, kind, cutoff)
    data = {name: getattr(aggregate, name, None) for name in SHOWN[kind][1]}
    with view_engine(sf, cutoff) as engine, engine.connect() as connection:
        data |= related(connection, kind, key, aggregate, cutoff)
    if kind == "fund":
        data["balance"] = fund_balance(sf, key, cutoff.as_of, cutoff)
    return public(data)


def show_claim(sf: Skillfund, claim_id: str, cutoff: Cutoff = NO_CUTOFF) -> dict[str, Any]:
    rows = claim_register(sf, cutoff, claim_id=claim_id)
    if not rows:
        raise NotFoundError(
            f"no claim {claim_id!r} is recorded" + (" by then" if cutoff.active else "")
        )
    return rows[0]


def related(connection: Any, kind: str, key: str, aggregate: Any, cutoff: Cutoff) -> dict[str, Any]:
    """The lists shown beside an entity: its enrolments, trainees and claims."""
    if kind == "person":
        return {
            "facts": aggregate.facts_on(cutoff.as_of),
            "updates": [{"date": on, "changes": ch} for on, ch in aggregate.updates],
            "enrollments": enrollments(connection, "person_id", key),
            "claims": claims_of(connection, "person_id", key),
        }
    if kind == "institution":
        return {"claims_as_beneficiary": claims_of(connection, "beneficiary_id", key)}
    if kind == "class":
        return {
            "trainees": enrollments(connection, "class_id", key),
            "claims": claims_of(connection, "class_id", key),
        }
    return {}


# What `show` prints of each kind of aggregate.
SHOWN: dict[str, tuple[Any, tuple[str, ...]]] = {
    "fund": (Fund, ("fund_id", "jurisdiction", "name", "parent_fund_id", "opened_on")),
    "person": (Person, ("person_id", "registered_on")),
    "institution": (
        Institution,
        ("institution_id", "name", "kind", "jurisdiction", "insured", "account", "address",
         "registered_on", "banned"),
    ),
    "class": (
        TrainingClass,
        ("class_id", "fund_id", "institution_id", "scheme", "occupation", "level", "start_date",
         "end_date", "class_hours", "venue"),
    ),
    "certificate": (
        Certificate,
        ("certificate_no", "person_id", "kind", "occupation", "level", "issued_on", "issuer_id",
         "issued_in", "claim_id"),
    ),
}  # fmt: skip


def history(sf: Skillfund, key: str, cutoff: Cutoff = NO_CUTOFF) -> dict[str, Any]:
    """Every event of the entities a key names, in recording order, with both dates."""
    with sf.engine.connect() as connection:
        entities = resolve(connection, key)
    if not entities:
        raise NotFoundError(f"nothing is recorded under {key!r}")
    events = []
    for entity in entities:
        for domain_event in sf.ledger.events.get(UUID(entity["aggregate_id"])):
            if cutoff.admits(domain_event):
                events.append(event_row(entity["kind"], domain_event, business_date(domain_event)))
    events.sort(key=lambda row: (row["recorded_at"], row["kind"], row["version"]))
    known_at = cutoff.known_at.isoformat() if cutoff.known_at else None
    return {"id": key, "as_of": public(cutoff.as_of), "known_at": known_at, "events": events}


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
