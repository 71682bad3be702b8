"""`skillfund trace ID`: from a claim, person, institution, class, certificate or payee
account to everything linked to it, read from the links projection (`projections/links.py`).

The key is resolved to every node recorded under it (an account number is an "account"
node), then the graph is walked breadth-first over edges in both directions, up to
`depth` hops and at most `limit` nodes; where either cut the walk, the output says so.
A hub (a fund, a publicity, or any node of more than HUB_LINKS_MAX links) is shown but not
walked through, unless it is what was traced: every claim of a fund meets there.

Flags: `projections.flags` (the anti-fraud projection, written separately) is imported when
a trace starts, inside try/except ImportError; when it has `flags_about(connection, key)`,
each node of a flaggable kind is asked for its flags, and each flag becomes a node of kind
"flag" linked to its subjects. A flag is read from a mapping, a dataclass or an object with
`flag_id` (or `id`), `subjects` (typed, `{"person_ids": [...], "accounts": [...]}`, as that
projection keeps them; or `subject_ids`, a list of bare keys) and whatever else it carries
(rule_id, kind, severity, status, summary, evidence: all in the JSON). Flags are read on a
connection of their own, so a missing flags table costs the flags, never the trace.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from argparse import Namespace
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection

from domain.identity import is_valid_resident_id
from ledger.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from ledger.queries import public
from ledger.service import opened
from projections.links import NodeId, edge_count, edges_of, node, nodes_with_key

TRACE_DEPTH_DEFAULT = 3
TRACE_NODES_MAX = 500
# Hubs are shown but not walked through, unless traced themselves: every claim and class of
# a fund, every claim of a publicity, every trainee of a large institution meet there.
HUB_KINDS = frozenset({"fund", "publicity"})
HUB_LINKS_MAX = 200
FLAGGABLE_KINDS = frozenset(
    {"person", "institution", "claim", "class", "certificate", "account", "address", "phone"}
)
# How the flags projection names its kinds of subjects.
SUBJECT_KINDS = {
    "person_ids": "person", "institution_ids": "institution", "class_ids": "class",
    "certificate_nos": "certificate", "accounts": "account", "claim_ids": "claim",
}  # fmt: skip
log = structlog.get_logger("skillfund.trace")

RELATION_LABELS = {
    "for": "for 申请人", "pays": "pays 受益方", "in_class": "in class 培训班",
    "on_certificate": "on certificate 依据证书", "charged_to": "charged to 专账",
    "sub_account_of": "sub-account of 子账户", "pays_claim": "pays claim 支付",
    "advance_for": "advance for 预拨班级", "advanced_to": "advanced to 预拨给",
    "attended": "attended 参训", "held_by": "held by 持证人", "issued_by": "issued by 发证机构",
    "run_by": "run by 承办机构", "paid_into": "paid into 收款账户", "phone": "phone 电话",
    "works_for": "works for 工作单位", "placed_at": "placed at 就业单位",
    "located_at": "located at 地址", "objects_to": "objects to 异议", "raised_in": "raised in 公示",
    "publicizes": "publicizes 公示", "investigates": "investigates 调查",
    "covers": "covers 涉案申请", "claws_back": "claws back 追回预拨", "banned": "banned 取消资格",
    "recovered_under": "recovered under 追回", "returned_to": "returned to 退回专账",
    "flags": "flags 疑点",
}  # fmt: skip
# The attributes the tree shows of each kind (JSON has them all), and the edges' in order.
KEY_ATTRIBUTES = {
    "claim": ("status", "amount", "paid", "reasons"),
    "person": ("jurisdiction", "pensioner"),
    "institution": ("kind", "jurisdiction", "banned"),
    "class": ("scheme", "start_date", "end_date", "class_hours"),
    "certificate": ("kind", "issued_on"),
    "payment": ("net", "advance_settled", "paid_on"),
    "advance": ("amount", "paid_on"),
    "objection": ("status",),
    "case": ("status", "receivable", "recovered"),
    "recovery": ("amount", "recovered_on"),
    "flag": ("kind", "severity", "status", "summary"),
}
EDGE_ATTRIBUTES = {
    k: i
    for i, k in enumerate(("sessions", "minutes", "passed", "enrolled_on", "completed_on", "since"))
}
# Kind -> (Graphviz shape, fill colour).
DOT_STYLES = {
    "claim": ("box", "#fff2cc"), "person": ("ellipse", "#dae8fc"),
    "institution": ("house", "#d5e8d4"), "class": ("tab", "#e1d5e7"),
    "certificate": ("note", "#f5f5f5"), "fund": ("cylinder", "#ffe6cc"),
    "payment": ("cds", "#d5e8d4"), "advance": ("cds", "#ffe6cc"), "recovery": ("cds", "#b9e0a5"),
    "account": ("hexagon", "#f8cecc"), "address": ("octagon", "#f8cecc"),
    "phone": ("diamond", "#f8cecc"), "flag": ("doubleoctagon", "#ff9999"),
    "case": ("folder", "#ff9999"),
}  # fmt: skip


@dataclass(frozen=True)
class TraceEdge:
    """A link as found: `source` -relation-> `target`, dated `on`, with its attributes."""

    source: NodeId
    relation: str
    target: NodeId
    on: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ident(self) -> tuple[NodeId, str, NodeId]:
        return self.source, self.relation, self.target

    def other(self, node_id: NodeId) -> NodeId:
        return self.target if node_id == self.source else self.source


@dataclass
class TraceNode:
    """A node reached, `depth` hops from the root."""

    kind: str
    key: str
    label: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    depth: int = 0
    not_followed: int = 0  # Links of this node cut by the depth or the node limit.


def node_name(node_id: NodeId) -> str:
    return f"{node_id[0]}:{node_id[1]}"


@dataclass
class TraceGraph:
    """The nodes reached from a key, the edges among them, and where the walk was cut."""

    key: str
    depth: int
    limit: int
    roots: list[NodeId] = field(default_factory=list)
    nodes: dict[NodeId, TraceNode] = field(default_factory=dict)
    edges: dict[tuple[NodeId, str, NodeId], TraceEdge] = field(default_factory=dict)
    parents: dict[NodeId, TraceEdge] = field(default_factory=dict)
    hubs: dict[NodeId, int] = field(default_factory=dict)
    beyond_depth: int = 0
    beyond_limit: int = 0
    notes: list[str] = field(default_factory=list)

    def add_edge(self, edge: TraceEdge) -> None:
        self.edges.setdefault(edge.ident, edge)

    def cuts(self) -> list[str]:
        """What the walk left out, in words."""
        cuts = []
        if self.beyond_depth:
            cuts.append(f"cut at depth {self.depth}: {self.beyond_depth} links not followed")
        if self.beyond_limit:
            cuts.append(f"cut at {self.limit} nodes: {self.beyond_limit} links not followed")
        for (kind, key), count in self.hubs.items():
            cuts.append(f"{kind} {key} not walked through: {count} links (trace it by its id)")
        return cuts

    def to_json(self) -> dict[str, Any]:
        nodes = [
            {"id": node_name(i), "kind": n.kind, "key": n.key, "label": n.label, "depth": n.depth,
             "attributes": public(n.attributes), "links_not_followed": n.not_followed}
            for i, n in self.nodes.items()
        ]  # fmt: skip
        edges = [
            {"from": node_name(e.source), "relation": e.relation, "to": node_name(e.target),
             "label": relation_label(e, details=False), "on": e.on,
             "attributes": public(e.attributes)}
            for e in self.edges.values()
        ]  # fmt: skip
        return {"key": self.key, "depth": self.depth, "limit": self.limit,
                "roots": [node_name(r) for r in self.roots], "nodes": nodes, "edges": edges,
                "cut": bool(self.cuts()), "cuts": self.cuts(), "notes": self.notes}  # fmt: skip

    def render_tree(self) -> str:
        """An indented tree from the root: each node once, later references "→ see above"."""
        tree = Tree(self)
        for root in self.roots:
            if root not in tree.printed:
                tree.printed.add(root)
                tree.lines.append(self.node_text(root))
                tree.branch(root, "")
        summary = f"{len(self.nodes)} nodes, {len(self.edges)} links"
        tree.lines.append(f"\n{summary} (depth {self.depth}, at most {self.limit} nodes)")
        return "\n".join(tree.lines + self.cuts() + self.notes)

    def node_text(self, node_id: NodeId, brief: bool = False) -> str:
        """Kind, key, label and, unless brief, the key attributes and what was cut."""
        n = self.nodes[node_id]
        text = f"{n.kind} {n.key}" + (f" {n.label}" if n.label and n.label != n.key else "")
        if brief:
            return text
        shown = public(n.attributes)
        keys = KEY_ATTRIBUTES.get(n.kind, ())
        attributes = [f"{k} {plain(shown[k])}" for k in keys if shown.get(k) not in (None, "", [])]
        return (
            text
            + (f" ({', '.join(attributes)})" if attributes else "")
            + "".join(f" [{cut}]" for cut in self.node_cuts(node_id))
        )

    def node_cuts(self, node_id: NodeId) -> list[str]:
        cuts = [f"not walked through: {self.hubs[node_id]} links"] if node_id in self.hubs else []
        count = self.nodes[node_id].not_followed
        return cuts + ([f"+{count} link{'s' if count > 1 else ''} not followed"] if count else [])

    def render_dot(self) -> str:
        """Graphviz dot: nodes shaped and coloured by kind, edges labelled, ids quoted."""
        title = "\n".join([f"trace {self.key}", *self.cuts()])
        lines = [
            "digraph trace {",
            f'  graph [rankdir=LR, charset="UTF-8", labelloc=t, label={quote(title)}];',
            '  node [style=filled, fontname="sans-serif", fontsize=10];',
            '  edge [fontname="sans-serif", fontsize=9];',
        ]
        for node_id, n in self.nodes.items():
            shape, colour = DOT_STYLES.get(n.kind, ("box", "#ffffff"))
            parts = [n.kind, n.key, n.label if n.label != n.key else "", *self.node_cuts(node_id)]
            label = quote("\n".join(filter(None, parts)))
            style = f"shape={shape}, fillcolor={quote(colour)}"
            root = ", penwidth=3" if node_id in self.roots else ""
            lines.append(f"  {quote(node_name(node_id))} [label={label}, {style}{root}];")
        for e in self.edges.values():
            ends = f"{quote(node_name(e.source))} -> {quote(node_name(e.target))}"
            lines.append(f"  {ends} [label={quote(relation_label(e, details=False))}];")
        return "\n".join([*lines, "}"])


class Tree:
    """The terminal tree of a graph, drawn depth-first along the edges the walk took."""

    def __init__(self, graph: TraceGraph) -> None:
        self.graph = graph
        self.lines: list[str] = []
        self.printed: set[NodeId] = set()
        self.shown: set[tuple[NodeId, str, NodeId]] = set()
        self.around: dict[NodeId, list[TraceEdge]] = {}
        for edge in graph.edges.values():
            if self.in_tree(edge):
                self.around.setdefault(edge.source, []).append(edge)
                self.around.setdefault(edge.target, []).append(edge)

    def in_tree(self, edge: TraceEdge) -> bool:
        """All edges but the many that merely meet at a hub."""
        parents = self.graph.parents
        walked = edge in (parents.get(edge.source), parents.get(edge.target))
        return walked or not ({edge.source, edge.target} & self.graph.hubs.keys())

    def branch(self, node_id: NodeId, prefix: str) -> None:
        """A node's edges not drawn yet: outgoing first, then by relation and the other end."""
        edges = [e for e in self.around.get(node_id, []) if e.ident not in self.shown]
        edges.sort(key=lambda e: (e.source != node_id, e.relation, e.other(node_id)))
        self.shown.update(e.ident for e in edges)
        for index, edge in enumerate(edges):
            last = index == len(edges) - 1
            other = edge.other(node_id)
            arrow = "→" if edge.source == node_id else "←"
            head = f"{prefix}{'└── ' if last else '├── '}{arrow} {relation_label(edge)}: "
            if self.graph.parents.get(other) == edge and other not in self.printed:
                self.printed.add(other)
                self.lines.append(head + self.graph.node_text(other))
                self.branch(other, prefix + ("    " if last else "│   "))
            else:
                where = "see above" if other in self.printed else "see below"
                self.lines.append(f"{head}{self.graph.node_text(other, brief=True)} → {where}")


def relation_label(edge: TraceEdge, details: bool = True) -> str:
    """The relation in English and Chinese and, with `details`, the edge's attributes."""
    text = RELATION_LABELS.get(edge.relation, edge.relation)
    shown = public(edge.attributes) if details else {}
    order = sorted(shown, key=lambda k: (EDGE_ATTRIBUTES.get(k, len(EDGE_ATTRIBUTES)), k))
    listed = ", ".join(f"{k} {plain(shown[k])}" for k in order if shown[k] not in (None, ""))
    return f"{text} [{listed}]" if listed else text


def plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def quote(text: str) -> str:
    """A dot string: backslashes and quotes escaped, line breaks as dot's \\n."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# --- The walk -------------------------------------------------------------------------------


class Neighbours:
    """The edges of a node: from the links projection, and flags when a flags module is
    present (see the module docstring)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.flags_about = flags_lookup()
        self.flags_connection: Connection | None = None
        self.flags: dict[str, tuple[TraceNode, list[NodeId]]] = {}
        self.notes: list[str] = []

    def close(self) -> None:
        if self.flags_connection is not None:
            self.flags_connection.close()

    def load(self, node_id: NodeId) -> TraceNode:
        if node_id[0] == "flag" and node_id[1] in self.flags:
            return self.flags[node_id[1]][0]
        row = node(self.connection, node_id)
        if row is None:
            return TraceNode(*node_id)
        return TraceNode(node_id[0], node_id[1], row["label"], row["attributes"])

    def of(self, node_id: NodeId) -> list[TraceEdge]:
        edges = [
            TraceEdge((r["from_kind"], r["from_key"]), r["relation"], (r["to_kind"], r["to_key"]),
                      public(r["on"]), r["attributes"])
            for r in edges_of(self.connection, node_id)
        ]  # fmt: skip
        if node_id[0] == "flag" and node_id[1] in self.flags:
            edges += [TraceEdge(node_id, "flags", s) for s in self.subjects(node_id[1])]
        elif node_id[0] in FLAGGABLE_KINDS:
            edges += [TraceEdge(("flag", f), "flags", node_id) for f in self.flag_ids(node_id[1])]
        return edges

    def subjects(self, flag_id: str) -> list[NodeId]:
        """A flag's subjects; those given as bare keys are looked up among the nodes."""
        subjects = self.flags[flag_id][1]
        bare = [key for kind, key in subjects if not kind]
        found = nodes_with_key(self.connection, bare) if bare else []
        return [s for s in subjects if s[0]] + [(row["kind"], row["key"]) for row in found]

    def flag_ids(self, key: str) -> list[str]:
        """The flags about a key (an empty list when no flags module is there)."""
        if self.flags_about is None:
            return []
        try:
            if self.flags_connection is None:
                self.flags_connection = self.connection.engine.connect()
            raws = self.flags_about(self.flags_connection, key)
            found = [r for r in (flag_record(raw, key) for raw in raws) if r is not None]
        except sa.exc.SQLAlchemyError as problem:
            self.notes.append(f"flags not shown: {type(problem).__name__}: {problem}".strip()[:300])
            self.flags_about = None
            return []
        for record in found:
            self.flags.setdefault(record[0].key, record)
        return [record[0].key for record in found]


def flags_lookup() -> Callable[[Connection, str], Any] | None:
    """`projections.flags.flags_about`, when that module exists (written separately)."""
    try:
        flags = importlib.import_module("projections.flags")
    except ImportError:
        return None
    lookup = getattr(flags, "flags_about", None)
    return lookup if callable(lookup) else None


def flag_record(raw: Any, key: str) -> tuple[TraceNode, list[NodeId]] | None:
    """A flag as a node and the keys of its subjects, from whatever `flags_about` returns;
    None for a flag without an id."""
    if isinstance(raw, Mapping):
        data = dict(raw)
    elif dataclasses.is_dataclass(raw) and not isinstance(raw, type):
        data = dataclasses.asdict(raw)
    else:
        data = raw._asdict() if hasattr(raw, "_asdict") else dict(vars(raw))
    flag_id = data.pop("flag_id", None) or data.pop("id", None)
    if not flag_id:
        return None
    subjects = flag_subjects(data.pop("subject_ids", None) or data.pop("subjects", None), key)
    label = str(data.get("rule_id") or data.get("rule") or "")
    attributes = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    return TraceNode("flag", str(flag_id), label, attributes), subjects


def flag_subjects(subjects: Any, key: str) -> list[NodeId]:
    """Typed subjects, as the flags projection keeps them (`{"person_ids": [...], ...}`,
    maybe as JSON text), or a list of bare keys (kind "", looked up later)."""
    if isinstance(subjects, str):
        subjects = json.loads(subjects)
    if isinstance(subjects, Mapping):
        return [
            (SUBJECT_KINDS.get(name, name.removesuffix("_ids")), str(subject))
            for name, keys in sorted(subjects.items())
            for subject in keys
        ]
    return [("", str(subject)) for subject in subjects or [key]]


def resolve(connection: Connection, key: str) -> list[NodeId]:
    """Every node recorded under the key; a resident id may be typed with a lowercase x."""
    keys = [key.strip()]
    if is_valid_resident_id(keys[0]) and keys[0].upper() != keys[0]:
        keys.append(keys[0].upper())
    return [(row["kind"], row["key"]) for row in nodes_with_key(connection, keys)]


def trace(
    connection: Connection, key: str, depth: int = TRACE_DEPTH_DEFAULT, limit: int = TRACE_NODES_MAX
) -> TraceGraph:
    """Walk the links from `key`, both directions, up to `depth` hops and `limit` nodes."""
    graph = TraceGraph(key, depth, limit)
    neighbours = Neighbours(connection)
    try:
        for root in resolve(connection, key)[:limit]:
            graph.roots.append(root)
            graph.nodes[root] = neighbours.load(root)
        queue = deque(graph.roots)
        while queue:
            expand(graph, neighbours, queue.popleft(), queue)
    finally:
        neighbours.close()
    graph.notes += neighbours.notes
    return graph


def expand(
    graph: TraceGraph, neighbours: Neighbours, node_id: NodeId, queue: deque[NodeId]
) -> None:
    """Follow a node's links: new nodes go on the queue unless a cut stops them."""
    current = graph.nodes[node_id]
    if current.depth > 0:
        links = edge_count(neighbours.connection, node_id)
        if node_id[0] in HUB_KINDS or links > HUB_LINKS_MAX:
            graph.hubs[node_id] = links
            return
    for edge in neighbours.of(node_id):
        other = edge.other(node_id)
        if other in graph.nodes:
            graph.add_edge(edge)
        elif current.depth >= graph.depth or len(graph.nodes) >= graph.limit:
            current.not_followed += 1
            if current.depth >= graph.depth:
                graph.beyond_depth += 1
            else:
                graph.beyond_limit += 1
        else:
            graph.nodes[other] = neighbours.load(other)
            graph.nodes[other].depth = current.depth + 1
            graph.parents[other] = edge
            graph.add_edge(edge)
            queue.append(other)


def trace_verb(args: Namespace, url: str) -> int:
    """`skillfund trace ID [--json] [--format tree|dot] [--depth N]`; exit 1 when nothing
    is recorded under the key. `--json` wins over `--format`."""
    depth = TRACE_DEPTH_DEFAULT if getattr(args, "depth", None) is None else args.depth
    if depth < 0:
        print("skillfund: --depth must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    with opened(url) as sf:
        sf.catch_up()
        with sf.engine.connect() as connection:
            limit = getattr(args, "limit", None) or TRACE_NODES_MAX
            graph = trace(connection, args.id, depth, limit)
    log.info("trace", key=args.id, nodes=len(graph.nodes), cuts=graph.cuts())
    if not graph.roots:
        print(f"skillfund: nothing is recorded under {args.id!r}", file=sys.stderr)
        return EXIT_FAILED
    if getattr(args, "json", False):
        print(json.dumps(graph.to_json(), ensure_ascii=False, indent=2))
    elif getattr(args, "format", "tree") == "dot":
        print(graph.render_dot())
    else:
        print(graph.render_tree())
    return EXIT_OK
