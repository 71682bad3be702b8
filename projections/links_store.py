"""The tables of the links projection and a batch's working copy of them.

A batch of events reads the rows it names in a few statements (`LinkStore.load`, given the
`Needs` gathered from the events before any is applied), changes them in memory, and
`flush` writes them back with one executemany per table and kind of change. The one
question not asked by key, which accounts, phones or employers a person's edges point at,
is answered from an in-memory index (`fact_targets`): a person's edges of those relations
are read into it once per batch, and every edge the batch adds goes into it too.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from projections.base import METADATA, queries_only
from projections.buffer import LOAD_CHUNK, Key, RowBuffer, keys_in
from projections.plain import plain

NodeId = tuple[str, str]  # (kind, key)
Edge = tuple[NodeId, str, NodeId]  # (source, relation, target)
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
    # The edges into a node, found by their target (`trace`), in an index holding the
    # whole key: with only (to_kind, to_key) PostgreSQL chose it over the primary key to
    # look a batch's edges up by key, and filtered the thousands of edges into each class
    # or institution (measured on a city rebuild: 519 lookups of 470 edges, 60 ms each,
    # 31 of 111 s; 5 ms each with the whole key here).
    sa.Index("ix_pj_links_to", "to_kind", "to_key", "relation", "from_kind", "from_key"),
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
queries_only(LINKS, "ix_pj_links_to")  # Trace walks edges backwards; a batch reads by key.
queries_only(NODES, "ix_pj_link_nodes_key")
# The node (or, for an enrolment, the attended edge) each aggregate is: an aggregate's
# later events carry only its uuid.
AGGREGATES = sa.Table(
    "pj_link_aggregates",
    METADATA,
    sa.Column("aggregate_id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("key", sa.String(KEY_SIZE), nullable=False),
)
EDGE_KEY = ("from_kind", "from_key", "relation", "to_kind", "to_key")

# Kinds whose nodes are plain values, added by the first edge that names them; edges to
# them carry `since`.
VALUE_KINDS = frozenset({"account", "address", "phone"})
# Person facts that are edges: fact -> (relation, kind of the node it names).
FACT_EDGES = {
    "account": ("paid_into", "account"),
    "phone": ("phone", "phone"),
    "employer_id": ("works_for", "institution"),
}
FACT_RELATIONS = tuple(relation for relation, _ in FACT_EDGES.values())


# With a `default` for dates and datetimes, as `json.dumps` below is given.
ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps(value: Any) -> str:
    """Attributes as canonical JSON text: keys sorted, no spaces, not ASCII-escaped.

    By orjson where it writes the same text as `json.dumps` (`plain`): 0.96
    µs against 2.89 µs an attributes dict, measured on the 125,877 non-empty ones of a
    city store, each of which it wrote as json.dumps had stored it."""
    if not value:  # Most value-kind nodes and many edges: no attributes.
        return "{}" if isinstance(value, dict) else json.dumps(value)
    if plain(value):
        try:
            return orjson.dumps(value, default=str, option=ORJSON_OPTIONS).decode()
        except orjson.JSONEncodeError:  # An integer beyond 64 bits, say.
            pass
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


class Attributes:
    """The `attributes` JSON of one buffer's rows, decoded at most once per batch and
    encoded once, at flush, however often the batch changes them: an enrolment's attended
    edge changes with each of its sessions (city rebuild on SQLite, links alone: 348,000
    decodes and 500,000 encodes of attributes for 292,000 events before this)."""

    def __init__(self, buffer: RowBuffer) -> None:
        self.buffer = buffer
        self.decoded: dict[Key, dict[str, Any]] = {}
        self.changed: dict[Key, None] = {}

    def of(self, key: Key, row: dict[str, Any]) -> dict[str, Any]:
        """The row's attributes, decoded (the batch's own dict: change it, then `set`)."""
        found = self.decoded.get(key)
        if found is None:
            found = self.decoded[key] = json.loads(row["attributes"])
        return found

    def set(self, key: Key, attributes: dict[str, Any]) -> None:
        self.decoded[key] = attributes
        self.changed[key] = None
        self.buffer.touch(key)

    def encode(self) -> None:
        """Write the changed attributes into their rows (before the buffer's flush)."""
        for key in self.changed:
            row = self.buffer.rows.get(key)
            if row is not None:
                row["attributes"] = dumps(self.decoded[key])
        self.decoded.clear()
        self.changed.clear()


def edge_row_key(edge: Edge) -> tuple[str, ...]:
    (from_kind, from_key), relation, (to_kind, to_key) = edge
    return from_kind, from_key, relation, to_kind, to_key


@dataclass
class Needs:
    """The rows a batch will read, gathered from its events before any is applied. The
    aggregates the batch itself creates are `named` here, so its later events are planned
    too; a row missed is still read when asked for, one statement each."""

    store: LinkStore
    named: dict[str, NodeId] = field(default_factory=dict)
    nodes: set[NodeId] = field(default_factory=set)
    edges: set[Edge] = field(default_factory=set)
    fact_sources: set[NodeId] = field(default_factory=set)

    def name(self, aggregate_id: Any, node_id: NodeId) -> None:
        self.named[str(aggregate_id)] = node_id

    def node_of(self, aggregate_id: Any) -> NodeId | None:
        return self.named.get(str(aggregate_id)) or self.store.node_named(aggregate_id)

    def link(self, source: NodeId, relation: str, target: NodeId) -> None:
        self.edges.add((source, relation, target))
        if target[0] in VALUE_KINDS:
            self.nodes.add(target)


class LinkStore:
    """The rows of the three tables one batch reads and writes."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.links = RowBuffer(LINKS, EDGE_KEY)
        self.nodes = RowBuffer(NODES, ("kind", "key"))
        self.aggregates = RowBuffer(AGGREGATES, ("aggregate_id",))
        self.nodes_attributes = Attributes(self.nodes)
        self.links_attributes = Attributes(self.links)
        self.fact_sources: set[NodeId] = set()  # Their fact edges are all in fact_targets.
        self.fact_targets: defaultdict[tuple[NodeId, str], set[NodeId]] = defaultdict(set)

    def load_aggregates(self, aggregate_ids: Iterable[Any]) -> None:
        self.aggregates.load(self.connection, [(str(i),) for i in aggregate_ids])

    def load(self, needs: Needs) -> None:
        self.load_fact_sources(needs.fact_sources)
        self.nodes.load(self.connection, needs.nodes)
        self.links.load(self.connection, [edge_row_key(edge) for edge in needs.edges])

    def load_fact_sources(self, sources: Iterable[NodeId]) -> None:
        """Read the fact edges (FACT_RELATIONS) out of these nodes into the index."""
        wanted = [s for s in dict.fromkeys(sources) if s not in self.fact_sources]
        c = LINKS.c
        keys = []
        for start in range(0, len(wanted), LOAD_CHUNK):
            query = sa.select(*(c[name] for name in EDGE_KEY)).where(
                keys_in(
                    self.connection, [c.from_kind, c.from_key], wanted[start : start + LOAD_CHUNK]
                ),
                c.relation.in_(FACT_RELATIONS),
            )
            for row in self.connection.execute(query):
                keys.append(tuple(row))
                source = (row.from_kind, row.from_key)
                self.fact_targets[(source, row.relation)].add((row.to_kind, row.to_key))
        self.links.load(self.connection, keys)
        self.fact_sources.update(wanted)

    def flush(self) -> None:
        self.nodes_attributes.encode()
        self.links_attributes.encode()
        for buffer in (self.nodes, self.links, self.aggregates):
            buffer.flush(self.connection)

    # --- Nodes and aggregates ---------------------------------------------------------------

    def has_node(self, node_id: NodeId) -> bool:
        return self.nodes.get(self.connection, node_id) is not None

    def put_node(self, node_id: NodeId, label: str, attributes: dict[str, Any]) -> None:
        """Add a node unless it exists (a shared account is added once, by its first holder)."""
        if not self.has_node(node_id):
            values = {"label": label[:KEY_SIZE], "attributes": ""}  # Encoded at flush.
            self.nodes.insert({"kind": node_id[0], "key": node_id[1], **values})
            self.nodes_attributes.set(node_id, attributes)

    def update_node(
        self, node_id: NodeId, change: Callable[[dict[str, Any]], None], **values: Any
    ) -> None:
        """Change a node's attributes in place (`change` mutates them); `values` set columns."""
        row = self.nodes.get(self.connection, node_id)
        if row is not None:
            attributes = self.nodes_attributes.of(node_id, row)
            change(attributes)
            row.update(values)
            self.nodes_attributes.set(node_id, attributes)

    def name_aggregate(self, aggregate_id: Any, node_id: NodeId) -> None:
        self.aggregates.insert(
            {"aggregate_id": str(aggregate_id), "kind": node_id[0], "key": node_id[1]}
        )

    def node_named(self, aggregate_id: Any) -> NodeId | None:
        row = self.aggregates.get(self.connection, (str(aggregate_id),))
        return None if row is None else (str(row["kind"]), str(row["key"]))

    def node_of(self, aggregate_id: Any) -> NodeId:
        node_id = self.node_named(aggregate_id)
        if node_id is None:
            raise LookupError(f"aggregate {aggregate_id} has no node in the links")
        return node_id

    # --- Edges ------------------------------------------------------------------------------

    def link(
        self, source: NodeId, relation: str, target: NodeId, on: Any, nid: int, **attributes: Any
    ) -> None:
        """Add an edge unless it exists: the first event that states a link dates it."""
        if target[0] in VALUE_KINDS:
            self.put_node(target, target[1], {})
            attributes.setdefault("since", on)
        key = edge_row_key((source, relation, target))
        if self.links.get(self.connection, key) is None:
            details = {"notification_id": nid, "on": on, "attributes": ""}  # Encoded at flush.
            self.links.insert({**dict(zip(EDGE_KEY, key, strict=True)), **details})
            self.links_attributes.set(key, attributes)
            if relation in FACT_RELATIONS:
                self.fact_targets[(source, relation)].add(target)

    def edge_attributes(self, source: NodeId, relation: str, target: NodeId) -> dict[str, Any]:
        key = edge_row_key((source, relation, target))
        row = self.links.get(self.connection, key)
        if row is None:
            raise LookupError(f"no edge {source} {relation} {target} in the links")
        return dict(self.links_attributes.of(key, row))

    def update_edge(self, source: NodeId, relation: str, target: NodeId, **changes: Any) -> None:
        """Merge `changes` into an edge's attributes."""
        attributes = self.edge_attributes(source, relation, target) | changes
        self.links_attributes.set(edge_row_key((source, relation, target)), attributes)

    def fact_targets_of(self, source: NodeId, relation: str) -> list[NodeId]:
        """The nodes `source` has an edge of this fact relation to, ever (closed ones too)."""
        if source not in self.fact_sources:
            self.load_fact_sources([source])
        return sorted(self.fact_targets[(source, relation)])
