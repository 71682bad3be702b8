"""Inclusion proofs: an event is a leaf of the Merkle tree a seal's root names.

`prove` reads the database and writes a self-contained proof; `verify_proof` needs no
database at all (the algorithm is also in docs/audit.md, "Checking a proof").
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ledger.chain import audit_path, event_hash, merkle_root, root_from_path
from ledger.recorder import EVENTS, SEALS
from ledger.seals import Seal, row_to_seal

PROOF_FORMAT = "skillfund-inclusion-proof/1"
PROOF_READ_BATCH_SIZE = 10_000
ENTITIES_TABLE = "pj_entities"  # The directory projection: natural key -> aggregate.


class ProofError(Exception):
    """No proof can be made: an unknown key or position, no seal, or a tampered range."""


def resolve_position(connection: sa.Connection, key: str, kind: str | None = None) -> int:
    """The position of the creation event of the aggregate a natural key names."""
    entities = sa.table(
        ENTITIES_TABLE, sa.column("key"), sa.column("kind"), sa.column("aggregate_id")
    )
    query = sa.select(entities.c.kind, entities.c.aggregate_id).where(entities.c.key == key)
    if kind is not None:
        query = query.where(entities.c.kind == kind)
    found = connection.execute(query).all()
    if not found:
        raise ProofError(f"no entity has the key {key!r} (is the directory caught up?)")
    if len(found) > 1:
        kinds = ", ".join(sorted(k for k, _ in found))
        raise ProofError(f"the key {key!r} names several entities ({kinds}); give the position")
    position = connection.execute(
        sa.select(EVENTS.c.id).where(
            EVENTS.c.originator_id == UUID(found[0].aggregate_id),
            EVENTS.c.originator_version == 1,
        )
    ).scalar_one_or_none()
    if position is None:
        raise ProofError(f"the creation event of {key!r} is not in the events table")
    return int(position)


def covering_seal(connection: sa.Connection, position: int, seal_id: int | None) -> Seal:
    """The given seal, or the latest seal whose range covers `position`."""
    query = sa.select(SEALS).where(
        SEALS.c.first_position <= position, SEALS.c.last_position >= position
    )
    if seal_id is not None:
        query = query.where(SEALS.c.seal_id == seal_id)
    row = connection.execute(query.order_by(SEALS.c.seal_id.desc()).limit(1)).first()
    if row is None:
        which = f"seal #{seal_id}" if seal_id is not None else "no seal"
        raise ProofError(f"{which} covers position {position}; run `skillfund seal` first")
    return row_to_seal(row)


def leaves(connection: sa.Connection, sealed: Seal, position: int) -> tuple[list[bytes], int, Any]:
    """The recomputed event hashes of the events a seal covers, in position order, with the
    leaf index and row of the event at `position` (which must be among them)."""
    hashes: list[bytes] = []
    index, target, after = -1, None, sealed.first_position - 1
    while True:
        batch = connection.execute(
            sa.select(EVENTS)
            .where(EVENTS.c.id > after, EVENTS.c.id <= sealed.last_position)
            .order_by(EVENTS.c.id)
            .limit(PROOF_READ_BATCH_SIZE)
        ).all()
        for row in batch:
            if row.id == position:
                index, target = len(hashes), row
            hashes.append(
                event_hash(row.id, row.originator_id, row.originator_version, row.topic, row.state)
            )
        if len(batch) < PROOF_READ_BATCH_SIZE:
            break
        after = batch[-1].id
    if target is None:
        raise ProofError(f"no event at position {position}")
    return hashes, index, target


def event_fields(row: Any) -> dict[str, Any]:
    """The fields the event hash covers, in a form that gives back the exact bytes."""
    fields: dict[str, Any] = {
        "position": row.id,
        "originator_id": str(row.originator_id),
        "originator_version": row.originator_version,
        "topic": row.topic,
    }
    try:
        fields["state"] = bytes(row.state).decode("utf-8")
    except UnicodeDecodeError:
        fields["state_hex"] = bytes(row.state).hex()
    return fields


def prove(
    engine: sa.Engine,
    position_or_key: int | str,
    seal_id: int | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """An inclusion proof of one event (a position, or a natural key's creation event) under
    the latest seal covering it, or under `seal_id`."""
    with engine.connect() as connection:
        if isinstance(position_or_key, int):
            position = position_or_key
        else:
            position = resolve_position(connection, position_or_key, kind)
        sealed = covering_seal(connection, position, seal_id)
        hashes, index, row = leaves(connection, sealed, position)
    if len(hashes) != sealed.size or merkle_root(hashes).hex() != sealed.merkle_root:
        raise ProofError(
            f"the events no longer match seal #{sealed.seal_id}; run `skillfund verify`"
        )
    proof: dict[str, Any] = {
        "format": PROOF_FORMAT,
        "event": event_fields(row),
        "event_hash": hashes[index].hex(),
        "leaf_index": index,
        "tree_size": len(hashes),
        "audit_path": [h.hex() for h in audit_path(hashes, index)],
        "root": sealed.merkle_root,
        "seal": sealed.to_json(),
    }
    if isinstance(position_or_key, str):
        proof["key"] = position_or_key
    return proof


def recomputed_event_hash(event: dict[str, Any]) -> bytes:
    state = (
        event["state"].encode("utf-8") if "state" in event else bytes.fromhex(event["state_hex"])
    )
    return event_hash(
        int(event["position"]),
        str(event["originator_id"]),
        int(event["originator_version"]),
        str(event["topic"]),
        state,
    )


def proof_problem(proof: dict[str, Any], root_hex: str) -> str | None:
    """Why `proof` does not show its event under `root_hex`, or None when it does."""
    try:
        leaf = bytes.fromhex(proof["event_hash"])
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        index, size = int(proof["leaf_index"]), int(proof["tree_size"])
        if "event" in proof and recomputed_event_hash(proof["event"]) != leaf:
            return "the event's fields do not hash to the proof's event_hash"
    except (KeyError, TypeError, ValueError, AttributeError) as problem:
        return f"the proof is malformed: {problem!r}"
    computed = root_from_path(leaf, index, size, path)
    if computed is None:
        return "the audit path does not fit the leaf index and tree size"
    if computed.hex() != root_hex.strip().lower():
        return f"the proof leads to root {computed.hex()}, not {root_hex.strip().lower()}"
    return None


def verify_proof(proof: dict[str, Any], root_hex: str) -> bool:
    """Whether `proof` shows its event is a leaf of the tree with root `root_hex`.
    Needs no database."""
    return proof_problem(proof, root_hex) is None
