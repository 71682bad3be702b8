"""The checks made as events arrive: ATT-01, CERT-03, PAY-01 and PUB-01 (holds) and
ATT-08 (a flag), and the events that clear flags (FlagReview.Cleared, a cleared case).

Each check reads the state tables of `fraud_state` and writes through `flag_store`; a
firing names its rule, its thresholds, what it measured and the events it rests on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.case import Case, FlagReview
from domain.claim import Claim
from domain.fraud import FraudThresholds
from domain.training import Enrollment
from projections import fraud_state as state
from projections.flag_store import (
    CASE_CLEARED_REASON,
    CASES,
    REVIEWS,
    Firing,
    attach_claim,
    clear,
    evidence,
    evidence_of,
    flag_row,
    flags_with_subjects,
    write_flag,
)
from projections.fraud_state import ATTENDANCE, CLAIMS, CLASSES, OVERLAPS, dumps, row_of

Handler = Callable[[Connection, Any, int], None]


def claims_on(
    connection: Connection, class_ids: list[str], person_id: str | None = None
) -> list[str]:
    c = CLAIMS.c
    query = sa.select(c.claim_id).where(c.class_id.in_(class_ids)).order_by(c.claim_id)
    if person_id is not None:
        query = query.where(c.person_id == person_id)
    return list(connection.execute(query).scalars())


# --- ATT-01: one person in two classes at overlapping times on the same day -----------

_a = ATTENDANCE.c
SELECT_OVERLAPS = (
    sa.select(_a.class_id, _a.key, _a.notification_id)
    .where(
        _a.person_id == sa.bindparam("person_id"),
        _a.on == sa.bindparam("on"),
        _a.class_id != sa.bindparam("class_id"),
        _a.start < sa.bindparam("end"),
        _a.end > sa.bindparam("start"),
    )
    .order_by(_a.notification_id)
)


def check_att01(connection: Connection, t: FraudThresholds, record: dict[str, Any]) -> None:
    """Hold the person's claims on both classes when their sessions overlap on one day
    (touching times, one ending as the other starts, are no overlap)."""
    if not record["start"] or not record["end"]:
        return
    others = connection.execute(SELECT_OVERLAPS, record).all()
    for other in others:
        raise_att01(connection, t, record, other)


def raise_att01(connection: Connection, t: FraudThresholds, record: dict, other: Any) -> None:
    person_id = record["person_id"]
    first, second = sorted([record["class_id"], other.class_id])
    flag_id = f"ATT-01:{person_id}:{first}:{second}"
    previous = flag_row(connection, flag_id)
    days = set(json.loads(previous["inputs"])["days"]) if previous else set()
    days.add(record["on"].isoformat())
    classes = [row_of(connection, CLASSES, "class_id", k) for k in (first, second)]
    claims = claims_on(connection, [first, second], person_id)
    write_flag(
        connection,
        Firing(
            flag_id=flag_id,
            rule_id="ATT-01",
            fund_id=classes[0].get("fund_id"),
            subjects={
                "person_ids": [person_id],
                "class_ids": [first, second],
                "institution_ids": [c.get("institution_id", "") for c in classes],
                "claim_ids": claims,
            },
            thresholds=t.of("ATT-01"),
            inputs={"days": sorted(days), "days_count": len(days)},
            evidence=[
                evidence_of(other.notification_id, "EnrollmentAttendanceRecorded", other.key),
                evidence_of(
                    record["notification_id"], "EnrollmentAttendanceRecorded", record["key"]
                ),
            ],
            summary=(
                f"{person_id} attends {first} and {second} at overlapping times on "
                f"{len(days)} day(s) / 同一人同日在两个培训班的上课时间重叠 {len(days)} 天"
            ),
            held_claims=claims,
        ),
    )
    for class_id in (first, second):
        key = {"person_id": person_id, "class_id": class_id, "flag_id": flag_id}
        if not connection.execute(sa.select(OVERLAPS).filter_by(**key)).first():
            connection.execute(OVERLAPS.insert().values(**key))


# --- ATT-08: records whose business date is far behind the business clock ------------


def check_att08(
    connection: Connection,
    t: FraudThresholds,
    record: dict[str, Any],
    event_name: str,
    clock: dict[str, Any] | None,
) -> None:
    """Flag the class of an enrolment or attendance record dated more than
    att08_lag_days before the business clock as it stood when the record came."""
    if clock is None or (clock["on"] - record["on"]).days <= t.att08_lag_days:
        return
    lag = (clock["on"] - record["on"]).days
    class_id = record["class_id"]
    flag_id = f"ATT-08:{class_id}"
    previous = flag_row(connection, flag_id)
    seen = json.loads(previous["inputs"]) if previous else {"records": 0, "lag_days_max": 0}
    klass = row_of(connection, CLASSES, "class_id", class_id)
    records, lag_max = seen["records"] + 1, max(seen["lag_days_max"], lag)
    write_flag(
        connection,
        Firing(
            flag_id=flag_id,
            rule_id="ATT-08",
            fund_id=klass.get("fund_id"),
            subjects={
                "class_ids": [class_id],
                "institution_ids": [klass.get("institution_id", "")],
                "person_ids": [record["person_id"]],
                "claim_ids": [] if previous else claims_on(connection, [class_id]),
            },
            thresholds=t.of("ATT-08"),
            inputs={
                "records": records,
                "lag_days_max": lag_max,
                "clock_on": clock["on"].isoformat(),
                "clock_class_id": clock["class_id"],
            },
            evidence=[
                evidence_of(clock["notification_id"], "EnrollmentAttendanceRecorded", clock["key"]),
                evidence_of(record["notification_id"], event_name, record["key"]),
            ],
            summary=(
                f"{records} record(s) of class {class_id} dated up to {lag_max} days before the "
                f"business clock / 培训记录补录：业务日期早于业务时钟 {lag_max} 天"
            ),
        ),
    )


# --- CERT-03: a certificate older than the training it is claimed for ----------------

SELECT_ENROLMENT = sa.select(state.ENROLLMENTS).where(
    state.ENROLLMENTS.c.class_id == sa.bindparam("class_id"),
    state.ENROLLMENTS.c.person_id == sa.bindparam("person_id"),
)


def check_cert03(connection: Connection, t: FraudThresholds, e: Any, nid: int) -> None:
    if not e.certificate_no or not e.class_id:
        return
    cert = row_of(connection, state.CERTIFICATES, "certificate_no", e.certificate_no)
    klass = row_of(connection, CLASSES, "class_id", e.class_id)
    if not cert or not klass:
        return
    enrolment = connection.execute(
        SELECT_ENROLMENT, {"class_id": e.class_id, "person_id": e.person_id}
    ).first()
    issued, start = cert["issued_on"], klass["start_date"]
    before_enrolment = enrolment is not None and issued < enrolment.enrolled_on
    if not (issued < start or before_enrolment):
        return
    proofs = [
        evidence_of(cert["notification_id"], "CertificateIssued", e.certificate_no),
        evidence_of(klass["notification_id"], "TrainingClassOpened", e.class_id),
        evidence(nid, e, e.claim_id),
    ]
    if enrolment is not None:
        key = f"{e.class_id}/{e.person_id}"
        proofs.append(evidence_of(enrolment.notification_id, "EnrollmentEnrolled", key))
    write_flag(
        connection,
        Firing(
            flag_id=f"CERT-03:{e.claim_id}",
            rule_id="CERT-03",
            fund_id=e.fund_id,
            subjects={
                "person_ids": [e.person_id],
                "class_ids": [e.class_id],
                "certificate_nos": [e.certificate_no],
                "institution_ids": [klass["institution_id"], cert["issuer_id"]],
                "claim_ids": [e.claim_id],
            },
            thresholds=t.of("CERT-03"),
            inputs={
                "issued_on": issued.isoformat(),
                "class_start": start.isoformat(),
                "enrolled_on": enrolment.enrolled_on.isoformat() if enrolment else None,
            },
            evidence=proofs,
            summary=(
                f"certificate {e.certificate_no} issued {issued}, before "
                f"{'enrolment' if before_enrolment else 'the class started'} in {e.class_id} "
                f"/ 证书发证日期早于{'报名' if before_enrolment else '开班'}"
            ),
            held_claims=[e.claim_id],
        ),
    )


# --- PAY-01: one account receiving personal subsidies of more than 3 people -----------

_c = CLAIMS.c
SELECT_PAYEES = (
    sa.select(_c.claim_id, _c.person_id, _c.beneficiary_id, _c.fund_id, _c.notification_id)
    .where(_c.payee_account == sa.bindparam("account"))
    .order_by(_c.notification_id)
)


def check_pay01(connection: Connection, t: FraudThresholds, account: str | None) -> None:
    if not account:
        return
    rows = connection.execute(SELECT_PAYEES, {"account": account}).all()
    people = sorted({r.person_id for r in rows})
    if len(people) <= t.pay01_people_max:
        return
    claims = [r.claim_id for r in rows]
    write_flag(
        connection,
        Firing(
            flag_id=f"PAY-01:{account}",
            rule_id="PAY-01",
            fund_id=rows[0].fund_id,
            subjects={"accounts": [account], "person_ids": people, "claim_ids": claims},
            thresholds=t.of("PAY-01"),
            inputs={"people": len(people), "claims": len(claims)},
            evidence=[evidence_of(r.notification_id, "ClaimFiled", r.claim_id) for r in rows]
            + account_evidence(connection, sorted({r.beneficiary_id for r in rows})),
            summary=(
                f"account {account} receives personal subsidies of {len(people)} people "
                f"/ 同一账户收取 {len(people)} 人的个人补贴"
            ),
            held_claims=claims,
        ),
    )


def account_evidence(connection: Connection, person_ids: list[str]) -> list[dict[str, Any]]:
    """The events that gave each person the account fact in force."""
    p = state.PEOPLE.c
    rows = connection.execute(
        sa.select(p.person_id, p.facts).where(p.person_id.in_(person_ids)).order_by(p.person_id)
    )
    return [state.fact_evidence(r.person_id, r.facts, "account") for r in rows]


# --- Handlers -----------------------------------------------------------------------------


def on_enrolled(t: FraudThresholds, connection: Connection, e: Any, nid: int) -> None:
    state.enrolled(connection, e, nid)
    record = {"class_id": e.class_id, "person_id": e.person_id, "on": e.on}
    record |= {"key": f"{e.class_id}/{e.person_id}", "notification_id": nid}
    check_att08(connection, t, record, "EnrollmentEnrolled", state.business_clock(connection))


def on_attendance(t: FraudThresholds, connection: Connection, e: Any, nid: int) -> None:
    record = state.attendance_recorded(connection, e, nid)
    check_att01(connection, t, record)
    clock = state.business_clock(connection)
    check_att08(connection, t, record, "EnrollmentAttendanceRecorded", clock)
    state.advance_clock(connection, clock, record)


def on_claim_filed(t: FraudThresholds, connection: Connection, e: Any, nid: int) -> None:
    account = state.claim_filed(connection, e, nid)
    check_cert03(connection, t, e, nid)
    check_pay01(connection, t, account)
    key = {"person_id": e.person_id, "class_id": e.class_id}
    held = list(connection.execute(SELECT_OVERLAP_FLAGS, key).scalars())
    for flag_id in [*held, f"ATT-08:{e.class_id}"]:
        attach_claim(connection, flag_id, e.claim_id)


SELECT_OVERLAP_FLAGS = (
    sa.select(OVERLAPS.c.flag_id)
    .where(
        OVERLAPS.c.person_id == sa.bindparam("person_id"),
        OVERLAPS.c.class_id == sa.bindparam("class_id"),
    )
    .order_by(OVERLAPS.c.flag_id)
)


def on_objection_raised(t: FraudThresholds, connection: Connection, e: Any, nid: int) -> None:
    claim = state.claim_by_uuid(connection, e.originator_id)
    write_flag(
        connection,
        Firing(
            flag_id=f"PUB-01:{claim['claim_id']}:{e.objection_id}",
            rule_id="PUB-01",
            fund_id=claim["fund_id"],
            subjects={"claim_ids": [claim["claim_id"]], "person_ids": [claim["person_id"]]},
            thresholds=t.of("PUB-01"),
            inputs={"objection_id": e.objection_id, "raised_on": e.on.isoformat()},
            evidence=[evidence(nid, e, e.objection_id)],
            summary=(
                f"objection {e.objection_id} to claim {claim['claim_id']} raised in publicity "
                "/ 公示期内有异议，尚未处理"
            ),
            held_claims=[claim["claim_id"]],
        ),
    )


def on_objection_resolved(connection: Connection, e: Any, nid: int) -> None:
    claim = state.claim_by_uuid(connection, e.originator_id)
    flag_id = f"PUB-01:{claim['claim_id']}:{e.objection_id}"
    how = "upheld: the claim is rejected" if e.upheld else "dismissed"
    clear(connection, flag_id, f"objection {e.objection_id}", f"objection {how}", e.on)


def on_review(connection: Connection, e: Any, nid: int) -> None:
    connection.execute(
        REVIEWS.insert().values(
            flag_id=e.flag_id,
            cleared_by=e.cleared_by,
            reason=e.reason,
            on=e.on,
            notification_id=nid,
        )
    )
    clear(connection, e.flag_id, e.cleared_by, e.reason, e.on)


def on_case_opened(connection: Connection, e: Any, _: int) -> None:
    connection.execute(
        CASES.insert().values(
            case_uuid=str(e.originator_id), case_id=e.case_id, subject_ids=dumps(e.subject_ids)
        )
    )


def on_case_concluded(connection: Connection, e: Any, nid: int) -> None:
    """A cleared case closes every open flag about any of its subjects."""
    row = connection.execute(
        sa.select(CASES).where(CASES.c.case_uuid == str(e.originator_id))
    ).one()
    subjects = sorted({*json.loads(row.subject_ids), *e.claim_ids})
    connection.execute(
        CASES.update()
        .where(CASES.c.case_uuid == row.case_uuid)
        .values(
            subject_ids=dumps(subjects), finding=e.finding, concluded_on=e.on, notification_id=nid
        )
    )
    if e.finding != "cleared":
        return
    for flag_id in flags_with_subjects(connection, subjects):
        clear(connection, flag_id, row.case_id, CASE_CLEARED_REASON, e.on)


def handlers(t: FraudThresholds) -> dict[type, Handler]:
    """Every event the flags projection reads, with its handler."""
    checked: dict[type, Handler] = {
        Enrollment.Enrolled: partial(on_enrolled, t),
        Enrollment.AttendanceRecorded: partial(on_attendance, t),
        Claim.Filed: partial(on_claim_filed, t),
        Claim.ObjectionRaised: partial(on_objection_raised, t),
        Claim.ObjectionResolved: on_objection_resolved,
        FlagReview.Cleared: on_review,
        Case.Opened: on_case_opened,
        Case.Concluded: on_case_concluded,
    }
    return {**state.STATE_HANDLERS, **checked}
