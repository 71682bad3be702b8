"""The links: the entity graph an inspector walks with `skillfund trace`.

Every fact that joins two things is an edge of `pj_links`: a claim is *for* a person and
*pays* a beneficiary, a person *attended* a class and is *paid into* an account, a case
*investigates* its subjects. Accounts, addresses and phones are nodes of their own, so two
people paid into one account, or two institutions at one address, meet at that node.
`pj_link_nodes` holds each node's label and the attributes worth showing (a claim's status
and amount; sessions and minutes attended are on the *attended* edge). Inspectors see full
data: nothing here is masked.

History is kept: when a person's account, phone or employer changes, a new edge is added
`since` the update's date and the old one is marked `until` that date, never deleted.

Writes are set-based (projections/links_store.py): before a batch is applied, each event
says which rows its handler will read (`NEEDS`), and they are loaded in a few statements.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.case import Case, Recovery
from domain.claim import Claim
from domain.finance import Objection
from domain.identity import is_valid_credit_code, is_valid_resident_id
from domain.parties import Institution, Person
from domain.training import Employment, Enrollment
from projections.base import EventHandler, Projection
from projections.links_events import (
    CREATIONS,
    NEEDS,
    PARTY_KINDS,
    attended_edge,
    case_links,
    creation_links,
    node_needs,
)
from projections.links_store import (
    AGGREGATES,
    FACT_EDGES,
    LINKS,
    NODES,
    LinkStore,
    Needs,
    NodeId,
)

PERSON_ATTRIBUTES = ("jurisdiction", "groups", "insured_months", "pensioner")
EDGE_QUERY_LIMIT = 10_000


def party_kind(store: LinkStore, key: str) -> str:
    """The kind of a beneficiary or case subject: the node recorded under that key, else
    what its check character says (a resident id: person, a credit code: institution)."""
    for kind in PARTY_KINDS:
        if store.has_node((kind, key)):
            return kind
    if is_valid_resident_id(key):
        return "person"
    return "institution" if is_valid_credit_code(key) else "claim"


# --- Handlers -------------------------------------------------------------------------------


def created(store: LinkStore, e: Any, nid: int) -> None:
    """A node from its creation event, with its edges (see CREATIONS)."""
    spec = CREATIONS[type(e)]
    node_id = (spec.kind, getattr(e, spec.key))
    attributes = {name: getattr(e, name) for name in spec.attributes} | dict(spec.initial)
    attributes = {k: v for k, v in attributes.items() if v is not None} | {spec.dated: e.on}
    store.put_node(node_id, str(spec.label(e)), attributes)
    store.name_aggregate(e.originator_id, node_id)
    for relation, kind, key in creation_links(e):
        target = (party_kind(store, key) if kind == "party" else kind, key)
        store.link(node_id, relation, target, e.on, nid)


def person_registered(store: LinkStore, e: Any, nid: int) -> None:
    node_id = ("person", e.person_id)
    attributes = {k: e.facts.get(k) for k in PERSON_ATTRIBUTES} | {"registered_on": e.on}
    store.put_node(node_id, str(e.facts.get("name") or ""), attributes)
    store.name_aggregate(e.originator_id, node_id)
    link_facts(store, node_id, e.facts, e, nid)


def person_updated(store: LinkStore, e: Any, nid: int) -> None:
    node_id = store.node_of(e.originator_id)
    shown = {k: v for k, v in e.changes.items() if k in PERSON_ATTRIBUTES}
    label = {"label": str(e.changes["name"])} if e.changes.get("name") else {}
    store.update_node(node_id, lambda a: a.update(shown), **label)
    link_facts(store, node_id, e.changes, e, nid)


def link_facts(store: LinkStore, node_id: NodeId, facts: dict[str, Any], e: Any, nid: int) -> None:
    """Edges for the facts naming an account, a phone or an employer, `since` the event's
    date; an edge to a value the new one replaces is kept, marked `until` that date."""
    for fact, (relation, kind) in FACT_EDGES.items():
        if fact not in facts:
            continue
        for target in store.fact_targets_of(node_id, relation):
            replaced = target[1] != facts[fact]
            if replaced and "until" not in store.edge_attributes(node_id, relation, target):
                store.update_edge(node_id, relation, target, until=e.on)
        if facts[fact]:
            store.link(node_id, relation, (kind, facts[fact]), e.on, nid, since=e.on)


def employment_recorded(store: LinkStore, e: Any, nid: int) -> None:
    target = ("institution", e.employer_id)
    details = {"employment_id": e.employment_id, "since": e.on}
    store.link(("person", e.person_id), "placed_at", target, e.on, nid, **details)


def enrolled(store: LinkStore, e: Any, nid: int) -> None:
    store.name_aggregate(e.originator_id, ("enrollment", f"{e.class_id}/{e.person_id}"))
    counts = {"enrolled_on": e.on, "sessions": 0, "minutes": 0}
    store.link(("person", e.person_id), "attended", ("class", e.class_id), e.on, nid, **counts)


def attendance_recorded(store: LinkStore, e: Any, nid: int) -> None:
    """Sessions and minutes add up on the attended edge."""
    edge = attended_edge(store.node_of(e.originator_id))
    before = store.edge_attributes(*edge)
    store.update_edge(*edge, sessions=before["sessions"] + 1, minutes=before["minutes"] + e.minutes)


def training_completed(store: LinkStore, e: Any, nid: int) -> None:
    edge = attended_edge(store.node_of(e.originator_id))
    store.update_edge(*edge, completed_on=e.on, passed=e.passed)


def claim_decided(store: LinkStore, e: Any, nid: int) -> None:
    """Approved or rejected: the decision as the rules recorded it."""
    approved = isinstance(e, Claim.Approved)
    changes = {"status": "approved" if approved else "rejected", "rule_id": e.rule_id}
    changes |= {"decided_on": e.on, "citations": list(e.citations)}
    if approved:
        changes["amount_fen"] = e.amount_fen
    else:
        changes["reasons"] = [r.get("code") for r in e.reasons]
    store.update_node(store.node_of(e.originator_id), lambda a: a.update(changes))


def claim_changed(store: LinkStore, e: Any, nid: int) -> None:
    """The later life of a claim: publicity, objections, payment, a finding, recovery."""
    store.update_node(store.node_of(e.originator_id), lambda a: claim_status(a, e))


def claim_status(a: dict[str, Any], e: Any) -> None:
    if isinstance(e, Claim.Publicized):
        a.update(status="publicized", publicity_id=e.publicity_id)
    elif isinstance(e, Claim.ObjectionRaised):
        a.update(status="held", open_objections=a.get("open_objections", 0) + 1)
    elif isinstance(e, Claim.ObjectionResolved):
        a["open_objections"] = a.get("open_objections", 1) - 1
        if e.upheld:
            a.update(status="rejected", reasons=[*a.get("reasons", []), e.reason.get("code")])
        elif a["open_objections"] <= 0:
            a["status"] = "publicized"
    elif isinstance(e, Claim.Paid):
        a.update(status="paid", paid_fen=e.paid_fen, advance_settled_fen=e.advance_settled_fen)
    elif isinstance(e, Claim.RejectedByCase):
        a.update(status="rejected", case_id=e.case_id)
        a["reasons"] = [*a.get("reasons", []), e.reason.get("code")]
    elif isinstance(e, Claim.ClawedBack):
        a.update(status="clawback", case_id=e.case_id, clawback_fen=e.amount_fen)
    elif isinstance(e, Claim.Recovered):
        a["recovered_fen"] = a.get("recovered_fen", 0) + e.amount_fen
        if a["recovered_fen"] >= a.get("clawback_fen", 0):
            a["status"] = "recovered"


def objection_resolved(store: LinkStore, e: Any, nid: int) -> None:
    changes = {"status": "upheld" if e.upheld else "dismissed", "resolved_on": e.on}
    store.update_node(store.node_of(e.originator_id), lambda a: a.update(changes))


def case_concluded(store: LinkStore, e: Any, nid: int) -> None:
    """The finding on the case node, and its edges (see case_links)."""
    node_id = store.node_of(e.originator_id)
    amounts = {(c["kind"], c["id"]): c["amount_fen"] for c in e.clawbacks}
    changes = {"status": e.finding, "concluded_on": e.on, "receivable_fen": sum(amounts.values())}
    store.update_node(node_id, lambda a: a.update(changes))
    for relation, target, attributes in case_links(e):
        store.link(node_id, relation, target, e.on, nid, **attributes)


def institution_banned(store: LinkStore, e: Any, nid: int) -> None:
    changes = {"banned": True, "banned_by_case": e.case_id, "banned_on": e.on}
    store.update_node(store.node_of(e.originator_id), lambda a: a.update(changes))


def recovery_recorded(store: LinkStore, e: Any, nid: int) -> None:
    created(store, e, nid)
    recovered = "recovered_fen"
    store.update_node(
        ("case", e.case_id), lambda a: a.update({recovered: a.get(recovered, 0) + e.amount_fen})
    )


CLAIM_LATER_EVENTS = (
    Claim.Publicized,
    Claim.ObjectionRaised,
    Claim.ObjectionResolved,
    Claim.Paid,
    Claim.RejectedByCase,
    Claim.ClawedBack,
    Claim.Recovered,
)
StoreHandler = Callable[[LinkStore, Any, int], None]
HANDLERS: dict[type, StoreHandler] = {
    **dict.fromkeys(CREATIONS, created),
    **dict.fromkeys(CLAIM_LATER_EVENTS, claim_changed),
    **dict.fromkeys((Claim.Approved, Claim.Rejected), claim_decided),
    Person.Registered: person_registered,
    Person.Updated: person_updated,
    Employment.Recorded: employment_recorded,
    Enrollment.Enrolled: enrolled,
    Enrollment.AttendanceRecorded: attendance_recorded,
    Enrollment.Completed: training_completed,
    Objection.Resolved: objection_resolved,
    Case.Concluded: case_concluded,
    Institution.Banned: institution_banned,
    Recovery.Recorded: recovery_recorded,
}


class Links(Projection):
    """The entity graph: its nodes, its edges, and which aggregate is which node."""

    name = "links"
    version = 2  # 2: the edges' target index holds the whole key.
    tables = (LINKS, NODES, AGGREGATES)
    store: LinkStore  # The current batch's rows, from `begin` to `flush`.

    def register(self) -> None:
        for event_class, handler in HANDLERS.items():
            self.on(event_class, self.bound(handler))

    def bound(self, handler: StoreHandler) -> EventHandler:
        """The handler, writing into the current batch's store."""
        return lambda connection, e, nid: handler(self.store, e, nid)

    def begin(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        """Load every row the batch reads: the aggregates' nodes first, as the rest of what
        an event needs may depend on which node its aggregate is."""
        self.store = LinkStore(connection)
        self.store.load_aggregates(e.originator_id for _, e in events)
        needs = Needs(self.store)
        for _, e in events:
            NEEDS.get(type(e), node_needs)(needs, e)
        self.store.load(needs)

    def flush(self, connection: Connection) -> None:
        self.store.flush()


def node_condition(node_id: NodeId) -> Any:
    return sa.and_(NODES.c.kind == node_id[0], NODES.c.key == node_id[1])


# --- Queries --------------------------------------------------------------------------------


def nodes_with_key(connection: Connection, keys: list[str]) -> list[dict[str, Any]]:
    """Every node recorded under one of these keys, of any kind."""
    query = sa.select(NODES).where(NODES.c.key.in_(keys)).order_by(NODES.c.kind, NODES.c.key)
    return [decoded(row) for row in connection.execute(query)]


def node(connection: Connection, node_id: NodeId) -> dict[str, Any] | None:
    row = connection.execute(sa.select(NODES).where(node_condition(node_id))).first()
    return decoded(row) if row is not None else None


def decoded(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    data["attributes"] = json.loads(data["attributes"])
    return data


def edges_of(
    connection: Connection, node_id: NodeId, limit: int = EDGE_QUERY_LIMIT
) -> list[dict[str, Any]]:
    """The edges out of and into a node, in a stable order, at most `limit` each way."""
    c = LINKS.c
    rows = []
    for kind, key in ((c.from_kind, c.from_key), (c.to_kind, c.to_key)):
        order = (c.relation, c.from_kind, c.from_key, c.to_kind, c.to_key)
        query = sa.select(LINKS).where(kind == node_id[0], key == node_id[1]).order_by(*order)
        rows += [decoded(row) for row in connection.execute(query.limit(limit))]
    return rows


def edge_count(connection: Connection, node_id: NodeId) -> int:
    c = LINKS.c
    total = 0
    for kind, key in ((c.from_kind, c.from_key), (c.to_kind, c.to_key)):
        query = sa.select(sa.func.count()).where(kind == node_id[0], key == node_id[1])
        total += int(connection.execute(query).scalar_one())
    return total
