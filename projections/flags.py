"""The anti-fraud flags: the hold and flag checks of FRAUD_RULES.md, kept as events arrive.

Checks of one record against what came before (ATT-01, CERT-03, PAY-01, PUB-01, ATT-08)
run in the event handlers (`fraud_checks`); checks against peers over the whole store
(INST-02, INST-03, CERT-05, CERT-06, ID-09, DUP-03) are recomputed in `finish`, once a
catch-up reaches the head of the log (`fraud_stats`). A hold keeps its claims from being
paid until it is cleared: by an inspector (FlagReview.Cleared), by a cleared case about
any of its subjects, or, for PUB-01, by the objection's resolution.

Query with `open_flags`, `holds_for_claim`, `flags_about` and `flag_by_id`; a handler asks
through `FlagsReadModel` (the `ReadModel` of ledger.app), which catches up first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Connection, Engine

from domain.claim import Claim
from domain.fraud import DEFAULT_THRESHOLDS, HOLD, FraudThresholds
from domain.fund import Fund
from domain.parties import Institution, Person
from domain.training import Certificate, Enrollment, TrainingClass
from projections.base import EventHandler, Projection
from projections.buffer import LOAD_CHUNK
from projections.flag_store import (
    FLAG_CLAIMS,
    FLAG_SUBJECTS,
    FLAGS,
    STORE_TABLES,
    Firing,
    replace_rule,
)
from projections.fraud_batch import FraudBatch
from projections.fraud_checks import Handler, handlers
from projections.fraud_rosters import check_cert06, check_dup03, check_id09
from projections.fraud_state import PENDING, STATE_TABLES
from projections.fraud_stats import check_cert05, check_inst02, check_inst03

log = structlog.get_logger("skillfund.flags")
FLAG_QUERY_LIMIT = 100_000
JSON_COLUMNS = ("subjects", "thresholds", "inputs", "evidence")
WholeStoreCheck = Callable[[Connection, FraudThresholds], list[Firing]]
WHOLE_STORE_CHECKS: dict[str, WholeStoreCheck] = {
    "INST-02": check_inst02,
    "INST-03": check_inst03,
    "CERT-05": check_cert05,
    "CERT-06": check_cert06,
    "ID-09": check_id09,
    "DUP-03": check_dup03,
}
# The events each whole-store check reads, through the state tables they write. Reviews
# and cases clear flags in their handlers; a claim joins the claim lists of the CERT-05,
# CERT-06, ID-09 and DUP-03 flags in its handler (`flags_a_claim_joins`), so of the rules
# only INST-02, which counts claims, runs again for it.
RULE_INPUTS: dict[str, tuple[type, ...]] = {
    "INST-02": (Institution.Registered, TrainingClass.Opened, Claim.Filed),
    "INST-03": (Institution.Registered, TrainingClass.Opened),
    "CERT-05": (Institution.Registered, Certificate.Issued),
    "CERT-06": (TrainingClass.Opened, Enrollment.Enrolled, Enrollment.Completed),
    "ID-09": (Fund.Opened, TrainingClass.Opened, Enrollment.Enrolled),
    "DUP-03": (Person.Registered, Person.Updated),
}
RULES_READING: dict[type, tuple[str, ...]] = {
    kind: tuple(rule for rule, kinds in RULE_INPUTS.items() if kind in kinds)
    for kinds in RULE_INPUTS.values()
    for kind in kinds
}
EVERY_RULE = "whole_store"  # A pending mark of the stores built before the marks per rule.


class Flags(Projection):
    """The flags projection; its thresholds are parameters (FraudThresholds).

    It applies a batch set-wise: `begin` reads what the events name into a FraudBatch, the
    handlers change it in memory (the checks' queries answered from it, so a check that
    fires after event N sees the state after event N), and `flush` writes it back.
    """

    name = "flags"
    tables = (*STORE_TABLES, *STATE_TABLES)
    version = 2  # 2: classes count their claims; whole-store checks pending per rule.

    def __init__(self, thresholds: FraudThresholds = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = thresholds
        self.batch = FraudBatch()
        super().__init__()

    def register(self) -> None:
        for event_class, handler in handlers(self.thresholds).items():
            self.on(event_class, self.on_batch(handler))

    def on_batch(self, handler: Handler) -> EventHandler:
        """The handler, given the batch's working copy in place of the connection."""

        def apply(connection: Connection, domain_event: Any, notification_id: int) -> None:
            assert connection is self.batch.connection, "an event applied outside its batch"
            handler(self.batch, domain_event, notification_id)

        return apply

    def begin(self, connection: Connection, events: Sequence[tuple[int, Any]]) -> None:
        self.batch.begin(connection, events)
        rules = {rule for _, e in events for rule in RULES_READING.get(type(e), ())}
        self.batch.mark_pending(sorted(rules))

    def flush(self, connection: Connection) -> None:
        self.batch.flush()

    def finish(self, connection: Connection) -> None:
        """Recompute the whole-store checks that events they read came for since they last
        ran; the others' rows stand (a recomputation would write the same)."""
        pending = set(connection.execute(sa.select(PENDING.c.name)).scalars())
        if not pending:
            return
        for rule_id, check in WHOLE_STORE_CHECKS.items():
            if rule_id not in pending and EVERY_RULE not in pending:
                continue
            firings = check(connection, self.thresholds)
            replace_rule(connection, rule_id, firings)
            log.debug("whole-store check", rule_id=rule_id, firings=len(firings))
        connection.execute(PENDING.delete())


def flag_dict(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    for column in JSON_COLUMNS:
        data[column] = json.loads(data[column])
    return data


def ordered(query: Any) -> Any:
    """Most serious first: severity, then flag id, at most FLAG_QUERY_LIMIT rows."""
    return query.order_by(FLAGS.c.severity.desc(), FLAGS.c.flag_id).limit(FLAG_QUERY_LIMIT)


def open_flags(
    connection: Connection, fund_id: str | None = None, rule_id: str | None = None
) -> list[dict[str, Any]]:
    """Open flags and holds, most serious first, optionally of one fund or rule."""
    query = sa.select(FLAGS).where(FLAGS.c.status == "open")
    if fund_id is not None:
        query = query.where(FLAGS.c.fund_id == fund_id)
    if rule_id is not None:
        query = query.where(FLAGS.c.rule_id == rule_id)
    return [flag_dict(row) for row in connection.execute(ordered(query))]


def holds_for_claim(connection: Connection, claim_id: str) -> list[dict[str, Any]]:
    """The open holds on a claim: while any is listed, the claim must not be paid."""
    return holds_for_claims(connection, [claim_id])[claim_id]


def holds_for_claims(
    connection: Connection, claim_ids: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """The open holds on each of these claims, most serious first (as `ordered`), in one
    query per LOAD_CHUNK claims."""
    found: dict[str, list[dict[str, Any]]] = {claim_id: [] for claim_id in claim_ids}
    wanted = list(found)
    for start in range(0, len(wanted), LOAD_CHUNK):
        query = (
            sa.select(FLAG_CLAIMS.c.claim_id.label("held_claim_id"), FLAGS)
            .join(FLAGS, FLAGS.c.flag_id == FLAG_CLAIMS.c.flag_id)
            .where(
                FLAG_CLAIMS.c.claim_id.in_(wanted[start : start + LOAD_CHUNK]),
                FLAGS.c.status == "open",
                FLAGS.c.kind == HOLD,
            )
            .order_by(FLAG_CLAIMS.c.claim_id, FLAGS.c.severity.desc(), FLAGS.c.flag_id)
        )
        for row in connection.execute(query):
            data = flag_dict(row)
            holds = found[data.pop("held_claim_id")]
            if len(holds) < FLAG_QUERY_LIMIT:
                holds.append(data)
    return found


def flags_about(connection: Connection, key: str) -> list[dict[str, Any]]:
    """Every flag, open or cleared, naming a person, institution, class, certificate,
    account or claim among its subjects."""
    about = sa.select(FLAG_SUBJECTS.c.flag_id).where(FLAG_SUBJECTS.c.key == key)
    query = sa.select(FLAGS).where(FLAGS.c.flag_id.in_(about))
    return [flag_dict(row) for row in connection.execute(ordered(query))]


def flag_by_id(connection: Connection, flag_id: str) -> dict[str, Any] | None:
    """One flag, open or cleared, or None when no check has raised it."""
    row = connection.execute(sa.select(FLAGS).where(FLAGS.c.flag_id == flag_id)).first()
    return flag_dict(row) if row is not None else None


class FlagsReadModel:
    """What a command handler may ask of this projection (ledger.app's ReadModel): it
    catches the projections up to the head of the log, then answers."""

    def __init__(
        self,
        engine: Engine,
        catch_up: Callable[..., object],
        topics: frozenset[str] = frozenset(),
        behind: Callable[[], bool] | None = None,
    ) -> None:
        self.engine, self.catch_up, self.behind = engine, catch_up, behind
        self.topics = topics or frozenset(Flags().topics)
        self.expected: list[str] = []
        self.answers: dict[str, list[dict[str, Any]]] | None = None

    def expect(self, claim_ids: Iterable[str]) -> None:
        """A new unit of work begins (the ledger's `begin`): the claims it will probably ask
        about. Holds read before are forgotten: they may be stale now."""
        self.expected = [c for c in dict.fromkeys(claim_ids) if c]
        self.answers = None

    def holds(self, claim_id: str) -> list[dict[str, Any]]:
        """The open holds on a claim, as of the log when the unit of work began or later.

        Holds come from the per-event checks only (every whole-store rule is a FLAG): the
        whole-store recomputation waits for the next full catch-up. The first question of a
        unit brings the flags up to the log's head when an event they handle came after
        their position (`behind`: one query; else they are as current as a catch-up would
        make them), and reads the holds of every claim the unit expects in one query; the
        unit's later questions are answered from that. A unit that records events the
        flags read is committed before its next question, and the next unit asks afresh
        (ledger/app.py). Measured on a city ingest on SQLite (15,458 payments): a catch-up
        and a query per payment cost ≈ 20 s of 91, 9.5 s of it waiting for the
        projector's lock."""
        if self.answers is None or claim_id not in self.answers:
            if self.behind is None or self.behind():
                self.catch_up(finish=False)
            with self.engine.connect() as connection:
                self.answers = holds_for_claims(connection, [*self.expected, claim_id])
        return self.answers[claim_id]

    def flag(self, flag_id: str) -> dict[str, Any] | None:
        self.catch_up()
        with self.engine.connect() as connection:
            return flag_by_id(connection, flag_id)
