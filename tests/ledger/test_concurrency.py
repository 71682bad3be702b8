"""Limits hold when several writers file conflicting claims at the same moment."""

from __future__ import annotations

import threading

import pytest

from ledger import demo
from ledger.results import Result
from ledger.service import open_skillfund, submit_lines
from tests.conftest import submit
from tests.ledger.factories import certificate, claim

WRITERS = 6


def test_only_one_of_many_concurrent_claims_for_one_occupation_and_level_is_approved(
    db_url: str,
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the race is shown on PostgreSQL")
    setup = open_skillfund(db_url, create=True)
    certificates = [certificate(f"KS-RACE-{n}", demo.WANG) for n in range(WRITERS)]
    submit(setup, *demo.reference_data(), *certificates)
    setup.close()
    results: list[Result] = []
    barrier = threading.Barrier(WRITERS)

    def file(n: int) -> None:
        sf = open_skillfund(db_url)
        line = claim(
            f"C-RACE-{n}", "skill_upgrade", demo.WANG, demo.WANG, certificate_no=f"KS-RACE-{n}"
        )
        barrier.wait()
        import json

        results.extend(submit_lines(sf, [json.dumps(line, ensure_ascii=False)], lambda _: None))
        sf.close()

    threads = [threading.Thread(target=file, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    outcomes = sorted(r.decision.outcome for r in results if r.decision is not None)
    assert [r.status for r in results] == ["accepted"] * WRITERS
    assert outcomes == ["approved"] + ["rejected"] * (WRITERS - 1)
    rejected = [r for r in results if r.decision is not None and r.decision.outcome == "rejected"]
    assert all("same_occupation_level" in {x.code for x in r.decision.reasons} for r in rejected)
