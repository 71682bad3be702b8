"""Small builders of command dicts for tests, on top of the demo's reference data."""

from __future__ import annotations

from typing import Any

from ledger import demo

FUND = demo.FUND


def opening() -> list[dict[str, Any]]:
    """The fund, its deposits, the shortage catalog, institutions and people."""
    return demo.reference_data()


def claim(
    claim_id: str,
    subsidy: str,
    beneficiary: str,
    person_id: str,
    filed: str = "2020-09-01",
    **extra: Any,
) -> dict[str, Any]:
    return demo.claim(claim_id, subsidy, beneficiary, person_id, filed, **extra)


def certificate(
    no: str,
    person_id: str,
    occupation: str = "电工",
    level: str | None = "senior",
    issued: str = "2020-08-20",
    kind: str = "skill_level",
) -> dict[str, Any]:
    return demo.certificate(no, person_id, kind, occupation, level, issued)
