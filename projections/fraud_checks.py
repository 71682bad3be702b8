"""The checks made as events arrive: ATT-01, CERT-03, PAY-01 and PUB-01 (holds) and
ATT-08 (a flag), and the events that clear flags (FlagReview.Cleared, a cleared case).

Each check reads the state tables of `fraud_state` and writes through `flag_store`, both
through the batch's working copy (`fraud_batch`), which answers as the tables would after
the events before it; a firing names its rule, its thresholds, what it measured and the
events it rests on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from domain.case import Case, FlagReview
from domain.claim import Claim
from domain.fraud import FraudThresholds
from domain.training import Enrollment
from projections import fraud_state as state
from projections.flag_store import (
    CASE_CLEARED_REASON,
    Firing,
    attach_claim,
    clear,
    evidence,
    evidence_of,
    flags_with_subjects,
    write_flag,
)
from projections.fraud_batch import FraudBatch, flags_claim_joins
from projections.fraud_state import dumps

Handler = Callable[[FraudBatch, Any, int], None]


def claims_on(b: FraudBatch, class_ids: list[str], person_id: str | None = None) -> list[str]:
    """The claims filed for these classes (by this person), by claim id."""
    found = [row for class_id in class_ids for row in b.rows(b.claims, class_id=class_id)]
    return sorted(r["claim_id"] for r in found if person_id is None or r["person_id"] == person_id)


# --- ATT-01: one person in two classes at overlapping times on the same day -----------


def overlapping(b: FraudBatch, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The person's records of other classes that day whose times overlap the record's,
    in log order (a record without both times overlaps nothing)."""
    day = b.rows(b.attendance, person_id=record["person_id"], on=record["on"])
    others = [
        other
        for other in day
        if other["class_id"] != record["class_id"]
        and other["start"] is not None
        and other["end"] is not None
        and other["start"] < record["end"]
        and other["end"] > record["start"]
    ]
    return sorted(others, key=lambda other: other["notification_id"])


def check_att01(b: FraudBatch, t: FraudThresholds, record: dict[str, Any]) -> None:
    """Hold the person's claims on both classes when their sessions overlap on one day
    (touching times, one ending as the other starts, are no overlap)."""
    if not record["start"] or not record["end"]:
        return
    for other in overlapping(b, record):
        raise_att01(b, t, record, other)


def raise_att01(b: FraudBatch, t: FraudThresholds, record: dict, other: dict) -> None:
    person_id = record["person_id"]
    first, second = sorted([record["class_id"], other["class_id"]])
    flag_id = f"ATT-01:{person_id}:{first}:{second}"
    previous = b.row(b.flags, flag_id)
    days = set(json.loads(previous["inputs"])["days"]) if previous else set()
    days.add(record["on"].isoformat())
    classes = [b.row(b.classes, k) or {} for k in (first, second)]
    claims = claims_on(b, [first, second], person_id)
    write_flag(
        b,
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
                evidence_of(other["notification_id"], "EnrollmentAttendanceRecorded", other["key"]),
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
        if b.row(b.overlaps, person_id, class_id, flag_id) is None:
            b.overlaps.insert({"person_id": person_id, "class_id": class_id, "flag_id": flag_id})


# --- ATT-08: records whose business date is far behind the business clock ------------


def check_att08(
    b: FraudBatch,
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
    previous = b.row(b.flags, flag_id)
    seen = json.loads(previous["inputs"]) if previous else {"records": 0, "lag_days_max": 0}
    klass = b.row(b.classes, class_id) or {}
    records, lag_max = seen["records"] + 1, max(seen["lag_days_max"], lag)
    write_flag(
        b,
        Firing(
            flag_id=flag_id,
            rule_id="ATT-08",
            fund_id=klass.get("fund_id"),
            subjects={
                "class_ids": [class_id],
                "institution_ids": [klass.get("institution_id", "")],
                "person_ids": [record["person_id"]],
                "claim_ids": [] if previous else claims_on(b, [class_id]),
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


def enrolment_of(b: FraudBatch, class_id: str, person_id: str) -> dict[str, Any] | None:
    """The person's enrolment in the class (one at most: its id derives from both)."""
    found = b.rows(b.enrollments, class_id=class_id, person_id=person_id)
    return min(found, key=lambda row: row["notification_id"]) if found else None


def check_cert03(b: FraudBatch, t: FraudThresholds, e: Any, nid: int) -> None:
    if not e.certificate_no or not e.class_id:
        return
    cert = b.row(b.certificates, e.certificate_no)
    klass = b.row(b.classes, e.class_id)
    if not cert or not klass:
        return
    enrolment = enrolment_of(b, e.class_id, e.person_id)
    issued, start = cert["issued_on"], klass["start_date"]
    before_enrolment = enrolment is not None and issued < enrolment["enrolled_on"]
    if not (issued < start or before_enrolment):
        return
    proofs = [
        evidence_of(cert["notification_id"], "CertificateIssued", e.certificate_no),
        evidence_of(klass["notification_id"], "TrainingClassOpened", e.class_id),
        evidence(nid, e, e.claim_id),
    ]
    if enrolment is not None:
        key = f"{e.class_id}/{e.person_id}"
        proofs.append(evidence_of(enrolment["notification_id"], "EnrollmentEnrolled", key))
    write_flag(
        b,
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
                "enrolled_on": enrolment["enrolled_on"].isoformat() if enrolment else None,
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


def check_pay01(b: FraudBatch, t: FraudThresholds, account: str | None) -> None:
    if not account:
        return
    rows = sorted(b.rows(b.claims, payee_account=account), key=lambda r: r["notification_id"])
    people = sorted({r["person_id"] for r in rows})
    if len(people) <= t.pay01_people_max:
        return
    claims = [r["claim_id"] for r in rows]
    write_flag(
        b,
        Firing(
            flag_id=f"PAY-01:{account}",
            rule_id="PAY-01",
            fund_id=rows[0]["fund_id"],
            subjects={"accounts": [account], "person_ids": people, "claim_ids": claims},
            thresholds=t.of("PAY-01"),
            inputs={"people": len(people), "claims": len(claims)},
            evidence=[evidence_of(r["notification_id"], "ClaimFiled", r["claim_id"]) for r in rows]
            + account_evidence(b, sorted({r["beneficiary_id"] for r in rows})),
            summary=(
                f"account {account} receives personal subsidies of {len(people)} people "
                f"/ 同一账户收取 {len(people)} 人的个人补贴"
            ),
            held_claims=claims,
        ),
    )


def account_evidence(b: FraudBatch, person_ids: list[str]) -> list[dict[str, Any]]:
    """The events that gave each (registered) person the account fact in force."""
    b.people.load(b.connection, [(p,) for p in person_ids])
    people = [b.row(b.people, p) for p in person_ids]
    return [state.fact_evidence(p["person_id"], p["facts"], "account") for p in people if p]


# --- Handlers -----------------------------------------------------------------------------


def on_enrolled(t: FraudThresholds, b: FraudBatch, e: Any, nid: int) -> None:
    state.enrolled(b, e, nid)
    record = {"class_id": e.class_id, "person_id": e.person_id, "on": e.on}
    record |= {"key": f"{e.class_id}/{e.person_id}", "notification_id": nid}
    check_att08(b, t, record, "EnrollmentEnrolled", state.business_clock(b))


def on_attendance(t: FraudThresholds, b: FraudBatch, e: Any, nid: int) -> None:
    record = state.attendance_recorded(b, e, nid)
    check_att01(b, t, record)
    clock = state.business_clock(b)
    check_att08(b, t, record, "EnrollmentAttendanceRecorded", clock)
    state.advance_clock(b, clock, record)


def on_claim_filed(t: FraudThresholds, b: FraudBatch, e: Any, nid: int) -> None:
    account = state.claim_filed(b, e, nid)
    check_cert03(b, t, e, nid)
    check_pay01(b, t, account)
    held = (
        [] if e.class_id is None else b.rows(b.overlaps, person_id=e.person_id, class_id=e.class_id)
    )
    for flag_id in [*sorted(r["flag_id"] for r in held), f"ATT-08:{e.class_id}"]:
        attach_claim(b, flag_id, e.claim_id)
    for flag_id in flags_claim_joins(b, e):
        attach_claim(b, flag_id, e.claim_id)


def on_objection_raised(t: FraudThresholds, b: FraudBatch, e: Any, nid: int) -> None:
    claim = state.claim_by_uuid(b, e.originator_id)
    write_flag(
        b,
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


def on_objection_resolved(b: FraudBatch, e: Any, nid: int) -> None:
    claim = state.claim_by_uuid(b, e.originator_id)
    flag_id = f"PUB-01:{claim['claim_id']}:{e.objection_id}"
    how = "upheld: the claim is rejected" if e.upheld else "dismissed"
    clear(b, flag_id, f"objection {e.objection_id}", f"objection {how}", e.on)


def on_review(b: FraudBatch, e: Any, nid: int) -> None:
    b.reviews.insert(
        {
            "flag_id": e.flag_id,
            "cleared_by": e.cleared_by,
            "reason": e.reason,
            "on": e.on,
            "notification_id": nid,
        }
    )
    clear(b, e.flag_id, e.cleared_by, e.reason, e.on)


def on_case_opened(b: FraudBatch, e: Any, _: int) -> None:
    b.cases.insert(
        {
            "case_uuid": str(e.originator_id),
            "case_id": e.case_id,
            "subject_ids": dumps(e.subject_ids),
        }
    )


def on_case_concluded(b: FraudBatch, e: Any, nid: int) -> None:
    """A cleared case closes every open flag about any of its subjects."""
    row = b.row(b.cases, str(e.originator_id))
    if row is None:
        raise LookupError(f"case {e.originator_id} concluded but never opened")
    subjects = sorted({*json.loads(row["subject_ids"]), *e.claim_ids})
    row.update(
        subject_ids=dumps(subjects), finding=e.finding, concluded_on=e.on, notification_id=nid
    )
    b.cases.touch((row["case_uuid"],))
    if e.finding != "cleared":
        return
    for flag_id in flags_with_subjects(b, subjects):
        clear(b, flag_id, row["case_id"], CASE_CLEARED_REASON, e.on)


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
