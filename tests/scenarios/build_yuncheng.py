"""Yuncheng's year (运政办发〔2020〕14号): every subsidy rule of the pack, its main
rejections, and each subsidy the document does not pay."""

from __future__ import annotations

from datetime import date as d

from tests.scenarios.builder import (
    Builder,
    Certificate,
    Claim,
    Class,
    Org,
    Person,
    Tables,
    approved,
    rejected,
)

DOCUMENT = "运政办发〔2020〕14号"
STAFF = {"groups": ["enterprise_employee"], "employer_id": "works"}

# fmt: off
TABLES = Tables(
    filed=d(2020, 9, 15),
    orgs={
        "works": Org(1, "运城重型机械有限公司", "enterprise", insured=True),
        "school": Org(2, "盐湖区职业培训学校", "training_org"),
        "evaluator": Org(3, "运城市职业技能鉴定中心", "evaluation_org"),
    },
    people={
        "wang": Person(1, "王建军", d(1988, 3, 2), STAFF | {"insured_months": 36}),
        "liu": Person(2, "刘晓红", d(1992, 8, 9), STAFF | {"insured_months": 20}),
        "zhao": Person(3, "赵满仓", d(1979, 11, 30), {"groups": ["poverty_registered", "rural_migrant"]}),
        "sun": Person(4, "孙丽娟", d(1990, 1, 15), {"groups": ["unemployed"]}),
        "zhou": Person(5, "周长林", d(1959, 5, 5), STAFF | {"insured_months": 400, "pensioner": True}),
        "wu": Person(6, "吴小梅", d(1985, 6, 6), {"groups": ["low_income"]}),
    },
    classes=[
        # Liu attends 24 of 40 hours: below 80%.
        Class("YC-GQ-01", "works", "pre_job", "焊工", None, (d(2020, 5, 11), d(2020, 5, 15)), 40, (("wang", 40), ("zhou", 40), ("liu", 24))),
        Class("YC-AQ-02", "works", "safety", "电工作业", None, (d(2020, 6, 1), d(2020, 6, 5)), 40, (("wang", 40),)),
        Class("YC-ZG-03", "works", "transfer", "数控车工", "junior", (d(2020, 6, 8), d(2020, 6, 19)), 80, (("liu", 80),)),
        Class("YC-JN-04", "school", "employment_skills", "中式烹调师", "junior", (d(2020, 7, 1), d(2020, 7, 20)), 120, (("zhao", 120), ("sun", 120), ("wu", 120))),
        Class("YC-QZ-05", "school", "certificate_training", "电工", "junior", (d(2020, 8, 3), d(2020, 8, 14)), 80, (("sun", 80),)),
    ],
    certificates=[
        Certificate("YC-ZS-0001", "sun", "skill_level", "电工", "junior", d(2020, 8, 28), "evaluator"),
        Certificate("YC-ZX-0002", "zhao", "special_ability", "面点制作", None, d(2020, 8, 28), "evaluator"),
        Certificate("YC-ZS-0003", "wang", "skill_level", "焊工", "intermediate", d(2020, 9, 4), "evaluator"),
    ],
    claims=[
        # 三.13: 300 to the enterprise per employee who passed pre-job, safety or transfer training.
        Claim("YC-C-01", "pre_job", "works", "wang", approved("300.00", "三.13"), {"class_id": "YC-GQ-01"}),
        Claim("YC-C-02", "pre_job", "works", "zhou", rejected("pensioner"), {"class_id": "YC-GQ-01"}),
        Claim("YC-C-03", "pre_job", "works", "liu", rejected("attendance_below_minimum", clause="三.9"), {"class_id": "YC-GQ-01"}),
        Claim("YC-C-04", "safety", "works", "wang", approved("300.00", "三.13"), {"class_id": "YC-AQ-02"}),
        Claim("YC-C-05", "transfer", "works", "liu", approved("300.00", "三.13"), {"class_id": "YC-ZG-03"}),
        Claim("YC-C-06", "transfer", "liu", "liu", rejected("wrong_beneficiary"), {"class_id": "YC-ZG-03"}),
        # 三.3: 15 a day to poor labourers during training.
        Claim("YC-C-07", "living_allowance", "zhao", "zhao", approved("300.00", "三.3"), {"class_id": "YC-JN-04", "days": 20}),
        Claim("YC-C-08", "living_allowance", "sun", "sun", rejected("not_in_target_group"), {"class_id": "YC-JN-04", "days": 20}),
        # 三.14: key groups' employment-skills training, the cost up to 1000.
        Claim("YC-C-09", "employment_skills", "school", "zhao", approved("1000.00", "三.14"), {"class_id": "YC-JN-04", "amount": "1200"}),
        Claim("YC-C-10", "employment_skills", "sun", "sun", approved("800.00", "三.14"), {"class_id": "YC-JN-04", "amount": "800"}),
        Claim("YC-C-11", "employment_skills", "school", "wu", rejected("not_in_target_group"), {"class_id": "YC-JN-04", "amount": "800"}),
        # 三.15: free certificate exams, to the organiser: 专项能力 150, 初级 300, 高级 600; not 中级.
        Claim("YC-C-12", "certificate", "school", "sun", approved("300.00", "三.15"), {"class_id": "YC-QZ-05", "certificate_no": "YC-ZS-0001"}),
        Claim("YC-C-13", "certificate", "school", "zhao", approved("150.00", "三.15"), {"certificate_no": "YC-ZX-0002"}),
        Claim("YC-C-14", "certificate", "works", "wang", rejected("subsidy_not_provided", clause="三.15"), {"certificate_no": "YC-ZS-0003"}),
        Claim("YC-C-15", "certificate", "school", "sun", rejected("certificate_already_claimed"), {"certificate_no": "YC-ZS-0001"}),
        Claim("YC-C-16", "certificate", "works", "sun", rejected("certificate_of_another_person"), {"certificate_no": "YC-ZS-0003"}),
        # Provided at a rate the text does not give, or not provided at all.
        Claim("YC-C-17", "skill_upgrade", "wang", "wang", rejected("no_rate", clause="三.5"), {"certificate_no": "YC-ZS-0003"}),
        Claim("YC-C-18", "apprenticeship", "works", "wang", rejected("no_rate", clause="三.1")),
        Claim("YC-C-19", "on_the_job", "works", "wang", rejected("subsidy_not_provided", clause="三.13")),
        *(
            Claim(f"YC-C-{n}", subsidy, "works", "liu", rejected("subsidy_not_provided"))
            for n, subsidy in enumerate(
                [
                    "work_based",
                    "project",
                    "special_operation",
                    "technician_research",
                    "order_class",
                    "employment_service",
                    "school_graduate",
                ],
                start=20,
            )
        ),
    ],
)
# fmt: on


def build() -> Builder:
    b = Builder("yuncheng", "140802", "YC-ZXZ-2020", DOCUMENT, d(2020, 4, 21))
    b.fund("运城市职业技能提升行动专账", "50000000")
    b.load(TABLES)
    return b
