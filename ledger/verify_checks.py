"""The problems `verify` reports, and the checks that run after its walk over the log:
telling a reorder from a changed payload, and checking the seals' signatures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.chain import event_hash
from ledger.seals import Seal, key_id, signature_ok

REORDER_CANDIDATES_MAX = 200  # Changed events compared pairwise to recognise a swap.

KINDS = {
    "payload_changed": "an event's bytes changed after it was recorded",
    "missing_event": "a chained event is missing from the events table",
    "unchained_event": "an event that was never chained (inserted behind the application)",
    "order": "two events' contents were swapped",
    "chain_broken": "a chain row does not follow from the one before it",
    "seal_root_mismatch": "a seal's Merkle root or size no longer matches the events",
    "tail_truncated": "events covered by a seal were removed from the end of the log",
    "bad_signature": "a seal's signature does not verify with the public key",
    "unsigned_seal": "a seal is not signed although a public key is configured",
}


@dataclass(frozen=True)
class Problem:
    """One mismatch: its kind (a key of KINDS), the event position it names (None for a
    seal-wide problem), and what is wrong, in a sentence."""

    kind: str
    position: int | None
    message: str
    originator_id: str | None = None
    originator_version: int | None = None
    topic: str | None = None
    seal_id: int | None = None


def moved_here(row: Any, other: Any, chained: str) -> bool:
    """Whether `other`'s topic and state, or the whole `other` row, is what was chained at
    `row`'s position."""
    as_content = event_hash(
        row.id, row.originator_id, row.originator_version, other.topic, other.state
    )
    as_row = event_hash(
        row.id, other.originator_id, other.originator_version, other.topic, other.state
    )
    return chained in (as_content.hex(), as_row.hex())


def classify_reorders(problems: list[Problem], changed: dict[int, tuple[Any, str]]) -> None:
    """Relabel as `order` each changed event whose recorded content now sits at another
    changed position (two rows swapped), in place."""
    candidates = dict(list(changed.items())[:REORDER_CANDIDATES_MAX])
    sources: dict[int, int] = {}
    for position, (row, chained) in candidates.items():
        for other_position, (other, _) in candidates.items():
            if other_position != position and moved_here(row, other, chained):
                sources[position] = other_position
                break
    for index, found in enumerate(problems):
        if found.kind == "payload_changed" and found.position in sources:
            source = sources[found.position]
            message = (
                f"what was recorded at position {found.position} is now at position "
                f"{source}: the two events were reordered"
            )
            problems[index] = Problem(
                "order",
                found.position,
                message,
                found.originator_id,
                found.originator_version,
                found.topic,
            )


def signature_problems(seals: list[Seal], key: Ed25519PublicKey) -> list[Problem]:
    """With a public key every seal signed must verify, the latest seal must be signed,
    and once one seal is signed every later one must be."""
    problems, signed_before = [], False
    expected_id = key_id(key)
    for index, sealed in enumerate(seals):
        is_latest = index == len(seals) - 1
        if sealed.signature is None:
            if signed_before or is_latest:
                message = unsigned_message(sealed)
                problems.append(Problem("unsigned_seal", None, message, seal_id=sealed.seal_id))
            continue
        signed_before = True
        if not signature_ok(sealed, key):
            why = "the signature does not verify"
            if sealed.key_id != expected_id:
                why = f"it names key {sealed.key_id}, not the configured key {expected_id}"
            message = f"seal #{sealed.seal_id}: {why}"
            problems.append(Problem("bad_signature", None, message, seal_id=sealed.seal_id))
    return problems


def unsigned_message(sealed: Seal) -> str:
    return (
        f"seal #{sealed.seal_id} ({sealed.reason}, {sealed.sealed_at}) is not signed, but "
        "seals are signed with the configured key: it was made without the key"
    )
