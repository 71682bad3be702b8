"""Jinhua's 市区 year (金人社发〔2020〕1号, attachment 3): certificate training with the
residence rule and self-evaluating enterprises, project training by class-hour with the
uplift list, re-examination training, apprenticeship, a shortage catalog replaced in
mid-year, and each subsidy the document does not pay."""

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

DOCUMENT = "金人社发〔2020〕1号"
ONE_TWO, TWO_TWO, THREE = "附件3 一.2", "附件3 二.2", "附件3 三"
STAFF = {"groups": ["enterprise_employee"]}
ELSEWHERE = {"jurisdiction": "kunshan"}  # Hukou and residence outside 金华市区.
SHORTAGE_2020 = [{"occupation": "电工"}, {"occupation": "数控车工"}]
UNPAID = [
    "pre_job", "on_the_job", "transfer", "safety", "employment_skills", "certificate",
    "work_based", "technician_research", "order_class", "employment_service", "school_graduate",
]  # fmt: skip

# fmt: off
TABLES = Tables(
    filed=d(2020, 12, 28),
    orgs={
        "motor": Org(1, "金华精工电机有限公司", "enterprise", insured=True),
        "textile": Org(2, "金华锦绣纺织有限公司", "enterprise", insured=True),
        "plain": Org(3, "金华五金工具有限公司", "enterprise", insured=True),
        "college": Org(4, "金华职业技术学院", "school"),
        "evaluator": Org(5, "金华市职业技能鉴定指导中心", "evaluation_org"),
        "safety_dept": Org(6, "金华市应急管理局", "department"),
    },
    catalogs=[
        Catalog("JH-JQ-2020", "shortage_occupations", d(2020, 1, 5), SHORTAGE_2020),
        Catalog("JH-JQ-2020B", "shortage_occupations", d(2020, 7, 1), [*SHORTAGE_2020, {"occupation": "焊工"}]),
        Catalog("JH-SF-2020", "uplift_enterprises", d(2020, 1, 5), [{"institution_id": "motor", "reason": "key_manufacturing"}, {"institution_id": "textile", "reason": "trade_friction"},]),
    ],
    people={
        "chen": Person(1, "陈志强", d(1987, 4, 12), STAFF | {"insured_months": 24, "employer_id": "plain"}),
        "huang": Person(2, "黄雅琴", d(1993, 2, 3), STAFF | ELSEWHERE | {"insured_months": 6, "employer_id": "plain"}),
        "lin": Person(3, "林海", d(1995, 7, 21), STAFF | ELSEWHERE | {"insured_months": 5, "employer_id": "plain"}),
        "he": Person(4, "何美玲", d(1990, 10, 1), STAFF | {"insured_months": 30, "employer_id": "textile"}),
        "ma": Person(5, "马跃", d(1984, 12, 24), STAFF | {"insured_months": 120, "employer_id": "motor"}),
        "qian": Person(6, "钱程", d(1999, 3, 8), STAFF | {"insured_months": 14, "employer_id": "motor"}),
        "xu": Person(7, "徐子涵", d(2002, 6, 18), {"groups": ["school_leaver"]}),
        "jiang": Person(8, "蒋国栋", d(1980, 9, 9), STAFF | {"insured_months": 96, "employer_id": "plain"}),
        "song": Person(9, "宋文", d(1991, 5, 27), STAFF | {"insured_months": 40, "employer_id": "plain"}),
        "yang": Person(10, "杨德福", d(1958, 8, 8), {"insured_months": 360, "pensioner": True}),
    },
    certificates=[
        Certificate("JH-ZS-0001", "chen", "skill_level", "电工", "senior", d(2020, 6, 10), "evaluator"),
        Certificate("JH-ZS-0002", "huang", "skill_level", "钳工", "intermediate", d(2020, 6, 10), "evaluator"),
        Certificate("JH-ZS-0003", "lin", "skill_level", "钳工", "junior", d(2020, 6, 10), "evaluator"),
        Certificate("JH-ZX-0004", "he", "special_ability", "面点制作", None, d(2020, 6, 12), "evaluator"),
        # Issued by Ma's own employer: a self-evaluating enterprise (自主评价).
        Certificate("JH-ZS-0005", "ma", "skill_level", "数控车工", "technician", d(2020, 6, 15), "motor"),
        Certificate("JH-ZS-0006", "chen", "skill_level", "焊工", "junior", d(2020, 8, 1), "evaluator"),
        Certificate("JH-ZS-0007", "jiang", "skill_level", "焊工", "senior", d(2020, 6, 20), "evaluator"),
        Certificate("JH-ZS-0008", "song", "skill_level", "焊工", "senior", d(2020, 7, 10), "evaluator"),
        Certificate("JH-ZS-0009", "yang", "skill_level", "电工", "junior", d(2020, 6, 10), "evaluator"),
        Certificate("JH-TZ-0010", "jiang", "special_operation", "低压电工作业", None, d(2017, 9, 1), "safety_dept"),
    ],
    classes=[
        Class("JH-XM-01", "textile", "project", "电子装配", None, (d(2020, 4, 6), d(2020, 4, 10)), 40, (("he", 40),)),
        Class("JH-XM-02", "plain", "project", "安全生产", None, (d(2020, 4, 13), d(2020, 4, 15)), 19, (("chen", 19),)),
        Class("JH-XM-03", "college", "project", "电子商务", None, (d(2020, 5, 11), d(2020, 5, 12)), 16, (("huang", 16),)),
        Class("JH-XM-04", "plain", "project", "质量管理", None, (d(2020, 5, 18), d(2020, 5, 20)), 24, (("chen", 24),)),
        Class("JH-FS-05", "safety_dept", "safety", "低压电工作业", None, (d(2020, 9, 7), d(2020, 9, 8)), 16, (("jiang", 16),)),
        Class("JH-XT-06", "motor", "apprenticeship", "数控车工", "intermediate", (d(2020, 3, 2), d(2020, 12, 18)), 400, (("qian", 400), ("xu", 400))),
        Class("JH-XM-07", "plain", "project", "叉车安全", None, (d(2019, 12, 16), d(2019, 12, 20)), 24, (("song", 24),)),
    ],
    claims=[
        # 附件3 一: certificate training, by level, +30% in a shortage occupation.
        Claim("JH-C-01", "skill_upgrade", "chen", "chen", approved("2600.00", ONE_TWO, "jinhua.skill_upgrade.shortage", shortage_catalog_id="JH-JQ-2020",), {"certificate_no": "JH-ZS-0001"}),
        Claim("JH-C-02", "skill_upgrade", "huang", "huang", approved("900.00", ONE_TWO, "jinhua.skill_upgrade"), {"certificate_no": "JH-ZS-0002"}),
        Claim("JH-C-03", "skill_upgrade", "lin", "lin", rejected("insufficient_insured_months", clause="附件3 一.1"), {"certificate_no": "JH-ZS-0003"}),
        Claim("JH-C-04", "skill_upgrade", "he", "he", approved("600.00", ONE_TWO), {"certificate_no": "JH-ZX-0004"}),
        Claim("JH-C-05", "skill_upgrade", "ma", "ma", rejected("exclusive_subsidy", clause=ONE_TWO), {"certificate_no": "JH-ZS-0005"}),
        Claim("JH-C-06", "skill_upgrade", "motor", "ma", approved("3250.00", ONE_TWO, "jinhua.skill_upgrade.enterprise_paid.shortage"), {"certificate_no": "JH-ZS-0005", "enterprise_paid": True}),
        Claim("JH-C-07", "skill_upgrade", "plain", "chen", rejected("wrong_beneficiary", clause=ONE_TWO), {"certificate_no": "JH-ZS-0006", "enterprise_paid": True}),
        # The shortage catalog in force on the certificate's date decides, and is recorded.
        Claim("JH-C-08", "skill_upgrade", "jiang", "jiang", approved("2000.00", ONE_TWO, "jinhua.skill_upgrade", shortage_catalog_id="JH-JQ-2020"), {"certificate_no": "JH-ZS-0007"}),
        Claim("JH-C-09", "skill_upgrade", "song", "song", approved("2600.00", ONE_TWO, "jinhua.skill_upgrade.shortage", shortage_catalog_id="JH-JQ-2020B",), {"certificate_no": "JH-ZS-0008"}),
        Claim("JH-C-10", "skill_upgrade", "yang", "yang", rejected("pensioner", clause="附件3 一.1"), {"certificate_no": "JH-ZS-0009"}),
        # 附件3 二.2: project training per class-hour.
        Claim("JH-C-11", "project", "textile", "he", approved("1040.00", TWO_TWO, "jinhua.project.enterprise.uplift", uplift_catalog_id="JH-SF-2020",), {"class_id": "JH-XM-01"}),
        Claim("JH-C-12", "project", "plain", "chen", rejected("class_below_minimum", clause=TWO_TWO), {"class_id": "JH-XM-02"}),
        Claim("JH-C-13", "project", "college", "huang", approved("400.00", TWO_TWO, "jinhua.project.organisation"), {"class_id": "JH-XM-03"}),
        Claim("JH-C-14", "project", "plain", "chen", approved("720.00", TWO_TWO, "jinhua.project.enterprise"), {"class_id": "JH-XM-04"}),
        Claim("JH-C-15", "project", "college", "chen", rejected("wrong_beneficiary"), {"class_id": "JH-XM-04"}),
        Claim("JH-C-16", "special_operation", "safety_dept", "jiang", approved("100.00", TWO_TWO), {"class_id": "JH-FS-05", "certificate_no": "JH-TZ-0010"}),
        # 附件3 三: apprenticeship, the actual cost up to the cap.
        Claim("JH-C-17", "apprenticeship", "motor", "qian", approved("7800.00", THREE, "jinhua.apprenticeship.employee.uplift", uplift_catalog_id="JH-SF-2020",), {"class_id": "JH-XT-06", "amount": "8000"}),
        Claim("JH-C-18", "apprenticeship", "motor", "xu", approved("2500.00", THREE, "jinhua.apprenticeship.student"), {"class_id": "JH-XT-06", "amount": "2500"}),
        Claim("JH-C-19", "apprenticeship", "motor", "qian", rejected("amount_missing", clause=THREE), {"class_id": "JH-XT-06"}),
        # A training that ended before the plan was issued: no pack was in force.
        Claim("JH-C-20", "project", "plain", "song", rejected("no_rule_pack"), {"class_id": "JH-XM-07"}),
        # Not paid at a rate of its own, or not paid at all.
        Claim("JH-C-21", "living_allowance", "xu", "xu", rejected("no_rate", clause="四.四"), {"class_id": "JH-XT-06", "days": 30}),
        *(
            Claim(f"JH-C-{n}", s, "plain", "song", rejected("subsidy_not_provided"))
            for n, s in enumerate(UNPAID, start=22)
        ),
    ],
)
# fmt: on


def build() -> Builder:
    b = Builder("jinhua", "330702", "JH-ZXZ-2020", DOCUMENT, d(2020, 1, 6))
    b.fund("金华市区职业技能提升行动专项资金", "30000000")
    b.load(TABLES)
    return b
