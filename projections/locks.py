"""Per-projection locks for a SQLite file, so projections are computed outside its write lock.

On PostgreSQL a catch-up locks the tracking rows of the projections it brings up, and other
writers (a `submit` recording events, a catch-up of other projections) go on beside it. On
SQLite the first write of a transaction takes the one write lock of the whole file: a
catch-up that locked its tracking rows with an UPDATE held that lock while it read, decoded
and applied a batch, and `submit` could not record a command meanwhile. Measured on a city
ingest (run C): 77 s of wall time for 79.5 CPU-seconds of the two processes, which took
turns instead of sharing the two cores.

So on a SQLite file the tracking rows' role is taken by these locks: one byte of a lock
file beside the database per projection (`<database>-projections.lock`, POSIX record
locks, released by the kernel when a process dies), plus a thread lock per projection, as
POSIX locks do not exclude the threads of one process. A catch-up holds the locks of its
projections (taken in name order, so two never deadlock) while it reads and applies a
batch outside any write transaction; only its writes take SQLite's write lock. Every
writer of projection tables goes through them: the runner's catch-up, reset and rebuild.
"""

from __future__ import annotations

import fcntl
import os
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine

LOCK_SUFFIX = "-projections.lock"
LOCK_RANGE = 1 << 30  # A projection's byte: crc32 of its name modulo this.

# Per process: one descriptor per lock file (closing any descriptor of a file drops every
# POSIX lock the process holds on it, so it stays open), one thread lock per projection.
_descriptors: dict[Path, int] = {}
_thread_locks: dict[tuple[Path, str], threading.Lock] = {}
_registry = threading.Lock()


def lock_file_of(engine: Engine) -> Path | None:
    """The lock file of a SQLite database file; None for PostgreSQL and in-memory SQLite,
    where the catch-up keeps to one transaction under the tracking rows' locks."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or "mode=memory" in str(url):
        return None
    return Path(database).resolve().with_name(Path(database).name + LOCK_SUFFIX)


def offset_of(name: str) -> int:
    return zlib.crc32(name.encode()) % LOCK_RANGE


class ProjectionLocks:
    """`with locks.held(names):` the named projections are this thread's until it exits."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def descriptor(self) -> int:
        with _registry:
            fd = _descriptors.get(self.path)
            if fd is None:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o660)
                _descriptors[self.path] = fd
            return fd

    def thread_lock(self, name: str) -> threading.Lock:
        with _registry:
            return _thread_locks.setdefault((self.path, name), threading.Lock())

    @contextmanager
    def held(self, names: Iterable[str]) -> Iterator[None]:
        fd = self.descriptor()
        taken: list[str] = []
        offsets: list[int] = []  # Two names on one byte (a crc32 collision) lock it once.
        try:
            for name in sorted(set(names)):
                lock = self.thread_lock(name)
                lock.acquire()
                taken.append(name)
                offset = offset_of(name)
                if offset not in offsets:
                    fcntl.lockf(fd, fcntl.LOCK_EX, 1, offset, os.SEEK_SET)
                    offsets.append(offset)
            yield
        finally:
            for offset in reversed(offsets):
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, offset, os.SEEK_SET)
            for name in reversed(taken):
                self.thread_lock(name).release()
