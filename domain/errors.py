"""Domain errors: a business invariant forbids the command. Nothing is written."""

from __future__ import annotations


class DomainError(Exception):
    """A command that the state of the ledger forbids; reported as `refused`."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnknownReferenceError(DomainError):
    """The command refers to a fund, person, class, ... that is not recorded."""

    code = "unknown_reference"

    def __init__(self, field: str, kind: str, key: str) -> None:
        super().__init__(f"{field}: no {kind} {key!r} is recorded")
        self.field, self.kind, self.key = field, kind, key


class NotEnrolledError(DomainError):
    code = "not_enrolled"


class InvalidReferenceError(DomainError):
    """The referenced entity exists but cannot serve here (a person where an institution is due)."""

    code = "invalid_reference"
