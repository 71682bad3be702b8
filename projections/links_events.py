"""What each event states in the entity graph of projections/links.py, and what its
handler will read.

The creation events follow one pattern (`CREATIONS`); a finding's edges and an enrolment's
attended edge are spelled out once here, for the handler that writes them and for the
planner that says, before a batch is applied, which rows the handler will read (`NEEDS`),
so the whole batch is loaded in a few statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from domain.case import Case, Recovery
from domain.claim import Claim
from domain.finance import Advance, Objection, Payment, Publicity
from domain.fund import Fund
from domain.parties import Institution, Person
from domain.training import Certificate, Employment, Enrollment, TrainingClass
from projections.links_store import FACT_EDGES, Edge, Needs, NodeId

# What a beneficiary or a case subject may be, in the order `links.party_kind` tries them.
PARTY_KINDS = ("person", "institution", "claim")


class Creation(NamedTuple):
    """How a creation event becomes a node: its kind and key attribute, its label, the
    attributes kept (the event's `on` under the name `dated`), and its edges, each
    (relation, target kind, event attribute holding a key or a list of keys). A target
    kind "party" is a person or an institution, told apart by `links.party_kind`."""

    kind: str
    key: str
    label: Callable[[Any], str]
    attributes: tuple[str, ...]
    dated: str
    edges: tuple[tuple[str, str, str], ...]
    initial: tuple[tuple[str, Any], ...] = ()


def occupation_level(e: Any) -> str:
    return " ".join(part for part in (e.occupation, e.level) if part)


CREATIONS: dict[type, Creation] = {
    Fund.Opened: Creation(
        "fund", "fund_id", lambda e: e.name, ("jurisdiction",), "opened_on",
        (("sub_account_of", "fund", "parent_fund_id"),)),
    Institution.Registered: Creation(
        "institution", "institution_id", lambda e: e.name, ("kind", "jurisdiction", "insured"),
        "registered_on",
        (("paid_into", "account", "account"), ("located_at", "address", "address"))),
    TrainingClass.Opened: Creation(
        "class", "class_id", occupation_level,
        ("scheme", "start_date", "end_date", "class_hours", "venue"), "opened_on",
        (("run_by", "institution", "institution_id"), ("charged_to", "fund", "fund_id"))),
    Certificate.Issued: Creation(
        "certificate", "certificate_no", occupation_level, ("kind", "issued_in"), "issued_on",
        (("held_by", "person", "person_id"), ("issued_by", "institution", "issuer_id"))),
    Claim.Filed: Creation(
        "claim", "claim_id", lambda e: e.subsidy, ("subsidy", "months", "days", "cost_fen"),
        "filed_on",
        (("for", "person", "person_id"), ("pays", "party", "beneficiary_id"),
         ("in_class", "class", "class_id"), ("on_certificate", "certificate", "certificate_no"),
         ("charged_to", "fund", "fund_id")),
        (("status", "filed"), ("amount_fen", 0))),
    Payment.Made: Creation(
        "payment", "payment_id", lambda e: e.reference,
        ("amount_fen", "net_fen", "advance_settled_fen", "channel"), "paid_on",
        (("pays_claim", "claim", "claim_id"),)),
    Advance.Paid: Creation(
        "advance", "advance_id", lambda e: "", ("amount_fen", "channel", "citation"), "paid_on",
        (("advance_for", "class", "class_id"), ("advanced_to", "institution", "institution_id"),
         ("charged_to", "fund", "fund_id"))),
    Publicity.Started: Creation(
        "publicity", "publicity_id", lambda e: f"{e.start_date} – {e.end_date}",
        ("working_days", "citation"), "started_on", (("publicizes", "claim", "claim_ids"),)),
    Objection.Raised: Creation(
        "objection", "objection_id", lambda e: e.summary, (), "raised_on",
        (("objects_to", "claim", "claim_id"), ("raised_in", "publicity", "publicity_id")),
        (("status", "open"),)),
    Case.Opened: Creation(
        "case", "case_id", lambda e: e.reason, (), "opened_on",
        (("investigates", "party", "subject_ids"),), (("status", "open"),)),
    Recovery.Recorded: Creation(
        "recovery", "recovery_id", lambda e: e.reference, ("amount_fen", "channel"),
        "recovered_on",
        (("recovered_under", "case", "case_id"), ("returned_to", "fund", "fund_id"))),
}  # fmt: skip


def creation_links(e: Any) -> Iterator[tuple[str, str, str]]:
    """The edges a creation event states: (relation, target kind, target key)."""
    for relation, kind, attribute in CREATIONS[type(e)].edges:
        value = getattr(e, attribute)
        for key in value if isinstance(value, list) else [value] if value else []:
            yield relation, kind, key


def case_links(e: Case.Concluded) -> list[tuple[str, NodeId, dict[str, Any]]]:
    """A finding's edges: the claims it covers (rejected or clawed back), the advances it
    claws back and the institutions it bans, each (relation, target, attributes)."""
    amounts = {(c["kind"], c["id"]): c["amount_fen"] for c in e.clawbacks}
    claim_ids = (
        set(e.claim_ids) | set(e.rejected_claim_ids) | {i for k, i in amounts if k == "claim"}
    )
    links: list[tuple[str, NodeId, dict[str, Any]]] = []
    for claim_id in sorted(claim_ids):
        outcome = "rejected" if claim_id in e.rejected_claim_ids else "clawback"
        owed = (
            {"clawback_fen": amounts[("claim", claim_id)]} if ("claim", claim_id) in amounts else {}
        )
        links.append(("covers", ("claim", claim_id), {"outcome": outcome, **owed}))
    for (kind, key), amount in sorted(amounts.items()):
        if kind == "advance":
            links.append(("claws_back", ("advance", key), {"clawback_fen": amount}))
    links += [("banned", ("institution", i), {}) for i in e.ban_institution_ids]
    return links


def attended_edge(node_id: NodeId) -> Edge:
    """The attended edge an enrolment aggregate is (its node key is class/person)."""
    class_id, person_id = node_id[1].rsplit("/", 1)
    return ("person", person_id), "attended", ("class", class_id)


# --- What each handler reads ----------------------------------------------------------------


def creation_needs(needs: Needs, e: Any) -> None:
    spec = CREATIONS[type(e)]
    node_id = (spec.kind, getattr(e, spec.key))
    needs.name(e.originator_id, node_id)
    needs.nodes.add(node_id)
    for relation, kind, key in creation_links(e):
        for target_kind in PARTY_KINDS if kind == "party" else (kind,):
            needs.link(node_id, relation, (target_kind, key))
            if kind == "party":  # party_kind reads which of these nodes exists.
                needs.nodes.add((target_kind, key))


def recovery_needs(needs: Needs, e: Any) -> None:
    creation_needs(needs, e)
    needs.nodes.add(("case", e.case_id))


def registered_needs(needs: Needs, e: Person.Registered) -> None:
    node_id = ("person", e.person_id)
    needs.name(e.originator_id, node_id)
    fact_needs(needs, node_id, e.facts)


def updated_needs(needs: Needs, e: Person.Updated) -> None:
    node_id = needs.node_of(e.originator_id)
    if node_id is not None:
        fact_needs(needs, node_id, e.changes)


def fact_needs(needs: Needs, node_id: NodeId, facts: dict[str, Any]) -> None:
    """The person, the fact edges it has, and the edges and nodes its facts name."""
    needs.nodes.add(node_id)
    needs.fact_sources.add(node_id)
    for fact, (relation, kind) in FACT_EDGES.items():
        if facts.get(fact):
            needs.link(node_id, relation, (kind, facts[fact]))


def employment_needs(needs: Needs, e: Any) -> None:
    needs.link(("person", e.person_id), "placed_at", ("institution", e.employer_id))


def enrolled_needs(needs: Needs, e: Any) -> None:
    node_id = ("enrollment", f"{e.class_id}/{e.person_id}")
    needs.name(e.originator_id, node_id)
    needs.edges.add(attended_edge(node_id))


def attendance_needs(needs: Needs, e: Any) -> None:
    node_id = needs.node_of(e.originator_id)
    if node_id is not None:
        needs.edges.add(attended_edge(node_id))


def case_needs(needs: Needs, e: Any) -> None:
    node_id = needs.node_of(e.originator_id)
    if node_id is not None:
        needs.nodes.add(node_id)
        for relation, target, _ in case_links(e):
            needs.link(node_id, relation, target)


def node_needs(needs: Needs, e: Any) -> None:
    """The node of the event's aggregate (the default)."""
    node_id = needs.node_of(e.originator_id)
    if node_id is not None:
        needs.nodes.add(node_id)


# The rows each handler reads, by event class; the others read their aggregate's node.
NEEDS: dict[type, Callable[[Needs, Any], None]] = {
    **dict.fromkeys(CREATIONS, creation_needs),
    Person.Registered: registered_needs,
    Person.Updated: updated_needs,
    Employment.Recorded: employment_needs,
    Enrollment.Enrolled: enrolled_needs,
    Enrollment.AttendanceRecorded: attendance_needs,
    Enrollment.Completed: attendance_needs,
    Case.Concluded: case_needs,
    Recovery.Recorded: recovery_needs,
}
