"""Wiring: a Ledger and its projections over one database, and the submit loop."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog

# Importing the handler modules registers their commands with the Ledger.
from ledger import cases, claims, finance, handlers  # noqa: F401
from ledger.app import Ledger
from ledger.commands import InvalidCommandError, parse_line
from ledger.logs import configure_logging
from ledger.persistence import check_reachable, install_append_only_guards
from ledger.results import INVALID, Result, error
from projections.base import Projection
from projections.claims import ClaimRegister
from projections.directory import Directory
from projections.flags import Flags, FlagsReadModel
from projections.journal import Journal
from projections.links import Links
from projections.runner import Progress, Runner

log = structlog.get_logger("skillfund")


def all_projections() -> list[Projection]:
    return [Journal(), ClaimRegister(), Directory(), Links(), Flags()]


@dataclass
class Skillfund:
    """The application and its projections, opened on one database URL."""

    ledger: Ledger
    runner: Runner

    @property
    def engine(self) -> Any:
        return self.ledger.engine

    def close(self) -> None:
        self.ledger.close()

    def catch_up(self, progress: Progress | None = None) -> int:
        return self.runner.catch_up(progress)


def open_skillfund(url: str, *, create: bool = False) -> Skillfund:
    """Open the ledger on `url`; with `create`, make the schema (idempotent)."""
    if not structlog.is_configured():
        configure_logging()  # Never structlog's default of printing to standard output.
    check_reachable(url, create=create)
    app = Ledger(url)
    recorder: Any = app.recorder
    runner = Runner(
        engine=app.engine,
        events=recorder.events_record_cls.__table__,
        decode=app.mapper.to_domain_event,
        projections=all_projections(),
    )
    runner.create_tables()
    app.read_model = FlagsReadModel(app.engine, runner.catch_up)
    if create:
        install_append_only_guards(app.engine)
    return Skillfund(app, runner)


@contextmanager
def opened(url: str, *, create: bool = False) -> Iterator[Skillfund]:
    skillfund = open_skillfund(url, create=create)
    try:
        yield skillfund
    finally:
        skillfund.close()


def submit_line(skillfund: Skillfund, text: str, line: int) -> Result:
    """Validate and run one line; a bad line is reported, never raised."""
    try:
        command = parse_line(text)
    except InvalidCommandError as invalid:
        return Result(
            status=INVALID,
            type=guess_type(text),
            line=line,
            error=error("invalid", invalid.message, invalid.field),
        )
    bound = log.bind(command=command.type, key=command.key, fund_id=command.fields.get("fund_id"))
    result = skillfund.ledger.execute(command)
    result.line = line
    bound.info("command", status=result.status, events=result.events)
    return result


def guess_type(text: str) -> str:
    """The `type` of a line that failed validation, when it can be read at all."""
    try:
        value = json.loads(text)
    except ValueError:
        return ""
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else ""


def submit_lines(
    skillfund: Skillfund, lines: Iterable[str], on_result: Callable[[Result], None]
) -> list[Result]:
    """Run every non-blank line in order; each is its own transaction."""
    results = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        result = submit_line(skillfund, text, number)
        on_result(result)
        results.append(result)
    return results
