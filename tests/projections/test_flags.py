"""The anti-fraud flags projection: each hold and flag check of FRAUD_RULES.md fires on its
pattern with its evidence and thresholds, stays quiet on the near miss, and is cleared by
an inspector's review or a cleared case; a rebuild writes the same rows."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

import ledger.service as service
from domain.case import Case, FlagReview
from domain.fraud import HOLD, SEVERITY, FraudThresholds
from domain.identity import make_credit_code, make_resident_id
from ledger import demo
from ledger.flags_verb import flags_verb
from ledger.generate import generate
from ledger.service import Skillfund, open_skillfund, submit_lines
from projections.claims import CLAIMS
from projections.flag_store import FLAG_CLAIMS, FLAGS
from projections.flags import (
    Flags,
    FlagsReadModel,
    flag_dict,
    flags_about,
    holds_for_claim,
    holds_for_claims,
    open_flags,
    ordered,
)
from tests.conftest import submit

FUND = "KS-FR-2020"
KUNSHAN = "320583"
FAR = "230183"  # Heilongjiang: a province Kunshan's trainees rarely come from.
DAY = date(2020, 3, 2)  # A Monday: classes of these tests start on it.

Open = Callable[..., Skillfund]


@pytest.fixture
def open_sf(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Open]:
    """Open the ledger with the flags projection of the given (or default) thresholds in
    place of any the service registers."""
    opened: list[Skillfund] = []
    original = service.all_projections

    def open_with(thresholds: FraudThresholds | None = None) -> Skillfund:
        flags = Flags(thresholds) if thresholds else Flags()

        def projections() -> list[Any]:
            return [*(p for p in original() if p.name != Flags.name), flags]

        monkeypatch.setattr(service, "all_projections", projections)
        opened.append(open_skillfund(db_url, create=True))
        return opened[-1]

    yield open_with
    for skillfund in opened:
        skillfund.close()


@pytest.fixture
def sf(open_sf: Open) -> Skillfund:
    return open_sf()


# --- Builders of command dicts ---------------------------------------------------------


def org(n: int) -> str:
    return make_credit_code(f"52{KUNSHAN}MA{n:07d}")


def resident(n: int, region: str = KUNSHAN, born: date = date(1990, 1, 1)) -> str:
    return make_resident_id(region, born, n)


def day(offset: int) -> str:
    return (DAY + timedelta(days=offset)).isoformat()


TRAINER, OTHER_TRAINER, EVALUATOR, ENTERPRISE = org(1), org(2), org(3), org(4)


def fund() -> dict[str, Any]:
    return {
        "type": "open_fund",
        "fund_id": FUND,
        "jurisdiction": "kunshan",
        "name": "测试专账",
        "date": "2020-01-02",
    }


def institution(
    inst_id: str, kind: str = "training_org", on: str = "2020-01-02", **extra: Any
) -> dict[str, Any]:
    return {
        "type": "register_institution",
        "institution_id": inst_id,
        "name": f"机构{inst_id[-4:]}",
        "kind": kind,
        "jurisdiction": "kunshan",
        "date": on,
        "insured": True,
    } | extra


def person(person_id: str, name: str = "", on: str = "2020-01-02", **extra: Any) -> dict[str, Any]:
    return {
        "type": "register_person",
        "person_id": person_id,
        "name": name or f"学员{person_id[-5:]}",
        "date": on,
        "jurisdiction": "kunshan",
        "groups": ["enterprise_employee"],
        "insured_months": 24,
    } | extra


def klass(
    class_id: str,
    start: str,
    end: str,
    inst: str = TRAINER,
    scheme: str = "certificate_training",
    occupation: str = "电工",
) -> dict[str, Any]:
    return {
        "type": "open_class",
        "class_id": class_id,
        "fund_id": FUND,
        "institution_id": inst,
        "scheme": scheme,
        "occupation": occupation,
        "level": "junior",
        "start_date": start,
        "end_date": end,
        "class_hours": 40,
    }


def enroll(class_id: str, person_id: str, on: str) -> dict[str, Any]:
    return {"type": "enroll", "class_id": class_id, "person_id": person_id, "date": on}


def attend(
    class_id: str, person_id: str, on: str, start: str = "08:30", end: str = "17:30"
) -> dict[str, Any]:
    return {
        "type": "record_attendance",
        "class_id": class_id,
        "person_id": person_id,
        "date": on,
        "hours": 8,
        "start": start,
        "end": end,
    }


def complete(class_id: str, person_id: str, on: str, passed: bool = True) -> dict[str, Any]:
    return {
        "type": "complete_training",
        "class_id": class_id,
        "person_id": person_id,
        "date": on,
        "passed": passed,
    }


def certificate(no: str, person_id: str, issued: str, issuer: str = EVALUATOR) -> dict[str, Any]:
    return {
        "type": "issue_certificate",
        "certificate_no": no,
        "person_id": person_id,
        "kind": "skill_level",
        "occupation": "电工",
        "level": "junior",
        "issued_on": issued,
        "issuer_id": issuer,
        "issued_in": "kunshan",
    }


def claim(
    claim_id: str,
    person_id: str,
    class_id: str,
    filed: str,
    cert: str | None = None,
    beneficiary: str | None = None,
) -> dict[str, Any]:
    data = {
        "type": "file_claim",
        "claim_id": claim_id,
        "fund_id": FUND,
        "date": filed,
        "subsidy": "skill_upgrade",
        "beneficiary_id": beneficiary or person_id,
        "person_id": person_id,
        "class_id": class_id,
    }
    return data | ({"certificate_no": cert} if cert else {})


def world() -> list[dict[str, Any]]:
    """A fund, two training organisations, an evaluation body and an enterprise."""
    return [
        fund(),
        institution(TRAINER, account="6222000000000000001", address="昆山市玉山镇前进东路1号"),
        institution(OTHER_TRAINER, account="6222000000000000002", address="昆山市周市镇青阳路2号"),
        institution(EVALUATOR, "evaluation_org"),
        institution(
            ENTERPRISE, "enterprise", account="6222000000000000004", address="昆山市陆家镇萧林路4号"
        ),
    ]


def trained(class_id: str, person_id: str, start: int, end: int) -> list[dict[str, Any]]:
    """A person enrolled a week ahead, attending every weekday, passing on the last day."""
    days = [d for d in range(start, end + 1) if (DAY + timedelta(days=d)).weekday() < 5]
    return (
        [enroll(class_id, person_id, day(start - 7))]
        + [attend(class_id, person_id, day(d)) for d in days]
        + [complete(class_id, person_id, day(end))]
    )


# --- Reading the projection --------------------------------------------------------------


def flags_of(sf: Skillfund, rule_id: str | None = None) -> list[dict[str, Any]]:
    with sf.engine.connect() as connection:
        return open_flags(connection, rule_id=rule_id)


def all_flags(sf: Skillfund, rule_id: str) -> list[dict[str, Any]]:
    """Open and cleared flags of a rule."""
    with sf.engine.connect() as connection:
        query = sa.select(FLAGS).where(FLAGS.c.rule_id == rule_id).order_by(FLAGS.c.flag_id)
        return [flag_dict(row) for row in connection.execute(query)]


def holds(sf: Skillfund, claim_id: str) -> list[str]:
    with sf.engine.connect() as connection:
        return [f["flag_id"] for f in holds_for_claim(connection, claim_id)]


def events(sf: Skillfund) -> dict[int, str]:
    """Notification id -> topic of every stored event."""
    with sf.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, topic FROM skillfund_events"))
        return {r.id: r.topic.split(":")[1].replace(".", "") for r in rows}


def save(sf: Skillfund, *aggregates: Any) -> None:
    sf.ledger.save(*aggregates)
    sf.catch_up()


# --- ATT-01 ----------------------------------------------------------------------------

ANNA, BAO = resident(101), resident(103)


def two_classes() -> list[dict[str, Any]]:
    return [
        *world(),
        person(ANNA),
        klass("C-A", day(0), day(4)),
        klass("C-B", day(0), day(4), OTHER_TRAINER, occupation="焊工"),
        enroll("C-A", ANNA, day(-5)),
        enroll("C-B", ANNA, day(-5)),
    ]


def test_one_person_in_two_classes_at_overlapping_times_holds_her_claims(sf: Skillfund) -> None:
    submit(sf, *two_classes(), claim("CL-A", ANNA, "C-A", day(30)))

    submit(
        sf,
        attend("C-A", ANNA, day(1), "08:30", "12:00"),
        attend("C-B", ANNA, day(1), "11:00", "17:30"),
    )

    [flag] = flags_of(sf, "ATT-01")
    assert flag["flag_id"] == f"ATT-01:{ANNA}:C-A:C-B"
    assert (flag["kind"], flag["severity"]) == ("hold", SEVERITY["ATT-01"])
    assert flag["thresholds"] == {}
    assert flag["inputs"] == {"days": [day(1)], "days_count": 1}
    assert [e["event"] for e in flag["evidence"]] == ["EnrollmentAttendanceRecorded"] * 2
    assert all(events(sf)[e["notification_id"]] == e["event"] for e in flag["evidence"])
    assert holds(sf, "CL-A") == [flag["flag_id"]]


def test_sessions_that_only_touch_are_no_overlap(sf: Skillfund) -> None:
    submit(sf, *two_classes())

    submit(
        sf,
        attend("C-A", ANNA, day(1), "08:30", "12:00"),
        attend("C-B", ANNA, day(1), "12:00", "17:30"),
    )

    assert flags_of(sf, "ATT-01") == []


def test_a_claim_filed_after_the_overlap_joins_its_hold(sf: Skillfund) -> None:
    submit(sf, *two_classes(), attend("C-A", ANNA, day(1)), attend("C-B", ANNA, day(1)))

    submit(sf, claim("CL-B", ANNA, "C-B", day(30)))

    assert holds(sf, "CL-B") == [f"ATT-01:{ANNA}:C-A:C-B"]
    assert flags_of(sf, "ATT-01")[0]["subjects"]["claim_ids"] == ["CL-B"]


# --- CERT-03 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued", "held"),
    [(-8, True), (-3, True), (0, False)],
    ids=["before-enrolment", "after-enrolment-before-start", "on-the-first-day"],
)
def test_a_certificate_older_than_the_training_holds_the_claim(
    sf: Skillfund, issued: int, held: bool
) -> None:
    submit(sf, *world(), person(ANNA), klass("C-A", day(0), day(4)), *trained("C-A", ANNA, 0, 4))
    # Enrolled on day(-7); the class starts on day(0).

    submit(sf, certificate("Z-1", ANNA, day(issued)), claim("CL-A", ANNA, "C-A", day(40), "Z-1"))

    assert holds(sf, "CL-A") == (["CERT-03:CL-A"] if held else [])
    if held:
        [flag] = flags_of(sf, "CERT-03")
        assert [e["event"] for e in flag["evidence"]] == [
            "TrainingClassOpened",
            "EnrollmentEnrolled",
            "CertificateIssued",
            "ClaimFiled",
        ]
        assert flag["subjects"]["certificate_nos"] == ["Z-1"]


# --- PAY-01 ----------------------------------------------------------------------------

SHARED = "6228000000000000001"


@pytest.mark.parametrize(("people", "held"), [(3, False), (4, True)])
def test_one_account_paid_personal_subsidies_of_more_than_three_people_is_held(
    sf: Skillfund, people: int, held: bool
) -> None:
    trainees = [resident(201 + 2 * n) for n in range(people)]
    submit(
        sf, *world(), klass("C-A", day(0), day(4)), *[person(p, account=SHARED) for p in trainees]
    )

    submit(
        sf,
        *[enroll("C-A", p, day(-3)) for p in trainees],
        *[claim(f"CL-{n}", p, "C-A", day(30)) for n, p in enumerate(trainees)],
    )

    found = flags_of(sf, "PAY-01")
    assert len(found) == held
    if held:
        assert found[0]["flag_id"] == f"PAY-01:{SHARED}"
        assert found[0]["thresholds"] == {"pay01_people_max": 3}
        assert found[0]["inputs"] == {"claims": 4, "people": 4}
        assert all(holds(sf, f"CL-{n}") == [f"PAY-01:{SHARED}"] for n in range(people))


def test_an_enterprise_paid_claim_is_not_a_personal_subsidy(sf: Skillfund) -> None:
    trainees = [resident(201 + 2 * n) for n in range(4)]
    submit(
        sf, *world(), klass("C-A", day(0), day(4)), *[person(p, account=SHARED) for p in trainees]
    )

    submit(
        sf,
        *[enroll("C-A", p, day(-3)) for p in trainees],
        *[
            claim(f"CL-{n}", p, "C-A", day(30), beneficiary=ENTERPRISE)
            for n, p in enumerate(trainees)
        ],
    )

    assert flags_of(sf, "PAY-01") == []


# --- PUB-01 ----------------------------------------------------------------------------


# Paying demo.SUN's claim after a second class overlapping hers (ATT-01, a hold).
PAY_THE_OVERLAPPING_CLAIM = {
    "type": "pay_claim",
    "payment_id": "ZF-X",
    "claim_id": "KS-C-2020-0009",
    "date": "2020-11-02",
    "reference": "ICBC-X",
}
# An inspector's review that clears that hold.
CLEAR_THE_OVERLAP = {
    "type": "clear_flag",
    "flag_id": f"ATT-01:{demo.SUN}:KS-2020-GQ-03:KS-X",
    "date": "2020-11-03",
    "cleared_by": "稽核员 王五",
    "reason": "另一班为夜校",
}


def demo_until(command_type: str) -> list[dict[str, Any]]:
    """The demo year's commands up to (without) the first of a type."""
    commands = demo.demo_commands()
    return commands[: next(i for i, c in enumerate(commands) if c["type"] == command_type)]


def the_overlap() -> list[dict[str, Any]]:
    """The demo year until its first payment, then demo.SUN in a second class at her
    class's hours (ATT-01 holds her claim)."""
    second = klass("KS-X", "2020-08-03", "2020-08-07", demo.SCHOOL) | {"fund_id": demo.FUND}
    return [
        *demo_until("pay_claim"),
        second,
        enroll("KS-X", demo.SUN, "2020-08-01"),
        attend("KS-X", demo.SUN, "2020-08-03", "09:00", "12:00"),
    ]


def test_an_objection_in_publicity_holds_the_claim_until_resolved(sf: Skillfund) -> None:
    submit(sf, *demo_until("resolve_objection"))

    assert holds(sf, "KS-C-2020-0010") == ["PUB-01:KS-C-2020-0010:KS-YY-2020-01"]
    assert flags_of(sf, "PUB-01")[0]["evidence"][0]["event"] == "ClaimObjectionRaised"


def test_a_resolved_objection_releases_its_hold(sf: Skillfund) -> None:
    submit(sf, *demo_until("pay_claim"))

    assert holds(sf, "KS-C-2020-0010") == []
    [flag] = all_flags(sf, "PUB-01")
    assert (flag["status"], flag["cleared_reason"]) == ("cleared", "objection dismissed")


def test_the_demo_year_raises_no_other_flag(sf: Skillfund) -> None:
    submit(sf, *demo.demo_commands())

    assert flags_of(sf) == []


# --- ATT-08 ----------------------------------------------------------------------------


@pytest.mark.parametrize(("lag", "flagged"), [(14, False), (15, True)])
def test_attendance_written_after_a_class_that_began_more_than_14_days_later_is_flagged(
    sf: Skillfund, lag: int, flagged: bool
) -> None:
    # C-OLD's last session is day(4); C-NEW begins `lag` days later and is attended first.
    submit(
        sf,
        *world(),
        person(ANNA),
        person(BAO),
        klass("C-OLD", day(0), day(4)),
        klass("C-NEW", day(4 + lag), day(4 + lag)),
        enroll("C-OLD", ANNA, day(-3)),
        enroll("C-NEW", BAO, day(0)),
        attend("C-NEW", BAO, day(4 + lag)),
    )

    submit(sf, attend("C-OLD", ANNA, day(4)))

    found = flags_of(sf, "ATT-08")
    assert len(found) == flagged
    if flagged:
        assert found[0]["flag_id"] == "ATT-08:C-OLD"
        assert found[0]["inputs"]["lag_days_max"] == 15
        assert found[0]["thresholds"] == {"att08_lag_days": 14}
        assert [e["event"] for e in found[0]["evidence"]] == ["EnrollmentAttendanceRecorded"] * 2


def test_a_class_filed_ahead_of_its_start_does_not_move_the_business_clock(sf: Skillfund) -> None:
    submit(
        sf,
        *world(),
        person(ANNA),
        klass("C-OLD", day(0), day(4)),
        klass("C-LATER", day(60), day(64)),
        enroll("C-OLD", ANNA, day(-3)),
    )

    submit(sf, attend("C-OLD", ANNA, day(4)))

    assert flags_of(sf, "ATT-08") == []


def test_a_late_enrolment_is_flagged_and_the_class_claims_follow(sf: Skillfund) -> None:
    submit(
        sf,
        *world(),
        person(ANNA),
        person(BAO),
        klass("C-OLD", day(0), day(40)),
        klass("C-NEW", day(30), day(34)),
        enroll("C-NEW", BAO, day(28)),
        attend("C-NEW", BAO, day(30)),
    )

    submit(sf, enroll("C-OLD", ANNA, day(10)), claim("CL-A", ANNA, "C-OLD", day(50)))

    [flag] = flags_of(sf, "ATT-08")
    assert flag["evidence"][-1]["event"] == "EnrollmentEnrolled"
    assert flag["subjects"]["claim_ids"] == ["CL-A"]
    assert holds(sf, "CL-A") == []  # A flag holds nothing.


# --- INST-02 ---------------------------------------------------------------------------

NEWCOMER = org(9)


def burst(count: int, registered: str) -> list[dict[str, Any]]:
    """An established trainer with 2 claims a month, and a newcomer with `count`."""
    people = [resident(301 + 2 * n) for n in range(count + 4)]
    commands = [*world(), institution(NEWCOMER, on=registered), *[person(p) for p in people]]
    for month, start in enumerate((0, 31)):
        commands += [klass(f"C-E{month}", day(start), day(start + 4))]
        for n, p in enumerate(people[2 * month : 2 * month + 2]):
            commands += [
                enroll(f"C-E{month}", p, day(start - 1)),
                claim(f"CL-E{month}{n}", p, f"C-E{month}", day(start + 30)),
            ]
    commands += [klass("C-N", day(62), day(66), NEWCOMER)]
    for n, p in enumerate(people[4:]):
        commands += [enroll("C-N", p, day(61)), claim(f"CL-N{n}", p, "C-N", day(90))]
    return commands


@pytest.mark.parametrize(("count", "flagged"), [(2, False), (3, True)])
def test_a_new_institution_bursting_above_its_peers_is_flagged(
    open_sf: Open, count: int, flagged: bool
) -> None:
    sf = open_sf(FraudThresholds(inst02_claims_min=2))

    submit(sf, *burst(count, registered=day(30)))

    found = flags_of(sf, "INST-02")
    assert [f["flag_id"] for f in found] == ([f"INST-02:{NEWCOMER}:2020-05"] if flagged else [])
    if flagged:
        assert found[0]["inputs"]["peer_percentile_claims"] == 2
        assert found[0]["thresholds"]["inst02_claims_min"] == 2
        assert len(found[0]["subjects"]["claim_ids"]) == 3


def test_an_institution_of_the_founding_population_is_no_newcomer(open_sf: Open) -> None:
    sf = open_sf(FraudThresholds(inst02_claims_min=2))

    submit(sf, *burst(3, registered="2020-01-02"))

    assert flags_of(sf, "INST-02") == []


# --- INST-03 ---------------------------------------------------------------------------


def test_a_trainer_and_an_enterprise_sharing_an_account_are_flagged(sf: Skillfund) -> None:
    submit(sf, *world())

    submit(sf, institution(org(5), "enterprise", account="6222000000000000001"))

    [flag] = flags_of(sf, "INST-03")
    assert flag["flag_id"] == f"INST-03:{TRAINER}:{org(5)}"
    assert flag["inputs"]["shared"] == {"account": "6222000000000000001"}
    assert flag["subjects"]["accounts"] == ["6222000000000000001"]


def test_two_enterprises_that_train_nobody_may_share_an_address(sf: Skillfund) -> None:
    submit(sf, *world())

    submit(sf, institution(org(5), "enterprise", address="昆山市陆家镇萧林路4号"))

    assert flags_of(sf, "INST-03") == []


# --- CERT-05 ---------------------------------------------------------------------------

MILL = org(8)


def certificates_by(issuer: str, count: int, month: int, first: int) -> list[dict[str, Any]]:
    people = [resident(first + 2 * n) for n in range(count)]
    issued = date(2020, month, 10).isoformat()
    return [person(p) for p in people] + [
        certificate(f"Z-{issuer[-5:]}-{month}-{n}", p, issued, issuer) for n, p in enumerate(people)
    ]


@pytest.mark.parametrize(("count", "flagged"), [(4, False), (5, True)])
def test_a_new_evaluation_body_issuing_in_bulk_is_flagged(
    sf: Skillfund, count: int, flagged: bool
) -> None:
    submit(
        sf,
        *world(),
        institution(MILL, "evaluation_org", on="2020-05-20"),
        *[c for m in (3, 4, 5) for c in certificates_by(EVALUATOR, 2, m, 401 + 10 * m)],
    )

    submit(sf, *certificates_by(MILL, count, 6, 501))

    found = flags_of(sf, "CERT-05")
    assert [f["flag_id"] for f in found] == ([f"CERT-05:{MILL}:2020-06"] if flagged else [])
    if flagged:
        assert found[0]["inputs"]["newcomer"] is True
        assert found[0]["inputs"]["peer_bar"] == 2
        assert len(found[0]["evidence"]) == 1 + count


# --- CERT-06 ---------------------------------------------------------------------------


def perfect_class(size: int) -> list[dict[str, Any]]:
    """A class of `size` all passing on one day, and a peer class where one fails."""
    people = [resident(601 + 2 * n) for n in range(size + 3)]
    commands = [
        *world(),
        *[person(p) for p in people],
        klass("C-P", day(0), day(4)),
        klass("C-Q", day(0), day(4), OTHER_TRAINER),
    ]
    for p in people[:size]:
        commands += [enroll("C-P", p, day(-2)), complete("C-P", p, day(4))]
    for n, p in enumerate(people[size:]):
        commands += [enroll("C-Q", p, day(-2)), complete("C-Q", p, day(4), passed=n > 0)]
    return commands


@pytest.mark.parametrize(("size", "flagged"), [(19, False), (20, True)])
def test_a_class_of_twenty_all_passing_on_one_day_is_flagged(
    sf: Skillfund, size: int, flagged: bool
) -> None:
    submit(sf, *perfect_class(size))

    found = flags_of(sf, "CERT-06")
    assert [f["flag_id"] for f in found] == (["CERT-06:C-P"] if flagged else [])
    if flagged:
        assert found[0]["inputs"] == {
            "completed_on": day(4),
            "peer_pass_percent": 66.7,
            "trainees": 20,
        }
        assert found[0]["evidence"][0]["event"] == "TrainingClassOpened"


# --- ID-09 -----------------------------------------------------------------------------


def distant_class(size: int, distant: int) -> list[dict[str, Any]]:
    locals_ = [resident(701 + 2 * n) for n in range(30)]
    trainees = [resident(801 + 2 * n, FAR if n < distant else KUNSHAN) for n in range(size)]
    return [
        *world(),
        *[person(p) for p in locals_ + trainees],
        klass("C-L", day(0), day(4)),
        klass("C-F", day(0), day(4), OTHER_TRAINER),
        *[enroll("C-L", p, day(-2)) for p in locals_],
        *[enroll("C-F", p, day(-2)) for p in trainees],
    ]


@pytest.mark.parametrize(
    ("size", "distant", "flagged"), [(7, 7, False), (8, 8, True), (8, 4, True), (8, 3, False)]
)
def test_a_class_mostly_from_distant_provinces_is_flagged(
    sf: Skillfund, size: int, distant: int, flagged: bool
) -> None:
    submit(sf, *distant_class(size, distant))

    found = flags_of(sf, "ID-09")
    assert [f["flag_id"] for f in found] == (["ID-09:C-F"] if flagged else [])
    if flagged:
        assert found[0]["inputs"]["home_province"] == "32"
        assert found[0]["inputs"]["provinces"] == {"23": distant}
        assert found[0]["inputs"]["peer_share"] == 0.0
        assert found[0]["thresholds"]["id09_class_size_min"] == 8


# --- DUP-03 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("second", "flagged"),
    [
        (person(resident(901, "341221", date(1980, 5, 6)), "李明"), True),
        (person(resident(901, "341221", date(1980, 5, 7)), "李明"), False),
        (person(resident(901, "341221", date(1985, 1, 1)), "王芳", phone="13900000000"), True),
    ],
    ids=["same-name-and-birth", "same-name-other-birth", "same-phone"],
)
def test_one_person_under_two_ids_is_flagged(
    sf: Skillfund, second: dict[str, Any], flagged: bool
) -> None:
    first = resident(903, KUNSHAN, date(1980, 5, 6))
    submit(sf, *world(), person(first, "李明", phone="13900000000"))

    submit(sf, second)

    found = flags_of(sf, "DUP-03")
    assert len(found) == flagged
    if flagged:
        pair = sorted([first, second["person_id"]])
        assert found[0]["flag_id"] == f"DUP-03:{pair[0]}:{pair[1]}"
        assert {e["event"] for e in found[0]["evidence"]} == {"PersonRegistered"}


def test_a_hold_query_defers_the_whole_store_checks_to_the_next_full_catch_up(
    sf: Skillfund,
) -> None:
    first = resident(903, KUNSHAN, date(1980, 5, 6))
    submit(sf, *world(), person(first, "李明"))
    second = person(resident(901, "341221", date(1980, 5, 6)), "李明")
    submit_lines(sf, [json.dumps(second, ensure_ascii=False)], lambda _: None)

    sf.catch_up(finish=False)  # What a payment's hold query does.
    deferred = flags_of(sf, "DUP-03")
    sf.catch_up()  # Nothing new to apply: the whole-store checks still run.

    assert deferred == []
    assert len(flags_of(sf, "DUP-03")) == 1


# --- Clearing ----------------------------------------------------------------------------


def review(flag_id: str, on: date = date(2020, 6, 1)) -> FlagReview:
    return FlagReview(
        flag_id=flag_id,
        cleared_by="稽核员 王五",
        reason="同一人不同时段，已核实",
        on=on,
        digest=f"review:{flag_id}",
    )


def test_an_inspectors_review_clears_a_hold_and_releases_its_claims(sf: Skillfund) -> None:
    submit(
        sf,
        *two_classes(),
        claim("CL-A", ANNA, "C-A", day(30)),
        attend("C-A", ANNA, day(1)),
        attend("C-B", ANNA, day(1)),
    )

    save(sf, review(f"ATT-01:{ANNA}:C-A:C-B"))

    assert holds(sf, "CL-A") == []
    [flag] = all_flags(sf, "ATT-01")
    assert (flag["status"], flag["cleared_by"], flag["cleared_reason"]) == (
        "cleared",
        "稽核员 王五",
        "同一人不同时段，已核实",
    )


def test_a_reviewed_whole_store_flag_stays_cleared_when_recomputed(sf: Skillfund) -> None:
    first, second = (
        resident(903, KUNSHAN, date(1980, 5, 6)),
        resident(901, "341221", date(1980, 5, 6)),
    )
    submit(sf, *world(), person(first, "李明"), person(second, "李明"))
    save(sf, review(f"DUP-03:{min(first, second)}:{max(first, second)}"))

    submit(sf, person(resident(905), "张三"))  # Any new event recomputes DUP-03.

    assert flags_of(sf, "DUP-03") == []
    assert all_flags(sf, "DUP-03")[0]["status"] == "cleared"


def test_a_cleared_case_clears_every_open_flag_about_its_subjects(sf: Skillfund) -> None:
    submit(
        sf,
        *two_classes(),
        claim("CL-A", ANNA, "C-A", day(30)),
        attend("C-A", ANNA, day(1)),
        attend("C-B", ANNA, day(1)),
        person(resident(901, "341221", date(1990, 1, 1)), f"学员{ANNA[-5:]}"),
    )
    assert {f["rule_id"] for f in flags_of(sf)} == {"ATT-01", "DUP-03"}
    case = Case(
        case_id="CASE-1", subject_ids=[ANNA], reason="ATT-01", on=date(2020, 6, 1), digest="c1"
    )
    save(sf, case)

    case.conclude("cleared", [], [], [], [], date(2020, 7, 1), "c2")
    save(sf, case)

    assert flags_of(sf) == []
    assert {
        (f["cleared_by"], f["cleared_reason"])
        for f in all_flags(sf, "ATT-01") + all_flags(sf, "DUP-03")
    } == {("CASE-1", "case cleared")}
    assert holds(sf, "CL-A") == []


def test_a_case_finding_fraud_leaves_the_flags_open(sf: Skillfund) -> None:
    submit(sf, *two_classes(), attend("C-A", ANNA, day(1)), attend("C-B", ANNA, day(1)))
    case = Case(
        case_id="CASE-2", subject_ids=[ANNA], reason="ATT-01", on=date(2020, 6, 1), digest="c1"
    )

    case.conclude("fraud", [], [], [], [], date(2020, 7, 1), "c2")
    save(sf, case)

    assert [f["rule_id"] for f in flags_of(sf)] == ["ATT-01"]


def test_a_held_claim_is_refused_payment_until_an_inspector_clears_it(sf: Skillfund) -> None:
    sf.ledger.read_model = FlagsReadModel(sf.engine, sf.catch_up)
    submit(sf, *the_overlap())
    pay = PAY_THE_OVERLAPPING_CLAIM
    refused = submit(sf, pay)[0]

    cleared = submit(sf, CLEAR_THE_OVERLAP)[0]
    paid = submit(sf, pay | {"date": "2020-11-04"})[0]

    assert (refused.status, refused.error["code"] if refused.error else "") == (
        "refused",
        "claim_held",
    )
    assert (cleared.status, paid.status) == ("accepted", "accepted")


def test_a_hold_fired_earlier_in_the_same_batch_refuses_the_payment(sf: Skillfund) -> None:
    """The overlap and the payment in one submit (one batch): the batch is recorded and the
    flags caught up before the payment's handler asks for holds."""
    results = submit(sf, *the_overlap(), PAY_THE_OVERLAPPING_CLAIM)

    assert results[-1].error is not None and results[-1].error["code"] == "claim_held"


def test_a_flag_cleared_in_the_batch_of_two_payments_refuses_the_first_only(
    sf: Skillfund,
) -> None:
    """The holds a batch read for its first payment are not reused once the batch records
    an event the flags read (the clearance): the second payment asks again."""
    submit(sf, *the_overlap())
    pay = PAY_THE_OVERLAPPING_CLAIM

    results = submit(sf, pay, CLEAR_THE_OVERLAP, pay | {"date": "2020-11-04"})  # One batch.

    assert [(r.status, r.error["code"] if r.error else "") for r in results] == [
        ("refused", "claim_held"),
        ("accepted", ""),
        ("accepted", ""),
    ]


def test_the_holds_of_many_claims_read_at_once_equal_each_read_alone(sf: Skillfund) -> None:
    """`holds_for_claims` (a batch's payments) against the one-claim query it replaced."""
    lines = [json.dumps(c, ensure_ascii=False) for c in generate("small", 1)]
    submit(sf, *lines)
    with sf.engine.connect() as connection:
        claim_ids = [c for (c,) in connection.execute(sa.select(CLAIMS.c.claim_id))]
        together = holds_for_claims(connection, [*claim_ids, "no-such-claim"])
        alone = {}
        for claim_id in [*claim_ids, "no-such-claim"]:
            held = sa.select(FLAG_CLAIMS.c.flag_id).where(FLAG_CLAIMS.c.claim_id == claim_id)
            query = sa.select(FLAGS).where(
                FLAGS.c.flag_id.in_(held), FLAGS.c.status == "open", FLAGS.c.kind == HOLD
            )
            alone[claim_id] = [flag_dict(r) for r in connection.execute(ordered(query))]

    assert together == alone
    assert sum(1 for holds in alone.values() if holds) >= 3  # The planted fraud holds some.


# --- Queries, rebuild and the verb --------------------------------------------------------


def many_flags() -> list[dict[str, Any]]:
    first, second = (
        resident(903, KUNSHAN, date(1980, 5, 6)),
        resident(901, "341221", date(1980, 5, 6)),
    )
    return [
        *two_classes(),
        claim("CL-A", ANNA, "C-A", day(30)),
        attend("C-A", ANNA, day(1)),
        attend("C-B", ANNA, day(1)),
        person(first, "李明"),
        person(second, "李明"),
        institution(org(5), "enterprise", account="6222000000000000001"),
    ]


def test_open_flags_list_the_most_serious_first_and_filter_by_rule(sf: Skillfund) -> None:
    submit(sf, *many_flags())

    assert [f["rule_id"] for f in flags_of(sf)] == ["ATT-01", "INST-03", "DUP-03"]
    assert [f["rule_id"] for f in flags_of(sf, "DUP-03")] == ["DUP-03"]
    with sf.engine.connect() as connection:
        assert [f["rule_id"] for f in open_flags(connection, fund_id=FUND)] == ["ATT-01"]
        assert [f["rule_id"] for f in flags_about(connection, "CL-A")] == ["ATT-01"]
        assert [f["rule_id"] for f in flags_about(connection, TRAINER)] == ["ATT-01", "INST-03"]


def test_a_rebuild_writes_the_same_rows_as_the_increments(sf: Skillfund) -> None:
    commands = many_flags()
    submit(sf, *commands[:12])
    submit(sf, *commands[12:])
    save(sf, review(f"ATT-01:{ANNA}:C-A:C-B"))
    submit(sf, *perfect_class(20)[len(world()) :])
    incremental, counts = sf.runner.digest()

    sf.runner.rebuild()

    assert sf.runner.digest() == (incremental, counts)
    assert counts["pj_flags"] == 4


def test_the_flags_verb_prints_a_table_or_json(
    sf: Skillfund, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    submit(sf, *many_flags())
    args = type("Args", (), {"fund": None, "rule": None, "json": False})()

    assert flags_verb(args, db_url) == 0
    text = capsys.readouterr().out
    args.json, args.rule = True, "DUP-03"
    flags_verb(args, db_url)
    data = json.loads(capsys.readouterr().out)

    assert "rule 规则" in text and "3 open flags 待查 (1 holds 暂停支付)" in text
    assert [(d["rule_id"], d["evidence_count"]) for d in data] == [("DUP-03", 2)]
