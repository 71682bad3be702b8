"""`skillfund export`: a period's events with their hashes and chain positions, then every
seal, as JSON Lines for an auditor's own tools (format in docs/audit.md, "Export")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ledger.recorder import CHAIN, EVENTS
from ledger.seals import all_seals

EXPORT_BATCH_SIZE = 5_000
# Business dates are Asia/Shanghai dates; China has kept UTC+8 without daylight saving
# since 1991, so a fixed offset is exact and needs no time-zone database.
SHANGHAI = timezone(timedelta(hours=8))


def business_date(state: dict[str, Any]) -> date | None:
    """The event's `on` date, else the Shanghai date it was recorded, else None."""
    for name, convert in (("on", date.fromisoformat), ("timestamp", recorded_date)):
        value = state.get(name)
        if isinstance(value, dict):
            value = value.get("_data_")
        if isinstance(value, str):
            try:
                return convert(value[:10] if name == "on" else value)
            except ValueError:
                continue
    return None


def recorded_date(text: str) -> date:
    return datetime.fromisoformat(text).astimezone(SHANGHAI).date()


def chained_events(connection: sa.Connection) -> Iterator[Any]:
    """Every event with its chain row (None where it has none), in position order."""
    after = 0
    while True:
        rows = connection.execute(
            sa.select(EVENTS, CHAIN.c.event_hash, CHAIN.c.chain_hash)
            .select_from(EVENTS.outerjoin(CHAIN, CHAIN.c.position == EVENTS.c.id))
            .where(EVENTS.c.id > after)
            .order_by(EVENTS.c.id)
            .limit(EXPORT_BATCH_SIZE)
        ).all()
        yield from rows
        if len(rows) < EXPORT_BATCH_SIZE:
            return
        after = rows[-1].id


def event_line(row: Any, state: dict[str, Any] | None, text: str | None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "event",
        "position": row.id,
        "originator_id": str(row.originator_id),
        "originator_version": row.originator_version,
        "topic": row.topic,
        "state": state,
        "state_text": text,
        "event_hash": row.event_hash,
        "chain_hash": row.chain_hash,
    }
    if text is None:
        line["state_hex"] = bytes(row.state).hex()
    return line


def decoded(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The state as JSON and as its exact text; (None, None) when it is neither."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    try:
        state = json.loads(text)
    except ValueError:
        return None, text
    return (state if isinstance(state, dict) else None), text


def export(engine: sa.Engine, first: date, last: date, out: Path) -> int:
    """Write every event whose business date lies in first..last, then every seal; return
    the number of events written."""
    written = 0
    with engine.connect() as connection, out.open("w", encoding="utf-8") as stream:
        for row in chained_events(connection):
            state, text = decoded(bytes(row.state))
            on = business_date(state) if state is not None else None
            if on is None or not first <= on <= last:
                continue
            stream.write(json.dumps(event_line(row, state, text), ensure_ascii=False) + "\n")
            written += 1
        for sealed in all_seals(connection):
            stream.write(
                json.dumps({"type": "seal", **sealed.to_json()}, ensure_ascii=False) + "\n"
            )
    return written
