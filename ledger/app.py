"""The Skillfund application: load, run the rules, call the aggregates, save.

A handler loads what it needs, refuses what the ledger's state forbids, and returns the
aggregates to save. Commands run in batches (ledger/unit.py): the commands of a batch
share the aggregates they load and their events are recorded in one transaction, in
command order, yet each command gets exactly the result it would get alone. When a
concurrent writer got there first (an IntegrityError on an aggregate version, or events
recorded since the batch read the log), the batch's commands run again one by one on
freshly loaded state, each retried as before.

The aggregate cache is trusted between batches only as far as the log says: before each
batch the ledger reads the log's head, and drops from the cache every aggregate another
writer has recorded events for since it last looked (`sync`); the insert checks the head
again under the table lock, so a batch never commits decisions taken on stale reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import sqlalchemy as sa
import structlog
from eventsourcing.application import (
    Application,
    LRUCache,
    ProcessingEvent,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, StoredEvent

from domain.base import event_label
from domain.decision import Decision
from domain.errors import DomainError
from domain.finance import ClassFunding
from domain.fund import Fund
from domain.training import Enrollment, TrainingClass
from ledger.mapper import SkillfundMapper
from ledger.persistence import (
    AGGREGATE_CACHE_MAXSIZE,
    APPLICATION_NAME,
    DateAsISO,
    batch_executemany,
    eventsourcing_env,
    use_wal,
)
from ledger.preload import derived_ids, hinted_ids
from ledger.results import ACCEPTED, CONFLICT, DUPLICATE, REFUSED, Result, error
from ledger.unit import UnitOfWork

SAVE_ATTEMPTS_MAX = 5
# Above this many aggregates changed by another writer, the whole cache is dropped.
CACHE_SYNC_MAX = 1_000
ABSENT_MAX = 100_000  # Ids remembered as having no events, at most.
SNAPSHOT_INTERVAL = 200
# A claim loads its class and the class's funding; their events (a trainee added, a claim
# queued or settled) lie scattered over the months of a class: on the Kunshan store a
# claim read 62 rows on 32 table pages for the funding alone before these were snapshotted
# every 10 events (docs/performance.md, "Interactive latency").
CLASS_SNAPSHOT_INTERVAL = 10
A = TypeVar("A", bound=Aggregate)
log = structlog.get_logger("skillfund.ledger")


class DuplicateCommand(Exception):
    """The command's key is recorded with the same content: nothing new to write."""


class ConflictingCommand(Exception):
    """The command's key is recorded with different content: nothing is written."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is already recorded with different content")


@dataclass
class Outcome:
    """What a handler asks the application to save, and the decision it recorded."""

    aggregates: Sequence[Aggregate]
    decision: Decision | None = None


Handler = Callable[["Ledger", Any], Outcome]


class ReadModel(Protocol):
    """What a handler may ask of the projections (caught up before it answers): the open
    anti-fraud holds on a claim, and whether a flag exists. Used where an invariant rests
    on a check over many aggregates; the race with a concurrent writer is documented in
    docs/fraud.md."""

    # The topics of the events the answers depend on: a batch holding none of them need
    # not be recorded before a handler asks.
    topics: frozenset[str]

    def expect(self, claim_ids: Iterable[str]) -> None:
        """A unit of work begins; it will probably ask about these claims."""

    def holds(self, claim_id: str) -> list[dict[str, Any]]: ...

    def flag(self, flag_id: str) -> dict[str, Any] | None: ...


class NoReadModel:
    """No anti-fraud projection is wired: no holds, no flags."""

    topics: frozenset[str] = frozenset()

    def expect(self, claim_ids: Iterable[str]) -> None:
        pass

    def holds(self, claim_id: str) -> list[dict[str, Any]]:
        return []

    def flag(self, flag_id: str) -> dict[str, Any] | None:
        return None


class Ledger(Application[UUID]):
    """The event-sourced core. Its name is pinned: it names the events table."""

    name = APPLICATION_NAME
    handlers: ClassVar[dict[str, Handler]] = {}
    # Aggregates that live long get a snapshot every so many events, so loading one
    # after a restart replays at most that many.
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {  # type: ignore[assignment]
        Fund: SNAPSHOT_INTERVAL,
        ClassFunding: CLASS_SNAPSHOT_INTERVAL,
        TrainingClass: CLASS_SNAPSHOT_INTERVAL,
    }
    # Aggregates read mostly after they stop changing get a snapshot when they do: a
    # claim reads the enrolment after its completion, whose events (one per session,
    # recorded day by day) lie scattered through the log, a table page each when cold.
    snapshot_after: ClassVar[dict[type[Aggregate], tuple[type, ...]]] = {
        Enrollment: (Enrollment.Completed,),
    }

    # Commands whose handler asks the projections (ReadModel): the batch before them is
    # recorded first, so the projections can see it.
    reads_projections: ClassVar[set[str]] = set()

    def __init__(self, url: str) -> None:
        super().__init__(env=eventsourcing_env(url))
        self.url = url
        batch_executemany(self.engine)
        use_wal(self.recorder.datastore)  # type: ignore[attr-defined]
        if self.snapshots is not None:  # Written in the events' transaction (commit).
            self.recorder.snapshots_table = self.snapshots.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        self.read_model: ReadModel = NoReadModel()
        self.unit: UnitOfWork | None = None
        self.asking: list[str] = []  # The claims the batch's commands ask the read model about.
        self.known_head: int | None = None  # The log's head when the cache was last synced.
        # Ids known to have no events as of known_head: kept in step with the log by
        # `sync` and `commit`, like the cache.
        self.absent: set[UUID] = set()
        self.snapshot_kinds: dict[type, bool] = {}  # Memo of may_have_snapshots.

    def construct_mapper(self) -> Mapper[UUID]:
        """orjson where it writes the library's bytes (ledger/mapper.py)."""
        return self.factory.mapper(
            transcoder=self.construct_transcoder(), mapper_class=SkillfundMapper
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def engine(self) -> Any:
        return self.recorder.datastore.engine  # type: ignore[attr-defined]

    def close(self) -> None:
        """Close the application and dispose of its engine (the library does not)."""
        for recorder in (self.recorder, getattr(self.snapshots, "recorder", None)):
            if recorder is not None and hasattr(recorder, "close_readers"):
                recorder.close_readers()
        super().close()
        self.engine.dispose()

    @property
    def events_table(self) -> sa.Table:
        return self.recorder.events_record_cls.__table__  # type: ignore[attr-defined,no-any-return]

    def find(self, aggregate_class: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when nothing is recorded under that id. Inside a batch,
        the batch's own working copy; outside, a private copy of the recorded state."""
        unit = self.unit
        if unit is None:
            self.sync()
            aggregate = deepcopy(self.load(aggregate_id, aggregate_class))
        else:
            if aggregate_id in unit.aggregates:
                aggregate = unit.aggregates[aggregate_id]
            else:
                aggregate = self.load(aggregate_id, aggregate_class)
                unit.remember(aggregate_id, aggregate)
            unit.touched.add(aggregate_id)
        if aggregate is None:
            return None
        if not isinstance(aggregate, aggregate_class):
            raise TypeError(
                f"{aggregate_id} is a {type(aggregate).__name__}, not {aggregate_class.__name__}"
            )
        return aggregate

    def load(self, aggregate_id: UUID, aggregate_class: type | None = None) -> Aggregate | None:
        """The recorded aggregate (the cached object itself), or None. The snapshot table
        is asked only when the aggregate may be of a snapshotted class: most single loads
        are of aggregates not created yet (a claim's limits, a payment), one statement."""
        found = self.cached(aggregate_id)
        if found is not None or aggregate_id in self.absent:
            return found
        snapshots = aggregate_class is None or self.may_have_snapshots(aggregate_class)
        stored = self.read_stored([aggregate_id], snapshots=snapshots)
        return self.project(aggregate_id, stored.get(aggregate_id, []))

    def may_have_snapshots(self, aggregate_class: type) -> bool:
        """Whether an aggregate asked for as `aggregate_class` may be of a class that is
        snapshotted (a base class may be any of them)."""
        known = self.snapshot_kinds.get(aggregate_class)
        if known is None:
            snapshotted = [*self.snapshotting_intervals, *self.snapshot_after]
            known = any(issubclass(s, aggregate_class) for s in snapshotted)
            self.snapshot_kinds[aggregate_class] = known
        return known

    def preload(self, aggregate_ids: Sequence[UUID]) -> None:
        """Load into the cache, in a few statements, those of `aggregate_ids` not there yet
        (ledger/preload.py): what each command then finds is a dictionary lookup."""
        wanted = [i for i in aggregate_ids if i not in self.absent and self.cached(i) is None]
        if not wanted:
            return
        found = self.read_stored(wanted)
        for aggregate_id in wanted:
            self.project(aggregate_id, found.get(aggregate_id, []))

    def cached(self, aggregate_id: UUID) -> Aggregate | None:
        """The cached aggregate, or None (nothing is read; None is never cached: an
        aggregate known not to exist is in `absent`)."""
        cache = self.repository.cache
        assert cache is not None
        try:
            return cache.get(aggregate_id)  # type: ignore[return-value]
        except KeyError:
            return None

    def read_stored(
        self, aggregate_ids: Sequence[UUID], snapshots: bool = True
    ) -> dict[UUID, list[Any]]:
        """What each aggregate is made from: its latest snapshot, if any, then the events
        after it; else (or without `snapshots`) all its events. Three statements at most
        per few hundred ids (the library asks the snapshot table and then the events table
        once per aggregate).
        Read on an autocommit connection: events recorded between the statements are
        simply included, and a snapshot missed is only a saving missed."""
        latest = (
            self.snapshots.recorder.select_latest(aggregate_ids)  # type: ignore[union-attr]
            if snapshots
            else {}
        )
        plain = [i for i in aggregate_ids if i not in latest]
        found: dict[UUID, list[Any]] = self.recorder.select_many(plain) if plain else {}  # type: ignore[attr-defined]
        if latest:
            after = self.recorder.select_after(  # type: ignore[attr-defined]
                {i: s.originator_version for i, s in latest.items()}
            )
            for aggregate_id, snapshot in latest.items():
                found[aggregate_id] = [snapshot, *after.get(aggregate_id, [])]
        return found

    def project(self, aggregate_id: UUID, stored: Sequence[Any]) -> Aggregate | None:
        """An aggregate from its stored snapshot and events, cached; None (and
        remembered) if none."""
        if not stored:
            self.absent.add(aggregate_id)
            return None
        aggregate = None
        for record in stored:
            aggregate = self.mapper.to_domain_event(record).mutate(aggregate)  # type: ignore[attr-defined]
        assert self.repository.cache is not None
        self.repository.cache.put(aggregate_id, aggregate)
        return aggregate

    def sync(self) -> None:
        """Read the log's head; forget cached aggregates that others have changed since."""
        e = self.events_table.c
        with self.engine.connect() as connection:
            head = int(connection.execute(sa.select(sa.func.max(e.id))).scalar() or 0)
            if self.known_head is None:
                self.clear_cache()
            elif head != self.known_head:
                self.absent.clear()
                changed = (
                    connection.execute(
                        sa.select(e.originator_id)
                        .where(e.id > self.known_head)
                        .distinct()
                        .limit(CACHE_SYNC_MAX + 1)
                    )
                    .scalars()
                    .all()
                )
                if len(changed) > CACHE_SYNC_MAX:
                    self.clear_cache()
                else:
                    self.evict(changed)
        self.known_head = head

    def clear_cache(self) -> None:
        self.repository.cache = LRUCache(maxsize=AGGREGATE_CACHE_MAXSIZE)

    def evict(self, aggregate_ids: Iterable[UUID]) -> None:
        cache = self.repository.cache
        if cache is None:
            return
        for aggregate_id in aggregate_ids:
            with suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def execute(self, command: Any) -> Result:
        """Run one validated command in its own transaction; never raises for bad input."""
        return self.execute_many([command])[0]

    def execute_many(self, commands: Sequence[Any]) -> list[Result]:
        """Run validated commands in order, as few transactions as correctness allows, with
        exactly the results each would get alone; never raises for bad business input."""
        results: list[Result] = []
        self.asking = [
            c.fields["claim_id"]
            for c in commands
            if c.type in self.reads_projections and isinstance(c.fields.get("claim_id"), str)
        ]
        unit = self.begin()
        self.preload(hinted_ids(commands))
        self.preload(derived_ids(commands, self.cached))
        for command in commands:
            if command.type in self.reads_projections and self.read_model_behind(unit):
                results += self.commit_or_replay(unit)
                unit = self.begin()
            unit.start_command(command)
            unit.results.append(self.run(unit, command))
        results += self.commit_or_replay(unit)
        return results

    def read_model_behind(self, unit: UnitOfWork) -> bool:
        """Whether the unit holds events the read model's answers depend on (then they
        are recorded, and the projections catch up, before a handler asks). Each event
        is looked at once per unit (its events only grow): a batch of payments asked this
        for every payment over all the unit's events, 2.8 million times in a city file."""
        if not unit.read_model_depends:
            topics = self.read_model.topics
            unseen = unit.events[unit.events_seen :]
            unit.events_seen = len(unit.events)
            unit.read_model_depends = any(getattr(e, "TOPIC", None) in topics for e in unseen)
        return unit.read_model_depends

    def begin(self) -> UnitOfWork:
        if len(self.absent) > ABSENT_MAX:  # Only a saving of queries: bound its memory.
            self.absent.clear()
        self.sync()
        # What the read model answered for an earlier unit may be stale now.
        self.read_model.expect(self.asking)
        self.unit = UnitOfWork()
        return self.unit

    def run(self, unit: UnitOfWork, command: Any) -> Result:
        """Run one command's handler inside the unit; what it does not save is undone."""
        result = Result(status=REFUSED, type=command.type, key=command.key)
        handler = self.handlers.get(command.type)
        if handler is None:
            result.error = error(
                "not_supported",
                f"type: {command.type} is valid but not yet run by this ledger",
                "type",
            )
            return result
        try:
            outcome = handler(self, command)
        except DuplicateCommand:
            result.status = DUPLICATE
        except ConflictingCommand as conflict:
            result.status, result.error = CONFLICT, error("conflict", str(conflict), "key")
        except DomainError as refusal:
            result.error = error(refusal.code, refusal.message, getattr(refusal, "field", None))
        else:
            saved = list({a.id: a for a in outcome.aggregates if a is not None}.values())
            events = unit.accept(saved)
            result.status, result.decision = ACCEPTED, outcome.decision
            result.events = [event_label(e) for e in events]
        for aggregate_id in unit.dirty():
            self.undo(unit, aggregate_id)
        return result

    def undo(self, unit: UnitOfWork, aggregate_id: UUID) -> None:
        """Put an aggregate back to what the batch's accepted commands made of it."""
        version = unit.loaded_versions.get(aggregate_id)
        aggregate = None if version is None else self.repository.get(aggregate_id, version=version)
        for event in unit.accepted.get(aggregate_id, []):
            aggregate = event.mutate(aggregate)
        unit.aggregates[aggregate_id] = aggregate
        if aggregate is not None and aggregate_id in unit.saved:
            unit.saved[aggregate_id] = aggregate
        self.evict([aggregate_id])  # The cached object is the one that was changed.

    def commit_or_replay(self, unit: UnitOfWork) -> list[Result]:
        """Record the unit's events; on a concurrent write, run its commands again alone."""
        try:
            self.commit(unit)
        except IntegrityError:
            log.info("concurrent write; reloading and retrying", commands=len(unit.commands))
            return [self.execute_alone(command) for command in unit.commands]
        return unit.results

    def execute_alone(self, command: Any) -> Result:
        for _attempt in range(SAVE_ATTEMPTS_MAX):
            unit = self.begin()
            unit.start_command(command)
            result = self.run(unit, command)
            try:
                self.commit(unit)
            except IntegrityError:
                log.info(
                    "concurrent write; reloading and retrying",
                    command=command.type,
                    key=command.key,
                )
                continue
            return result
        result = Result(status=REFUSED, type=command.type, key=command.key)
        result.error = error(
            "concurrency", f"gave up after {SAVE_ATTEMPTS_MAX} concurrent conflicts"
        )
        return result

    def commit(self, unit: UnitOfWork) -> None:
        """Record every accepted event of the unit, and the snapshots it makes due, in one
        transaction, if the log has not moved since the unit read it; raises
        IntegrityError (cache forgotten) otherwise."""
        self.unit = None
        if not unit.events:
            return
        processing = ProcessingEvent[UUID]()
        processing.events = unit.events
        processing.aggregates = dict(unit.saved)
        processing.saved_kwargs = {
            "expected_head": self.known_head,
            "snapshots": self.snapshots_due(unit),
        }
        try:
            recordings = self._record(processing)  # Also caches the saved aggregates.
        except IntegrityError:
            self.evict(unit.aggregates)  # Changed in place by commands not recorded.
            self.absent.clear()
            raise
        self.known_head = max(r.notification.id for r in recordings)
        self.absent.difference_update(unit.saved)

    def snapshots_due(self, unit: UnitOfWork) -> list[StoredEvent]:
        """The snapshots, stored form, of each saved aggregate whose events in the unit
        crossed a multiple of its interval or include one it is snapshotted after; taken
        from the saved object at the version the unit records. The recorder writes them
        in the events' transaction (ledger/recorder.py): measured on 120,000 city lines
        on SQLite, snapshots saved in a transaction of their own after the events (the
        library's way, through its ORM session) took 1.7 s of a 19.9 s submit, most of
        it waiting for the write lock and the commit. A snapshot is only a saving: if
        taking one fails, the events are recorded without it and loads read the events."""
        due: dict[UUID, Aggregate] = {}
        for event in unit.events:
            aggregate = unit.saved.get(event.originator_id)
            if aggregate is None or event.originator_id in due:
                continue
            interval = self.snapshotting_intervals.get(type(aggregate))
            after = self.snapshot_after.get(type(aggregate), ())
            if (interval is not None and event.originator_version % interval == 0) or (
                after and isinstance(event, after)
            ):
                due[event.originator_id] = aggregate
        if not due or self.snapshots is None:
            return []
        try:
            return [
                self.snapshots.mapper.to_stored_event(type(a).Snapshot.take(a))  # type: ignore[attr-defined]
                for a in due.values()
            ]
        except Exception as failure:  # The events are recorded all the same.
            log.warning("snapshots not taken", count=len(due), error=str(failure))
            return []


def handles(command_type: str, *, reads_projections: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler for a command type (one that asks the ReadModel says so)."""

    def register(function: Handler) -> Handler:
        Ledger.handlers[command_type] = function
        if reads_projections:
            Ledger.reads_projections.add(command_type)
        return function

    return register


def check_new(existing: Any, digest: str, key: str) -> None:
    """For a command creating `existing`: same content is a duplicate, other a conflict."""
    if existing is None:
        return
    if getattr(existing, "digest", None) == digest:
        raise DuplicateCommand()
    raise ConflictingCommand(key)


def check_entry(recorded_digest: str | None, digest: str, key: str) -> None:
    """For a command that adds an entry under a key inside an aggregate."""
    if recorded_digest is None:
        return
    if recorded_digest == digest:
        raise DuplicateCommand()
    raise ConflictingCommand(key)
