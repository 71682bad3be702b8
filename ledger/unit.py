"""A unit of work: the commands of one batch share their loaded aggregates and are
recorded in one transaction.

Every command still gets the result it would get alone. A command that is refused (or is
a duplicate, or a conflict) leaves nothing behind: the aggregates it changed are put back
to what the accepted commands before it made of them. The events of the accepted commands
are kept in command order and recorded together when the unit commits; if the commit
fails (a concurrent writer), the ledger runs the batch's commands again one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.results import Result

SUBMIT_BATCH = 500  # Commands per unit of work in `submit`; 1 runs each line alone.


@dataclass
class UnitOfWork:
    """What the commands of one batch have loaded, changed and decided so far."""

    # Every aggregate the batch has looked up, as the batch has made it; None = not found.
    aggregates: dict[UUID, Aggregate | None] = field(default_factory=dict)
    # The version each had when first loaded (None: not recorded before this batch).
    loaded_versions: dict[UUID, int | None] = field(default_factory=dict)
    # Aggregates with events accepted in this batch, and those events per aggregate.
    saved: dict[UUID, Aggregate] = field(default_factory=dict)
    accepted: dict[UUID, list[Any]] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)  # Every accepted event, in order.
    # Whether `events` hold one the read model reads, as of the first `events_seen`.
    read_model_depends: bool = False
    events_seen: int = 0
    touched: set[UUID] = field(default_factory=set)  # Looked up by the running command.
    commands: list[Any] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    def start_command(self, command: Any) -> None:
        self.touched = set()
        self.commands.append(command)

    def remember(self, aggregate_id: UUID, aggregate: Aggregate | None) -> None:
        """A first lookup of this batch."""
        self.aggregates[aggregate_id] = aggregate
        self.loaded_versions[aggregate_id] = None if aggregate is None else aggregate.version

    def accept(self, aggregates: list[Aggregate]) -> list[Any]:
        """Keep the pending events of a command's aggregates; returns them in save order."""
        collected: list[Any] = []
        for aggregate in aggregates:
            events = list(aggregate.collect_events())
            self.aggregates[aggregate.id] = aggregate
            self.saved[aggregate.id] = aggregate
            self.accepted.setdefault(aggregate.id, []).extend(events)
            collected.extend(events)
        self.events.extend(collected)
        return collected

    def dirty(self) -> list[UUID]:
        """Aggregates the running command changed without being accepted."""
        return [
            aggregate_id
            for aggregate_id in self.touched
            if (aggregate := self.aggregates.get(aggregate_id)) is not None
            and aggregate.pending_events
        ]
