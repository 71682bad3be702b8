"""The rows of the flags projection: flags, the claims a hold applies to, their subjects,
and how a firing, a review or a cleared case writes them.

A flag's id is deterministic (the rule and the natural keys of what it is about), so a
pattern seen again updates its flag instead of adding one, and a rebuild writes the same
rows. Evidence is a list of {notification_id, event, key} in log order, at most
EVIDENCE_MAX entries; `inputs` counts everything the check saw.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.base import event_label
from domain.fraud import HOLD, KIND, SEVERITY
from projections.base import METADATA

EVIDENCE_MAX = 50  # Evidence events listed per flag; `inputs` holds the full counts.
SUBJECT_KINDS = (
    "person_ids",
    "institution_ids",
    "class_ids",
    "certificate_nos",
    "accounts",
    "claim_ids",
)
CASE_CLEARED_REASON = "case cleared"

FLAGS = sa.Table(
    "pj_flags",
    METADATA,
    sa.Column("flag_id", sa.String(300), primary_key=True),
    sa.Column("rule_id", sa.String(16), nullable=False, index=True),
    sa.Column("kind", sa.String(8), nullable=False),
    sa.Column("severity", sa.Integer, nullable=False),
    sa.Column("status", sa.String(8), nullable=False, index=True),
    sa.Column("fund_id", sa.String(64), nullable=True, index=True),
    sa.Column("subjects", sa.Text, nullable=False),
    sa.Column("thresholds", sa.Text, nullable=False),
    sa.Column("inputs", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("cleared_by", sa.String(200), nullable=True),
    sa.Column("cleared_reason", sa.Text, nullable=True),
    sa.Column("cleared_on", sa.Date, nullable=True),
)

# The claims a hold applies to, kept up to date as claims are filed after it fired.
FLAG_CLAIMS = sa.Table(
    "pj_flag_claims",
    METADATA,
    sa.Column("flag_id", sa.String(300), primary_key=True),
    sa.Column("claim_id", sa.String(64), primary_key=True, index=True),
)

# Every subject key of every flag, so "flags about X" and a cleared case are one lookup.
FLAG_SUBJECTS = sa.Table(
    "pj_flag_subjects",
    METADATA,
    sa.Column("flag_id", sa.String(300), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True, index=True),
)

# Inspectors' reviews, kept so that a flag recomputed from the whole store stays cleared.
REVIEWS = sa.Table(
    "pj_fraud_reviews",
    METADATA,
    sa.Column("flag_id", sa.String(300), primary_key=True),
    sa.Column("cleared_by", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("notification_id", sa.BigInteger, nullable=False),
)

# Cases: their subjects when opened, and a "cleared" conclusion with its position.
CASES = sa.Table(
    "pj_fraud_cases",
    METADATA,
    sa.Column("case_uuid", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("subject_ids", sa.Text, nullable=False),
    sa.Column("finding", sa.String(16), nullable=True),
    sa.Column("concluded_on", sa.Date, nullable=True),
    sa.Column("notification_id", sa.BigInteger, nullable=True),
)

STORE_TABLES = (FLAGS, FLAG_CLAIMS, FLAG_SUBJECTS, REVIEWS, CASES)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def evidence(notification_id: int, domain_event: Any, key: str) -> dict[str, Any]:
    """One evidence entry: the event's position in the log, its name and natural key."""
    return {"notification_id": notification_id, "event": event_label(domain_event), "key": key}


def evidence_of(notification_id: int, event_name: str, key: str) -> dict[str, Any]:
    return {"notification_id": notification_id, "event": event_name, "key": key}


@dataclass
class Firing:
    """What a check found: the flag it raises (or adds to) and why."""

    flag_id: str
    rule_id: str
    fund_id: str | None
    subjects: dict[str, list[str]]
    thresholds: dict[str, Any]
    inputs: dict[str, Any]
    evidence: list[dict[str, Any]]
    summary: str
    held_claims: list[str] = field(default_factory=list)

    @property
    def last_notification_id(self) -> int:
        return max((e["notification_id"] for e in self.evidence), default=0)


def canonical_subjects(*parts: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """The union of subject lists, every kind present, each sorted and unique."""
    merged: dict[str, set[str]] = {kind: set() for kind in SUBJECT_KINDS}
    for part in parts:
        for kind, values in part.items():
            merged[kind].update(v for v in values if v)
    return {kind: sorted(values) for kind, values in merged.items()}


def merge_evidence(*lists: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence in log order, each event once, at most EVIDENCE_MAX."""
    seen: dict[tuple[int, str], dict[str, Any]] = {}
    for entries in lists:
        for e in entries:
            seen.setdefault((e["notification_id"], e["key"]), e)
    return [seen[k] for k in sorted(seen)][:EVIDENCE_MAX]


def subject_keys(subjects: dict[str, list[str]]) -> set[str]:
    return {value for values in subjects.values() for value in values}


SELECT_FLAG = sa.select(FLAGS).where(FLAGS.c.flag_id == sa.bindparam("flag_id"))


def flag_row(connection: Connection, flag_id: str) -> dict[str, Any] | None:
    row = connection.execute(SELECT_FLAG, {"flag_id": flag_id}).first()
    return dict(row._mapping) if row is not None else None


def write_flag(connection: Connection, firing: Firing) -> None:
    """Raise a flag, or add this firing's subjects and evidence to the flag of that id."""
    row = flag_row(connection, firing.flag_id)
    if row is None:
        insert_flag(connection, firing)
        pending = connection.execute(
            sa.select(REVIEWS).where(REVIEWS.c.flag_id == firing.flag_id)
        ).first()
        if pending is not None:
            clear(connection, firing.flag_id, pending.cleared_by, pending.reason, pending.on)
        return
    subjects = canonical_subjects(json.loads(row["subjects"]), firing.subjects)
    connection.execute(
        FLAGS.update()
        .where(FLAGS.c.flag_id == firing.flag_id)
        .values(
            subjects=dumps(subjects),
            inputs=dumps(firing.inputs),
            evidence=dumps(merge_evidence(json.loads(row["evidence"]), firing.evidence)),
            summary=firing.summary,
        )
    )
    index_subjects(connection, firing.flag_id, subject_keys(firing.subjects))
    hold_claims(connection, firing.flag_id, firing.held_claims)


def insert_flag(connection: Connection, firing: Firing) -> None:
    subjects = canonical_subjects(firing.subjects)
    connection.execute(
        FLAGS.insert().values(
            flag_id=firing.flag_id,
            rule_id=firing.rule_id,
            kind=KIND[firing.rule_id],
            severity=SEVERITY[firing.rule_id],
            status="open",
            fund_id=firing.fund_id,
            subjects=dumps(subjects),
            thresholds=dumps(firing.thresholds),
            inputs=dumps(firing.inputs),
            evidence=dumps(merge_evidence(firing.evidence)),
            summary=firing.summary,
        )
    )
    index_subjects(connection, firing.flag_id, subject_keys(subjects))
    hold_claims(connection, firing.flag_id, firing.held_claims)


def index_subjects(connection: Connection, flag_id: str, keys: Iterable[str]) -> None:
    known = set(
        connection.execute(
            sa.select(FLAG_SUBJECTS.c.key).where(FLAG_SUBJECTS.c.flag_id == flag_id)
        ).scalars()
    )
    new = sorted(set(keys) - known)
    if new:
        connection.execute(FLAG_SUBJECTS.insert(), [{"flag_id": flag_id, "key": k} for k in new])


def hold_claims(connection: Connection, flag_id: str, claim_ids: Iterable[str]) -> None:
    """Apply a hold to claims (a no-op for flags, which hold nothing)."""
    rule_id = flag_id.split(":", 1)[0]
    if KIND[rule_id] != HOLD:
        return
    known = set(
        connection.execute(
            sa.select(FLAG_CLAIMS.c.claim_id).where(FLAG_CLAIMS.c.flag_id == flag_id)
        ).scalars()
    )
    new = sorted(set(claim_ids) - known)
    if new:
        connection.execute(FLAG_CLAIMS.insert(), [{"flag_id": flag_id, "claim_id": c} for c in new])


def attach_claim(connection: Connection, flag_id: str, claim_id: str) -> None:
    """Add a claim filed after the flag fired to its subjects (and its hold)."""
    row = flag_row(connection, flag_id)
    if row is None:
        return
    subjects = canonical_subjects(json.loads(row["subjects"]), {"claim_ids": [claim_id]})
    connection.execute(
        FLAGS.update().where(FLAGS.c.flag_id == flag_id).values(subjects=dumps(subjects))
    )
    index_subjects(connection, flag_id, [claim_id])
    hold_claims(connection, flag_id, [claim_id])


def clear(connection: Connection, flag_id: str, cleared_by: str, reason: str, on: date) -> None:
    """Close an open flag, releasing its holds; a cleared flag stays as first cleared."""
    connection.execute(
        FLAGS.update()
        .where(FLAGS.c.flag_id == flag_id, FLAGS.c.status == "open")
        .values(status="cleared", cleared_by=cleared_by, cleared_reason=reason, cleared_on=on)
    )


def flags_with_subjects(connection: Connection, keys: Sequence[str]) -> list[str]:
    query = (
        sa.select(FLAG_SUBJECTS.c.flag_id)
        .where(FLAG_SUBJECTS.c.key.in_(list(keys)))
        .distinct()
        .order_by(FLAG_SUBJECTS.c.flag_id)
    )
    return list(connection.execute(query).scalars())


def replace_rule(connection: Connection, rule_id: str, firings: Sequence[Firing]) -> None:
    """A whole-store check's result: its rows are rewritten from this firing list, then
    the reviews and cleared cases recorded so far are applied again, so the rows depend
    only on the events and never on when catch-ups happened."""
    old = sa.select(FLAGS.c.flag_id).where(FLAGS.c.rule_id == rule_id).scalar_subquery()
    connection.execute(FLAG_SUBJECTS.delete().where(FLAG_SUBJECTS.c.flag_id.in_(old)))
    connection.execute(FLAG_CLAIMS.delete().where(FLAG_CLAIMS.c.flag_id.in_(old)))
    connection.execute(FLAGS.delete().where(FLAGS.c.rule_id == rule_id))
    for firing in sorted(firings, key=lambda f: f.flag_id):
        insert_flag(connection, firing)
    reapply_clearances(connection, firings)


def reapply_clearances(connection: Connection, firings: Sequence[Firing]) -> None:
    """A review clears its flag id whenever it fires; a cleared case clears a flag about
    its subjects whose evidence it had seen (concluded after the last evidence event)."""
    reviews = {r.flag_id: r for r in connection.execute(sa.select(REVIEWS))}
    cases = [
        (c.notification_id, c.case_id, c.concluded_on, set(json.loads(c.subject_ids)))
        for c in connection.execute(
            sa.select(CASES).where(CASES.c.finding == "cleared").order_by(CASES.c.notification_id)
        )
    ]
    for firing in firings:
        keys = subject_keys(canonical_subjects(firing.subjects))
        candidates = []
        review = reviews.get(firing.flag_id)
        if review is not None:
            candidates.append((review.notification_id, review.cleared_by, review.reason, review.on))
        for position, case_id, on, subjects in cases:
            if position > firing.last_notification_id and keys & subjects:
                candidates.append((position, case_id, CASE_CLEARED_REASON, on))
                break
        if candidates:
            _, by, reason, on = min(candidates, key=lambda c: c[0])
            clear(connection, firing.flag_id, by, reason, on)
