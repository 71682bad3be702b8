"""The hashes of tamper evidence: canonical event bytes, the chain, and the Merkle tree.

Pure functions over bytes, no database: the recorder, `verify`, the proofs and anyone
re-implementing docs/audit.md compute the same values from the same fields.

- canonical bytes: five fields, each as a 4-byte big-endian length then its bytes:
  the position (notification id) in ASCII decimal, the originator id as 32 lowercase hex
  digits, the originator version in ASCII decimal, the topic in UTF-8, the stored state.
- event hash: sha256(canonical bytes).
- chain hash: sha256(previous chain hash || event hash); before the first event the
  previous chain hash is 32 zero bytes.
- Merkle tree (RFC 6962 §2.1): leaf = sha256(0x00 || event hash), node =
  sha256(0x01 || left || right); each level pairs nodes left to right and an odd last
  node is promoted unchanged; the root of no leaves is sha256("").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from uuid import UUID

GENESIS = bytes(32)  # The "previous chain hash" of the first event.
LEAF_PREFIX, NODE_PREFIX = b"\x00", b"\x01"


def field(data: bytes) -> bytes:
    """One length-prefixed field: 4-byte big-endian length, then the bytes."""
    return len(data).to_bytes(4, "big") + data


def uuid_hex(value: UUID | str | bytes) -> str:
    """An originator id as 32 lowercase hex digits, however the database returned it."""
    if isinstance(value, UUID):
        return value.hex
    if isinstance(value, bytes | bytearray | memoryview):
        return UUID(bytes=bytes(value)).hex
    return UUID(str(value)).hex


def canonical_bytes(
    position: int, originator_id: UUID | str | bytes, version: int, topic: str, state: bytes
) -> bytes:
    """The bytes an event hash covers (docs/audit.md, "Canonical bytes")."""
    return b"".join(
        [
            field(str(position).encode("ascii")),
            field(uuid_hex(originator_id).encode("ascii")),
            field(str(version).encode("ascii")),
            field(topic.encode("utf-8")),
            field(bytes(state)),
        ]
    )


def event_hash(
    position: int, originator_id: UUID | str | bytes, version: int, topic: str, state: bytes
) -> bytes:
    return hashlib.sha256(canonical_bytes(position, originator_id, version, topic, state)).digest()


def chain_hash(previous: bytes, event: bytes) -> bytes:
    return hashlib.sha256(previous + event).digest()


def leaf_hash(event: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + event).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


class MerkleAccumulator:
    """The Merkle root of a growing list of event hashes in O(log n) memory.

    The stack holds the roots of complete subtrees, largest first; folding it from the
    right gives the RFC 6962 root of the leaves added so far, at any point.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, subtree root)

    def add(self, event: bytes) -> None:
        height, node = 0, leaf_hash(event)
        while self._stack and self._stack[-1][0] == height:
            node = node_hash(self._stack.pop()[1], node)
            height += 1
        self._stack.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.sha256(b"").digest()
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def merkle_root(events: Iterable[bytes]) -> bytes:
    accumulator = MerkleAccumulator()
    for event in events:
        accumulator.add(event)
    return accumulator.root()


def audit_path(events: Sequence[bytes], index: int) -> list[bytes]:
    """The sibling hashes from the leaf at `index` up to the root (none where promoted)."""
    if not 0 <= index < len(events):
        raise IndexError(f"leaf {index} is outside a tree of {len(events)} leaves")
    level = [leaf_hash(e) for e in events]
    path: list[bytes] = []
    while len(level) > 1:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        level = [
            node_hash(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
            for i in range(0, len(level), 2)
        ]
        index //= 2
    return path


def root_from_path(event: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root a leaf and its audit path lead to, or None when the path does not fit
    the index and size (the algorithm of docs/audit.md, "Checking a proof")."""
    if not 0 <= index < size:
        return None
    node, remaining = leaf_hash(event), list(path)
    while size > 1:
        if index % 2 == 1 or index + 1 < size:
            if not remaining:
                return None
            sibling = remaining.pop(0)
            node = node_hash(sibling, node) if index % 2 == 1 else node_hash(node, sibling)
        index, size = index // 2, (size + 1) // 2
    return None if remaining else node
