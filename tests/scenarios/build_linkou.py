"""Linkou's year (林政办规〔2019〕4号): enterprise staff training by level with its own
shortage table, pre-job, safety and transfer training, 以工代训 over several claims, the
living allowance, free training of key groups at the fee standard, and the employment-
service subsidy for a placement within 6 months (record_employment)."""

from __future__ import annotations

from datetime import date as d

from tests.scenarios.builder import (
    Builder,
    Catalog,
    Certificate,
    Claim,
    Class,
    Org,
    Person,
    Tables,
    approved,
    rejected,
)

DOCUMENT = "林政办规〔2019〕4号"
STAFF = {"groups": ["enterprise_employee"], "employer_id": "mill", "insured_months": 24}
FEES = {"training_standards_catalog_id": "LK-ML-2020"}
UNPAID = [
    "on_the_job",
    "technician_research",
    "special_operation",
    "certificate",
    "order_class",
    "school_graduate",
]


def fee(occupation: str, training: str, appraisal: str) -> dict[str, str]:
    return {
        "occupation": occupation,
        "level": "junior",
        "training": training,
        "appraisal": appraisal,
    }


# fmt: off
TABLES = Tables(
    filed=d(2020, 12, 20),
    orgs={
        "mill": Org(1, "林口县林海木业有限公司", "enterprise", insured=True),
        "coop": Org(2, "林口县黑木耳种植专业合作社", "enterprise"),
        "trainer": Org(3, "林口县职业技术培训学校", "training_org"),
        "evaluator": Org(4, "牡丹江市职业技能鉴定中心", "evaluation_org"),
        "hotel": Org(5, "林口县宾馆有限公司", "enterprise", insured=True),
    },
    catalogs=[
        Catalog("LK-JQ-2020", "shortage_occupations", d(2020, 1, 1), [{"occupation": "电工"}]),
        Catalog("LK-ML-2020", "training_standards", d(2020, 1, 1), [fee("食用菌生产工", "500", "100"), fee("家政服务员", "600", "100"), fee("中式面点师", "900", "150"),]),
    ],
    people={
        "gao": Person(1, "高振东", d(1985, 1, 21), STAFF),
        "kong": Person(2, "孔令辉", d(1990, 9, 2), STAFF),
        "bai": Person(3, "白雪", d(2000, 12, 5), STAFF),
        "luo": Person(4, "罗春生", d(1978, 4, 18), STAFF),
        "cui": Person(5, "崔英", d(1982, 7, 7), {"groups": ["hardship"], "employer_id": "mill"}),
        "pang": Person(6, "庞二虎", d(1976, 2, 2), {"groups": ["poverty_registered", "farmer"]}),
        "he": Person(7, "贺小燕", d(2003, 3, 3), {"groups": ["school_leaver", "low_income"]}),
        "yan": Person(8, "严冬", d(1988, 8, 8), {"groups": ["unemployed"]}),
        "tian": Person(9, "田野", d(1995, 5, 5), {"groups": ["veteran"]}),
        "lao": Person(10, "老德顺", d(1956, 6, 6), STAFF | {"insured_months": 400, "pensioner": True}),
        "zou": Person(11, "邹平", d(1993, 3, 13), {"groups": ["hardship"]}),
    },
    employments=[
        ("LK-JY-001", "yan", "hotel", d(2020, 9, 1)),
        ("LK-JY-002", "pang", "coop", d(2021, 2, 1)),
    ],
    certificates=[
        Certificate("LK-ZS-0001", "gao", "skill_level", "钳工", "intermediate", d(2020, 4, 20), "evaluator"),
        Certificate("LK-ZS-0002", "kong", "vocational_qualification", "电工", "senior", d(2020, 4, 20), "evaluator"),
        Certificate("LK-ZS-0003", "lao", "skill_level", "钳工", "junior", d(2020, 4, 20), "evaluator"),
    ],
    classes=[
        # Luo attends 30 of 40 hours: below 80%.
        Class("LK-GQ-01", "mill", "pre_job", "木工", None, (d(2020, 5, 11), d(2020, 5, 15)), 40, (("gao", 40), ("luo", 30))),
        Class("LK-AQ-02", "mill", "safety", "叉车司机", None, (d(2020, 5, 18), d(2020, 5, 22)), 40, (("kong", 40),)),
        Class("LK-ZG-03", "mill", "transfer", "家具制作工", None, (d(2020, 6, 1), d(2020, 6, 12)), 80, (("luo", 80),)),
        Class("LK-XT-04", "mill", "apprenticeship", "木工", "intermediate", (d(2020, 3, 2), d(2020, 11, 27)), 320, (("bai", 320),)),
        Class("LK-JN-05", "trainer", "employment_skills", "食用菌生产工", "junior", (d(2020, 6, 1), d(2020, 6, 10)), 60, (("pang", 60), ("he", 60), ("yan", 60))),
        Class("LK-JN-06", "trainer", "employment_skills", "家政服务员", "junior", (d(2020, 7, 1), d(2020, 7, 10)), 60, (("yan", 60),)),
        Class("LK-XM-07", "trainer", "project", "中式面点师", "junior", (d(2020, 8, 3), d(2020, 8, 12)), 60, (("tian", 60), ("yan", 60))),
    ],
    claims=[
        # 四.二.1: to the enterprise by level; a shortage occupation has its own table.
        Claim("LK-C-01", "skill_upgrade", "mill", "gao", approved("1500.00", "四.二.1", "linkou.skill_upgrade"), {"certificate_no": "LK-ZS-0001"}),
        Claim("LK-C-02", "skill_upgrade", "mill", "kong", approved("2500.00", "四.二.1", "linkou.skill_upgrade.shortage", shortage_catalog_id="LK-JQ-2020",), {"certificate_no": "LK-ZS-0002"}),
        Claim("LK-C-03", "skill_upgrade", "gao", "gao", rejected("wrong_beneficiary", clause="四.二.1"), {"certificate_no": "LK-ZS-0001"}),
        Claim("LK-C-04", "skill_upgrade", "mill", "lao", rejected("pensioner", clause="四.四.1"), {"certificate_no": "LK-ZS-0003"}),
        Claim("LK-C-05", "apprenticeship", "mill", "bai", approved("4000.00", "四.二.1"), {"class_id": "LK-XT-04"}),
        # 四.二.2: pre-job (safety included) 1000, transfer 1500, to the enterprise.
        Claim("LK-C-06", "pre_job", "mill", "gao", approved("1000.00", "四.二.2"), {"class_id": "LK-GQ-01"}),
        Claim("LK-C-07", "pre_job", "mill", "luo", rejected("attendance_below_minimum", clause="五.三"), {"class_id": "LK-GQ-01"}),
        Claim("LK-C-08", "safety", "mill", "kong", approved("1000.00", "四.二.2"), {"class_id": "LK-AQ-02"}),
        Claim("LK-C-09", "transfer", "mill", "luo", approved("1500.00", "四.二.2"), {"class_id": "LK-ZG-03"}),
        # 四.二.3: 以工代训 500 a month, at most 6 months over all claims.
        Claim("LK-C-10", "work_based", "mill", "cui", approved("2000.00", "四.二.3"), {"months": 4}),
        Claim("LK-C-11", "work_based", "mill", "cui", approved("1000.00", "四.二.3"), {"months": 4}),
        Claim("LK-C-12", "work_based", "mill", "cui", rejected("months_exhausted"), {"months": 1}),
        Claim("LK-C-13", "work_based", "coop", "pang", approved("1500.00", "四.二.3"), {"months": 3}),
        Claim("LK-C-14", "work_based", "coop", "zou", rejected("wrong_beneficiary", clause="四.二.3"), {"months": 3}),
        # 四.三: 15 a day during training.
        Claim("LK-C-15", "living_allowance", "pang", "pang", approved("150.00", "四.三"), {"class_id": "LK-JN-05", "days": 10}),
        Claim("LK-C-16", "living_allowance", "he", "he", approved("150.00", "四.三"), {"class_id": "LK-JN-05", "days": 12}),
        Claim("LK-C-17", "living_allowance", "yan", "yan", rejected("not_in_target_group", clause="四.三"), {"class_id": "LK-JN-05", "days": 10}),
        # 四.一: key groups' free training at the fee standard (the catalog), the cost if lower.
        Claim("LK-C-18", "employment_skills", "trainer", "pang", approved("600.00", "四.一.1", **FEES), {"class_id": "LK-JN-05"}),
        Claim("LK-C-19", "employment_skills", "yan", "yan", approved("550.00", "四.一.1", **FEES), {"class_id": "LK-JN-06", "amount": "550"}),
        Claim("LK-C-20", "project", "trainer", "tian", approved("1050.00", "四.一.2", **FEES), {"class_id": "LK-XM-07"}),
        Claim("LK-C-21", "project", "trainer", "yan", rejected("not_in_target_group", clause="四.一.2"), {"class_id": "LK-XM-07"}),
        # 四.四.3: 200 to the trainer for a key-group trainee placed within 6 months.
        Claim("LK-C-22", "employment_service", "trainer", "yan", approved("200.00", "四.四.3", employment_id="LK-JY-001"), {"class_id": "LK-JN-06"}),
        Claim("LK-C-23", "employment_service", "trainer", "pang", rejected("not_placed", clause="四.四.3"), {"class_id": "LK-JN-05"}, filed=d(2021, 2, 10)),
        # Not provided as subsidies of their own.
        *(
            Claim(f"LK-C-{n}", s, "mill", "gao", rejected("subsidy_not_provided"))
            for n, s in enumerate(UNPAID, start=24)
        ),
    ],
)
# fmt: on


def build() -> Builder:
    b = Builder("linkou", "231025", "LK-ZXZ-2020", DOCUMENT, d(2020, 1, 3))
    b.fund("林口县职业技能提升行动专账", "8000000")
    b.load(TABLES)
    return b
