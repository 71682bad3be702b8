"""Rugao's years (皋政办发〔2019〕194号): subsidies as percentages of the 《目录》 standard
(a training_standards catalog, replaced for 2021), new hires' pre-job training within 12
months, local-only certificates, order classes of 20, the registered unemployed, and the
figures the text leaves unset."""

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

DOCUMENT = "皋政办发〔2019〕194号"
STAFF = {"groups": ["enterprise_employee"], "employer_id": "factory"}
STD = {"training_standards_catalog_id": "RG-ML-2019"}
ORDER_CLASS = (d(2020, 9, 1), d(2020, 12, 31))
UNPAID = [
    ("special_operation", "no_rate", "六"),
    ("safety", "no_rate", "六"),
    ("project", "no_rate", "十七"),
    ("school_graduate", "no_rate", "附件 7"),
    ("technician_research", "subsidy_not_provided", "四.5"),
    ("certificate", "subsidy_not_provided", None),
    ("employment_service", "subsidy_not_provided", None),
]


def standards(*rows: tuple[str, str, str, str]) -> list[dict[str, str]]:
    keys = ("occupation", "level", "training", "appraisal")
    return [dict(zip(keys, row, strict=True)) for row in rows]


# Order class 1 has 20 enrolled (two of them trained and claiming), class 2 only 19.
STUDENTS = {
    f"s{n:02d}": Person(
        20 + n, f"订单班学员{n:02d}", d(2003, 1, 1 + n), {"groups": ["school_leaver"]}
    )
    for n in range(20)
}
OTHERS = {
    f"o{n:02d}": Person(
        50 + n, f"订单二班学员{n:02d}", d(2003, 2, 1 + n), {"groups": ["school_leaver"]}
    )
    for n in range(19)
}

# fmt: off
TABLES = Tables(
    filed=d(2020, 12, 30),
    orgs={
        "factory": Org(1, "如皋长江机械有限公司", "enterprise", insured=True),
        "buyer": Org(2, "如皋宏达汽车配件有限公司", "enterprise", insured=True),
        "school": Org(3, "如皋市第一中等专业学校", "school"),
        "trainer": Org(4, "如皋市职业培训中心", "training_org"),
        "outsider": Org(5, "昆山市某职业培训学校", "training_org", jurisdiction="kunshan"),
        "evaluator": Org(6, "如皋市职业技能鉴定所", "evaluation_org"),
    },
    catalogs=[
        Catalog("RG-ML-2019", "training_standards", d(2019, 1, 1), standards(("电工", "junior", "900", "150"), ("电工", "senior", "1800", "250"), ("焊工", "intermediate", "1200.50", "180"), ("数控车工", "intermediate", "1500", "200"), ("中式烹调师", "junior", "800", "120"),)),
        Catalog("RG-ML-2021", "training_standards", d(2021, 1, 1), standards(("电工", "junior", "1000", "150"), ("电工", "senior", "2000", "300"), ("焊工", "intermediate", "1300", "180"), ("数控车工", "intermediate", "1600", "200"), ("中式烹调师", "junior", "850", "120"),)),
        Catalog("RG-JQ-2020", "shortage_occupations", d(2020, 1, 1), [{"occupation": "数控车工"}]),
    ],
    people={
        "zhu": Person(1, "朱建华", d(1986, 2, 14), STAFF | {"insured_months": 24}),
        "gu": Person(2, "顾小军", d(1997, 9, 1), STAFF | {"insured_months": 11}),
        "xia": Person(3, "夏冬梅", d(1989, 12, 12), STAFF | {"insured_months": 30}),
        "tang": Person(4, "唐国强", d(1975, 3, 3), STAFF | {"insured_months": 200}),
        "fan": Person(5, "范晓雨", d(1998, 4, 4), STAFF | {"groups": ["hardship"]}),
        "lu": Person(6, "陆永平", d(1983, 6, 16), STAFF | {"insured_months": 14}),
        "cai": Person(7, "蔡文静", d(1999, 7, 7), STAFF),
        "dong": Person(8, "董海涛", d(1996, 8, 18), STAFF),
        "qin": Person(9, "秦可", d(2001, 1, 9), STAFF),
        "ye": Person(10, "叶红", d(1982, 11, 11), {"groups": ["unemployed", "hardship"], "unemployment_benefit": True}),
        "pan": Person(11, "潘大山", d(1978, 10, 10), {"groups": ["poverty_registered", "farmer"]}),
        "lao": Person(12, "劳金福", d(1957, 5, 1), STAFF | {"insured_months": 420, "pensioner": True}),
        "jin": Person(13, "金鑫", d(1994, 3, 30), STAFF | {"insured_months": 20}),
        **STUDENTS,
        **OTHERS,
    },
    employments=[
        ("RG-LY-001", "fan", "factory", d(2020, 3, 2)),
        ("RG-LY-002", "lu", "factory", d(2019, 1, 10)),
        ("RG-LY-003", "cai", "factory", d(2020, 3, 2)),
        ("RG-LY-004", "dong", "factory", d(2020, 4, 1)),
        ("RG-LY-005", "pan", "factory", d(2020, 5, 6)),
    ],
    classes=[
        Class("RG-GQ-01", "trainer", "pre_job", "焊工", "intermediate", (d(2020, 3, 9), d(2020, 3, 13)), 40, (("fan", 40), ("lu", 40))),
        Class("RG-GQ-02", "outsider", "pre_job", "焊工", "intermediate", (d(2020, 3, 9), d(2020, 3, 13)), 40, (("cai", 40),)),
        Class("RG-GQ-03", "factory", "pre_job", "数控车工", "intermediate", (d(2020, 4, 13), d(2020, 4, 17)), 40, (("dong", 40),)),
        Class("RG-ZG-04", "factory", "on_the_job", "电工", "junior", (d(2020, 5, 11), d(2020, 5, 15)), 40, (("zhu", 40),)),
        Class("RG-ZG-05", "factory", "transfer", "注塑工", "intermediate", (d(2020, 5, 18), d(2020, 5, 22)), 40, (("xia", 40), ("tang", 40))),
        Class("RG-DD-06", "school", "order_class", "汽车装调工", "junior", ORDER_CLASS, 160, tuple((k, 160 if n < 2 else None) for n, k in enumerate(STUDENTS))),
        Class("RG-DD-07", "school", "order_class", "汽车装调工", "junior", ORDER_CLASS, 160, tuple((k, 160 if n < 1 else None) for n, k in enumerate(OTHERS))),
        Class("RG-XT-08", "factory", "apprenticeship", "数控车工", "senior", (d(2020, 3, 2), d(2020, 11, 27)), 320, (("qin", 320),)),
        Class("RG-JN-09", "trainer", "employment_skills", "中式烹调师", "junior", (d(2020, 6, 1), d(2020, 6, 20)), 120, (("ye", 120), ("pan", 120))),
    ],
    certificates=[
        Certificate("RG-ZS-0001", "zhu", "skill_level", "电工", "senior", d(2020, 6, 5), "evaluator"),
        Certificate("RG-ZS-0002", "gu", "skill_level", "电工", "senior", d(2020, 6, 5), "evaluator"),
        Certificate("RG-ZS-0003", "xia", "vocational_qualification", "数控车工", "intermediate", d(2020, 6, 5), "evaluator"),
        Certificate("RG-ZS-0004", "tang", "skill_level", "电工", "technician", d(2020, 6, 5), "evaluator"),
        Certificate("RG-PX-0005", "fan", "training_completion", "焊工", "intermediate", d(2020, 3, 20), "trainer"),
        Certificate("RG-PX-0006", "lu", "training_completion", "焊工", "intermediate", d(2020, 3, 20), "trainer"),
        Certificate("RG-PX-0007", "cai", "training_completion", "焊工", "intermediate", d(2020, 3, 20), "outsider"),
        Certificate("RG-ZS-0008", "dong", "skill_level", "数控车工", "intermediate", d(2020, 4, 24), "evaluator"),
        Certificate("RG-ZS-0009", "ye", "skill_level", "中式烹调师", "junior", d(2020, 6, 28), "evaluator"),
        Certificate("RG-ZS-0010", "lao", "skill_level", "电工", "senior", d(2020, 6, 5), "evaluator"),
        Certificate("RG-ZS-0011", "jin", "skill_level", "电工", "senior", d(2021, 3, 15), "evaluator"),
        Certificate("RG-ZS-0012", "lu", "skill_level", "电工", "junior", d(2018, 11, 20), "evaluator"),
    ],
    claims=[
        # 四.4: 50% of the standard, a further 30% in a shortage occupation; 12 insured months.
        Claim("RG-C-01", "skill_upgrade", "zhu", "zhu", approved("1025.00", "四.4", "rugao.skill_upgrade", **STD), {"certificate_no": "RG-ZS-0001"}),
        Claim("RG-C-02", "skill_upgrade", "gu", "gu", rejected("insufficient_insured_months", clause="四.4"), {"certificate_no": "RG-ZS-0002"}),
        Claim("RG-C-03", "skill_upgrade", "xia", "xia", approved("1105.00", "四.4", "rugao.skill_upgrade.shortage", shortage_catalog_id="RG-JQ-2020", **STD,), {"certificate_no": "RG-ZS-0003"}),
        Claim("RG-C-04", "skill_upgrade", "tang", "tang", rejected("subsidy_not_provided", clause="四.4"), {"certificate_no": "RG-ZS-0004"}),
        Claim("RG-C-05", "skill_upgrade", "lao", "lao", rejected("pensioner", clause="十三"), {"certificate_no": "RG-ZS-0010"}),
        Claim("RG-C-06", "skill_upgrade", "jin", "jin", approved("1150.00", "四.4", training_standards_catalog_id="RG-ML-2021"), {"certificate_no": "RG-ZS-0011"}, filed=d(2021, 3, 30)),
        Claim("RG-C-07", "skill_upgrade", "lu", "lu", rejected("no_rule_pack"), {"certificate_no": "RG-ZS-0012"}),
        # 四.2: new hires within 12 months: 50% of the standard (floored to the fen), shortage 100%.
        Claim("RG-C-08", "pre_job", "fan", "fan", approved("690.25", "四.2", **STD), {"class_id": "RG-GQ-01", "certificate_no": "RG-PX-0005"}),
        Claim("RG-C-09", "pre_job", "lu", "lu", rejected("not_newly_hired", clause="四.2"), {"class_id": "RG-GQ-01", "certificate_no": "RG-PX-0006"}),
        Claim("RG-C-10", "pre_job", "cai", "cai", rejected("certificate_not_local", clause="十三"), {"class_id": "RG-GQ-02", "certificate_no": "RG-PX-0007"}),
        Claim("RG-C-11", "pre_job", "factory", "dong", approved("1700.00", "四.2", "rugao.pre_job.shortage"), {"class_id": "RG-GQ-03", "certificate_no": "RG-ZS-0008", "enterprise_paid": True}),
        # 四.3: on-the-job and transfer training, 50% of the standard or of the actual cost.
        Claim("RG-C-12", "on_the_job", "factory", "zhu", approved("525.00", "四.3", standard_source="catalog", **STD), {"class_id": "RG-ZG-04"}),
        Claim("RG-C-13", "transfer", "factory", "xia", approved("800.00", "四.3", standard_source="actual_cost"), {"class_id": "RG-ZG-05", "amount": "1600"}),
        Claim("RG-C-14", "transfer", "factory", "tang", rejected("no_rate", clause="四.3"), {"class_id": "RG-ZG-05"}),
        # 四.1: order classes of 20 or more at a vocational school, the cost up to 1000.
        Claim("RG-C-15", "order_class", "buyer", "s00", approved("1000.00", "四.1"), {"class_id": "RG-DD-06", "amount": "1200"}),
        Claim("RG-C-16", "order_class", "buyer", "s01", approved("880.00", "四.1"), {"class_id": "RG-DD-06", "amount": "880"}),
        Claim("RG-C-17", "order_class", "buyer", "o00", rejected("class_below_minimum", clause="四.1"), {"class_id": "RG-DD-07", "amount": "1000"}),
        # 四.6: apprenticeship by level reached, per year.
        Claim("RG-C-18", "apprenticeship", "factory", "qin", approved("5000.00", "四.6"), {"class_id": "RG-XT-08"}),
        # 五.2: the registered unemployed; no living allowance while on benefit, and no rate.
        Claim("RG-C-19", "employment_skills", "ye", "ye", approved("920.00", "五.2", **STD), {"class_id": "RG-JN-09", "certificate_no": "RG-ZS-0009"}),
        Claim("RG-C-20", "living_allowance", "ye", "ye", rejected("unemployment_benefit", "no_rate", clause="五.2"), {"class_id": "RG-JN-09", "days": 20}),
        Claim("RG-C-21", "living_allowance", "pan", "pan", rejected("no_rate", clause="五.2"), {"class_id": "RG-JN-09", "days": 20}),
        # 五.3: 以工代训 excludes pre-job training, and the text sets no monthly figure.
        Claim("RG-C-22", "work_based", "factory", "fan", rejected("exclusive_subsidy", "no_rate", clause="五.3"), {"months": 3}),
        Claim("RG-C-23", "work_based", "factory", "pan", rejected("no_rate", clause="五.3"), {"months": 3}),
        # Provided without a figure, or not provided.
        *(
            Claim(f"RG-C-{n}", s, "factory", "zhu", rejected(code, clause=clause))
            for n, (s, code, clause) in enumerate(UNPAID, start=24)
        ),
    ],
)
# fmt: on


def build() -> Builder:
    b = Builder("rugao", "320682", "RG-ZXZ-2020", DOCUMENT, d(2020, 1, 2))
    b.fund("如皋市职业技能提升行动专账", "70000000")
    b.load(TABLES)
    return b
