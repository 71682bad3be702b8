"""The Skillfund application: load, run the rules, call the aggregates, save.

Each command is one transaction. A handler loads what it needs, refuses what the
ledger's state forbids, and returns the aggregates to save; the application saves
them together. When a concurrent writer got there first (an IntegrityError on an
aggregate version), the handler runs again on freshly loaded state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.base import event_label
from domain.decision import Decision
from domain.errors import DomainError
from domain.finance import ClassFunding
from domain.fund import Fund
from domain.training import TrainingClass
from ledger.persistence import APPLICATION_NAME, DateAsISO, eventsourcing_env
from ledger.results import ACCEPTED, CONFLICT, DUPLICATE, REFUSED, Result, error

SAVE_ATTEMPTS_MAX = 5
SNAPSHOT_INTERVAL = 200
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

    def holds(self, claim_id: str) -> list[dict[str, Any]]: ...

    def flag(self, flag_id: str) -> dict[str, Any] | None: ...


class NoReadModel:
    """No anti-fraud projection is wired: no holds, no flags."""

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
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {
        Fund: SNAPSHOT_INTERVAL,
        ClassFunding: SNAPSHOT_INTERVAL,
        TrainingClass: SNAPSHOT_INTERVAL,
    }

    def __init__(self, url: str) -> None:
        super().__init__(env=eventsourcing_env(url))
        self.url = url
        self.read_model: ReadModel = NoReadModel()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    @property
    def engine(self) -> Any:
        return self.recorder.datastore.engine  # type: ignore[attr-defined]

    def close(self) -> None:
        """Close the application and dispose of its engine (the library does not)."""
        super().close()
        self.engine.dispose()

    def find(self, aggregate_class: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when nothing is recorded under that id."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, aggregate_class):
            raise TypeError(
                f"{aggregate_id} is a {type(aggregate).__name__}, not {aggregate_class.__name__}"
            )
        return aggregate

    def execute(self, command: Any) -> Result:
        """Run one validated command in its own transaction; never raises for bad business input."""
        result = Result(status=REFUSED, type=command.type, key=command.key)
        handler = self.handlers.get(command.type)
        if handler is None:
            result.error = error(
                "not_supported",
                f"type: {command.type} is valid but not yet run by this ledger",
                "type",
            )
            return result
        for _attempt in range(SAVE_ATTEMPTS_MAX):
            try:
                outcome = handler(self, command)
            except DuplicateCommand:
                result.status = DUPLICATE
                return result
            except ConflictingCommand as conflict:
                result.status, result.error = CONFLICT, error("conflict", str(conflict), "key")
                return result
            except DomainError as refusal:
                result.error = error(refusal.code, refusal.message, getattr(refusal, "field", None))
                return result
            try:
                recordings = self.save(*outcome.aggregates)
            except IntegrityError:
                log.info(
                    "concurrent write; reloading and retrying",
                    command=command.type,
                    key=command.key,
                )
                continue
            result.status, result.decision = ACCEPTED, outcome.decision
            result.events = [event_label(r.domain_event) for r in recordings]
            return result
        result.error = error(
            "concurrency", f"gave up after {SAVE_ATTEMPTS_MAX} concurrent conflicts"
        )
        return result


def handles(command_type: str) -> Callable[[Handler], Handler]:
    """Register a handler for a command type."""

    def register(function: Handler) -> Handler:
        Ledger.handlers[command_type] = function
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
