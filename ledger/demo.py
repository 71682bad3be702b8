"""A small, realistic Kunshan year as command lines: `skillfund demo` plays it.

The fund opens with the 248,000,000 yuan of 昆政办发〔2020〕67号 十五.1; enterprises,
a training school and an evaluation body register; workers train, attend, pass and
are certified; claims are filed, and the rules approve most and reject some (a
pensioner, a second claim for the same occupation and level, a certificate of someone
else, too little attendance, 以工代训 beside pre-job training).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from domain.identity import make_credit_code, make_resident_id

FUND = "KS-ZXZ-2020"
KUNSHAN_REGION = "320583"


def org(n: int) -> str:
    return make_credit_code(f"91{KUNSHAN_REGION}MA{n:07d}")


def person(n: int, born: date) -> str:
    return make_resident_id(KUNSHAN_REGION, born, 100 + n)


ELECTRIC = org(1)  # An insured manufacturing enterprise.
PRECISION = org(2)  # An insured enterprise that pays for its staff's training.
SCHOOL = org(3)  # A technician school.
EVALUATOR = org(4)  # A skill-level evaluation organisation.
DEPARTMENT = org(5)  # The human resources and social security bureau.

WANG = person(1, date(1990, 3, 14))
LI = person(2, date(1985, 7, 2))
ZHANG = person(3, date(1958, 1, 20))  # Draws a monthly pension.
CHEN = person(4, date(1996, 11, 30))
ZHAO = person(5, date(1993, 5, 5))
SUN = person(6, date(1999, 9, 9))
ZHOU = person(7, date(1988, 12, 1))


def reference_data() -> list[dict[str, Any]]:
    return [
        {
            "type": "open_fund",
            "fund_id": FUND,
            "jurisdiction": "kunshan",
            "name": "昆山市职业技能提升行动专账",
            "date": "2020-06-01",
        },
        {
            "type": "deposit",
            "deposit_id": "KS-DEP-0001",
            "fund_id": FUND,
            "amount": "248000000",
            "channel": "unemployment_insurance_surplus",
            "date": "2020-06-05",
            "reference": "昆财社〔2020〕21号",
        },
        {
            "type": "deposit",
            "deposit_id": "KS-DEP-0002",
            "fund_id": FUND,
            "amount": "5000000.00",
            "channel": "employment_subsidy",
            "date": "2020-07-01",
            "reference": "就业补助资金 2020-07",
        },
        {
            "type": "publish_catalog",
            "catalog_id": "KS-JQ-2020",
            "jurisdiction": "kunshan",
            "kind": "shortage_occupations",
            "effective_from": "2020-01-01",
            "entries": [
                {"occupation": "电工"},
                {"occupation": "数控车工"},
                {"occupation": "工业机器人系统运维员"},
            ],
        },
        {
            "type": "register_institution",
            "institution_id": ELECTRIC,
            "name": "昆山华东电气有限公司",
            "kind": "enterprise",
            "jurisdiction": "kunshan",
            "date": "2020-06-01",
            "insured": True,
            "account": "6222020000000000001",
            "address": "昆山开发区前进东路1号",
        },
        {
            "type": "register_institution",
            "institution_id": PRECISION,
            "name": "昆山精密机械有限公司",
            "kind": "enterprise",
            "jurisdiction": "kunshan",
            "date": "2020-06-01",
            "insured": True,
            "account": "6222020000000000002",
        },
        {
            "type": "register_institution",
            "institution_id": SCHOOL,
            "name": "昆山高级技工学校",
            "kind": "school",
            "jurisdiction": "kunshan",
            "date": "2020-06-01",
            "account": "6222020000000000003",
        },
        {
            "type": "register_institution",
            "institution_id": EVALUATOR,
            "name": "昆山市职业技能等级认定中心",
            "kind": "evaluation_org",
            "jurisdiction": "kunshan",
            "date": "2020-06-01",
        },
        {
            "type": "register_institution",
            "institution_id": DEPARTMENT,
            "name": "昆山市人力资源和社会保障局",
            "kind": "department",
            "jurisdiction": "kunshan",
            "date": "2020-06-01",
        },
        {
            "type": "register_person",
            "person_id": WANG,
            "name": "王建国",
            "date": "2020-06-01",
            "jurisdiction": "kunshan",
            "groups": ["enterprise_employee"],
            "insured_months": 60,
            "employer_id": ELECTRIC,
            "account": "6217000000000000101",
        },
        {
            "type": "register_person",
            "person_id": LI,
            "name": "李秀英",
            "date": "2020-06-01",
            "jurisdiction": "kunshan",
            "groups": ["enterprise_employee"],
            "insured_months": 96,
            "employer_id": PRECISION,
            "account": "6217000000000000102",
        },
        {
            "type": "register_person",
            "person_id": ZHANG,
            "name": "张德明",
            "date": "2020-06-01",
            "jurisdiction": "kunshan",
            "groups": ["enterprise_employee"],
            "insured_months": 300,
            "pensioner": True,
            "employer_id": ELECTRIC,
        },
        {
            "type": "register_person",
            "person_id": CHEN,
            "name": "陈晓燕",
            "date": "2020-06-01",
            "jurisdiction": "kunshan",
            "groups": ["hardship", "unemployed"],
            "insured_months": 0,
        },
        {
            "type": "register_person",
            "person_id": ZHAO,
            "name": "赵磊",
            "date": "2020-06-01",
            "jurisdiction": "kunshan",
            "groups": ["enterprise_employee", "rural_migrant"],
            "insured_months": 14,
            "employer_id": ELECTRIC,
        },
        {
            "type": "register_person",
            "person_id": SUN,
            "name": "孙丽",
            "date": "2020-06-01",
            "jurisdiction": "kunshan",
            "groups": ["school_leaver"],
            "insured_months": 0,
        },
        {
            "type": "register_person",
            "person_id": ZHOU,
            "name": "周强",
            "date": "2020-06-01",
            "jurisdiction": "kunshan",
            "groups": ["enterprise_employee"],
            "insured_months": 120,
            "employer_id": PRECISION,
        },
        {
            "type": "update_person",
            "person_id": CHEN,
            "date": "2020-08-01",
            "employer_id": ELECTRIC,
            "groups": ["hardship"],
            "insured_months": 1,
        },
    ]


def sessions(
    class_id: str, person_id: str, first: date, count: int, hours: int
) -> list[dict[str, Any]]:
    """Daily sessions 08:30 onwards, skipping weekends."""
    lines: list[dict[str, Any]] = []
    day = first
    while len(lines) < count:
        if day.weekday() < 5:
            end = f"{8 + hours}:30" if 8 + hours >= 10 else f"0{8 + hours}:30"
            lines.append(
                {
                    "type": "record_attendance",
                    "class_id": class_id,
                    "person_id": person_id,
                    "date": day.isoformat(),
                    "hours": hours,
                    "start": "08:30",
                    "end": end,
                }
            )
        day += timedelta(days=1)
    return lines


def klass(
    class_id: str,
    institution: str,
    scheme: str,
    occupation: str,
    level: str | None,
    start: str,
    end: str,
    hours: int,
) -> dict[str, Any]:
    data = {
        "type": "open_class",
        "class_id": class_id,
        "fund_id": FUND,
        "institution_id": institution,
        "scheme": scheme,
        "occupation": occupation,
        "start_date": start,
        "end_date": end,
        "class_hours": hours,
        "venue": "昆山市公共实训基地",
    }
    return data | ({"level": level} if level else {})


def train(
    class_id: str,
    person_id: str,
    enrolled: str,
    first: date,
    days: int,
    hours: int,
    finished: str,
    passed: bool = True,
) -> list[dict[str, Any]]:
    return [
        {"type": "enroll", "class_id": class_id, "person_id": person_id, "date": enrolled},
        *sessions(class_id, person_id, first, days, hours),
        {
            "type": "complete_training",
            "class_id": class_id,
            "person_id": person_id,
            "date": finished,
            "passed": passed,
        },
    ]


def certificate(
    no: str, person_id: str, kind: str, occupation: str, level: str | None, issued: str
) -> dict[str, Any]:
    data = {
        "type": "issue_certificate",
        "certificate_no": no,
        "person_id": person_id,
        "kind": kind,
        "occupation": occupation,
        "issued_on": issued,
        "issuer_id": EVALUATOR,
        "issued_in": "kunshan",
    }
    return data | ({"level": level} if level else {})


def training() -> list[dict[str, Any]]:
    lines = [
        klass(
            "KS-2020-DG-01",
            SCHOOL,
            "certificate_training",
            "电工",
            "senior",
            "2020-07-06",
            "2020-07-31",
            80,
        ),
        klass(
            "KS-2020-GJ-02",
            PRECISION,
            "certificate_training",
            "钳工",
            "intermediate",
            "2020-07-06",
            "2020-07-24",
            60,
        ),
        klass(
            "KS-2020-GQ-03",
            ELECTRIC,
            "pre_job",
            "电子设备装接工",
            None,
            "2020-08-03",
            "2020-08-07",
            40,
        ),
        klass(
            "KS-2020-YX-04",
            SCHOOL,
            "technician_research",
            "数控车工",
            "technician",
            "2020-09-01",
            "2020-09-30",
            120,
        ),
    ]
    lines += train("KS-2020-DG-01", WANG, "2020-07-01", date(2020, 7, 6), 10, 8, "2020-07-31")
    lines += train("KS-2020-DG-01", ZHANG, "2020-07-01", date(2020, 7, 6), 10, 8, "2020-07-31")
    lines += train(
        "KS-2020-DG-01", ZHAO, "2020-07-01", date(2020, 7, 6), 6, 8, "2020-07-31"
    )  # 48 of 80 hours.
    lines += train("KS-2020-GJ-02", LI, "2020-07-01", date(2020, 7, 6), 10, 6, "2020-07-24")
    lines += train("KS-2020-GQ-03", CHEN, "2020-08-01", date(2020, 8, 3), 5, 8, "2020-08-07")
    lines += train("KS-2020-GQ-03", SUN, "2020-08-01", date(2020, 8, 3), 5, 8, "2020-08-07")
    lines += train("KS-2020-YX-04", ZHOU, "2020-08-25", date(2020, 9, 1), 15, 8, "2020-09-30")
    lines += [
        certificate("KS-ZS-2020-000101", WANG, "skill_level", "电工", "senior", "2020-08-20"),
        certificate("KS-ZS-2020-000102", ZHANG, "skill_level", "电工", "senior", "2020-08-20"),
        certificate("KS-ZS-2020-000103", LI, "skill_level", "钳工", "intermediate", "2020-08-10"),
        certificate(
            "KS-ZS-2020-000104", WANG, "vocational_qualification", "电工", "senior", "2020-10-15"
        ),
        certificate(
            "KS-TZ-2020-000105", ZHAO, "special_operation", "低压电工作业", None, "2020-09-12"
        ),
        certificate(
            "KS-ZS-2020-000106", ZHOU, "skill_level", "数控车工", "technician", "2020-10-20"
        ),
    ]
    return lines


def claim(
    claim_id: str, subsidy: str, beneficiary: str, person_id: str, filed: str, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "file_claim",
        "claim_id": claim_id,
        "fund_id": FUND,
        "date": filed,
        "subsidy": subsidy,
        "beneficiary_id": beneficiary,
        "person_id": person_id,
        **extra,
    }


def claims() -> list[dict[str, Any]]:
    return [
        # Approved: senior electrician, a shortage occupation: 2000 + 30% = 2600.
        claim(
            "KS-C-2020-0001",
            "skill_upgrade",
            WANG,
            WANG,
            "2020-08-25",
            class_id="KS-2020-DG-01",
            certificate_no="KS-ZS-2020-000101",
        ),
        # Rejected: a pensioner is outside the policy.
        claim(
            "KS-C-2020-0002",
            "skill_upgrade",
            ZHANG,
            ZHANG,
            "2020-08-25",
            class_id="KS-2020-DG-01",
            certificate_no="KS-ZS-2020-000102",
        ),
        # Approved to the enterprise that paid: the shortage rate of 中级, 1500 + 30% = 1950.
        claim(
            "KS-C-2020-0003",
            "skill_upgrade",
            PRECISION,
            LI,
            "2020-08-12",
            class_id="KS-2020-GJ-02",
            certificate_no="KS-ZS-2020-000103",
            enterprise_paid=True,
        ),
        # Rejected: the certificate already founded the enterprise's claim.
        claim(
            "KS-C-2020-0004",
            "skill_upgrade",
            LI,
            LI,
            "2020-08-14",
            class_id="KS-2020-GJ-02",
            certificate_no="KS-ZS-2020-000103",
        ),
        # Rejected: same occupation and level as claim 0001, on another certificate.
        claim(
            "KS-C-2020-0005",
            "skill_upgrade",
            WANG,
            WANG,
            "2020-10-20",
            certificate_no="KS-ZS-2020-000104",
        ),
        # Rejected: the certificate belongs to someone else.
        claim(
            "KS-C-2020-0006",
            "skill_upgrade",
            ZHAO,
            ZHAO,
            "2020-08-25",
            class_id="KS-2020-DG-01",
            certificate_no="KS-ZS-2020-000101",
        ),
        # Approved: 以工代训 for a person in hardship, 6 months at 500.
        claim("KS-C-2020-0007", "work_based", ELECTRIC, CHEN, "2020-09-01", months=6),
        # Rejected: pre-job training subsidy beside 以工代训 for the same person.
        claim("KS-C-2020-0008", "pre_job", ELECTRIC, CHEN, "2020-08-10", class_id="KS-2020-GQ-03"),
        # Approved: pre-job training, 300 to the enterprise.
        claim("KS-C-2020-0009", "pre_job", ELECTRIC, SUN, "2020-08-10", class_id="KS-2020-GQ-03"),
        # Approved: special operation certificate, actual cost 650 below the 800 cap.
        claim(
            "KS-C-2020-0010",
            "special_operation",
            ZHAO,
            ZHAO,
            "2020-09-20",
            certificate_no="KS-TZ-2020-000105",
            amount="650",
        ),
        # Approved: technician research (研修), 6000 to the school.
        claim(
            "KS-C-2020-0011",
            "technician_research",
            SCHOOL,
            ZHOU,
            "2020-10-25",
            class_id="KS-2020-YX-04",
            certificate_no="KS-ZS-2020-000106",
        ),
        # Rejected: attended 48 of 80 class hours.
        claim("KS-C-2020-0012", "pre_job", ELECTRIC, ZHAO, "2020-08-25", class_id="KS-2020-DG-01"),
    ]


DISTRICT = "KS-ZXZ-2020-KFQ"
PAID_CLAIMS = (
    "KS-C-2020-0001",
    "KS-C-2020-0003",
    "KS-C-2020-0007",
    "KS-C-2020-0009",
    "KS-C-2020-0010",
    "KS-C-2020-0011",
)


def money() -> list[dict[str, Any]]:
    """A district sub-account, an advance, the 公示 of the approved claims with one
    objection (dismissed), and the payments after the publicity period."""
    return [
        {
            "type": "open_fund",
            "fund_id": DISTRICT,
            "jurisdiction": "kunshan",
            "name": "昆山开发区职业技能提升行动子账户",
            "date": "2020-06-10",
            "parent_fund_id": FUND,
        },
        {
            "type": "allocate",
            "allocation_id": "KS-AL-2020-01",
            "from_fund_id": FUND,
            "to_fund_id": DISTRICT,
            "amount": "10000000",
            "date": "2020-06-15",
        },
        {
            "type": "pay_advance",
            "advance_id": "KS-ADV-2020-01",
            "fund_id": FUND,
            "institution_id": SCHOOL,
            "class_id": "KS-2020-YX-04",
            "amount": "3000",
            "date": "2020-09-02",
        },
        {
            "type": "start_publicity",
            "publicity_id": "KS-GS-2020-10",
            "fund_id": FUND,
            "claim_ids": list(PAID_CLAIMS),
            "start_date": "2020-10-26",
        },
        {
            "type": "record_objection",
            "objection_id": "KS-YY-2020-01",
            "publicity_id": "KS-GS-2020-10",
            "claim_id": "KS-C-2020-0010",
            "date": "2020-10-27",
            "summary": "来电反映：该学员是否在昆山参加特种作业培训",
        },
        {
            "type": "resolve_objection",
            "objection_id": "KS-YY-2020-01",
            "date": "2020-10-29",
            "upheld": False,
        },
        *[
            {
                "type": "pay_claim",
                "payment_id": f"KS-ZF-2020-{n:04d}",
                "claim_id": claim_id,
                "date": "2020-11-02",
                "reference": f"ICBC-KS-20201102-{n:04d}",
            }
            for n, claim_id in enumerate(PAID_CLAIMS, start=1)
        ],
    ]


def demo_commands() -> list[dict[str, Any]]:
    return reference_data() + training() + claims() + money()


def demo_lines() -> list[str]:
    return [json.dumps(c, ensure_ascii=False) for c in demo_commands()]
