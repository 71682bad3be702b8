"""The preload's hints: a batch reads the aggregates its commands will load in a few
statements, before the commands run; what a handler asks for and was not hinted costs
one statement of its own. Results never depend on the hints."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger import app as ledger_app
from ledger.app import Ledger
from ledger.generate import write
from ledger.service import open_skillfund, submit_lines
from rules.facts import CertificateFacts, ClassFacts, claim_occupation
from tests.conftest import reset_postgres


def submit_small(db_url: str, folder: Path) -> tuple[list[Any], Counter[str]]:
    """The generated small workload's results, submitted into an empty store, and how
    many single reads each class of aggregate cost (a load that found the aggregate
    neither cached nor known absent)."""
    if db_url.startswith("postgresql"):
        reset_postgres(db_url)
    folder.mkdir()
    db_url = db_url.replace("skillfund.db", f"{folder.name}.db")
    out = folder / "small.jsonl"
    write("small", 1, out, progress=io.StringIO())
    reads: Counter[str] = Counter()
    load = Ledger.load

    def counted(self: Ledger, aggregate_id: UUID, aggregate_class: type | None = None) -> Any:
        if self.cached(aggregate_id) is None and aggregate_id not in self.absent:
            reads[getattr(aggregate_class, "__name__", "?")] += 1
        return load(self, aggregate_id, aggregate_class)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Ledger, "load", counted)
        sf = open_skillfund(db_url, create=True)
        try:
            lines = out.read_text(encoding="utf-8").splitlines()
            results = submit_lines(sf, lines, lambda _: None)
        finally:
            sf.close()
    return [r.to_json() for r in results], reads


def test_payments_publicity_lists_and_a_claims_limits_are_read_with_the_batch(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results, reads = submit_small(db_url, tmp_path / "hinted")
    # Without the hints added for money commands (their BY_FIELD ids) and the second
    # round (a claim's occupation-level and annual limits); publicity lists stay hinted.
    monkeypatch.setattr(ledger_app, "derived_ids", lambda commands, cached: [])
    for field in ("payment_id", "advance_id", "publicity_id", "objection_id"):
        monkeypatch.delitem(ledger_app.hinted_ids.__globals__["BY_FIELD"], field)
    unhinted_results, unhinted = submit_small(db_url, tmp_path / "unhinted")

    assert results == unhinted_results
    assert unhinted["Payment"] >= 100 and unhinted["OccupationLevel"] >= 100
    assert reads["Payment"] == reads["Publicity"] == reads["OccupationLevel"] == 0
    assert sum(reads.values()) < 10  # A catalog or a fund read by a rule, once.


def test_a_claims_occupation_is_the_certificates_and_its_level_the_certificates_if_any() -> None:
    def klass(level: str | None) -> ClassFacts:
        return ClassFacts("c", "f", "i", "subsidised", "电工", level, *[None] * 3, 0)  # type: ignore[arg-type]

    def certificate(occupation: str, level: str | None) -> CertificateFacts:
        return CertificateFacts("n", "p", "skill_level", occupation, level, *[None] * 3)  # type: ignore[arg-type]

    assert claim_occupation(None, None) == (None, None)
    assert claim_occupation(None, klass("四级")) == ("电工", "四级")
    assert claim_occupation(certificate("焊工", "三级"), klass("四级")) == ("焊工", "三级")
    assert claim_occupation(certificate("焊工", None), klass("四级")) == ("焊工", "四级")
    assert claim_occupation(certificate("焊工", ""), None) == ("焊工", None)
    assert claim_occupation(certificate("焊工", None), None) == ("焊工", None)
