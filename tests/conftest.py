"""One fixture selects the database: every test that takes `db_url` runs on SQLite, and
on PostgreSQL too when SKILLFUND_TEST_POSTGRES_URL is set (CI sets it; a set URL that
cannot be reached fails the tests, it is never skipped)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from ledger.persistence import (
    CHAIN_TABLE,
    EVENTS_TABLE,
    SEALS_TABLE,
    SNAPSHOTS_TABLE,
    normalize_db_url,
)
from ledger.results import Result
from ledger.service import Skillfund, open_skillfund, submit_lines
from projections.base import METADATA

POSTGRES_ENV_VAR = "SKILLFUND_TEST_POSTGRES_URL"


def postgres_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV_VAR)
    return normalize_db_url(url) if url else None


def reset_postgres(url: str) -> None:
    """Drop every Skillfund table so each test starts from an empty database."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for table in [
                EVENTS_TABLE,
                CHAIN_TABLE,
                SEALS_TABLE,
                SNAPSHOTS_TABLE,
                *METADATA.tables,
            ]:
                connection.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    finally:
        engine.dispose()


def database_params() -> list[Any]:
    params: list[Any] = ["sqlite"]
    if postgres_url():
        params.append(pytest.param("postgres", marks=pytest.mark.postgres))
    return params


@pytest.fixture(params=database_params())
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'skillfund.db'}"
    url = postgres_url()
    assert url is not None
    reset_postgres(url)  # Fails loudly when PostgreSQL is configured but unreachable.
    return url


@pytest.fixture
def sf(db_url: str) -> Iterator[Skillfund]:
    skillfund = open_skillfund(db_url, create=True)
    yield skillfund
    skillfund.close()


def submit(sf: Skillfund, *commands: dict[str, Any] | str) -> list[Result]:
    """Submit commands (dicts or raw lines) and catch the projections up."""
    lines = [c if isinstance(c, str) else json.dumps(c, ensure_ascii=False) for c in commands]
    results = submit_lines(sf, lines, lambda _: None)
    sf.catch_up()
    return results


def submit_one(sf: Skillfund, command: dict[str, Any] | str) -> Result:
    return submit(sf, command)[0]


def event_count(sf: Skillfund) -> int:
    with sf.engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT COUNT(*) FROM {EVENTS_TABLE}")).scalar_one())
