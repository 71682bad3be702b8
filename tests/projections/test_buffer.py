"""The set-based write buffer: what it writes back is what was changed, nothing else."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from projections.buffer import RowBuffer

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
