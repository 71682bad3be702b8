"""The set-based write buffer: what it writes back is what was changed, nothing else."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from projections.buffer import RowBuffer, bind_processor, copy_field, keys_in

META = sa.MetaData()
ROWS = sa.Table(
    "t_rows",
    META,
    sa.Column("a", sa.String(8), primary_key=True),
    sa.Column("b", sa.Integer, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False, default=0),
    sa.Column("s", sa.Text, nullable=True),
)


@pytest.fixture
def engine() -> sa.engine.Engine:
    engine = sa.create_engine("sqlite://")
    META.create_all(engine)
    with engine.begin() as connection:
        connection.execute(ROWS.insert(), [{"a": "x", "b": 1, "n": 5, "s": "old"}])
    return engine


def table(engine: sa.engine.Engine) -> dict[tuple[str, int], tuple[int, str | None]]:
    with engine.connect() as connection:
        return {(r.a, r.b): (r.n, r.s) for r in connection.execute(sa.select(ROWS))}


def test_insert_update_delete_are_written_back_in_one_flush(engine: sa.engine.Engine) -> None:
    buffer = RowBuffer(ROWS, ("a", "b"))
    with engine.begin() as connection:
        buffer.load(connection, [("x", 1), ("y", 2)])
        assert buffer.get(connection, ("y", 2)) is None
        buffer.insert({"a": "y", "b": 2, "s": "new"})
        buffer.update(connection, ("x", 1), n=6)
        buffer.upsert(connection, ("z", 3), n=9)
        buffer.get(connection, ("z", 3))["n"] += 1  # type: ignore[index]
        buffer.touch(("z", 3))
        assert table(engine) == {("x", 1): (5, "old")}  # Nothing written before flush.
        buffer.flush(connection)
    assert table(engine) == {("x", 1): (6, "old"), ("y", 2): (0, "new"), ("z", 3): (10, None)}

    with engine.begin() as connection:
        buffer.delete(connection, ("x", 1))
        buffer.delete(connection, ("y", 2))
        buffer.insert({"a": "y", "b": 2, "n": 1})  # Deleted and inserted again: updated.
        buffer.flush(connection)
    assert table(engine) == {("y", 2): (1, None), ("z", 3): (10, None)}


def test_a_duplicate_insert_or_an_update_of_nothing_is_refused(engine: sa.engine.Engine) -> None:
    buffer = RowBuffer(ROWS, ("a", "b"))
    with engine.begin() as connection:
        buffer.get(connection, ("x", 1))
        with pytest.raises(KeyError, match="already has a row"):
            buffer.insert({"a": "x", "b": 1})
        with pytest.raises(KeyError, match="has no row"):
            buffer.update(connection, ("q", 0), n=1)
        with pytest.raises(KeyError, match="no column"):
            buffer.insert({"a": "q", "b": 0, "zz": 1})


TYPED = sa.Table(
    "t_typed",
    META,
    sa.Column("k", sa.String(8), primary_key=True),
    sa.Column("on", sa.Date, nullable=True),
    sa.Column("flag", sa.Boolean, nullable=True),
    sa.Column("amount", sa.BigInteger, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)


def stored(engine: sa.engine.Engine) -> list[tuple]:
    with engine.connect() as connection:
        raw = connection.exec_driver_sql(
            'SELECT k, "on", flag, amount, note FROM t_typed ORDER BY k'
        )
        return [tuple(r) for r in raw]


def test_the_sqlite_fast_path_stores_every_type_as_sqlalchemy_would() -> None:
    """On SQLite the buffer's executemany bypasses SQLAlchemy's per-row parameters; the
    values stored must be byte for byte those SQLAlchemy's own executemany stores."""
    rows = [
        {"k": "a", "on": date(2020, 7, 6), "flag": True, "amount": 12_345, "note": "中文"},
        {"k": "b", "on": None, "flag": False, "amount": None, "note": None},
    ]
    engines = [sa.create_engine("sqlite://") for _ in range(2)]
    for engine in engines:
        META.create_all(engine)
    with engines[0].begin() as connection:
        connection.execute(TYPED.insert(), rows)
    buffer = RowBuffer(TYPED, ("k",))
    with engines[1].begin() as connection:
        for row in rows:
            buffer.insert(row)
        buffer.flush(connection)

    assert stored(engines[1]) == stored(engines[0])
    assert stored(engines[1])[0][1] == "2020-07-06"

    with engines[1].begin() as connection:  # Updates and deletes take the same path.
        buffer.load(connection, [("a",), ("b",)])
        buffer.update(connection, ("a",), on=date(2021, 1, 2), flag=False)
        buffer.delete(connection, ("b",))
        buffer.flush(connection)
    assert stored(engines[1]) == [("a", "2021-01-02", 0, 12_345, "中文")]


def test_the_date_shortcut_writes_the_text_sqlalchemy_writes() -> None:
    """SQLite's DATE bind processor is replaced by `date.isoformat` only where the text is
    the same: every year from 1 to 9999, a datetime given for a date, None; a DATE with a
    storage format of its own keeps SQLAlchemy's processor."""
    dialect = sqlite.dialect()
    general = sa.Date().dialect_impl(dialect).bind_processor(dialect)
    fast = bind_processor(sa.Date(), dialect)
    assert general is not None and fast is not None and fast is not general
    values = [
        date(year, month, day)
        for year in (1, 999, 1000, 2021, 9999)
        for month, day in ((1, 1), (2, 28), (12, 31))
    ]
    for value in [*values, datetime(2021, 3, 4, 5, 6, 7), None]:
        assert fast(value) == general(value)
    with pytest.raises(TypeError):
        fast("2021-03-04")  # Refused as SQLAlchemy refuses it.
    own_format = sqlite.DATE(storage_format="%(day)02d/%(month)02d/%(year)04d")
    assert bind_processor(own_format, dialect)(date(2021, 3, 4)) == "04/03/2021"  # type: ignore[misc]
    assert bind_processor(sa.Integer(), dialect) is None


DATED = sa.Table(
    "t_dated",
    META,
    sa.Column("who", sa.String(18), primary_key=True),
    sa.Column("on", sa.Date, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)


def test_a_lookup_by_a_composite_key_finds_exactly_those_rows_batch_after_batch(
    db_url: str,
) -> None:
    """`keys_in` on two columns (text and date): each of 60 lookups in one transaction
    finds its own rows and no other (on SQLite through the refilled temporary table, on
    PostgreSQL through arrays unnested in the statement, which leaves no table behind)."""
    engine = sa.create_engine(db_url)
    META.create_all(engine)
    stored = [
        {"who": f"p{n}", "on": date(2020, 1 + n % 12, 1 + n % 28), "n": n} for n in range(3_000)
    ]
    try:
        with engine.begin() as connection:
            connection.execute(DATED.insert(), stored)
            columns = (DATED.c.who, DATED.c["on"])
            for batch in range(60):
                wanted = stored[batch * 50 : batch * 50 + 50]
                keys = [(r["who"], r["on"]) for r in wanted]
                keys += [(f"p{batch}", date(1999, 1, 1)), ("nobody", date(2020, 1, 1))]
                condition = keys_in(connection, columns, keys)
                found = connection.execute(sa.select(DATED.c.n).where(condition)).scalars()
                assert sorted(found) == [r["n"] for r in wanted]
            if engine.dialect.name == "postgresql":
                temporary = connection.execute(
                    sa.text("SELECT count(*) FROM pg_class WHERE relpersistence = 't'")
                ).scalar_one()
                assert temporary == 0
    finally:
        META.drop_all(engine)
        engine.dispose()


READ_ROWS = sa.Table(
    "t_read",
    META,
    sa.Column("who", sa.String(16), primary_key=True),
    sa.Column("on", sa.Date, primary_key=True),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("till", sa.Date, nullable=True),
    sa.Column("n", sa.BigInteger, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
)


@pytest.mark.parametrize("columns", [("who", "on"), ("who",), ("on",), ("n",)])
def test_rows_read_by_the_driver_are_the_rows_sqlalchemy_reads_with_their_types(
    columns: tuple[str, ...], db_url: str
) -> None:
    """A buffer reads through statements of its own on the driver's cursor (SqliteReader,
    PostgresReader): the same rows, of the same Python types (dates, booleans, None), as
    SQLAlchemy's select, for a key of one column or two and for more keys than one
    statement takes."""
    engine = sa.create_engine(db_url)
    READ_ROWS.drop(engine, checkfirst=True)
    READ_ROWS.create(engine)
    stored = [
        {
            "who": f"p{n}",
            "on": date(2020, 1, 1) + timedelta(days=n % 1_100),
            "ok": n % 3 == 0,
            "till": None if n % 5 else date(2021, 1 + n % 12, 1),
            "n": n * 1_000_003,
            "note": None if n % 7 else f"备注 {n}",
        }
        for n in range(1_500)
    ]
    with engine.begin() as connection:
        connection.execute(READ_ROWS.insert(), stored)
    wanted = list(dict.fromkeys(tuple(r[c] for c in columns) for r in stored[::2]))
    wanted += [
        tuple("nobody" if c == "who" else date(1999, 1, 1) if c == "on" else -1 for c in columns)
    ]
    assert len(wanted) > 500  # More than one statement's worth (LOAD_CHUNK).

    def typed(rows: list[dict[str, object]]) -> list[tuple[tuple[str, object, type], ...]]:
        return sorted(tuple((k, v, type(v)) for k, v in r.items()) for r in rows)

    with engine.begin() as connection:
        ours = list(RowBuffer(READ_ROWS, ("who", "on")).read(connection, columns, wanted))
        theirs = list(
            RowBuffer(READ_ROWS, ("who", "on")).read_by_statement(connection, columns, wanted)
        )
    assert typed(ours) == typed(theirs)
    expected = {tuple(r[c] for c in columns) for r in stored} & set(wanted)
    assert {tuple(r[c] for c in columns) for r in ours} == expected
    assert any(r["till"] is None for r in ours) and any(type(r["till"]) is date for r in ours)
    READ_ROWS.drop(engine)
    engine.dispose()


WRITE_META = sa.MetaData()
WRITTEN = [
    sa.Table(
        name,
        WRITE_META,
        sa.Column("who", sa.String(16), primary_key=True),
        sa.Column("on", sa.Date, primary_key=True),
        sa.Column("end", sa.Boolean, nullable=True),  # A reserved word, as a column name.
        sa.Column("n", sa.BigInteger, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
    )
    for name in ("t_written_by_buffer", "t_written_by_sqlalchemy")
]


def test_the_buffer_writes_what_sqlalchemy_writes_on_either_database(db_url: str) -> None:
    """The buffer's own write path (the driver's executemany on SQLite; multi-row VALUES
    and pages of statements through psycopg2 on PostgreSQL) against SQLAlchemy's
    executemany: inserts, updates and deletes of more rows than a page, with quotes,
    percent signs, Chinese, dates, booleans, 64-bit integers and None."""
    engine = sa.create_engine(db_url)
    WRITE_META.drop_all(engine)
    WRITE_META.create_all(engine)
    ours, theirs = WRITTEN
    rows = [
        {
            "who": f"p{n % 700}",
            "on": date(2020, 1, 1) + timedelta(days=n // 700),
            "end": None if n % 4 == 0 else n % 3 == 0,
            "n": None if n % 11 == 0 else (n - 1_000) * 9_007_199_254,
            "note": None if n % 7 == 0 else f"it's {n}% \\ 职业技能 %(who)s %s",
        }
        for n in range(2_100)
    ]
    changed = [{**r, "end": not r["end"], "note": None if r["note"] else "'"} for r in rows[::3]]
    gone = rows[1::5]

    buffer = RowBuffer(ours, ("who", "on"))
    with engine.begin() as connection:
        for row in rows:
            buffer.insert(row)
        buffer.flush(connection)
        connection.execute(theirs.insert(), rows)
    with engine.begin() as connection:
        buffer.load(connection, [(r["who"], r["on"]) for r in changed + gone])
        for row in changed:
            buffer.update(connection, (row["who"], row["on"]), end=row["end"], note=row["note"])
        for row in gone:
            buffer.delete(connection, (row["who"], row["on"]))
        buffer.flush(connection)
        key = sa.and_(theirs.c.who == sa.bindparam("k_who"), theirs.c.on == sa.bindparam("k_on"))
        connection.execute(
            theirs.update()
            .where(key)
            .values(end=sa.bindparam("v_end"), note=sa.bindparam("v_note")),
            [
                {"k_who": r["who"], "k_on": r["on"], "v_end": r["end"], "v_note": r["note"]}
                for r in changed
            ],
        )
        connection.execute(
            theirs.delete().where(key), [{"k_who": r["who"], "k_on": r["on"]} for r in gone]
        )

    def content(t: sa.Table) -> list[tuple[object, ...]]:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(sa.select(t).order_by(t.c.who, t.c.on))]

    assert content(ours) == content(theirs)
    assert len(content(ours)) == len(rows) - len(gone)
    WRITE_META.drop_all(engine)
    engine.dispose()


def test_copy_text_escapes_what_copy_reads_as_syntax() -> None:
    assert [
        copy_field(v)
        for v in (None, "a\tb\nc\rd\\e", True, False, -7, date(2020, 2, 29), b"\x00\xff")
    ] == ["\\N", "a\\tb\\nc\\rd\\\\e", "t", "f", "-7", "2020-02-29", "\\\\x00ff"]
    with pytest.raises(TypeError):
        copy_field(1.5)


MEASURED = sa.Table(
    "t_measured",
    WRITE_META,
    sa.Column("k", sa.Integer, primary_key=True),
    sa.Column("ratio", sa.Float, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)


def test_a_row_copy_is_not_written_for_goes_by_insert(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    MEASURED.drop(engine, checkfirst=True)
    MEASURED.create(engine)
    rows = [{"k": n, "ratio": n / 8, "note": f"'{n}'\t%s"} for n in range(1_200)]
    buffer = RowBuffer(MEASURED, ("k",))
    with engine.begin() as connection:
        for row in rows:
            buffer.insert(row)
        buffer.flush(connection)
    with engine.connect() as connection:
        stored = [dict(r._mapping) for r in connection.execute(sa.select(MEASURED).order_by("k"))]
    assert stored == rows
    MEASURED.drop(engine)
    engine.dispose()
