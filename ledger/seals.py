"""Seals: a Merkle root over the chain with its size and time, optionally signed (Ed25519).

Seals live in their own append-only table, never in the event log, so sealing does not
change the log and a disclosure rebuilt from the same log names the same seal. A seal
covers the whole chain, position 1 to the head; sealing a log whose head the latest seal
already covers returns that seal unchanged.

Keys: $SKILLFUND_SEAL_KEY is the path of a PEM (PKCS#8) Ed25519 private key used to sign;
$SKILLFUND_SEAL_PUBKEY the path of its PEM public key, used by `verify`.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.chain import MerkleAccumulator, field
from ledger.recorder import CHAIN, SEALS

SEAL_KEY_ENV_VAR = "SKILLFUND_SEAL_KEY"
SEAL_PUBKEY_ENV_VAR = "SKILLFUND_SEAL_PUBKEY"
SEAL_MESSAGE_TAG = b"skillfund-seal-v1"
SEAL_INTERVAL = timedelta(days=1)  # Seals are recorded at least this often.
SEAL_READ_BATCH_SIZE = 10_000
PRIVATE_KEY_FILE, PUBLIC_KEY_FILE = "seal_key.pem", "seal_key.pub.pem"


class SealKeyError(Exception):
    """A seal key is missing, unreadable or not an Ed25519 key."""


@dataclass(frozen=True)
class Seal:
    """One row of the seals table."""

    seal_id: int
    first_position: int
    last_position: int
    size: int
    merkle_root: str
    sealed_at: str
    reason: str
    key_id: str | None = None
    signature: str | None = None

    def message(self) -> bytes:
        """The bytes the signature covers (docs/audit.md, "Seals and keys")."""
        return seal_message(self)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def seal_message(seal: Seal) -> bytes:
    parts = [
        SEAL_MESSAGE_TAG,
        str(seal.first_position).encode("ascii"),
        str(seal.last_position).encode("ascii"),
        str(seal.size).encode("ascii"),
        seal.merkle_root.encode("ascii"),
        seal.sealed_at.encode("ascii"),
        seal.reason.encode("utf-8"),
        (seal.key_id or "").encode("ascii"),
    ]
    return b"".join(field(p) for p in parts)


def private_key(data: bytes) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM bytes or its 32 raw bytes."""
    try:
        if len(data) == 32:
            return Ed25519PrivateKey.from_private_bytes(data)
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as problem:
        raise SealKeyError(f"not a readable Ed25519 private key: {problem}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SealKeyError("the seal key is not an Ed25519 key")
    return key


def public_key(data: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM bytes or its 32 raw bytes."""
    try:
        if len(data) == 32:
            return Ed25519PublicKey.from_public_bytes(data)
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as problem:
        raise SealKeyError(f"not a readable Ed25519 public key: {problem}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SealKeyError("the seal public key is not an Ed25519 key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of sha256 of the 32 raw public key bytes."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signature_ok(seal: Seal, key: Ed25519PublicKey) -> bool:
    """Whether `seal` carries a valid signature by `key`."""
    if not seal.signature or seal.key_id != key_id(key):
        return False
    try:
        key.verify(bytes.fromhex(seal.signature), seal.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def configured_key(variable: str) -> bytes | None:
    """The PEM bytes of the key file named by an environment variable, if set."""
    path = os.environ.get(variable)
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as problem:
        raise SealKeyError(f"${variable}: cannot read {path}: {problem.strerror}") from None


def configured_signing_key() -> bytes | None:
    return configured_key(SEAL_KEY_ENV_VAR)


def configured_public_key() -> bytes | None:
    return configured_key(SEAL_PUBKEY_ENV_VAR)


def write_key_pair(folder: Path) -> tuple[Path, Path]:
    """Write a new key pair: the private key readable by its owner only (0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    if private_path.exists() or public_path.exists():
        raise SealKeyError(f"{folder} already holds a seal key; not overwriting it")
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(private_pem)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private_path, public_path


def row_to_seal(row: Any) -> Seal:
    return Seal(**{c.name: row._mapping[c.name] for c in SEALS.c})


def all_seals(connection: sa.Connection) -> list[Seal]:
    rows = connection.execute(sa.select(SEALS).order_by(SEALS.c.seal_id))
    return [row_to_seal(r) for r in rows]


def latest_seal(engine: sa.Engine) -> Seal | None:
    """The most recent seal, or None before the first."""
    with engine.connect() as connection:
        return latest_in(connection)


def chain_root(connection: sa.Connection) -> tuple[int, int, str]:
    """(head position, number of events, Merkle root) of the chain as recorded, read in
    batches by position."""
    accumulator, head = MerkleAccumulator(), 0
    while True:
        rows = connection.execute(
            sa.select(CHAIN.c.position, CHAIN.c.event_hash)
            .where(CHAIN.c.position > head)
            .order_by(CHAIN.c.position)
            .limit(SEAL_READ_BATCH_SIZE)
        ).all()
        for position, hashed in rows:
            accumulator.add(bytes.fromhex(hashed))
            head = position
        if len(rows) < SEAL_READ_BATCH_SIZE:
            return head, accumulator.size, accumulator.root().hex()


def covers_head(seal: Seal | None, head: int, key: Ed25519PrivateKey | None) -> bool:
    """Whether `seal` can be returned again: it covers the head, and is signed by `key`
    when one is given."""
    if seal is None or seal.last_position != head:
        return False
    return key is None or seal.key_id == key_id(key.public_key())


def seal(
    engine: sa.Engine,
    reason: str,
    signing_key: bytes | None = None,
    now: datetime | None = None,
) -> Seal:
    """Seal the whole chain, 1 to its head; if the latest seal already covers the head
    (and is signed by `signing_key`, when given), return it unchanged."""
    key = private_key(signing_key) if signing_key is not None else None
    with engine.begin() as connection:
        lock_seals(connection)
        previous = latest_in(connection)
        head, size, root = chain_root(connection)
        if covers_head(previous, head, key):
            assert previous is not None
            return previous
        sealed_at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        draft = Seal(0, 1, head, size, root, sealed_at, reason)
        if key is not None:
            draft = sign(draft, key)
        values = draft.to_json()
        del values["seal_id"]
        inserted = SEALS.insert().values(**values).returning(SEALS.c.seal_id)
        seal_id = connection.execute(inserted).scalar_one()
    return Seal(**(values | {"seal_id": seal_id}))


def sign(draft: Seal, key: Ed25519PrivateKey) -> Seal:
    identified = Seal(**(draft.to_json() | {"key_id": key_id(key.public_key())}))
    signature = key.sign(identified.message()).hex()
    return Seal(**(identified.to_json() | {"signature": signature}))


def lock_seals(connection: sa.Connection) -> None:
    """Two concurrent sealers of one head queue, so the second returns the first's seal."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"LOCK TABLE {SEALS.name} IN EXCLUSIVE MODE"))


def latest_in(connection: sa.Connection) -> Seal | None:
    row = connection.execute(sa.select(SEALS).order_by(SEALS.c.seal_id.desc()).limit(1)).first()
    return None if row is None else row_to_seal(row)


def seal_if_due(
    engine: sa.Engine, signing_key: bytes | None = None, now: datetime | None = None
) -> Seal | None:
    """The daily seal: seal when events were recorded since the latest seal and that seal
    is at least SEAL_INTERVAL old (or there is none). Returns the new seal, else None."""
    now = now or datetime.now(UTC)
    previous = latest_seal(engine)
    if previous is not None and datetime.fromisoformat(previous.sealed_at) > now - SEAL_INTERVAL:
        return None
    with engine.connect() as connection:
        head = connection.execute(sa.select(sa.func.max(CHAIN.c.position))).scalar() or 0
    if head == 0 or (previous is not None and previous.last_position == head):
        return None
    return seal(engine, "daily", signing_key, now)
