"""Recall, measured: a generated workload plants every FRAUD_RULES pattern (labels in its
side file); submitted to the ledger, each planted pattern must be caught by its check, and
fewer than 1% of the clean claims may be flagged or held. docs/fraud.md has the figures.

Both run with the suite: the `small` workload (about 2,000 lines) in seconds, the `city`
workload (243,471 lines) in under two minutes on SQLite (it was marked slow, and skipped,
while a city ingest took the better part of an hour).
Both run on SQLite only: recall is a property of the checks, not of the database.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import ledger.service as service
from ledger.generate import labels_path, write
from ledger.service import Skillfund, open_skillfund, submit_lines
from projections.claims import claim_rows
from projections.flag_store import FLAG_CLAIMS, FLAGS
from projections.flags import Flags, open_flags

SEED = 1
CLEAN_FLAGGED_SHARE_MAX = 0.01  # "fewer than 1% of clean claims flagged".
# The label field a flag's subjects must cover for the pattern to count as caught.
CAUGHT_BY = {
    "ATT-01": "person_ids",
    "CERT-03": "claim_ids",
    "PAY-01": "person_ids",
    "INST-02": "institution_ids",
    "INST-03": "institution_ids",
    "CERT-05": "institution_ids",
    "CERT-06": "class_ids",
    "ATT-08": "class_ids",
    "ID-09": "class_ids",
    "DUP-03": "person_ids",
}


@dataclass
class Recall:
    """What a workload's flags caught, per rule, and what they flagged of the clean claims."""

    planted: Counter[str] = field(default_factory=Counter)
    caught: Counter[str] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)
    claims: int = 0
    clean: list[str] = field(default_factory=list)  # In no label, of no labelled person.
    clean_flagged: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)  # In no label (people aside).
    unlabelled_flagged: list[str] = field(default_factory=list)
    flags_by_rule: Counter[str] = field(default_factory=Counter)

    def table(self) -> str:
        rows = [f"{r}: {self.caught[r]}/{self.planted[r]}" for r in sorted(self.planted)]
        share = len(self.clean_flagged) / max(1, len(self.clean))
        strict = len(self.unlabelled_flagged) / max(1, len(self.unlabelled))
        rows.append(
            f"clean claims flagged: {len(self.clean_flagged)}/{len(self.clean)} = {share:.2%}"
        )
        rows.append(
            f"claims in no label flagged: {len(self.unlabelled_flagged)}/{len(self.unlabelled)}"
            f" = {strict:.2%}"
        )
        rows.append(f"open flags by rule: {dict(sorted(self.flags_by_rule.items()))}")
        return "\n".join(rows)


def submitted(scale: str, seed: int, folder: Path) -> tuple[Skillfund, dict[str, Any]]:
    """Generate a workload, submit it to a fresh SQLite ledger with the flags projection."""
    out = folder / f"{scale}-{seed}.jsonl"
    write(scale, seed, out, progress=io.StringIO())
    original = service.all_projections
    service.all_projections = lambda: [  # type: ignore[assignment]
        *(p for p in original() if p.name != Flags.name),
        Flags(),
    ]
    try:
        sf = open_skillfund(f"sqlite:///{folder / f'{scale}-{seed}.db'}", create=True)
    finally:
        service.all_projections = original  # type: ignore[assignment]
    results = submit_lines(sf, out.read_text(encoding="utf-8").splitlines(), lambda _: None)
    assert Counter(r.status for r in results) == {"accepted": len(results)}
    sf.catch_up()
    return sf, json.loads(labels_path(out).read_text(encoding="utf-8"))


def measure(sf: Skillfund, labels: dict[str, Any]) -> Recall:
    with sf.engine.connect() as connection:
        flags = open_flags(connection)
        claims = claim_rows(connection)
        held = set(
            connection.execute(
                sa.select(FLAG_CLAIMS.c.claim_id)
                .join(FLAGS, FLAGS.c.flag_id == FLAG_CLAIMS.c.flag_id)
                .where(FLAGS.c.status == "open")
            ).scalars()
        )
    recall = Recall(claims=len(claims), flags_by_rule=Counter(f["rule_id"] for f in flags))
    decisions = {c["claim_id"]: c for c in claims}
    for pattern in labels["patterns"]:
        rule = pattern["rule"]
        recall.planted[rule] += 1
        if caught(pattern, flags, decisions):
            recall.caught[rule] += 1
        else:
            recall.missed.append(f"{rule}: {pattern['description']}")
    flagged = held | {c for f in flags for c in f["subjects"]["claim_ids"]}
    labelled = {c for p in labels["patterns"] for c in p["claim_ids"]}
    people = {p for pattern in labels["patterns"] for p in pattern["person_ids"]}
    recall.unlabelled = sorted(c["claim_id"] for c in claims if c["claim_id"] not in labelled)
    recall.clean = [c for c in recall.unlabelled if decisions[c]["person_id"] not in people]
    recall.unlabelled_flagged = [c for c in recall.unlabelled if c in flagged]
    recall.clean_flagged = [c for c in recall.clean if c in flagged]
    return recall


def caught(pattern: dict[str, Any], flags: list[dict[str, Any]], decisions: dict) -> bool:
    """A reject pattern is caught when each claim it names was rejected with the reason
    expected; a hold or flag pattern when a flag of its rule covers what it names."""
    if pattern["outcome"] == "reject":
        expected = pattern["evidence"]["expected"]
        return bool(expected) and all(
            code in [r["code"] for r in decisions[claim_id]["reasons"]]
            for claim_id, code in expected.items()
        )
    key = CAUGHT_BY[pattern["rule"]]
    wanted = set(pattern[key])
    return bool(wanted) and any(
        f["rule_id"] == pattern["rule"] and wanted <= set(f["subjects"][key]) for f in flags
    )


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recall]:
    sf, labels = submitted("small", SEED, tmp_path_factory.mktemp("recall"))
    yield measure(sf, labels)
    sf.close()


def test_every_pattern_planted_in_a_small_workload_is_caught_by_its_check(small: Recall) -> None:
    print(small.table())

    assert small.missed == []
    assert small.caught == small.planted
    assert len(small.planted) == 16


def test_fewer_than_one_percent_of_the_small_workloads_clean_claims_are_flagged(
    small: Recall,
) -> None:
    assert len(small.clean) > 30
    assert len(small.clean_flagged) < CLEAN_FLAGGED_SHARE_MAX * len(small.clean)


def test_every_pattern_planted_in_a_city_is_caught_and_clean_claims_are_rarely_flagged(
    tmp_path: Path,
) -> None:
    sf, labels = submitted("city", SEED, tmp_path)
    recall = measure(sf, labels)
    sf.close()
    print(recall.table())

    assert recall.missed == []
    assert recall.caught == recall.planted
    assert len(recall.unlabelled_flagged) < CLEAN_FLAGGED_SHARE_MAX * len(recall.unlabelled)
    assert len(recall.clean_flagged) < CLEAN_FLAGGED_SHARE_MAX * len(recall.clean)
