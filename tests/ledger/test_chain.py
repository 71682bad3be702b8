"""The hashes of tamper evidence: the Merkle tree is RFC 6962's, and every audit path leads
from its leaf to the root, and nowhere else."""

from __future__ import annotations

import hashlib
from uuid import UUID

from ledger.chain import audit_path, canonical_bytes, merkle_root, root_from_path

SIZES_MAX = 40
HASHES = [hashlib.sha256(bytes([n])).digest() for n in range(SIZES_MAX)]


def rfc6962_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1, as written there: split at the largest power of two below n."""
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + rfc6962_root(leaves[:k]) + rfc6962_root(leaves[k:])).digest()


def test_the_merkle_root_is_rfc_6962s_for_every_size() -> None:
    for size in range(1, SIZES_MAX + 1):
        assert merkle_root(HASHES[:size]) == rfc6962_root(HASHES[:size]), size
    assert merkle_root([]) == hashlib.sha256(b"").digest()


def test_every_audit_path_leads_to_the_root_and_only_from_its_own_leaf() -> None:
    for size in range(1, SIZES_MAX + 1):
        leaves, root = HASHES[:size], merkle_root(HASHES[:size])
        for index in range(size):
            path = audit_path(leaves, index)
            assert root_from_path(leaves[index], index, size, path) == root
            other = (index + 1) % size
            if other != index:
                assert root_from_path(leaves[other], index, size, path) != root
            assert root_from_path(leaves[index], index, size, [*path, HASHES[0]]) is None


def test_canonical_bytes_are_length_prefixed_fields() -> None:
    originator = UUID("12345678-1234-5678-1234-567812345678")

    encoded = canonical_bytes(7, originator, 2, "skillfund:Claim.Filed", b'{"a":1}')

    assert encoded == (
        b"\x00\x00\x00\x017"
        + b"\x00\x00\x00\x20" + originator.hex.encode()
        + b"\x00\x00\x00\x012"
        + b"\x00\x00\x00\x15skillfund:Claim.Filed"
        + b"\x00\x00\x00\x07{\"a\":1}"
    )  # fmt: skip
    assert canonical_bytes(7, originator.bytes, 2, "skillfund:Claim.Filed", b'{"a":1}') == encoded
    assert canonical_bytes(7, str(originator), 2, "skillfund:Claim.Filed", b'{"a":1}') == encoded
