"""Where events live: the database URL, the eventsourcing settings, transcodings,
and the guards that make the events table append-only.

One persistence path: eventsourcing-sqlalchemy over SQLAlchemy 2.0 — a SQLite file by
default, PostgreSQL through psycopg2. The library keeps events in memory when no
persistence module is configured; Skillfund never lets that happen.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy
from eventsourcing.persistence import Transcoding
from sqlalchemy.engine import make_url

DEFAULT_DB_URL = "sqlite:///skillfund.db"
DB_ENV_VAR = "SKILLFUND_DB"
APPLICATION_NAME = "skillfund"  # Pinned: the events table is named after it.
EVENTS_TABLE = f"{APPLICATION_NAME}_events"
SNAPSHOTS_TABLE = f"{APPLICATION_NAME}_snapshots"
CHAIN_TABLE = f"{APPLICATION_NAME}_chain"  # The hash chain, written with the events.
SEALS_TABLE = f"{APPLICATION_NAME}_seals"  # Merkle roots over the chain (docs/audit.md).
APPEND_ONLY_TABLES = (EVENTS_TABLE, CHAIN_TABLE, SEALS_TABLE)
PERSISTENCE_MODULE = "ledger.recorder"  # eventsourcing-sqlalchemy, plus the hash chain.
AGGREGATE_CACHE_MAXSIZE = 20_000


class DatabaseUnavailableError(Exception):
    """The database is missing, unreachable or of an unsupported kind (exit code 2)."""


class DateAsISO(Transcoding):
    """Business dates are stored as 'YYYY-MM-DD'."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def resolve_db_url(cli_value: str | None) -> str:
    """`--db`, else $SKILLFUND_DB, else a SQLite file in the current folder."""
    url = cli_value or os.environ.get(DB_ENV_VAR) or DEFAULT_DB_URL
    return normalize_db_url(url)


def normalize_db_url(url: str) -> str:
    """Accept sqlite:/// and postgresql[+psycopg2]:// URLs; refuse anything else clearly."""
    try:
        parsed = make_url(url)
    except sqlalchemy.exc.ArgumentError as error:
        raise DatabaseUnavailableError(f"database URL {url!r} is not a URL: {error}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if parsed.drivername not in ("sqlite", "postgresql+psycopg2"):
        raise DatabaseUnavailableError(
            f"database URL {url!r}: use sqlite:///FILE or postgresql+psycopg2://USER@HOST/DB"
        )
    return parsed.render_as_string(hide_password=False)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory database."""
    database = make_url(url).database
    if not database or database == ":memory:" or "mode=memory" in url:
        return None
    return Path(database)


def eventsourcing_env(url: str) -> dict[str, str]:
    """The settings handed to the eventsourcing Application: always a real database."""
    return {
        "PERSISTENCE_MODULE": PERSISTENCE_MODULE,
        "SQLALCHEMY_URL": url,
        "CREATE_TABLE": "yes",
        "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_MAXSIZE),
        # The ledger keeps the cache in step with the log itself (Ledger.sync), once per
        # batch instead of one query per aggregate loaded; it copies only for readers.
        "AGGREGATE_CACHE_FASTFORWARD": "no",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "no",
    }


def batch_executemany(engine: Any) -> None:
    """On PostgreSQL, let an executemany of UPDATEs or DELETEs (the projections' write-back)
    go in pages of statements, not one round trip per row: SQLAlchemy's psycopg2
    `executemany_mode="values_plus_batch"`, set on the library's engine after the fact
    (eventsourcing-sqlalchemy creates the engine and takes no engine options)."""
    dialect = engine.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg2":
        from sqlalchemy.dialects.postgresql.psycopg2 import EXECUTEMANY_VALUES_PLUS_BATCH

        dialect.executemany_mode = EXECUTEMANY_VALUES_PLUS_BATCH
        dialect.supports_sane_multi_rowcount = False  # As create_engine would set it.


SQLITE_WAL_WAIT_SECONDS = 10.0


SQLITE_BUSY_SECONDS = 60


def wait_for_the_writer(engine: Any) -> None:
    """Every connection of this engine waits up to a minute for SQLite's write lock
    (Python's default is 5 s). SQLite has one writer at a time; when projections are
    caught up in a second process beside `submit` (ledger/projector.py), one of them
    waits for the other's transaction, which may take seconds on a large store."""

    @sqlalchemy.event.listens_for(engine, "connect")
    def busy_timeout(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")

    engine.dispose()  # Connections made before this (creating the tables) are replaced.


def use_wal(datastore: Any) -> None:
    """Put a SQLite file in write-ahead-log mode now, once, before any write.

    The library switches lazily, in the first transaction of each process, and SQLite
    refuses that switch at once ("database is locked", no busy wait) while another
    connection is writing: measured, two processes starting together failed that way.
    Readers never block the writer in WAL mode; the mode is kept in the file. A switch
    refused because another process is writing is retried for a few seconds.
    """
    if not getattr(datastore, "is_sqlite_filedb", False):
        return
    wait_for_the_writer(datastore.engine)
    deadline = time.monotonic() + SQLITE_WAL_WAIT_SECONDS
    while True:
        try:
            with datastore.engine.connect() as connection:
                mode = connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
            break
        except sqlalchemy.exc.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    datastore.is_sqlite_wal_mode = str(mode).lower() == "wal"
    datastore._tried_init_sqlite_wal_mode = True  # The library's lazy switch: done.


def check_reachable(url: str, *, create: bool) -> None:
    """Fail fast with one clear sentence instead of creating or guessing a database."""
    path = sqlite_path(url) if is_sqlite(url) else None
    if path is not None and not create and not path.exists():
        raise DatabaseUnavailableError(
            f"database {url} does not exist (no file {path}); run `skillfund init` first"
        )
    if path is not None and create and not path.parent.exists():
        raise DatabaseUnavailableError(f"database {url}: folder {path.parent} does not exist")
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1"))
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") else error).strip().splitlines()[0]
        raise DatabaseUnavailableError(
            f"database {safe_url(url)} is unreachable: {reason}"
        ) from None
    finally:
        engine.dispose()


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


POSTGRES_REFUSE_FUNCTION = """
    CREATE OR REPLACE FUNCTION skillfund_refuse_event_change() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'skillfund: the % table is append-only (% refused)', TG_TABLE_NAME, TG_OP;
    END $$ LANGUAGE plpgsql"""


def append_only_sql(dialect: str, table: str) -> list[str]:
    """Triggers refusing UPDATE and DELETE of `table` (and TRUNCATE on PostgreSQL)."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION skillfund_refuse_event_change()""",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"""CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION skillfund_refuse_event_change()""",
        ]
    return [
        f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table}
            BEGIN SELECT RAISE(ABORT, 'skillfund: {table} is append-only ({op} refused)');
            END"""
        for op in ("UPDATE", "DELETE")
    ]


IMMUTABLE_SQL: dict[str, list[str]] = {
    "postgresql": [
        POSTGRES_REFUSE_FUNCTION,
        *(s for t in APPEND_ONLY_TABLES for s in append_only_sql("postgresql", t)),
    ],
    "sqlite": [s for t in APPEND_ONLY_TABLES for s in append_only_sql("sqlite", t)],
}


def install_append_only_guards(engine: Any) -> None:
    """Triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) of the events,
    the hash chain and the seals."""
    with engine.begin() as connection:
        for statement in IMMUTABLE_SQL[engine.dialect.name]:
            connection.execute(sqlalchemy.text(statement))
