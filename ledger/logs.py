"""Logs through structlog, always to standard error: readable on a terminal,
JSON lines otherwise (a pipe, a file, CI)."""

from __future__ import annotations

import logging
import os
import sys

import structlog

LOG_LEVEL_ENV_VAR = "SKILLFUND_LOG_LEVEL"


def stderr_logger(*_args: object) -> structlog.PrintLogger:
    """A logger on the standard error of the moment (tests and pipes may replace it)."""
    return structlog.PrintLogger(file=sys.stderr)


def configure_logging(level: str | None = None, *, json_lines: bool | None = None) -> None:
    name = (level or os.environ.get(LOG_LEVEL_ENV_VAR) or "WARNING").upper()
    numeric = logging.getLevelName(name)
    if not isinstance(numeric, int):
        numeric = logging.WARNING
    if json_lines is None:
        json_lines = not sys.stderr.isatty()
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_lines
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=stderr_logger,
        cache_logger_on_first_use=False,
    )
