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
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.case import Case, Recovery
from domain.claim import Claim
from domain.finance import Advance, Objection, Payment, Publicity
from domain.fund import Fund
from domain.identity import is_valid_credit_code, is_valid_resident_id
from domain.parties import Institution, Person
from domain.training import Certificate, Employment, Enrollment, TrainingClass
from projections.base import METADATA, Projection

NodeId = tuple[str, str]  # (kind, key)
KEY_SIZE = 500  # An address or a phone is a key: free text of up to 500 characters.

LINKS = sa.Table(
    "pj_links",
    METADATA,
    sa.Column("from_kind", sa.String(16), primary_key=True),
    sa.Column("from_key", sa.String(KEY_SIZE), primary_key=True),
    sa.Column("relation", sa.String(32), primary_key=True),
    sa.Column("to_kind", sa.String(16), primary_key=True),
    sa.Column("to_key", sa.String(KEY_SIZE), primary_key=True),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("attributes", sa.Text, nullable=False),
    sa.Index("ix_pj_links_to", "to_kind", "to_key"),
)
NODES = sa.Table(
    "pj_link_nodes",
    METADATA,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(KEY_SIZE), primary_key=True),
    sa.Column("label", sa.String(KEY_SIZE), nullable=False),
    sa.Column("attributes", sa.Text, nullable=False),
    sa.Index("ix_pj_link_nodes_key", "key"),
)
# The node (or, for an enrolment, the attended edge) each aggregate is: an aggregate's
# later events carry only its uuid.
AGGREGATES = sa.Table(
    "pj_link_aggregates",
    METADATA,
    sa.Column("aggregate_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("key", sa.String(KEY_SIZE), nullable=False),
)

# Kinds whose nodes are plain values, added by the first edge that names them; edges to
# them carry `since`.
VALUE_KINDS = frozenset({"account", "address", "phone"})
# Person facts that are edges: fact -> (relation, kind of the node it names).
FACT_EDGES = {
    "account": ("paid_into", "account"),
    "phone": ("phone", "phone"),
    "employer_id": ("works_for", "institution"),
}
PERSON_ATTRIBUTES = ("jurisdiction", "groups", "insured_months", "pensioner")
EDGE_QUERY_LIMIT = 10_000


class Creation(NamedTuple):
    """How a creation event becomes a node: its kind and key attribute, its label, the
    attributes kept (the event's `on` under the name `dated`), and its edges, each
    (relation, target kind, event attribute holding a key or a list of keys). A target
    kind "party" is a person or an institution, told apart by `party_kind`."""

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


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def node_condition(node_id: NodeId) -> Any:
    return sa.and_(NODES.c.kind == node_id[0], NODES.c.key == node_id[1])


def edge_key(source: NodeId, relation: str, target: NodeId) -> dict[str, str]:
    names = ("from_kind", "from_key", "relation", "to_kind", "to_key")
    return dict(zip(names, (*source, relation, *target), strict=True))


def edge_condition(source: NodeId, relation: str, target: NodeId) -> Any:
    return sa.and_(*(LINKS.c[k] == v for k, v in edge_key(source, relation, target).items()))


def put_node(
    connection: Connection, node_id: NodeId, label: str, attributes: dict[str, Any]
) -> None:
    """Add a node unless it exists (a shared account is added once, by its first holder)."""
    if connection.execute(sa.select(NODES.c.kind).where(node_condition(node_id))).first() is None:
        values = {"label": label[:KEY_SIZE], "attributes": dumps(attributes)}
        connection.execute(NODES.insert().values(kind=node_id[0], key=node_id[1], **values))


def name_aggregate(connection: Connection, aggregate_id: Any, node_id: NodeId) -> None:
    values = {"aggregate_id": str(aggregate_id), "kind": node_id[0], "key": node_id[1]}
    connection.execute(AGGREGATES.insert().values(**values))


def node_of(connection: Connection, aggregate_id: Any) -> NodeId:
    a = AGGREGATES.c
    query = sa.select(a.kind, a.key).where(a.aggregate_id == str(aggregate_id))
    row = connection.execute(query).one()
    return str(row.kind), str(row.key)


def update_node(
    connection: Connection, node_id: NodeId, change: Callable[[dict[str, Any]], None], **values: Any
) -> None:
    """Change a node's attributes in place (`change` mutates them); `values` set columns."""
    row = connection.execute(sa.select(NODES.c.attributes).where(node_condition(node_id))).first()
    if row is not None:
        attributes = json.loads(row.attributes)
        change(attributes)
        values["attributes"] = dumps(attributes)
        connection.execute(NODES.update().where(node_condition(node_id)).values(**values))


def link(
    connection: Connection,
    source: NodeId,
    relation: str,
    target: NodeId,
    e: Any,
    nid: int,
    **attributes: Any,
) -> None:
    """Add an edge unless it exists: the first event that states a link dates it."""
    if target[0] in VALUE_KINDS:
        put_node(connection, target, target[1], {})
        attributes.setdefault("since", e.on)
    condition = edge_condition(source, relation, target)
    if connection.execute(sa.select(LINKS.c.relation).where(condition)).first() is None:
        details = {"notification_id": nid, "on": e.on, "attributes": dumps(attributes)}
        connection.execute(LINKS.insert().values(**edge_key(source, relation, target), **details))


def edge_attributes(
    connection: Connection, source: NodeId, relation: str, target: NodeId
) -> dict[str, Any]:
    condition = edge_condition(source, relation, target)
    return dict(
        json.loads(connection.execute(sa.select(LINKS.c.attributes).where(condition)).scalar_one())
    )


def update_edge(
    connection: Connection, source: NodeId, relation: str, target: NodeId, **changes: Any
) -> None:
    """Merge `changes` into an edge's attributes."""
    attributes = edge_attributes(connection, source, relation, target) | changes
    condition = edge_condition(source, relation, target)
    connection.execute(LINKS.update().where(condition).values(attributes=dumps(attributes)))


def party_kind(connection: Connection, key: str) -> str:
    """The kind of a beneficiary or case subject: the node recorded under that key, else
    what its check character says (a resident id: person, a credit code: institution)."""
    for kind in ("person", "institution", "claim"):
        if connection.execute(sa.select(NODES.c.kind).where(node_condition((kind, key)))).first():
            return kind
    if is_valid_resident_id(key):
        return "person"
    return "institution" if is_valid_credit_code(key) else "claim"


# --- Handlers -------------------------------------------------------------------------------


def created(connection: Connection, e: Any, nid: int) -> None:
    """A node from its creation event, with its edges (see CREATIONS)."""
    spec = CREATIONS[type(e)]
    node_id = (spec.kind, getattr(e, spec.key))
    attributes = {name: getattr(e, name) for name in spec.attributes} | dict(spec.initial)
    attributes = {k: v for k, v in attributes.items() if v is not None} | {spec.dated: e.on}
    put_node(connection, node_id, str(spec.label(e)), attributes)
    name_aggregate(connection, e.originator_id, node_id)
    for relation, kind, attribute in spec.edges:
        value = getattr(e, attribute)
        for key in value if isinstance(value, list) else [value] if value else []:
            target = (party_kind(connection, key) if kind == "party" else kind, key)
            link(connection, node_id, relation, target, e, nid)


def person_registered(connection: Connection, e: Any, nid: int) -> None:
    node_id = ("person", e.person_id)
    attributes = {k: e.facts.get(k) for k in PERSON_ATTRIBUTES} | {"registered_on": e.on}
    put_node(connection, node_id, str(e.facts.get("name") or ""), attributes)
    name_aggregate(connection, e.originator_id, node_id)
    link_facts(connection, node_id, e.facts, e, nid)


def person_updated(connection: Connection, e: Any, nid: int) -> None:
    node_id = node_of(connection, e.originator_id)
    shown = {k: v for k, v in e.changes.items() if k in PERSON_ATTRIBUTES}
    label = {"label": str(e.changes["name"])} if e.changes.get("name") else {}
    update_node(connection, node_id, lambda a: a.update(shown), **label)
    link_facts(connection, node_id, e.changes, e, nid)


def link_facts(
    connection: Connection, node_id: NodeId, facts: dict[str, Any], e: Any, nid: int
) -> None:
    """Edges for the facts naming an account, a phone or an employer, `since` the event's
    date; an edge to a value the new one replaces is kept, marked `until` that date."""
    c = LINKS.c
    for fact, (relation, kind) in FACT_EDGES.items():
        if fact not in facts:
            continue
        edges = sa.select(c.to_kind, c.to_key, c.attributes).where(
            c.from_kind == node_id[0], c.from_key == node_id[1], c.relation == relation
        )
        for row in connection.execute(edges).all():
            if row.to_key != facts[fact] and "until" not in json.loads(row.attributes):
                update_edge(connection, node_id, relation, (row.to_kind, row.to_key), until=e.on)
        if facts[fact]:
            link(connection, node_id, relation, (kind, facts[fact]), e, nid, since=e.on)


def employment_recorded(connection: Connection, e: Any, nid: int) -> None:
    target = ("institution", e.employer_id)
    details = {"employment_id": e.employment_id, "since": e.on}
    link(connection, ("person", e.person_id), "placed_at", target, e, nid, **details)


def enrolled(connection: Connection, e: Any, nid: int) -> None:
    name_aggregate(connection, e.originator_id, ("enrollment", f"{e.class_id}/{e.person_id}"))
    counts = {"enrolled_on": e.on, "sessions": 0, "minutes": 0}
    link(connection, ("person", e.person_id), "attended", ("class", e.class_id), e, nid, **counts)


def attended_edge(connection: Connection, aggregate_id: Any) -> tuple[NodeId, str, NodeId]:
    class_id, person_id = node_of(connection, aggregate_id)[1].rsplit("/", 1)
    return ("person", person_id), "attended", ("class", class_id)


def attendance_recorded(connection: Connection, e: Any, nid: int) -> None:
    """Sessions and minutes add up on the attended edge."""
    edge = attended_edge(connection, e.originator_id)
    before = edge_attributes(connection, *edge)
    update_edge(
        connection, *edge, sessions=before["sessions"] + 1, minutes=before["minutes"] + e.minutes
    )


def training_completed(connection: Connection, e: Any, nid: int) -> None:
    edge = attended_edge(connection, e.originator_id)
    update_edge(connection, *edge, completed_on=e.on, passed=e.passed)


def claim_decided(connection: Connection, e: Any, nid: int) -> None:
    """Approved or rejected: the decision as the rules recorded it."""
    approved = isinstance(e, Claim.Approved)
    changes = {"status": "approved" if approved else "rejected", "rule_id": e.rule_id}
    changes |= {"decided_on": e.on, "citations": list(e.citations)}
    if approved:
        changes["amount_fen"] = e.amount_fen
    else:
        changes["reasons"] = [r.get("code") for r in e.reasons]
    update_node(connection, node_of(connection, e.originator_id), lambda a: a.update(changes))


def claim_changed(connection: Connection, e: Any, nid: int) -> None:
    """The later life of a claim: publicity, objections, payment, a finding, recovery."""
    update_node(connection, node_of(connection, e.originator_id), lambda a: claim_status(a, e))


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


def objection_resolved(connection: Connection, e: Any, nid: int) -> None:
    changes = {"status": "upheld" if e.upheld else "dismissed", "resolved_on": e.on}
    update_node(connection, node_of(connection, e.originator_id), lambda a: a.update(changes))


def case_concluded(connection: Connection, e: Any, nid: int) -> None:
    """The finding: the claims it covers (rejected or clawed back), the advances it claws
    back and the institutions it bans."""
    node_id = node_of(connection, e.originator_id)
    amounts = {(c["kind"], c["id"]): c["amount_fen"] for c in e.clawbacks}
    changes = {"status": e.finding, "concluded_on": e.on, "receivable_fen": sum(amounts.values())}
    update_node(connection, node_id, lambda a: a.update(changes))
    claim_ids = (
        set(e.claim_ids) | set(e.rejected_claim_ids) | {i for k, i in amounts if k == "claim"}
    )
    for claim_id in sorted(claim_ids):
        outcome = "rejected" if claim_id in e.rejected_claim_ids else "clawback"
        owed = (
            {"clawback_fen": amounts[("claim", claim_id)]} if ("claim", claim_id) in amounts else {}
        )
        link(connection, node_id, "covers", ("claim", claim_id), e, nid, outcome=outcome, **owed)
    for (kind, key), amount in sorted(amounts.items()):
        if kind == "advance":
            link(connection, node_id, "claws_back", ("advance", key), e, nid, clawback_fen=amount)
    for institution_id in e.ban_institution_ids:
        link(connection, node_id, "banned", ("institution", institution_id), e, nid)


def institution_banned(connection: Connection, e: Any, nid: int) -> None:
    changes = {"banned": True, "banned_by_case": e.case_id, "banned_on": e.on}
    update_node(connection, node_of(connection, e.originator_id), lambda a: a.update(changes))


def recovery_recorded(connection: Connection, e: Any, nid: int) -> None:
    created(connection, e, nid)
    recovered = "recovered_fen"
    update_node(
        connection,
        ("case", e.case_id),
        lambda a: a.update({recovered: a.get(recovered, 0) + e.amount_fen}),
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
HANDLERS: dict[type, Callable[[Connection, Any, int], None]] = {
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
    tables = (LINKS, NODES, AGGREGATES)

    def register(self) -> None:
        for event_class, handler in HANDLERS.items():
            self.on(event_class, handler)


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
