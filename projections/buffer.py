"""Set-based projection writes: a batch's working copy of a table.

A projection applying a batch of events reads each row it needs once (`load`, one
`SELECT … IN` per chunk of keys), changes the rows in memory, and `flush` writes them
back with one executemany per kind of change: inserts, updates, deletes. Between those
two points the buffer is the truth for the rows it holds; a query by anything other than
the key must flush first (or keep its own in-memory index).

Rows are plain dicts holding every column. `get` returns the buffered dict itself:
change it in place and call `touch` (or use `update`), so flush knows to write it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite import base as sqlite_types
from sqlalchemy.engine import Connection

Key = tuple[Any, ...]
LOAD_CHUNK = 500


def values_getter(names: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values for these names, as a tuple, by the C getter."""
    if len(names) == 1:
        (name,) = names
        return lambda row: (row[name],)
    return itemgetter(*names)


def converted(values: Sequence[Any], converting: Sequence[tuple[int, Any]]) -> list[Any]:
    """The values, those at the positions given passed through their processors."""
    out = list(values)
    for i, process in converting:
        out[i] = process(out[i])
    return out


class RowBuffer:
    """The rows of one table touched by the current batch, keyed by `key` columns."""

    def __init__(self, table: sa.Table, key: Iterable[str]) -> None:
        self.table = table
        self.key = tuple(key)
        self.columns = [c.name for c in table.columns]
        self.column_set = frozenset(self.columns)
        self.values = [name for name in self.columns if name not in self.key]
        self.defaults = {c.name: default_of(c) for c in table.columns}
        self._key_of = values_getter(self.key)
        self.clear()

    def clear(self) -> None:
        self.rows: dict[Key, dict[str, Any]] = {}  # Loaded or inserted in this batch.
        self.absent: set[Key] = set()  # Known not to be in the table.
        self.stored: set[Key] = set()  # Present in the table at load time.
        self.dirty: dict[Key, None] = {}  # In order of first change: rows written in order.
        self.deleted: dict[Key, None] = {}

    def key_of(self, row: dict[str, Any]) -> Key:
        return self._key_of(row)

    def load(self, connection: Connection, keys: Iterable[Key]) -> None:
        """Read every row of `keys` not yet known, a few statements for all of them."""
        wanted = [k for k in dict.fromkeys(keys) if k not in self.rows and k not in self.absent]
        found = {self.key_of(row) for row in self.read(connection, self.key, wanted)}
        self.absent.update(k for k in wanted if k not in found)

    def read(
        self, connection: Connection, columns: Sequence[str], values: Sequence[Key]
    ) -> Iterator[dict[str, Any]]:
        """The table's rows whose `columns` hold any of `values`, as stored, one SELECT per
        LOAD_CHUNK values; each is kept in the buffer unless the batch holds it already."""
        reader = driver_reader(connection, self.table, tuple(columns))
        found: Iterable[dict[str, Any]] = (
            self.read_by_statement(connection, columns, values)
            if reader is None
            else reader.rows(connection, values)
        )
        for data in found:
            key = self._key_of(data)
            if key not in self.rows:
                self.rows[key] = data
                self.stored.add(key)
            yield data

    def read_by_statement(
        self, connection: Connection, columns: Sequence[str], values: Sequence[Key]
    ) -> Iterator[dict[str, Any]]:
        indexed = [self.table.c[name] for name in columns]
        for start in range(0, len(values), LOAD_CHUNK):
            condition = keys_in(connection, indexed, values[start : start + LOAD_CHUNK])
            for row in connection.execute(sa.select(self.table).where(condition)).all():
                yield dict(row._mapping)

    def get(self, connection: Connection, key: Key) -> dict[str, Any] | None:
        """The row with this key, or None; read from the table the first time."""
        if key not in self.rows and key not in self.absent:
            self.load(connection, [key])
        return self.rows.get(key)

    def insert(self, row: dict[str, Any]) -> dict[str, Any]:
        """Add a row (its missing columns take their defaults); it must not exist."""
        if not self.column_set.issuperset(row):
            unknown = sorted(set(row) - self.column_set)
            raise KeyError(f"{self.table.name} has no column {unknown[0]}")
        full = {**self.defaults, **row}  # In column order: the defaults' order.
        key = self._key_of(full)
        if key in self.rows:
            raise KeyError(f"{self.table.name} already has a row {key}")
        self.rows[key] = full
        self.absent.discard(key)
        if key in self.deleted:  # Deleted and re-inserted in one batch: an update.
            self.deleted.pop(key, None)
        self.dirty[key] = None
        return full

    def update(self, connection: Connection, key: Key, /, **values: Any) -> dict[str, Any]:
        """Change columns of an existing row; KeyError when there is none."""
        row = self.get(connection, key)
        if row is None:
            raise KeyError(f"{self.table.name} has no row {key}")
        row.update(values)
        self.dirty[key] = None
        return row

    def upsert(self, connection: Connection, key: Key, /, **values: Any) -> dict[str, Any]:
        """Change the row with this key, or insert it."""
        if self.get(connection, key) is None:
            return self.insert({**dict(zip(self.key, key, strict=True)), **values})
        return self.update(connection, key, **values)

    def touch(self, key: Key) -> None:
        """The row with this key was changed in place."""
        self.dirty[key] = None

    def delete(self, connection: Connection, key: Key) -> None:
        if self.get(connection, key) is None:
            return
        del self.rows[key]
        self.absent.add(key)
        self.dirty.pop(key, None)
        if key in self.stored:
            self.deleted[key] = None

    def flush(self, connection: Connection) -> None:
        """Write every change back; the buffer is empty afterwards."""
        t, name = self.table, self.table.name
        if self.deleted:
            execute_many(
                connection,
                (name, "delete"),
                lambda: t.delete().where(self.where_key()),
                [{f"k_{n}": v for n, v in zip(self.key, k, strict=True)} for k in self.deleted],
            )
        inserts = [self.rows[k] for k in self.dirty if k not in self.stored]
        updates = [self.rows[k] for k in self.dirty if k in self.stored]
        if inserts:
            execute_many(connection, (name, "insert"), t.insert, inserts)
        if updates and self.values:
            execute_many(
                connection,
                (name, "update"),
                lambda: (
                    t.update()
                    .where(self.where_key())
                    .values({n: sa.bindparam(f"v_{n}") for n in self.values})
                ),
                [
                    {
                        **{f"v_{n}": row[n] for n in self.values},
                        **{f"k_{n}": row[n] for n in self.key},
                    }
                    for row in updates
                ],
            )
        self.clear()

    def where_key(self) -> Any:
        return sa.and_(*(self.table.c[n] == sa.bindparam(f"k_{n}") for n in self.key))


# Statements compiled for SQLite, by (shape, parameter names): the SQL, a row's values in
# its parameters' order (a tuple), and (position, bind processor) for the values to convert.
COMPILED: dict[tuple[Any, ...], tuple[str, Callable[[dict[str, Any]], Any], list[Any]]] = {}
ISO_DATE = "%(year)04d-%(month)02d-%(day)02d"  # SQLite DATE's default storage format.


def bind_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """A column type's bind processor on this dialect, as SQLAlchemy would run it, except
    that SQLite's DATE formats a plain date by `date.isoformat` (C) where its storage
    format is the default, which gives the same text: 0.15 µs a value against 0.9 µs
    (measured); anything else still goes through SQLAlchemy's own."""
    impl = type_.dialect_impl(dialect)
    processor = impl.bind_processor(dialect)
    if (
        processor is not None
        and isinstance(impl, sqlite_types.DATE)
        and getattr(impl, "_storage_format", None) == ISO_DATE
    ):
        general = processor

        def date_text(value: Any) -> Any:
            return value.isoformat() if type(value) is date else general(value)

        return date_text
    return processor


def execute_many(
    connection: Connection,
    shape: tuple[str, ...],
    statement: Callable[[], Any],
    rows: Sequence[dict[str, Any]],
) -> None:
    """`connection.execute(statement(), rows)`, with the same effect on every database.

    On SQLite the statement (one per `shape`: table and kind) is compiled once, and run
    with the driver's executemany on the transaction's own connection, each value passed
    through its column type's bind processor as the dialect would (`bind_processor`),
    without SQLAlchemy building a parameter set per row (measured on a rebuild of 90,000
    city events: 0.76 s of 12 s profiled in `construct_params`, 1.7 s with the statement
    set-up around it). A row's values are taken by `itemgetter` and only those with a
    processor converted: 1.50 → 0.55 µs a row of `pj_links` (measured), for the 637,537
    rows a city rebuild inserts. On PostgreSQL through psycopg2 (`postgres_execute_many`)."""
    if not rows:
        return
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg2":
        postgres_execute_many(connection, shape, statement, rows)
        return
    if connection.dialect.name != "sqlite":
        connection.execute(statement(), list(rows))
        return
    names_in = tuple(rows[0])
    key = (*shape, *names_in)
    found = COMPILED.get(key)
    if found is None:
        dialect = connection.dialect
        compiled = statement().compile(dialect=dialect, column_keys=list(names_in))
        names = list(compiled.positiontup or [])
        processors = [bind_processor(compiled.binds[n].type, dialect) for n in names]
        converting = [(i, p) for i, p in enumerate(processors) if p is not None]
        found = COMPILED[key] = (str(compiled), values_getter(names), converting)
    sql, getter, converting = found
    params: list[Any]
    if converting:
        params = [converted(getter(row), converting) for row in rows]
    else:
        params = list(map(getter, rows))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, params)
    finally:
        cursor.close()


# Statements compiled for PostgreSQL, by (shape, parameter names).
PG_COMPILED: dict[tuple[Any, ...], PgStatement] = {}
PG_PAGE_ROWS = 1_000  # Rows per round trip of an update or delete.
# COPY's text format: backslash, tab, newline and carriage return are escaped in a field.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_CHUNK = 1 << 20  # Characters psycopg2 reads from the rows at a time.


@dataclass(frozen=True)
class PgStatement:
    """A statement compiled for psycopg2: its SQL, and for an INSERT its VALUES template,
    the COPY that does the same and the parameters in its column order; the bind
    processors by parameter name."""

    sql: str
    processors: dict[str, Any]
    template: str = ""
    copy: str | None = None
    columns: tuple[str, ...] = ()


def copy_field(value: Any) -> str:
    """A value in COPY's text format; TypeError for a type it is not written for."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(COPY_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind is int:
        return str(value)
    if kind is date or kind is datetime:
        return value.isoformat()
    if kind is bytes:
        return "\\\\x" + value.hex()
    raise TypeError(f"no COPY text for {kind.__name__}")


def postgres_execute_many(
    connection: Connection,
    shape: tuple[str, ...],
    statement: Callable[[], Any],
    rows: Sequence[dict[str, Any]],
) -> None:
    """`execute_many` on PostgreSQL, on psycopg2's cursor in the transaction: an INSERT by
    COPY (text format, `copy_field`), anything else as pages of statements
    (`execute_batch`), each value through its column's bind processor first, the
    statement compiled once per shape. SQLAlchemy's multi-row insert and
    `values_plus_batch` send the same rows, but build and bind a parameter set per row;
    a row holding a value COPY is not written for goes by multi-row INSERT."""
    from psycopg2.extras import execute_batch, execute_values

    names_in = tuple(rows[0])
    key = (*shape, *names_in)
    found = PG_COMPILED.get(key)
    if found is None:
        dialect = connection.dialect
        compiled = statement().compile(dialect=dialect, column_keys=list(names_in))
        processors = {
            name: processor
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect))
        }
        found = PgStatement(str(compiled), processors)
        if compiled.isinsert:
            head, template = found.sql.rsplit(" VALUES ", 1)
            found = PgStatement(
                f"{head} VALUES %s",
                processors,
                template,
                f"COPY {head.removeprefix('INSERT INTO ')} FROM STDIN",
                tuple(re.findall(r"%\((\w+)\)s", template)),
            )
        PG_COMPILED[key] = found
    params: Sequence[dict[str, Any]] = rows
    if found.processors:
        processors = found.processors
        params = [
            {**row, **{n: p(row[n]) for n, p in processors.items() if n in row}} for row in rows
        ]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if found.copy is None:
            execute_batch(cursor, found.sql, params, page_size=PG_PAGE_ROWS)
            return
        columns = found.columns
        try:
            text = "".join(
                "\t".join([copy_field(row[n]) for n in columns]) + "\n" for row in params
            )
        except TypeError:
            execute_values(
                cursor, found.sql, params, template=found.template, page_size=PG_PAGE_ROWS
            )
        else:
            cursor.copy_expert(found.copy, io.StringIO(text), COPY_CHUNK)
    finally:
        cursor.close()


def keys_in(connection: Connection, columns: Sequence[Any], keys: Sequence[Key]) -> Any:
    """`(columns) IN keys`, written so that the database searches the index.

    A row-value IN over a list of values is slow on both databases as the tables grow:
    SQLite scans the whole table (measured on a city store: 70-220 ms per 500 keys), and
    PostgreSQL plans a 500-branch OR, often on the wrong index (275 ms per 500 edge keys on
    30,000 lines of a city). An IN over a subquery searches the primary key on both (10 ms):
    on SQLite the keys go into a temporary table first (use the condition at once: the
    next call for the same columns refills that table), on PostgreSQL into arrays unnested
    in the statement.
    """
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    if connection.dialect.name == "postgresql":
        # One array per column, unnested into rows in the statement itself: no temporary
        # table to fill first (a check that it exists, a TRUNCATE and an INSERT per lookup:
        # measured on a city rebuild, 4.7 s of 77 s in those statements, more in building
        # their parameters). The planner sizes an unnested constant array by its length.
        arrays = [
            sa.bindparam(None, [key[i] for key in keys], type_=postgresql.ARRAY(c.type))
            for i, c in enumerate(columns)
        ]
        labels = [f"k{i}" for i in range(len(columns))]
        rows = sa.func.unnest(*arrays).table_valued(*labels).render_derived()
        return sa.tuple_(*columns).in_(sa.select(*rows.c))
    temp = key_table(tuple(columns))
    temp.create(connection, checkfirst=True)
    connection.execute(temp.delete())
    names = [c.name for c in temp.columns]
    connection.execute(temp.insert(), [dict(zip(names, key, strict=True)) for key in keys])
    return sa.tuple_(*columns).in_(sa.select(*temp.columns))


class DriverReader:
    """`SELECT * FROM table WHERE (columns) IN keys`, compiled once and run on the
    transaction's own driver connection, with the statements `keys_in` builds: each key
    value passed through its column type's bind processor and each result through its
    result processor, as SQLAlchemy's execution would, without SQLAlchemy building a
    statement, a cache key and a result object per lookup (about half of a lookup's time,
    sampled on a city rebuild). One subclass per driver says how a chunk of keys is
    looked up (`execute`)."""

    def __init__(self, dialect: Any, table: sa.Table, columns: tuple[str, ...]) -> None:
        self.names = [c.name for c in table.columns]
        results = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in table.columns
        ]
        self.convert = [(i, p) for i, p in enumerate(results) if p is not None]
        self.keyed = [table.c[name] for name in columns]
        self.binds = [bind_processor(c.type, dialect) for c in self.keyed]
        self.converting = [(i, p) for i, p in enumerate(self.binds) if p is not None]
        quoted = ", ".join(f'"{name}"' for name in self.names)
        self.select = f'SELECT {quoted} FROM "{table.name}" WHERE '
        self.tupled = ", ".join(f'"{name}"' for name in columns)

    def bound(self, keys: Sequence[Key]) -> Sequence[Sequence[Any]]:
        """Keys' values as the driver takes them: the keys themselves when none converts."""
        if not self.converting:
            return keys
        return [converted(key, self.converting) for key in keys]

    def execute(self, cursor: Any, chunk: Sequence[Key]) -> None:
        raise NotImplementedError

    def rows(self, connection: Connection, values: Sequence[Key]) -> Iterator[dict[str, Any]]:
        names, convert = self.names, self.convert
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for start in range(0, len(values), LOAD_CHUNK):
                self.execute(cursor, values[start : start + LOAD_CHUNK])
                for raw in cursor.fetchall():
                    if convert:
                        raw = converted(raw, convert)
                    yield dict(zip(names, raw, strict=True))
        finally:
            cursor.close()


class SqliteReader(DriverReader):
    """On SQLite: an IN list for one column; for more, the keys put in the same temporary
    table as `keys_in`'s first."""

    def __init__(self, dialect: Any, table: sa.Table, columns: tuple[str, ...]) -> None:
        super().__init__(dialect, table, columns)
        self.by_list: dict[int, str] = {}  # IN-list statements by their number of keys.
        self.temp: tuple[str, str, str, str] | None = None
        if len(columns) > 1:
            temp = key_table(tuple(self.keyed))
            declared = ", ".join(
                f"k{i} {c.type.compile(dialect)}" for i, c in enumerate(self.keyed)
            )
            marks = ", ".join("?" for _ in self.keyed)
            temp_columns = ", ".join(f"k{i}" for i in range(len(self.keyed)))
            self.temp = (
                f'CREATE TEMPORARY TABLE IF NOT EXISTS "{temp.name}" ({declared})',
                f'DELETE FROM "{temp.name}"',
                f'INSERT INTO "{temp.name}" VALUES ({marks})',
                f'{self.select}({self.tupled}) IN (SELECT {temp_columns} FROM "{temp.name}")',
            )

    def execute(self, cursor: Any, chunk: Sequence[Key]) -> None:
        if self.temp is None:
            sql = self.by_list.get(len(chunk))
            if sql is None:
                marks = ", ".join("?" for _ in chunk)
                sql = self.by_list[len(chunk)] = f"{self.select}{self.tupled} IN ({marks})"
            (bind,) = self.binds
            cursor.execute(sql, [k[0] if bind is None else bind(k[0]) for k in chunk])
            return
        create, clear, fill, select = self.temp
        cursor.execute(create)
        cursor.execute(clear)
        cursor.executemany(fill, self.bound(chunk))
        cursor.execute(select)


class PostgresReader(DriverReader):
    """On PostgreSQL through psycopg2: `= ANY(array)` for one column (what PostgreSQL makes
    of an IN list), `IN (SELECT * FROM unnest(arrays))` for more, one array per column,
    cast to the column's type."""

    def __init__(self, dialect: Any, table: sa.Table, columns: tuple[str, ...]) -> None:
        super().__init__(dialect, table, columns)
        arrays = [f"%s::{c.type.compile(dialect)}[]" for c in self.keyed]
        if len(columns) == 1:
            self.sql = f"{self.select}{self.tupled} = ANY({arrays[0]})"
        else:
            unnested = ", ".join(arrays)
            self.sql = f"{self.select}({self.tupled}) IN (SELECT * FROM unnest({unnested}))"

    def execute(self, cursor: Any, chunk: Sequence[Key]) -> None:
        cursor.execute(
            self.sql,
            [
                [k[i] if bind is None else bind(k[i]) for k in chunk]
                for i, bind in enumerate(self.binds)
            ],
        )


READERS: dict[tuple[str, str, tuple[str, ...]], DriverReader] = {}
READER_CLASSES = {("sqlite", "pysqlite"): SqliteReader, ("postgresql", "psycopg2"): PostgresReader}


def driver_reader(
    connection: Connection, table: sa.Table, columns: tuple[str, ...]
) -> DriverReader | None:
    """The compiled reader of this table by these columns on this connection's database,
    or None where there is none (the statement path serves)."""
    dialect = connection.dialect
    found = READERS.get((dialect.name, table.name, columns))
    if found is None:
        kind = READER_CLASSES.get((dialect.name, dialect.driver))
        if kind is None:
            return None
        found = READERS[(dialect.name, table.name, columns)] = kind(dialect, table, columns)
    return found


KEY_TABLES = sa.MetaData()


def key_table(columns: tuple[Any, ...]) -> sa.Table:
    """The temporary table holding keys for these columns (same types, so values bind
    exactly as they are stored)."""
    name = "tmp_keys_" + "_".join([columns[0].table.name, *(c.name for c in columns)])
    name = name[:60]
    if name not in KEY_TABLES.tables:
        sa.Table(
            name,
            KEY_TABLES,
            *(sa.Column(f"k{i}", c.type) for i, c in enumerate(columns)),
            prefixes=["TEMPORARY"],
        )
    return KEY_TABLES.tables[name]


def default_of(column: sa.Column[Any]) -> Any:
    """A column's Python-side scalar default, else None."""
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    return None
