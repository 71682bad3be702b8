"""`skillfund trace`: from a key to everything linked to it, as a tree, JSON and dot."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import types
from argparse import Namespace
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from ledger import demo
from ledger.service import Skillfund, open_skillfund
from ledger.trace import TraceGraph, trace, trace_verb
from projections.links import Links
from tests.conftest import submit

WANG_ACCOUNT = "6217000000000000101"
ELECTRIC_ADDRESS = "昆山开发区前进东路1号"
QIAN = demo.person(40, date(1991, 1, 1))


@pytest.fixture
def played(db_url: str) -> Iterator[Skillfund]:
    """The demo year on a Skillfund (its projections include the links)."""
    skillfund = open_skillfund(db_url, create=True)
    assert any(isinstance(p, Links) for p in skillfund.runner.projections)
    submit(skillfund, *demo.demo_lines())
    yield skillfund
    skillfund.close()


def traced(sf: Skillfund, key: str, **options: Any) -> TraceGraph:
    with sf.engine.connect() as connection:
        return trace(connection, key, **options)


def keys(graph: TraceGraph, kind: str) -> set[str]:
    return {key for k, key in graph.nodes if k == kind}


def test_tracing_a_claim_reaches_its_person_class_certificate_payment_fund_and_beneficiary(
    played: Skillfund,
) -> None:
    graph = traced(played, "KS-C-2020-0003")

    assert graph.roots == [("claim", "KS-C-2020-0003")]
    assert {demo.LI} <= keys(graph, "person")
    assert {"KS-2020-GJ-02"} <= keys(graph, "class")
    assert {"KS-ZS-2020-000103"} <= keys(graph, "certificate")
    assert {"KS-ZF-2020-0002"} <= keys(graph, "payment")
    assert {demo.FUND} <= keys(graph, "fund")
    assert {demo.PRECISION} <= keys(graph, "institution")  # The enterprise paid.


def test_tracing_a_person_reaches_their_classes_certificates_and_claims(played: Skillfund) -> None:
    graph = traced(played, demo.WANG, depth=1)

    assert keys(graph, "class") == {"KS-2020-DG-01"}
    assert keys(graph, "certificate") == {"KS-ZS-2020-000101", "KS-ZS-2020-000104"}
    assert keys(graph, "claim") == {"KS-C-2020-0001", "KS-C-2020-0005"}
    assert keys(graph, "account") == {WANG_ACCOUNT}


def test_two_people_sharing_an_account_are_joined_through_the_account_node(
    played: Skillfund,
) -> None:
    submit(
        played,
        {
            "type": "register_person",
            "person_id": QIAN,
            "name": "钱多多",
            "date": "2020-09-01",
            "jurisdiction": "kunshan",
            "groups": ["enterprise_employee"],
            "insured_months": 12,
            "account": WANG_ACCOUNT,
        },
    )

    graph = traced(played, QIAN, depth=2)

    assert graph.parents[("account", WANG_ACCOUNT)].source == ("person", QIAN)
    assert graph.parents[("person", demo.WANG)].target == ("account", WANG_ACCOUNT)


def test_institutions_sharing_an_address_are_joined_through_the_address_node(
    played: Skillfund,
) -> None:
    shell = demo.org(9)
    submit(
        played,
        {
            "type": "register_institution",
            "institution_id": shell,
            "name": "昆山某培训咨询有限公司",
            "kind": "training_org",
            "jurisdiction": "kunshan",
            "date": "2020-09-01",
            "address": ELECTRIC_ADDRESS,
        },
    )

    graph = traced(played, shell, depth=2)

    assert graph.parents[("institution", demo.ELECTRIC)].target == ("address", ELECTRIC_ADDRESS)
    assert "located at 地址" in graph.render_tree()


def test_an_account_number_is_traced_from_its_account_node(played: Skillfund) -> None:
    graph = traced(played, WANG_ACCOUNT, depth=1)

    assert graph.roots == [("account", WANG_ACCOUNT)]
    assert keys(graph, "person") == {demo.WANG}


def test_a_resident_id_with_a_lowercase_x_finds_the_person(played: Skillfund) -> None:
    assert demo.LI.endswith("X")

    assert traced(played, demo.LI.lower(), depth=0).roots == [("person", demo.LI)]


def test_the_tree_shows_each_node_once_and_refers_back_to_it(played: Skillfund) -> None:
    tree = traced(played, "KS-C-2020-0001").render_tree()

    assert tree.splitlines()[0].startswith(
        "claim KS-C-2020-0001 skill_upgrade (status paid, amount 2600.00"
    )
    assert len(re.findall(rf"person {demo.WANG} 王建国 \(", tree)) == 1
    assert f"→ pays 受益方: person {demo.WANG} 王建国 → see above" in tree
    assert "attended 参训 [" in tree and "sessions 10" in tree


def test_depth_cuts_the_graph_and_says_so(played: Skillfund) -> None:
    graph = traced(played, "KS-C-2020-0001", depth=1)

    assert max(node.depth for node in graph.nodes.values()) == 1
    assert graph.beyond_depth > 0
    assert "cut at depth 1" in graph.render_tree()
    assert graph.to_json()["cut"] is True


def test_limit_cuts_the_graph_and_says_so(played: Skillfund) -> None:
    graph = traced(played, "KS-C-2020-0001", limit=4)

    assert len(graph.nodes) == 4
    assert any("cut at 4 nodes" in cut for cut in graph.to_json()["cuts"])
    assert "cut at 4 nodes" in graph.render_dot()


def test_a_fund_is_shown_but_not_walked_through(played: Skillfund) -> None:
    graph = traced(played, "KS-C-2020-0001", depth=2)

    assert ("fund", demo.FUND) in graph.hubs
    assert "KS-C-2020-0004" not in keys(graph, "claim")  # Reachable only through the fund.


def test_the_json_is_a_graph_of_node_ids(played: Skillfund) -> None:
    data = json.loads(json.dumps(traced(played, demo.WANG).to_json(), ensure_ascii=False))

    ids = [node["id"] for node in data["nodes"]]
    assert len(ids) == len(set(ids))
    assert all(edge["from"] in ids and edge["to"] in ids for edge in data["edges"])
    claim = next(node for node in data["nodes"] if node["id"] == "claim:KS-C-2020-0001")
    assert (claim["attributes"]["amount"], claim["attributes"]["status"]) == ("2600.00", "paid")


def dot_problems(dot: str) -> list[str]:
    """What makes a dot text implausible: braces unbalanced outside strings, an edge whose
    ends are not declared."""
    outside = re.sub(r'"(?:[^"\\]|\\.)*"', '""', dot)
    problems = [] if outside.count("{") == outside.count("}") == 1 else ["unbalanced braces"]
    declared = set(re.findall(r'^  ("(?:[^"\\]|\\.)*") \[', dot, re.MULTILINE))
    for source, target in re.findall(
        r'^  ("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*")', dot, re.MULTILINE
    ):
        problems += [f"undeclared {end}" for end in (source, target) if end not in declared]
    return problems


def test_the_dot_output_is_plausible_and_renders(played: Skillfund) -> None:
    dot = traced(played, "KS-C-2020-0001").render_dot()

    assert dot.startswith("digraph trace {")
    assert dot_problems(dot) == []
    assert ' -> "person:' in dot and 'label="pays 受益方"' in dot
    if shutil.which("dot") is None:
        pytest.skip("Graphviz dot is not installed")
    rendered = subprocess.run(
        ["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=False
    )
    assert rendered.returncode == 0, rendered.stderr.decode()
    assert rendered.stdout.startswith(b"<?xml") or b"<svg" in rendered.stdout


def test_dot_strings_escape_quotes_and_backslashes(played: Skillfund) -> None:
    submit(
        played,
        {
            "type": "register_institution",
            "institution_id": demo.org(8),
            "name": 'A "quoted" \\ name',
            "kind": "enterprise",
            "jurisdiction": "kunshan",
            "date": "2020-09-01",
        },
    )

    dot = traced(played, demo.org(8)).render_dot()

    assert 'A \\"quoted\\" \\\\ name' in dot
    assert dot_problems(dot) == []


def fake_flags(flags: list[dict[str, Any]] | Exception) -> types.ModuleType:
    """A stand-in for `projections.flags`, which another engineer is writing."""
    module = types.ModuleType("projections.flags")

    def flags_about(connection: Any, key: str) -> list[dict[str, Any]]:
        if isinstance(flags, Exception):
            raise flags
        return [f for f in flags if key in json.dumps(f["subjects"], ensure_ascii=False)]

    module.flags_about = flags_about  # type: ignore[attr-defined]
    return module


def test_flags_become_nodes_linked_to_their_subjects(
    played: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = {
        "flag_id": f"PAY-01/{WANG_ACCOUNT}",
        "rule_id": "PAY-01",
        "kind": "hold",
        "status": "open",
        "subjects": {"accounts": [WANG_ACCOUNT], "person_ids": [demo.WANG, demo.LI]},
    }
    monkeypatch.setitem(sys.modules, "projections.flags", fake_flags([flag]))

    graph = traced(played, WANG_ACCOUNT, depth=2)

    flag_node = ("flag", f"PAY-01/{WANG_ACCOUNT}")
    assert graph.nodes[flag_node].label == "PAY-01"
    linked = {e.target for e in graph.edges.values() if e.source == flag_node}
    assert linked == {("account", WANG_ACCOUNT), ("person", demo.WANG), ("person", demo.LI)}
    assert "flags 疑点" in graph.render_tree()


def test_a_failing_flags_lookup_leaves_the_rest_of_the_trace(
    played: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    failure = sa.exc.OperationalError("SELECT 1", {}, Exception("no such table: pj_flags"))
    monkeypatch.setitem(sys.modules, "projections.flags", fake_flags(failure))

    graph = traced(played, "KS-C-2020-0003", depth=1)

    assert ("person", demo.LI) in graph.nodes
    assert any("flags not shown" in note for note in graph.notes)


def verb_args(key: str, **options: Any) -> Namespace:
    return Namespace(**({"id": key, "json": False, "format": "tree", "depth": None} | options))


def test_the_verb_prints_the_tree_json_and_dot(
    played: Skillfund, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(played.engine.url.render_as_string(hide_password=False))

    assert trace_verb(verb_args("KS-C-2020-0001"), url) == 0
    assert capsys.readouterr().out.startswith("claim KS-C-2020-0001")
    assert trace_verb(verb_args("KS-C-2020-0001", json=True, depth=1), url) == 0
    assert json.loads(capsys.readouterr().out)["depth"] == 1
    assert trace_verb(verb_args("KS-C-2020-0001", format="dot"), url) == 0
    assert capsys.readouterr().out.startswith("digraph")


def test_the_verb_exits_1_when_nothing_is_recorded_under_the_key(
    played: Skillfund, capsys: pytest.CaptureFixture[str]
) -> None:
    url = str(played.engine.url.render_as_string(hide_password=False))

    assert trace_verb(verb_args("NO-SUCH-KEY"), url) == 1
    assert "nothing is recorded under 'NO-SUCH-KEY'" in capsys.readouterr().err
