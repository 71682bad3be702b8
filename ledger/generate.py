"""Synthetic, realistic Kunshan workloads: `skillfund generate --scale S --seed N --out FILE`.

One jurisdiction (Kunshan, 昆政办发〔2020〕67号), trainings over 2020–2021, written as the
command lines `skillfund submit` runs today, plus a side file labelling every planted
pattern of FRAUD_RULES.md so that detectors can be scored for recall later.

How a file is built (each step a section below):
1. **Institutions**: the three departments, evaluation bodies, schools, training
   organisations and enterprises, with Zipf-like sizes (a few big electronics plants,
   many small firms).
2. **Classes** by programme (certificate training by occupation and level, pre-job and
   safety classes at enterprises, special-operation classes, 以工代训 for hardship hires,
   apprenticeships, technician research), each with its sessions (weekdays, weekends,
   evenings or a weekly day, skipping public holidays) and its trainees, drawn from new
   and returning people under the limits a normal person keeps (no overlapping classes,
   at most two trainings a year, never the same occupation and level twice).
3. **Planted patterns**: each planter mutates or adds to the plan and returns a label.
4. **Certificates and claims** are derived from each trainee's outcome.
5. **Expected decisions**: the claims are replayed in file order against the Kunshan
   limits (three a year, one per occupation and level, one claim per certificate,
   pensioners, insured months, attendance, passing), so each labelled rejection names
   the reason code the ledger must give.
6. **Emission**: reference data, then one block per class in order of its start date:
   open_class, enrolments, attendance per session, completions, certificates, claims.

The file is a stream of class blocks in start-date order, so a block's start date is the
"file clock" at that position. ATT-08 (attendance recorded more than 14 days after its
business date) cannot be shown by business dates alone, since a file carries no recorded
times: a planted class writes its opening and enrolments on time, but its attendance,
completions, certificates and claims only after the block of a class that started 20 to
60 days after its last session. The label gives the business dates, that block's date
and the lines of the late attendance (`evidence.deferred_attendance_lines`); a loader
that stamps each block with its date as the recorded time makes the lag a real one.

Money (ledger/generate_money.py, since GENERATOR_VERSION 2): a class's `pay_advance` is
a phase of its block after the enrolments; publicity lists, objections and payments are
dated commands written between the blocks, each after the block holding its claims and
before the first later block dated after it (`MoneyQueue`).

Deterministic: every random choice comes from random.Random streams seeded by
(scale, seed, part); no global random, no clock, no iteration over sets.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from domain.identity import CREDIT_CODE_CHARSET, make_credit_code, make_resident_id
from ledger.generate_money import MONEY_COMMANDS, Money, MoneyQueue, advance_phase, plan_money

FUND_ID = "KS-ZXZ-2020"
JURISDICTION = "kunshan"
KUNSHAN_REGION = "320583"
FUND_OPENED = date(2020, 1, 2)
CLASSES_FROM = date(2020, 3, 2)  # Classes restarted after the 2020 Spring Festival closure.
CLASSES_END_BY = date(2021, 11, 19)  # So that certificates and claims fall in 2021.
LAST_DAY = date(2021, 12, 31)
LABELS_SUFFIX = ".labels.json"
GENERATOR_VERSION = 4  # 2: the money phase (ledger/generate_money.py); 3: publicity lists
# of at most 5,000 claims (a Kunshan month has more than a command list may hold); 4: LIM-02's
# two classes never meet on one day (they were ATT-01 as well), ATT-01 opens a day class when
# a plan has none.

YEAR_TRAININGS_NORMAL_MAX = 2  # A normal person; the rule allows 3 (LIM-01 plants 4).
TRAININGS_NORMAL_MAX = 3  # Over the two years, for a normal person.
RETURNING_SHARE = 0.35  # Of the trainee slots filled by a person already on file.
RETURNING_TRIES = 4
PASS_RATE = {
    "certificate": 0.88,
    "pre_job": 0.97,
    "safety": 0.97,
    "special_operation": 0.9,
    "technician_research": 0.85,
    "apprenticeship": 0.92,
    "work_based": 1.0,
}
ABSENCE_RATE, ABSENCE_RATE_LOW = 0.03, 0.35  # Per session; 4% of trainees attend poorly.
LOW_ATTENDER_SHARE, DROPOUT_SHARE, LATE_SHARE = 0.04, 0.03, 0.03
CERTIFIED_SHARE, CLAIMED_SHARE = 0.97, 0.96
ATTENDANCE_MIN_PERCENT = 80  # Kunshan 十, FRAUD_RULES TRN-02.
TRAININGS_PER_YEAR_MAX = 3  # Kunshan 十四, FRAUD_RULES LIM-01.
CERT06_CLASS_SIZE_MIN = 20
PROGRESS_EVERY = 100_000  # Lines between progress reports on standard error.

# --- Scales and programmes ------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """How big a workload is: trainings planned before planting, and institutions."""

    name: str
    trainings: int
    enterprises: int
    training_orgs: int
    schools: int
    evaluators: int
    class_size_max: int
    class_size_min: int = 3


SCALES: dict[str, Scale] = {
    "small": Scale("small", 75, 8, 3, 1, 2, 9),
    "city": Scale("city", 20_000, 150, 14, 3, 6, 60, 8),
    "kunshan": Scale("kunshan", 200_000, 900, 70, 8, 30, 60, 8),
}


@dataclass(frozen=True)
class Programme:
    """A kind of class: its scheme, share of trainings and size range."""

    key: str
    scheme: str
    share: float
    size: tuple[int, int]


PROGRAMMES = (
    Programme("certificate", "certificate_training", 0.62, (12, 60)),
    Programme("pre_job", "pre_job", 0.15, (10, 50)),
    Programme("work_based", "work_based", 0.08, (3, 12)),
    Programme("safety", "safety", 0.06, (10, 40)),
    Programme("special_operation", "safety", 0.04, (15, 50)),
    Programme("apprenticeship", "apprenticeship", 0.03, (5, 20)),
    Programme("technician_research", "technician_research", 0.02, (8, 25)),
)

ALL_LEVELS = ("junior", "intermediate", "senior", "technician")
LEVEL_WEIGHTS = {"junior": 38, "intermediate": 40, "senior": 18, "technician": 4}
LEVEL_HOURS = {"junior": 40, "intermediate": 64, "senior": 96, "technician": 120}


@dataclass(frozen=True)
class Occupation:
    name: str
    code: str
    weight: int
    levels: tuple[str, ...]
    female: float  # Share of women among its trainees.


OCCUPATIONS = (
    Occupation("电工", "DG", 14, ALL_LEVELS, 0.05),
    Occupation("焊工", "HG", 8, ALL_LEVELS, 0.05),
    Occupation("数控车工", "SK", 7, ALL_LEVELS, 0.1),
    Occupation("钳工", "QG", 5, ALL_LEVELS, 0.1),
    Occupation("电子设备装接工", "DZ", 8, ALL_LEVELS[:3], 0.55),
    Occupation("育婴员", "YY", 7, ALL_LEVELS[:3], 0.97),
    Occupation("养老护理员", "YL", 6, ALL_LEVELS, 0.85),
    Occupation("电子商务师", "DS", 6, ALL_LEVELS[:3], 0.6),
    Occupation("工业机器人系统运维员", "JQ", 5, ALL_LEVELS, 0.1),
    Occupation("中式烹调师", "PT", 6, ALL_LEVELS, 0.3),
    Occupation("车工", "CG", 4, ALL_LEVELS, 0.1),
    Occupation("模具工", "MJ", 3, ALL_LEVELS, 0.1),
    Occupation("汽车维修工", "QX", 4, ALL_LEVELS, 0.05),
    Occupation("企业人力资源管理师", "HR", 4, ALL_LEVELS[1:], 0.7),
    Occupation("西式面点师", "MD", 3, ALL_LEVELS[:3], 0.6),
    Occupation("互联网营销师", "HL", 4, ALL_LEVELS[:3], 0.6),
    Occupation("家政服务员", "JZ", 3, ALL_LEVELS[:3], 0.9),
)
TECHNICAL = ("电工", "焊工", "数控车工", "钳工", "工业机器人系统运维员", "模具工")
SHORTAGE = {
    "KS-JQ-2020": (date(2020, 1, 1), ("电工", "焊工", "数控车工", "工业机器人系统运维员", "钳工")),
    "KS-JQ-2021": (
        date(2021, 1, 1),
        ("电工", "焊工", "数控车工", "工业机器人系统运维员", "模具工", "养老护理员", "育婴员"),
    ),
}
# (operation, code, certificate kind, class hours, cost in yuan)
SPECIAL_OPERATIONS = (
    ("低压电工作业", "DY", "special_operation", 48, 700),
    ("焊接与热切割作业", "RQ", "special_operation", 48, 760),
    ("高处安装、维护、拆除作业", "GC", "special_operation", 32, 600),
    ("叉车司机", "CC", "special_equipment", 40, 900),
    ("起重机司机", "QZ", "special_equipment", 48, 950),
)
PRE_JOB_OCCUPATIONS = (
    "电子设备装接工",
    "半导体芯片制造工",
    "印制电路制作工",
    "机床装调维修工",
    "仓储管理员",
    "质检员",
    "化工总控工",
    "服装制版师",
)
SAFETY_OCCUPATIONS = ("安全生产知识", "有限空间作业安全", "危险化学品安全", "消防安全")

# --- Places and names -------------------------------------------------------------------

REGIONS: dict[str, tuple[tuple[str, ...], int]] = {
    "kunshan": ((KUNSHAN_REGION,), 45),
    "jiangsu": (("320581", "320582", "320585", "320506", "320321", "320382", "320923"), 15),
    "anhui": (("341221", "341222", "341225", "341322", "340421", "341523"), 12),
    "henan": (("411721", "412726", "411526", "410523"), 8),
    "sichuan": (("511621", "513922", "511321"), 5),
    "guizhou": (("522425", "520221"), 4),
    "hubei": (("421122", "420821"), 3),
    "jiangxi": (("360731", "361025"), 3),
    "shandong": (("371326", "372925"), 3),
    "far": (("230183", "620421", "650102", "532621", "150421", "632122"), 2),
}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
    "顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国峰亮成志新海东文"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英梅琳雪燕红萍莉婷倩颖洁璐慧佳蕾晶月琴兰凤云丹薇瑶"
TOWNS = (
    "玉山镇",
    "周市镇",
    "陆家镇",
    "张浦镇",
    "千灯镇",
    "淀山湖镇",
    "巴城镇",
    "锦溪镇",
    "花桥经济开发区",
    "昆山开发区",
    "昆山高新区",
)
ROADS = ("前进东路", "长江北路", "黄浦江路", "青阳路", "马鞍山路", "萧林路", "柏庐路", "中华园路")
FIRM_WORDS = "华瑞精恒信达盛鑫丰泰宏安通联宇创新源明德嘉禾科龙腾富康"
FIRM_TRADES = ("电子", "精密机械", "光电", "汽车零部件", "模具", "新材料", "智能装备", "电路板")
HOLIDAYS = (
    (date(2020, 1, 1), date(2020, 2, 29)),  # New Year, Spring Festival, the 2020 closure.
    (date(2020, 4, 4), date(2020, 4, 6)),
    (date(2020, 5, 1), date(2020, 5, 5)),
    (date(2020, 6, 25), date(2020, 6, 27)),
    (date(2020, 10, 1), date(2020, 10, 8)),
    (date(2021, 1, 1), date(2021, 1, 3)),
    (date(2021, 2, 11), date(2021, 2, 17)),
    (date(2021, 4, 3), date(2021, 4, 5)),
    (date(2021, 5, 1), date(2021, 5, 5)),
    (date(2021, 6, 12), date(2021, 6, 14)),
    (date(2021, 9, 19), date(2021, 9, 21)),
    (date(2021, 10, 1), date(2021, 10, 7)),
)
# Session formats: the weekdays they run on, start, end, hours.
FORMATS: dict[str, tuple[tuple[int, ...], str, str, int]] = {
    "day": ((0, 1, 2, 3, 4), "08:30", "17:30", 8),
    "weekend": ((5, 6), "08:30", "17:30", 8),
    "evening": ((0, 1, 2, 3), "18:30", "21:30", 3),
    "weekly": ((4,), "08:30", "17:30", 8),
}
# Relative volume of class starts by month (COVID spring 2020, Spring Festival 2021).
MONTH_WEIGHTS = {
    (2020, 3): 3, (2020, 4): 6, (2020, 5): 9, (2020, 6): 10, (2020, 7): 10, (2020, 8): 9,
    (2020, 9): 11, (2020, 10): 9, (2020, 11): 11, (2020, 12): 10, (2021, 1): 8,
    (2021, 2): 4, (2021, 3): 10, (2021, 4): 11, (2021, 5): 10, (2021, 6): 10, (2021, 7): 9,
    (2021, 8): 8, (2021, 9): 9, (2021, 10): 6,
}  # fmt: skip

# --- The plan ---------------------------------------------------------------------------


@dataclass(eq=False)
class Institution:
    institution_id: str
    name: str
    kind: str
    registered_on: date
    insured: bool = False
    account: str | None = None
    address: str | None = None
    weight: float = 1.0
    employees: list[Person] = field(default_factory=list)
    planted: bool = False


@dataclass(eq=False)
class Person:
    person_id: str
    name: str
    born: date
    groups: list[str]
    insured_months: int
    employer: Institution | None
    account: str | None
    phone: str | None
    kind: str  # employee, new_hire, hardship or pensioner: how the person came to train.
    pensioner: bool = False
    registered_on: date = FUND_OPENED
    updates: list[tuple[date, dict[str, Any]]] = field(default_factory=list)
    employments: list[tuple[str, date, Institution]] = field(default_factory=list)
    trainings: list[Trainee] = field(default_factory=list)
    planted: bool = False

    def pensioner_on(self, day: date) -> bool:
        value = self.pensioner
        for on, changes in sorted(self.updates, key=lambda item: item[0]):
            if on <= day and "pensioner" in changes:
                value = changes["pensioner"]
        return value


@dataclass(eq=False)
class Klass:
    programme: str
    scheme: str
    institution: Institution
    occupation: str
    level: str | None
    code: str
    fmt: str
    sessions: list[date]
    start: date
    end: date
    class_hours: int
    venue: str
    enterprise_paid: bool = False
    months: int = 0  # 以工代训 months, for work_based classes.
    cost_yuan: int = 0  # Special-operation training fee.
    trainees: list[Trainee] = field(default_factory=list)
    class_id: str = ""
    deferred_to: date | None = None  # ATT-08: the tail of the block is written late.
    planted: bool = False
    advance: dict[str, Any] | None = None  # Its pay_advance command (generate_money).

    @property
    def limit_key(self) -> tuple[str, str]:
        return (self.occupation, self.level or "")


@dataclass(eq=False)
class Certificate:
    certificate_no: str
    person: Person
    kind: str
    occupation: str
    level: str | None
    issued_on: date
    issuer: Institution
    klass: Klass


@dataclass(eq=False)
class Claim:
    claim_id: str
    subsidy: str
    beneficiary_id: str
    person: Person
    filed_on: date
    klass: Klass
    certificate: Certificate | None = None
    months: int | None = None
    days: int | None = None
    amount: str | None = None
    enterprise_paid: bool = False
    expected: str = "approved"  # Or the first reason code the rules give.
    reasons: tuple[str, ...] = ()


@dataclass(eq=False)
class Trainee:
    person: Person
    klass: Klass
    enrolled_on: date
    attendance: list[int]  # Per session: 0 absent, 1 present, 2 arrived an hour late.
    completed_on: date | None
    passed: bool
    forced: bool = False  # A planted trainee: certified and claimed whatever the dice say.
    certificate: Certificate | None = None
    claims: list[Claim] = field(default_factory=list)

    def attended_minutes(self) -> int:
        hours = FORMATS[self.klass.fmt][3]
        return sum(hours * 60 - (60 if mark == 2 else 0) for mark in self.attendance if mark)


@dataclass
class Label:
    """One planted instance of a FRAUD_RULES pattern, with the objects involved."""

    rule: str
    outcome: str  # reject, hold or flag (FRAUD_RULES.md)
    description: str
    people: list[Person] = field(default_factory=list)
    institutions: list[Institution] = field(default_factory=list)
    classes: list[Klass] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    expected_code: str = ""  # For reject patterns: the reason code the rules must give.


@dataclass
class Plan:
    scale: Scale
    seed: int
    institutions: list[Institution] = field(default_factory=list)
    departments: dict[str, Institution] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    classes: list[Klass] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    blocks: list[tuple[date, int, Klass, str]] = field(default_factory=list)
    money: Money = field(default_factory=Money)

    def of_kind(self, kind: str, planted: bool = False) -> list[Institution]:
        return [i for i in self.institutions if i.kind == kind and i.planted == planted]


@dataclass
class GenerateSummary:
    """What `write` produced: counts, the two paths and the file's sha256."""

    scale: str
    seed: int
    out: Path
    labels: Path
    commands: int
    trainings: int
    classes: int
    people: int
    institutions: int
    claims: int
    claims_expected_rejected: int
    planted_patterns: int
    planted_trainings: int
    by_type: dict[str, int]
    sha256: str
    seconds: float
    money: dict[str, int] = field(default_factory=dict)  # Money commands by type.

    def line(self) -> str:
        return (
            f"generated {self.out}: {self.commands} commands, {self.trainings} trainings, "
            f"{self.classes} classes, {self.people} people, {self.claims} claims "
            f"({self.claims_expected_rejected} to be rejected), "
            f"{self.planted_patterns} planted patterns ({self.planted_trainings} trainings); "
            f"money: {', '.join(f'{n} {t}' for t, n in self.money.items()) or 'none'}; "
            f"labels {self.labels}"
        )


# --- Randomness and identifiers ---------------------------------------------------------


def stream(plan: Plan, part: str) -> random.Random:
    """An independent, reproducible random stream for one part of the plan."""
    return random.Random(f"skillfund-generate:{plan.scale.name}:{plan.seed}:{part}")


def weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights)[0]


def spread_code(n: int, width: int) -> str:
    """A unique, random-looking string of the credit-code alphabet for integer n."""
    base = len(CREDIT_CODE_CHARSET)
    value = (n * 387_420_489 + 12_345) % base**width
    chars = []
    for _ in range(width):
        value, digit = divmod(value, base)
        chars.append(CREDIT_CODE_CHARSET[digit])
    return "".join(chars)


class Ids:
    """Unique ids, phones and accounts: each draw is checked against those already issued."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people: set[str] = set()
        self.names: set[tuple[str, date]] = set()
        self.phones: set[str] = set()
        self.accounts: set[str] = set()
        self.institutions = 0

    def person_id(self, region: str, born: date, female: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (0 if female else 1)
            candidate = make_resident_id(region, born, seq)
            if candidate not in self.people:
                self.people.add(candidate)
                return candidate

    def credit_code(self, prefix: str) -> str:
        self.institutions += 1
        return make_credit_code(f"{prefix}{KUNSHAN_REGION}{spread_code(self.institutions, 9)}")

    def phone(self) -> str:
        return self._unique(self.phones, lambda: f"1{self.rng.choice('3578')}{self._digits(9)}")

    def account(self, prefix: str = "6217") -> str:
        return self._unique(self.accounts, lambda: prefix + self._digits(15))

    def name(self, female: bool, born: date) -> str:
        """A name not yet used with this birth date, so DUP-03 pairs are only the planted."""
        while True:
            given = GIVEN_FEMALE if female else GIVEN_MALE
            text = self.rng.choice(SURNAMES) + "".join(
                self.rng.choice(given) for _ in range(self.rng.choice((1, 2, 2)))
            )
            if (text, born) not in self.names:
                self.names.add((text, born))
                return text

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    @staticmethod
    def _unique(seen: set[str], draw: Callable[[], str]) -> str:
        while True:
            value = draw()
            if value not in seen:
                seen.add(value)
                return value


# --- Calendar ---------------------------------------------------------------------------


def is_holiday(day: date) -> bool:
    return any(first <= day <= last for first, last in HOLIDAYS)


def session_days(first: date, fmt: str, count: int) -> list[date]:
    """`count` session days of a format from `first` on, skipping holidays."""
    weekdays = FORMATS[fmt][0]
    days: list[date] = []
    day = first
    while len(days) < count:
        if day.weekday() in weekdays and not is_holiday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def random_start(rng: random.Random, latest: date = CLASSES_END_BY) -> date:
    """A class start day, weighted by month, no later than `latest`."""
    months = [m for m in MONTH_WEIGHTS if date(m[0], m[1], 1) <= latest]
    year, month = weighted(rng, months, [MONTH_WEIGHTS[m] for m in months])
    day = date(year, month, 1) + timedelta(days=rng.randrange(28))
    return max(min(day, latest), CLASSES_FROM)


def clamp(day: date, first: date = FUND_OPENED, last: date = LAST_DAY) -> date:
    return max(first, min(day, last))


def month_of(day: date) -> str:
    return day.isoformat()[:7]


# --- Institutions -----------------------------------------------------------------------


def address(rng: random.Random) -> str:
    return f"昆山市{rng.choice(TOWNS)}{rng.choice(ROADS)}{rng.randrange(1, 999)}号"


def build_institutions(plan: Plan, ids: Ids) -> None:
    """The departments, then evaluators, schools, training organisations, enterprises."""
    rng = stream(plan, "institutions")
    departments = (
        ("hrss", "昆山市人力资源和社会保障局"),
        ("safety", "昆山市应急管理局"),
        ("market", "昆山市市场监督管理局"),
    )
    for key, name in departments:
        inst = Institution(ids.credit_code("11"), name, "department", FUND_OPENED)
        plan.departments[key] = inst
        plan.institutions.append(inst)
    s = plan.scale
    kinds = (
        ("evaluation_org", s.evaluators, "12", "昆山{}职业技能等级认定中心"),
        ("school", s.schools, "12", "昆山{}技工学校"),
        ("training_org", s.training_orgs, "52", "昆山市{}职业培训学校"),
        ("enterprise", s.enterprises, "91", "昆山{}{}有限公司"),
    )
    for kind, count, prefix, pattern in kinds:
        for rank in range(count):
            plan.institutions.append(make_institution(rng, ids, kind, prefix, pattern, rank))


def make_institution(
    rng: random.Random, ids: Ids, kind: str, prefix: str, pattern: str, rank: int
) -> Institution:
    word = "".join(rng.choice(FIRM_WORDS) for _ in range(2))
    name = pattern.format(word, rng.choice(FIRM_TRADES)) + ("" if rank < 10 else f"（{rank}）")
    registered = FUND_OPENED + timedelta(days=rng.randrange(50))
    return Institution(
        institution_id=ids.credit_code(prefix),
        name=name,
        kind=kind,
        registered_on=registered,
        insured=kind != "evaluation_org",
        account=ids.account("6222") if kind != "evaluation_org" else None,
        address=address(rng),
        weight=1.0 / (rank + 1) ** 0.9,  # A few large, many small.
    )


def pick(rng: random.Random, institutions: list[Institution]) -> Institution:
    return weighted(rng, institutions, [i.weight for i in institutions])


# --- People -----------------------------------------------------------------------------


def region_code(rng: random.Random, group: str | None = None) -> str:
    if group is None:
        names = list(REGIONS)
        group = weighted(rng, names, [REGIONS[n][1] for n in names])
    return rng.choice(REGIONS[group][0])


def birth_date(rng: random.Random, oldest: int, youngest: int) -> date:
    return date(oldest, 1, 1) + timedelta(days=rng.randrange((youngest - oldest) * 365))


class People:
    """Makes people of each kind and registers them on the plan."""

    def __init__(self, plan: Plan, ids: Ids) -> None:
        self.plan, self.ids = plan, ids
        self.rng = stream(plan, "people")
        self.enterprises = plan.of_kind("enterprise")

    def make(
        self,
        kind: str,
        employer: Institution | None,
        *,
        female_share: float = 0.4,
        region: str | None = None,
        born: tuple[int, int] = (1966, 2000),
    ) -> Person:
        rng = self.rng
        female = rng.random() < female_share
        birth = birth_date(rng, *born)
        person = Person(
            person_id=self.ids.person_id(region_code(rng, region), birth, female),
            name=self.ids.name(female, birth),
            born=birth,
            groups=self.groups(kind),
            insured_months=self.insured_months(kind, birth),
            employer=employer,
            account=self.ids.account("6214") if rng.random() < 0.9 else None,
            phone=self.ids.phone() if rng.random() < 0.8 else None,
            kind=kind,
            pensioner=kind == "pensioner",
        )
        if employer is not None:
            employer.employees.append(person)
        self.plan.people.append(person)
        return person

    def groups(self, kind: str) -> list[str]:
        rng = self.rng
        if kind == "hardship":
            return [rng.choice(("hardship", "hardship", "zero_employment_family")), "unemployed"]
        if kind == "new_hire":
            return [rng.choice(("rural_migrant", "school_leaver", "college_graduate"))]
        groups = ["enterprise_employee"]
        if rng.random() < 0.25:
            groups.append("rural_migrant")
        if rng.random() < 0.02:
            groups.append("low_income")
        return groups

    def insured_months(self, kind: str, born: date) -> int:
        if kind in ("hardship", "new_hire"):
            return 0 if kind == "hardship" else 1
        working_years = max(1, 2020 - born.year - 18)
        return self.rng.randrange(1, min(working_years * 12, 360) + 1)

    def employee(self, employer: Institution | None = None, **options: Any) -> Person:
        employer = employer or pick(self.rng, self.enterprises)
        return self.make("employee", employer, **options)


# --- Classes ----------------------------------------------------------------------------


def can_take(person: Person, klass: Klass, year_max: int = YEAR_TRAININGS_NORMAL_MAX) -> bool:
    """Whether a person may join a class without breaking a limit or overlapping a class."""
    if person.planted or person.kind in ("pensioner", "hardship") or person.pensioner:
        return False
    if len(person.trainings) >= TRAININGS_NORMAL_MAX and year_max <= YEAR_TRAININGS_NORMAL_MAX:
        return False
    return fits(person, klass, year_max)


def fits(person: Person, klass: Klass, year_max: int) -> bool:
    """No overlap in dates, no occupation and level twice, at most `year_max` a year."""
    same_year = 0
    for t in person.trainings:
        other = t.klass
        if other is klass or other.limit_key == klass.limit_key:
            return False
        if other.start <= klass.end and klass.start <= other.end:
            return False
        same_year += other.end.year == klass.end.year
    return same_year < year_max


def attendance_marks(rng: random.Random, sessions: int, profile: str) -> list[int]:
    """Per-session marks for a normal, low or full attender (full: every session on time)."""
    if profile == "full":
        return [1] * sessions
    absence = ABSENCE_RATE_LOW if profile == "low" else ABSENCE_RATE
    marks = []
    for _ in range(sessions):
        if rng.random() < absence:
            marks.append(0)
        else:
            marks.append(2 if rng.random() < LATE_SHARE else 1)
    return marks


def enrol(
    rng: random.Random, klass: Klass, person: Person, *, profile: str = "", forced: bool = False
) -> Trainee:
    """Add a person to a class with an outcome: attendance, completion, pass or fail."""
    if not profile:
        profile = "low" if rng.random() < LOW_ATTENDER_SHARE else "normal"
    marks = attendance_marks(rng, len(klass.sessions), profile)
    dropped = not forced and profile != "full" and rng.random() < DROPOUT_SHARE
    if dropped and len(marks) > 1:
        cut = rng.randrange(1, len(marks))
        marks[cut:] = [0] * (len(marks) - cut)
    attended = [day for day, mark in zip(klass.sessions, marks, strict=True) if mark]
    passed = forced or (not dropped and rng.random() < PASS_RATE[klass.programme])
    completed = None if dropped else (attended[-1] if attended else klass.end)
    if klass.programme == "work_based":
        completed = None
    enrolled = clamp(klass.start - timedelta(days=rng.randrange(1, 15)))
    trainee = Trainee(person, klass, enrolled, marks, completed, passed, forced)
    klass.trainees.append(trainee)
    person.trainings.append(trainee)
    return trainee


def new_class(
    rng: random.Random,
    programme: str,
    institution: Institution,
    occupation: str,
    level: str | None,
    code: str,
    hours: int,
    start: date,
    fmt: str = "day",
) -> Klass:
    scheme = next(p.scheme for p in PROGRAMMES if p.key == programme)
    session_hours = FORMATS[fmt][3]
    sessions = session_days(start, fmt, max(1, math.ceil(hours / session_hours)))
    venue = institution.address or "昆山市公共实训基地"
    if rng.random() < 0.2:
        venue = "昆山市公共实训基地"
    return Klass(
        programme=programme,
        scheme=scheme,
        institution=institution,
        occupation=occupation,
        level=level,
        code=code,
        fmt=fmt,
        sessions=sessions,
        start=sessions[0],
        end=sessions[-1],
        class_hours=len(sessions) * session_hours,
        venue=venue,
    )


class Classes:
    """Plans the normal classes of every programme and fills them with trainees."""

    def __init__(self, plan: Plan, people: People) -> None:
        self.plan, self.people = plan, people
        self.rng = stream(plan, "classes")
        self.fill_rng = stream(plan, "trainees")
        self.training_orgs = plan.of_kind("training_org")
        self.schools = plan.of_kind("school")
        self.enterprises = plan.of_kind("enterprise")
        self.returning: list[Person] = []  # Employees who may come back for another class.

    def build(self) -> None:
        s = self.plan.scale
        for programme in PROGRAMMES:
            target = max(s.class_size_min, round(s.trainings * programme.share))
            planned = 0
            while planned < target:
                klass = self.make(programme)
                self.fill(klass, self.size(programme, target - planned))
                planned += len(klass.trainees)
                self.plan.classes.append(klass)

    def size(self, programme: Programme, left: int) -> int:
        s = self.plan.scale
        low = min(programme.size[0], s.class_size_max // 2, left)
        high = min(programme.size[1], s.class_size_max)
        return max(s.class_size_min, min(left, self.rng.randint(max(low, 1), max(high, low))))

    def make(self, programme: Programme) -> Klass:
        return getattr(self, f"make_{programme.key}")()

    def make_certificate(self) -> Klass:
        rng = self.rng
        occupation = weighted(rng, list(OCCUPATIONS), [o.weight for o in OCCUPATIONS])
        levels = list(occupation.levels)
        level = weighted(rng, levels, [LEVEL_WEIGHTS[v] for v in levels])
        where = rng.random()
        runner = pick(rng, self.training_orgs if where < 0.7 else self.enterprises)
        if 0.7 <= where < 0.85:
            runner = pick(rng, self.schools)
        fmt = "day" if runner.kind == "school" else weighted(rng, ["day", "weekend"], [5, 4])
        if level == "junior" and rng.random() < 0.25:
            fmt = "evening"
        start = random_start(rng, CLASSES_END_BY - timedelta(days=70))
        klass = new_class(
            rng, "certificate", runner, occupation.name, level, occupation.code,
            LEVEL_HOURS[level], start, fmt,
        )  # fmt: skip
        klass.enterprise_paid = runner.kind == "enterprise" and rng.random() < 0.5
        return klass

    def make_pre_job(self) -> Klass:
        rng = self.rng
        runner = pick(rng, self.enterprises)
        occupation = rng.choice(PRE_JOB_OCCUPATIONS)
        start = random_start(rng)
        return new_class(
            rng, "pre_job", runner, occupation, None, "GQ", rng.choice((24, 32, 40)), start
        )

    def make_safety(self) -> Klass:
        rng = self.rng
        runner = pick(rng, self.enterprises)
        occupation = rng.choice(SAFETY_OCCUPATIONS)
        return new_class(
            rng, "safety", runner, occupation, None, "AQ", rng.choice((16, 24)), random_start(rng)
        )

    def make_special_operation(self) -> Klass:
        rng = self.rng
        operation, code, _kind, hours, cost = rng.choice(SPECIAL_OPERATIONS)
        runner = pick(rng, self.training_orgs)
        start = random_start(rng, CLASSES_END_BY - timedelta(days=40))
        klass = new_class(rng, "special_operation", runner, operation, None, code, hours, start)
        klass.cost_yuan = cost + rng.choice((-100, -50, 0, 0, 50))
        return klass

    def make_technician_research(self) -> Klass:
        rng = self.rng
        runner = pick(rng, self.schools if rng.random() < 0.6 else self.enterprises[:20])
        occupation = rng.choice(TECHNICAL)
        level = weighted(rng, ["technician", "senior_technician"], [4, 1])
        start = random_start(rng, CLASSES_END_BY - timedelta(days=90))
        return new_class(
            rng, "technician_research", runner, occupation, level, "YX",
            rng.choice((120, 144, 160)), start,
        )  # fmt: skip

    def make_apprenticeship(self) -> Klass:
        rng = self.rng
        runner = pick(rng, self.enterprises[: max(3, len(self.enterprises) // 5)])
        occupation = rng.choice((*TECHNICAL, "电子设备装接工"))
        level = weighted(rng, ["intermediate", "senior", "technician"], [5, 4, 1])
        start = random_start(rng, CLASSES_END_BY - timedelta(days=200))
        return new_class(
            rng, "apprenticeship", runner, occupation, level, "XT", 200, start, "weekly"
        )

    def make_work_based(self) -> Klass:
        """以工代训: a wave of hardship hires at an insured enterprise, paid per month."""
        rng = self.rng
        runner = pick(rng, self.enterprises)
        months = rng.choice((3, 4, 5, 6, 6, 6))
        start = random_start(rng, CLASSES_END_BY - timedelta(days=31 * months))
        end = start + timedelta(days=30 * months - 1)
        klass = Klass(
            "work_based", "work_based", runner, rng.choice(PRE_JOB_OCCUPATIONS), None, "YG",
            "day", [], start, end, 40 * months, runner.address or "企业岗位",
        )  # fmt: skip
        klass.months = months
        return klass

    def fill(self, klass: Klass, size: int) -> None:
        for _ in range(size):
            person = self.trainee_for(klass)
            enrol(self.fill_rng, klass, person)
        if klass.programme in ("certificate", "special_operation"):
            self.returning.extend(t.person for t in klass.trainees if t.person.kind == "employee")
        keep_peers_below_full_pass(self.fill_rng, klass)

    def trainee_for(self, klass: Klass) -> Person:
        """A returning employee where one fits, else a new person of the class's kind."""
        rng, programme = self.fill_rng, klass.programme
        employer = klass.institution if klass.institution.kind == "enterprise" else None
        if programme == "pre_job":
            return self.new_hire(klass)
        if programme == "work_based":
            return self.hardship_hire(klass)
        pool = employer.employees if employer is not None else self.returning
        if pool and rng.random() < RETURNING_SHARE:
            for _ in range(RETURNING_TRIES):
                candidate = rng.choice(pool)
                if candidate.kind in ("employee", "new_hire") and can_take(candidate, klass):
                    return candidate
        female = next((o.female for o in OCCUPATIONS if o.name == klass.occupation), 0.3)
        return self.people.employee(employer, female_share=female)

    def new_hire(self, klass: Klass) -> Person:
        person = self.people.make("new_hire", klass.institution, born=(1986, 2002))
        person.registered_on = clamp(klass.start - timedelta(days=self.fill_rng.randrange(3, 20)))
        return person

    def hardship_hire(self, klass: Klass) -> Person:
        """Registered unemployed, then hired on the class's start: update_person and
        record_employment on that day, as 以工代训 requires."""
        rng = self.fill_rng
        person = self.people.make("hardship", None, born=(1966, 1990))
        person.registered_on = clamp(klass.start - timedelta(days=rng.randrange(30, 200)))
        hired = {"employer_id": klass.institution.institution_id, "insured_months": 1}
        person.updates.append((klass.start, hired))
        person.employer = klass.institution
        person.employments.append(("", klass.start, klass.institution))
        return person


def keep_peers_below_full_pass(rng: random.Random, klass: Klass) -> None:
    """A normal class of 20 or more has at least one trainee who did not pass, so that
    CERT-06's peers are below a 100% pass rate."""
    trainees = klass.trainees
    if len(trainees) < CERT06_CLASS_SIZE_MIN or klass.programme == "work_based":
        return
    if all(t.passed for t in trainees):
        rng.choice(trainees).passed = False


# --- Planted patterns -------------------------------------------------------------------

# Instances per 10,000 planned trainings; every scale plants at least one of each.
PLANT_RATES = {
    "CERT-06": 0.3,
    "ID-09": 0.25,
    "INST-02": 0.05,
    "ATT-08": 0.3,
    "ATT-01": 6.0,
    "LIM-01": 1.5,
    "LIM-02": 2.5,
    "ELIG-01": 3.0,
    "TRN-02": 5.0,
    "PAY-01": 1.0,
    "DUP-03": 5.0,
    "INST-03": 0.3,
    "CERT-03": 7.0,
    "CERT-01": 2.0,
    "CERT-02": 2.0,
    "CERT-05": 0.1,
}
OUTCOMES = {
    "LIM-01": "reject",
    "LIM-02": "reject",
    "ELIG-01": "reject",
    "TRN-02": "reject",
    "CERT-01": "reject",
    "CERT-02": "reject",
    "ATT-01": "hold",
    "CERT-03": "hold",
    "PAY-01": "hold",
    "INST-02": "flag",
    "INST-03": "flag",
    "CERT-05": "flag",
    "CERT-06": "flag",
    "ATT-08": "flag",
    "ID-09": "flag",
    "DUP-03": "flag",
}
PAY01_PEOPLE = 5  # "more than 3 different people" on one account.


def plant_count(plan: Plan, rule: str) -> int:
    return max(1, round(plan.scale.trainings * PLANT_RATES[rule] / 10_000))


class Planter:
    """Plants each pattern: structural ones before certificates and claims are derived,
    the others after."""

    def __init__(self, plan: Plan, people: People, ids: Ids) -> None:
        self.plan, self.people, self.ids = plan, people, ids
        self.rng = stream(plan, "planted")

    def label(self, rule: str, description: str, **items: Any) -> Label:
        found = Label(rule, OUTCOMES[rule], description, **items)
        self.plan.labels.append(found)
        return found

    def open_classes(self, programme: str = "certificate", fmt: str = "") -> list[Klass]:
        """Normal classes anyone may join (run by a training organisation or school)."""
        return [
            k
            for k in self.plan.classes
            if k.programme == programme
            and not k.planted
            and k.institution.kind in ("training_org", "school")
            and (not fmt or k.fmt == fmt)
        ]

    def normal_trainees(self, classes: Iterable[Klass]) -> list[Trainee]:
        return [
            t
            for k in classes
            for t in k.trainees
            if not t.person.planted and t.person.kind == "employee" and not t.forced
        ]

    def fresh_class(
        self,
        runner: Institution,
        start: date,
        extras: int,
        level: str = "junior",
        occupation: Occupation | None = None,
    ) -> Klass:
        """A new certificate class, with `extras` ordinary new trainees in it."""
        rng = self.rng
        occupation = occupation or weighted(rng, list(OCCUPATIONS), [o.weight for o in OCCUPATIONS])
        level = level if level in occupation.levels else occupation.levels[0]
        klass = new_class(
            rng, "certificate", runner, occupation.name, level, occupation.code,
            LEVEL_HOURS[level], start,
        )  # fmt: skip
        klass.planted = True
        self.plan.classes.append(klass)
        for _ in range(extras):
            enrol(rng, klass, self.people.employee(female_share=occupation.female))
        return klass

    def other_org(self, *not_these: Institution) -> Institution:
        orgs = [i for i in self.plan.of_kind("training_org") if i not in not_these]
        return pick(self.rng, orgs or self.plan.of_kind("training_org"))

    def run_structural(self) -> None:
        for rule, planter in (
            ("CERT-06", self.cert06),
            ("ID-09", self.id09),
            ("INST-02", self.inst02),
            ("ATT-08", self.att08),
            ("ATT-01", self.att01),
            ("LIM-01", self.lim01),
            ("LIM-02", self.lim02),
            ("ELIG-01", self.elig01),
            ("TRN-02", self.trn02),
            ("PAY-01", self.pay01),
            ("DUP-03", self.dup03),
            ("INST-03", self.inst03),
        ):
            for n in range(plant_count(self.plan, rule)):
                planter(n)

    def run_derived(self) -> None:
        for rule, planter in (
            ("CERT-03", self.cert03),
            ("CERT-01", self.cert01),
            ("CERT-02", self.cert02),
            ("CERT-05", self.cert05),
        ):
            for n in range(plant_count(self.plan, rule)):
                planter(n)

    # Structural patterns.

    def cert06(self, n: int) -> None:
        """CERT-06: a class of 20+ where everyone passes on the same day."""
        rng = self.rng
        big = [k for k in self.open_classes() if len(k.trainees) >= CERT06_CLASS_SIZE_MIN]
        if big:
            klass = rng.choice(big)
        else:
            runner = pick(rng, self.plan.of_kind("training_org"))
            klass = self.fresh_class(runner, random_start(rng, CLASSES_END_BY - timedelta(60)), 0)
            for _ in range(CERT06_CLASS_SIZE_MIN + rng.randrange(6)):
                enrol(rng, klass, self.people.employee(), profile="full", forced=True)
        klass.planted = True
        for t in klass.trainees:
            t.attendance = [1] * len(klass.sessions)
            t.passed, t.completed_on, t.forced = True, klass.end, True
            t.person.planted = True
        self.label(
            "CERT-06",
            f"class of {len(klass.trainees)} with a 100% pass rate, every completion on "
            f"{klass.end}, where peers of 20+ all have failures",
            classes=[klass],
            institutions=[klass.institution],
            people=[t.person for t in klass.trainees],
            evidence={"trainees": len(klass.trainees), "completed_on": klass.end.isoformat()},
        )

    def id09(self, n: int) -> None:
        """ID-09: a class whose trainees' ID numbers are mostly from far provinces."""
        rng = self.rng
        runner = pick(rng, self.plan.of_kind("training_org"))
        size = min(30, max(8, self.plan.scale.class_size_max))
        klass = self.fresh_class(runner, random_start(rng, CLASSES_END_BY - timedelta(60)), 0)
        far = 0
        for i in range(size):
            region = "far" if i < math.ceil(size * 0.85) else "kunshan"
            far += region == "far"
            person = self.people.employee(region=region)
            person.planted = True
            enrol(rng, klass, person, profile="full", forced=True)
        self.label(
            "ID-09",
            f"{far} of {size} trainees have ID region codes of distant provinces "
            f"(Heilongjiang, Gansu, Xinjiang, Yunnan, Inner Mongolia, Qinghai)",
            classes=[klass],
            institutions=[runner],
            people=[t.person for t in klass.trainees],
            evidence={"far_share": round(far / size, 2), "far_prefixes": list(REGIONS["far"][0])},
        )

    def inst02(self, n: int) -> None:
        """INST-02: a training organisation registered weeks ago bursting claims."""
        rng = self.rng
        peers = peer_monthly_trainees(self.plan)
        burst = max(
            math.ceil(1.1 * percentile(peers, 99)) + 10, 2 * self.plan.scale.class_size_min, 12
        )
        registered = date(2021, 3, 1) + timedelta(days=rng.randrange(60) + 30 * n)
        runner = Institution(
            self.ids.credit_code("52"), f"昆山市新航{n + 1}职业技能培训有限公司", "training_org",
            registered, True, self.ids.account("6222"), address(rng), planted=True,
        )  # fmt: skip
        self.plan.institutions.append(runner)
        size = max(self.plan.scale.class_size_min, min(40, self.plan.scale.class_size_max))
        start = session_days(registered + timedelta(days=21), "day", 1)[0]
        classes: list[Klass] = []
        while sum(len(k.trainees) for k in classes) < burst:
            klass = self.fresh_class(runner, start + timedelta(days=rng.randrange(5)), 0)
            for _ in range(size):
                person = self.people.employee()
                person.planted = True
                enrol(rng, klass, person, profile="full", forced=True)
            classes.append(klass)
        self.label(
            "INST-02",
            f"registered {registered}; {burst}+ trainees in {len(classes)} classes within "
            f"weeks, against a peer 99th percentile of {percentile(peers, 99)} a month",
            institutions=[runner],
            classes=classes,
            evidence={
                "registered_on": registered.isoformat(),
                "trainees": sum(len(k.trainees) for k in classes),
                "peer_monthly_p99": percentile(peers, 99),
                "peer_monthly_median": percentile(peers, 50),
            },
        )

    def att08(self, n: int) -> None:
        """ATT-08: a class whose attendance is written after a class that started more than
        14 days after its last session, so the file itself shows the lag."""
        rng = self.rng
        starts = sorted({k.start for k in self.plan.classes})
        candidates = []
        for klass in self.open_classes():
            later = [d for d in starts if klass.end + timedelta(days=20) <= d]
            if later and not klass.deferred_to and later[0] <= klass.end + timedelta(days=60):
                candidates.append((klass, later[0]))
        if not candidates:
            return
        klass, written = rng.choice(candidates)
        klass.planted = True
        klass.deferred_to = written
        self.label(
            "ATT-08",
            f"attendance of {klass.start}..{klass.end} written after the block of a class "
            f"starting {written}, {(written - klass.end).days} days after the last session",
            classes=[klass],
            institutions=[klass.institution],
            people=[t.person for t in klass.trainees],
            evidence={
                "business_dates": [klass.start.isoformat(), klass.end.isoformat()],
                "written_at_block_date": written.isoformat(),
            },
        )

    def att01(self, n: int) -> None:
        """ATT-01: one person in two classes meeting at the same times on the same days."""
        rng = self.rng
        day_classes = self.open_classes(fmt="day")
        if not day_classes:  # A small plan may have none: open one, with a few trainees.
            start = session_days(random_start(rng), "day", 1)[0]
            day_classes = [self.fresh_class(self.other_org(), start, 3)]
        for _ in range(50):
            first = rng.choice(day_classes)
            trainees = self.normal_trainees([first])
            overlapping = [
                k for k in day_classes
                if k.institution is not first.institution and set(k.sessions) & set(first.sessions)
            ]  # fmt: skip
            if not trainees or not overlapping:
                continue
            person, second = rng.choice(trainees).person, rng.choice(overlapping)
            if self.overlap(person, first, second):
                return
        first = rng.choice(day_classes)
        others = [o for o in OCCUPATIONS if o.name != first.occupation]
        occupation = weighted(rng, others, [o.weight for o in others])
        second = self.fresh_class(
            self.other_org(first.institution), first.start, 2, "junior", occupation
        )
        person = rng.choice(self.normal_trainees([first]) or first.trainees).person
        if not self.overlap(person, first, second):
            person = self.people.employee()
            enrol(rng, first, person, profile="full", forced=True)
            self.overlap(person, first, second)

    def overlap(self, person: Person, first: Klass, second: Klass) -> bool:
        """Enrol a trainee of `first` in `second` too, if no limit breaks; label it."""
        others = [t for t in person.trainings if t.klass is not first]
        if any(t.klass.limit_key == second.limit_key for t in person.trainings):
            return False
        if any(not fits_without(person, second, t.klass) for t in others):
            return False
        if sum(t.klass.end.year == second.end.year for t in person.trainings) >= 2:
            return False
        person.planted = True
        for t in person.trainings:
            t.forced, t.passed = True, True
            t.completed_on = t.completed_on or t.klass.end
        enrol(self.rng, second, person, profile="full", forced=True)
        common = sorted(set(first.sessions) & set(second.sessions))
        self.label(
            "ATT-01",
            f"attends {first.occupation} and {second.occupation} at different institutions, "
            f"08:30-17:30 on {len(common)} same days",
            people=[person],
            classes=[first, second],
            institutions=[first.institution, second.institution],
            evidence={"same_days": [d.isoformat() for d in common[:5]]},
        )
        return True

    def lim01(self, n: int) -> None:
        """LIM-01: four trainings in one year; the fourth claim in file order is rejected."""
        rng = self.rng
        person = self.people.employee()
        person.planted = True
        year = rng.choice((2020, 2021))
        chosen: list[Klass] = []
        candidates = [k for k in self.open_classes() if k.end.year == year]
        candidates += [k for k in self.open_classes("special_operation") if k.end.year == year]
        rng.shuffle(candidates)
        for klass in candidates:
            if fits(person, klass, 4) and len(chosen) < 4:
                enrol(rng, klass, person, profile="full", forced=True)
                chosen.append(klass)
        month = 3
        while len(chosen) < 4:  # Few classes at this scale: open new ones, a month apart.
            start = session_days(date(year, month, 1), "day", 1)[0]
            klass = self.fresh_class(self.other_org(), start, 2)
            month += 2
            if fits(person, klass, 4):
                enrol(rng, klass, person, profile="full", forced=True)
                chosen.append(klass)
        self.label(
            "LIM-01",
            f"four subsidised trainings ending in {year}; the fourth claim filed is rejected",
            people=[person],
            classes=chosen,
            expected_code="annual_limit",
            evidence={"year": year},
        )

    def lim02(self, n: int) -> None:
        """LIM-02: the same occupation and level trained and claimed twice."""
        rng = self.rng
        by_key: dict[tuple[str, str], list[Klass]] = defaultdict(list)
        for k in self.open_classes():
            by_key[k.limit_key].append(k)
        keys = [key for key, ks in by_key.items() if len(ks) > 1]
        person = self.people.employee()
        person.planted = True
        for _ in range(50 if keys else 0):
            first, second = rng.sample(by_key[rng.choice(keys)], 2)
            if first.institution is not second.institution and self.twice(person, first, second):
                return
        first = rng.choice(self.open_classes())
        occupation = next(o for o in OCCUPATIONS if o.name == first.occupation)
        later = session_days(first.end + timedelta(days=30), "day", 1)[0]
        if later.year > first.end.year or later > CLASSES_END_BY - timedelta(days=70):
            later = session_days(first.start - timedelta(days=60), "day", 1)[0]
        runner = self.other_org(first.institution)
        second = self.fresh_class(runner, later, 2, first.level or "junior", occupation)
        self.twice(person, first, second)

    def twice(self, person: Person, first: Klass, second: Klass) -> bool:
        """Enrol the person in both classes, if they never meet on one day (that would be
        ATT-01 too) and no limit breaks; label it."""
        if first.start <= second.end and second.start <= first.end:
            return False
        if not (fits(person, first, 3) and fits_without(person, second, first)):
            return False
        enrol(self.rng, first, person, profile="full", forced=True)
        enrol(self.rng, second, person, profile="full", forced=True)
        self.label(
            "LIM-02",
            f"{first.occupation} at level {first.level} twice, at two institutions; "
            f"the later claim is rejected",
            people=[person],
            classes=[first, second],
            expected_code="same_occupation_level",
        )
        return True

    def elig01(self, n: int) -> None:
        """ELIG-01: a pensioner on a class roster (the national audit's retirees)."""
        rng = self.rng
        klass = rng.choice(self.open_classes())
        person = self.people.make("employee", None, born=(1955, 1961))
        person.planted = True
        person.insured_months = rng.randrange(180, 400)
        if n % 2:  # Retires shortly before the class ends: an update in force by then.
            retired = klass.start - timedelta(days=rng.randrange(1, 60))
            person.updates.append((clamp(retired), {"pensioner": True}))
        else:
            person.pensioner = True
        enrol(rng, klass, person, profile="full", forced=True)
        self.label(
            "ELIG-01",
            "a person drawing a monthly pension trained and claimed",
            people=[person],
            classes=[klass],
            expected_code="pensioner",
        )

    def trn02(self, n: int) -> None:
        """TRN-02: a pre-job trainee who passed with under 80% attendance."""
        rng = self.rng
        classes = [
            k for k in self.plan.classes if k.programme == "pre_job" and len(k.sessions) >= 3
        ]
        klass = rng.choice(classes)
        trainee = rng.choice(klass.trainees)
        sessions = len(klass.sessions)
        absent = rng.sample(range(sessions), max(1, math.ceil(sessions * 0.3)))
        trainee.attendance = [0 if i in absent else 1 for i in range(sessions)]
        trainee.passed, trainee.forced, trainee.completed_on = True, True, klass.end
        trainee.person.planted = True
        self.label(
            "TRN-02",
            f"attended {sessions - len(absent)} of {sessions} sessions, below 80%, yet claimed",
            people=[trainee.person],
            classes=[klass],
            institutions=[klass.institution],
            expected_code="attendance_below_minimum",
        )

    def pay01(self, n: int) -> None:
        """PAY-01: one bank account receiving personal subsidies of five people."""
        rng = self.rng
        runner = pick(rng, self.plan.of_kind("training_org"))
        trainees = self.normal_trainees(k for k in self.open_classes() if k.institution is runner)
        if len(trainees) < PAY01_PEOPLE:
            trainees = self.normal_trainees(self.open_classes())
        account = self.ids.account("6228")
        chosen = rng.sample(trainees, PAY01_PEOPLE)
        for t in chosen:
            t.person.account, t.person.planted, t.forced, t.passed = account, True, True, True
            t.completed_on = t.completed_on or t.klass.end
        self.label(
            "PAY-01",
            f"{PAY01_PEOPLE} people's personal subsidies paid into one account {account}",
            people=[t.person for t in chosen],
            classes=unique_classes(t.klass for t in chosen),
            evidence={"account": account},
        )

    def dup03(self, n: int) -> None:
        """DUP-03: one person under two ID numbers (same name and birth date), or two
        records sharing a phone; the second trains again in the same occupation and level."""
        rng = self.rng
        original = rng.choice(self.normal_trainees(self.open_classes()))
        a = original.person
        same_key = [
            k for k in self.open_classes()
            if k.limit_key == original.klass.limit_key and k is not original.klass
        ]  # fmt: skip
        female = int(a.person_id[16]) % 2 == 0
        by_name = n % 2 == 0
        b = self.people.employee(female_share=1.0 if female else 0.0)
        if by_name:
            b.name, b.born = a.name, a.born
            b.person_id = self.ids.person_id(region_code(rng, "anhui"), a.born, female)
        else:
            b.phone = a.phone or self.ids.phone()
            a.phone = b.phone
        a.planted = b.planted = True
        original.forced, original.passed = True, True
        original.completed_on = original.completed_on or original.klass.end
        klass = next((k for k in same_key if fits(b, k, 2)), None) or rng.choice(
            self.open_classes()
        )
        enrol(rng, klass, b, profile="full", forced=True)
        how = "same name and birth date" if by_name else f"same phone {b.phone}"
        self.label(
            "DUP-03",
            f"two ID numbers, {how}; both trained in {klass.occupation}",
            people=[a, b],
            classes=[original.klass, klass],
            evidence={"match": "name_birth_date" if by_name else "phone"},
        )

    def inst03(self, n: int) -> None:
        """INST-03: two institutions sharing a bank account, or an address."""
        rng = self.rng
        orgs = [i for i in self.plan.of_kind("training_org") if i.account]
        first = rng.choice(orgs)
        others = [i for i in self.plan.of_kind("enterprise") + orgs if i is not first]
        second = rng.choice(others)
        if n % 2 == 0:
            second.account = first.account
            shared = {"account": first.account}
        else:
            second.address = first.address
            shared = {"address": first.address}
        self.label(
            "INST-03",
            f"{first.name} and {second.name} share {next(iter(shared))}",
            institutions=[first, second],
            evidence=shared,
        )

    # Patterns planted on derived certificates and claims.

    def cert03(self, n: int) -> None:
        """CERT-03: a certificate dated before the holder enrolled."""
        rng = self.rng
        for _ in range(50):
            t = rng.choice(self.normal_trainees(self.open_classes()))
            cert = t.certificate
            if cert is None or not t.claims or t.enrolled_on < date(2020, 3, 1):
                continue
            cert.issued_on = t.enrolled_on - timedelta(days=rng.randrange(3, 40))
            t.person.planted = True
            self.label(
                "CERT-03",
                f"certificate issued {cert.issued_on}, before enrolment on {t.enrolled_on} "
                f"and the class start on {t.klass.start}",
                people=[t.person],
                classes=[t.klass],
                certificates=[cert],
                claims=list(t.claims),
            )
            return

    def cert01(self, n: int) -> None:
        """CERT-01: a claim resting on a classmate's certificate."""
        rng = self.rng
        for attempt in range(50):
            klass = rng.choice(self.open_classes())
            holders = [
                t for t in klass.trainees if t.certificate and t.claims and not t.person.planted
            ]
            others = [t for t in self.normal_trainees([klass]) if not t.claims]
            if not others and attempt > 25:  # Few classes: a classmate with a claim will do.
                others = [t for t in self.normal_trainees([klass]) if t not in holders[:1]]
            if not holders or not others:
                continue
            holder, claimant = rng.choice(holders), rng.choice(others)
            good = holder.claims[0]
            bad = Claim(
                "", "skill_upgrade", claimant.person.person_id, claimant.person,
                good.filed_on - timedelta(days=1), klass, holder.certificate,
            )  # fmt: skip
            claimant.claims.append(bad)
            claimant.person.planted = holder.person.planted = True
            self.label(
                "CERT-01",
                "a claim filed on a classmate's certificate",
                people=[claimant.person, holder.person],
                classes=[klass],
                claims=[bad],
                certificates=[holder.certificate] if holder.certificate else [],
                expected_code="certificate_of_another_person",
            )
            return

    def cert02(self, n: int) -> None:
        """CERT-02: the employee claims on a certificate the employer already claimed."""
        rng = self.rng
        paid = [
            t for k in self.plan.classes if k.enterprise_paid and not k.planted
            for t in k.trainees if t.claims and t.certificate and not t.person.planted
        ]  # fmt: skip
        t = (
            rng.choice(paid)
            if paid
            else rng.choice(
                [t for t in self.normal_trainees(self.open_classes()) if t.claims and t.certificate]
            )
        )
        first = t.claims[0]
        second = Claim(
            "", "skill_upgrade", t.person.person_id, t.person,
            first.filed_on + timedelta(days=rng.randrange(5, 30)), t.klass, t.certificate,
        )  # fmt: skip
        t.claims.append(second)
        t.person.planted = True
        self.label(
            "CERT-02",
            "a second claim on a certificate that already founded a claim"
            + (" (the enterprise's)" if first.enterprise_paid else ""),
            people=[t.person],
            classes=[t.klass],
            claims=[first, second],
            certificates=[t.certificate] if t.certificate else [],
            expected_code="certificate_already_claimed",
        )

    def cert05(self, n: int) -> None:
        """CERT-05: an evaluation body registered last month issuing far above its peers."""
        rng = self.rng
        evaluators = self.plan.of_kind("evaluation_org")
        volumes = issuer_monthly_volumes(self.plan, evaluators)
        burst = max(3 * percentile(volumes, 50), percentile(volumes, 90) + 5, 8)
        month_first = date(2021, 5 + n % 5, 1)
        body = Institution(
            self.ids.credit_code("91"), f"昆山市速达{n + 1}职业技能评价有限公司", "evaluation_org",
            month_first - timedelta(days=rng.randrange(10, 25)), planted=True,
        )  # fmt: skip
        self.plan.institutions.append(body)
        month_last = month_first + timedelta(days=27)
        pool = [
            t for k in self.open_classes() for t in k.trainees
            if t.certificate and t.certificate.kind == "skill_level" and not t.person.planted
            and k.end < month_last - timedelta(days=3)
            and abs((t.certificate.issued_on - month_first).days) < 60
        ]  # fmt: skip
        chosen = rng.sample(pool, min(burst, len(pool)))
        for t in chosen:
            cert = t.certificate
            assert cert is not None
            first = max(month_first, t.klass.end + timedelta(days=3))
            cert.issuer = body
            cert.issued_on = first + timedelta(
                days=rng.randrange(max(1, (month_last - first).days))
            )
            t.person.planted = True
            for claim in t.claims:
                claim.filed_on = max(claim.filed_on, cert.issued_on + timedelta(days=3))
        self.label(
            "CERT-05",
            f"registered {body.registered_on}; {len(chosen)} certificates in "
            f"{month_of(month_first)} against a peer median of {percentile(volumes, 50)} a month",
            institutions=[body],
            certificates=[t.certificate for t in chosen if t.certificate],
            claims=[c for t in chosen for c in t.claims if c.certificate is t.certificate],
            people=[t.person for t in chosen],
            classes=unique_classes(t.klass for t in chosen),
            evidence={
                "month": month_of(month_first),
                "certificates": len(chosen),
                "peer_monthly_median": percentile(volumes, 50),
                "peer_monthly_p90": percentile(volumes, 90),
            },
        )


def fits_without(person: Person, klass: Klass, ignore: Klass) -> bool:
    """Whether `klass` fits the person apart from `ignore` (a class about to be joined)."""
    for t in person.trainings:
        other = t.klass
        if other is ignore:
            continue
        if other.limit_key == klass.limit_key or (
            other.start <= klass.end and klass.start <= other.end
        ):
            return False
    return True


def unique_classes(classes: Iterable[Klass]) -> list[Klass]:
    return list({id(k): k for k in classes}.values())


def percentile(values: list[int], p: int) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, (len(ordered) * p) // 100)]


def peer_monthly_trainees(plan: Plan) -> list[int]:
    counts: Counter[tuple[str, str]] = Counter()
    for k in plan.classes:
        if k.institution.kind == "training_org" and not k.institution.planted:
            counts[(k.institution.institution_id, month_of(k.end))] += len(k.trainees)
    return list(counts.values())


def issuer_monthly_volumes(plan: Plan, issuers: list[Institution]) -> list[int]:
    wanted = {id(i) for i in issuers}
    counts: Counter[tuple[int, str]] = Counter()
    for k in plan.classes:
        for t in k.trainees:
            if t.certificate and id(t.certificate.issuer) in wanted:
                counts[(id(t.certificate.issuer), month_of(t.certificate.issued_on))] += 1
    return list(counts.values())


# --- Certificates and claims --------------------------------------------------------------

NOT_TRAININGS = ("living_allowance", "work_based")  # As rules.shared.NOT_TRAININGS.
CLASS_CHECKED = ("pre_job", "safety", "technician_research", "apprenticeship")


class Deriver:
    """Certificates and claims from each trainee's outcome, in file order."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rng = stream(plan, "derived")
        self.evaluators = plan.of_kind("evaluation_org")

    def run(self) -> None:
        for klass in classes_in_file_order(self.plan):
            for t in klass.trainees:
                t.certificate = self.certificate_for(t)
                t.claims.extend(self.claims_for(t))

    def days(self, low: int, high: int) -> timedelta:
        return timedelta(days=self.rng.randint(low, high))

    def certificate_for(self, t: Trainee) -> Certificate | None:
        k, rng = t.klass, self.rng
        if not (t.passed and t.completed_on) or k.programme in ("pre_job", "safety", "work_based"):
            return None
        share = {"certificate": CERTIFIED_SHARE, "technician_research": 0.7, "apprenticeship": 0.8}
        if not t.forced and rng.random() >= share.get(k.programme, CERTIFIED_SHARE):
            return None
        issued = clamp(t.completed_on + self.days(10, 35), last=LAST_DAY - timedelta(days=5))
        if k.programme == "special_operation":
            kind = next(op[2] for op in SPECIAL_OPERATIONS if op[0] == k.occupation)
            key = "safety" if kind == "special_operation" else "market"
            issuer = self.plan.departments[key]
            return Certificate("", t.person, kind, k.occupation, None, issued, issuer, k)
        kind = "skill_level"
        issuer = pick(rng, self.evaluators)
        if k.programme == "certificate" and rng.random() < 0.15:
            kind, issuer = "vocational_qualification", self.plan.departments["hrss"]
        return Certificate("", t.person, kind, k.occupation, k.level, issued, issuer, k)

    def claims_for(self, t: Trainee) -> list[Claim]:
        k, rng, person = t.klass, self.rng, t.person
        cert = t.certificate
        done = t.passed and t.completed_on is not None
        claim = None
        if k.programme == "work_based":
            filed = clamp(k.end + self.days(5, 20))
            claim = Claim(
                "", "work_based", k.institution.institution_id, person, filed, k, months=k.months
            )
        elif k.programme in ("certificate", "special_operation"):
            if cert is not None and (t.forced or rng.random() < CLAIMED_SHARE):
                claim = self.certificate_claim(t, cert)
        elif done:
            filed = clamp((cert.issued_on if cert else k.end) + self.days(5, 30))
            subsidy = "safety" if k.programme == "safety" else k.programme
            claim = Claim("", subsidy, k.institution.institution_id, person, filed, k, cert)
        claims = [claim] if claim else []
        if "low_income" in person.groups and k.programme == "certificate" and t.completed_on:
            filed = clamp(k.end + self.days(5, 20))
            claims.append(
                Claim(
                    "", "living_allowance", person.person_id, person, filed, k, days=len(k.sessions)
                )
            )
        return claims

    def certificate_claim(self, t: Trainee, cert: Certificate) -> Claim:
        k, person = t.klass, t.person
        filed = clamp(cert.issued_on + self.days(3, 40))
        if k.programme == "special_operation":
            claim = Claim("", "special_operation", person.person_id, person, filed, k, cert)
            claim.amount = str(k.cost_yuan)
            return claim
        if k.enterprise_paid:
            claim = Claim("", "skill_upgrade", k.institution.institution_id, person, filed, k, cert)
            claim.enterprise_paid = True
            return claim
        return Claim("", "skill_upgrade", person.person_id, person, filed, k, cert)


# --- File order, numbering and expected decisions ------------------------------------------


def order_blocks(plan: Plan) -> None:
    """Class blocks by date: a normal class is one block at its start; an ATT-08 class is a
    head (opening, enrolments) at its start and a tail at its deferred date."""
    plan.classes.sort(key=lambda k: (k.start, k.programme, k.occupation))
    blocks: list[tuple[date, int, Klass, str]] = []
    late = len(plan.classes)  # A deferred tail goes after the blocks of its date.
    for index, klass in enumerate(plan.classes):
        if klass.deferred_to is None:
            blocks.append((klass.start, index, klass, "all"))
        else:
            blocks.append((klass.start, index, klass, "head"))
            blocks.append((klass.deferred_to, late + index, klass, "tail"))
    plan.blocks = sorted(blocks, key=lambda b: (b[0], b[1]))
    numbers: Counter[tuple[int, str]] = Counter()
    for klass in plan.classes:
        numbers[(klass.start.year, klass.code)] += 1
        klass.class_id = (
            f"KS-{klass.start.year}-{klass.code}-{numbers[(klass.start.year, klass.code)]:05d}"
        )


def classes_in_file_order(plan: Plan) -> Iterator[Klass]:
    """Classes in the order their certificates and claims are written."""
    for _day, _index, klass, part in plan.blocks:
        if part != "head":
            yield klass


def class_claims(klass: Klass) -> list[Claim]:
    """A class's claims in the order written: by filing date, then as derived."""
    claims = [c for t in klass.trainees for c in t.claims]
    return sorted(claims, key=lambda c: c.filed_on)


def number_documents(plan: Plan) -> None:
    """Certificate numbers and claim ids, sequential in file order."""
    seq: Counter[str] = Counter()
    prefixes = {"special_operation": "KS-TZ", "special_equipment": "KS-TS"}
    for klass in classes_in_file_order(plan):
        for t in klass.trainees:
            cert = t.certificate
            if cert is not None:
                prefix = prefixes.get(cert.kind, "KS-ZS")
                seq[prefix] += 1
                cert.certificate_no = f"{prefix}-{cert.issued_on.year}-{seq[prefix]:06d}"
        for claim in class_claims(klass):
            seq["claim"] += 1
            claim.claim_id = f"KS-C-{claim.filed_on.year}-{seq['claim']:07d}"


@dataclass
class Limits:
    """What the limit aggregates would hold, replayed in file order."""

    annual: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    occupation_level: dict[tuple[str, str, str], str] = field(default_factory=dict)
    certificates: dict[int, Claim] = field(default_factory=dict)


def expect_decisions(plan: Plan) -> None:
    """Predict each claim's decision as the Kunshan rules give it, in file order."""
    trainees = {(id(t.klass), id(t.person)): t for k in plan.classes for t in k.trainees}
    limits = Limits()
    for klass in classes_in_file_order(plan):
        for claim in class_claims(klass):
            trainee = trainees[(id(klass), id(claim.person))]
            claim.reasons = tuple(claim_reasons(claim, trainee, limits))
            claim.expected = claim.reasons[0] if claim.reasons else "approved"
            if not claim.reasons:
                record_limits(claim, limits)


def claim_reasons(claim: Claim, t: Trainee, limits: Limits) -> list[str]:
    k, cert, person = claim.klass, claim.certificate, claim.person
    reasons = []
    if person.pensioner_on(k.end):
        reasons.append("pensioner")
    if cert is not None and cert.person is not person:
        reasons.append("certificate_of_another_person")
    if cert is not None and id(cert) in limits.certificates:
        reasons.append("certificate_already_claimed")
    if claim.subsidy in CLASS_CHECKED and not (t.passed and t.completed_on):
        reasons.append("training_not_passed")
    attended_too_little = t.attended_minutes() * 100 < k.class_hours * 60 * ATTENDANCE_MIN_PERCENT
    if claim.subsidy in (*CLASS_CHECKED, "living_allowance") and attended_too_little:
        reasons.append("attendance_below_minimum")
    if claim.subsidy not in NOT_TRAININGS:
        key, year = k.class_id, k.end.year
        taken = limits.annual[(person.person_id, year)]
        if key not in taken and len(taken) >= TRAININGS_PER_YEAR_MAX:
            reasons.append("annual_limit")
        used = limits.occupation_level.get(occupation_level(claim))
        if used is not None and used != key:
            reasons.append("same_occupation_level")
    return reasons


def occupation_level(claim: Claim) -> tuple[str, str, str]:
    cert, k = claim.certificate, claim.klass
    occupation = cert.occupation if cert else k.occupation
    level = (cert.level if cert and cert.level else k.level) or ""
    return (claim.person.person_id, occupation, level)


def record_limits(claim: Claim, limits: Limits) -> None:
    if claim.subsidy not in NOT_TRAININGS:
        taken = limits.annual[(claim.person.person_id, claim.klass.end.year)]
        if claim.klass.class_id not in taken:
            taken.append(claim.klass.class_id)
        limits.occupation_level.setdefault(occupation_level(claim), claim.klass.class_id)
    if claim.certificate is not None:
        limits.certificates[id(claim.certificate)] = claim


# --- Building the plan ------------------------------------------------------------------


def build_plan(scale: str, seed: int) -> Plan:
    """Everything a file holds, decided before a line is written."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    plan = Plan(SCALES[scale], seed)
    ids = Ids(stream(plan, "ids"))
    build_institutions(plan, ids)
    people = People(plan, ids)
    Classes(plan, people).build()
    planter = Planter(plan, people, ids)
    planter.run_structural()
    settle_registrations(plan)
    order_blocks(plan)
    Deriver(plan).run()
    planter.run_derived()
    number_documents(plan)
    expect_decisions(plan)
    complete_labels(plan)
    plan.money = plan_money(plan, FUND_ID, JURISDICTION, LAST_DAY)
    return plan


def settle_registrations(plan: Plan) -> None:
    """Each person is registered shortly before a first enrolment (a hardship hire when
    first unemployed, a retiree before retiring), never before the employer."""
    rng = stream(plan, "registrations")
    for person in plan.people:
        first = min((t.enrolled_on for t in person.trainings), default=CLASSES_FROM)
        if person.kind == "hardship":
            continue
        if person.kind == "new_hire":
            person.registered_on = min(person.registered_on, first)
        else:
            person.registered_on = first - timedelta(days=rng.randrange(61))
        for on, _changes in person.updates:
            person.registered_on = min(person.registered_on, on - timedelta(days=30))
        employer_since = person.employer.registered_on if person.employer else FUND_OPENED
        person.registered_on = clamp(person.registered_on, first=employer_since)


def complete_labels(plan: Plan) -> None:
    """Fill each label's claims and certificates from its classes and people, and the
    claims a reject pattern expects rejected with its reason code."""
    for label in plan.labels:
        chosen = label.people
        picked = [t for k in label.classes for t in k.trainees if not chosen or t.person in chosen]
        if not label.claims:
            label.claims = [c for t in picked for c in t.claims]
        if not label.certificates:
            label.certificates = [t.certificate for t in picked if t.certificate]
        if label.expected_code:
            label.evidence["expected"] = {
                c.claim_id: label.expected_code
                for c in label.claims
                if label.expected_code in c.reasons
            }


# --- Emission ---------------------------------------------------------------------------


def shift(hhmm: str, minutes: int) -> str:
    total = int(hhmm[:2]) * 60 + int(hhmm[3:]) + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def reference_commands(plan: Plan) -> Iterator[dict[str, Any]]:
    """The fund, its deposits, the shortage catalogs, institutions and people."""
    yield {
        "type": "open_fund",
        "fund_id": FUND_ID,
        "jurisdiction": JURISDICTION,
        "name": "昆山市职业技能提升行动专账",
        "date": FUND_OPENED.isoformat(),
    }
    yield from deposits(plan)
    for catalog_id, (effective, occupations) in SHORTAGE.items():
        yield {
            "type": "publish_catalog",
            "catalog_id": catalog_id,
            "jurisdiction": JURISDICTION,
            "kind": "shortage_occupations",
            "effective_from": effective.isoformat(),
            "entries": [{"occupation": o} for o in occupations],
        }
    for inst in sorted(plan.institutions, key=lambda i: i.registered_on):
        yield institution_command(inst)
    for person in sorted(plan.people, key=lambda p: p.registered_on):
        yield person_command(person)
    yield from person_changes(plan)


def deposits(plan: Plan) -> Iterator[dict[str, Any]]:
    """十五.1's 248,000,000 from the unemployment-insurance surplus, then quarterly
    employment-subsidy transfers in proportion to the scale."""
    rng = stream(plan, "deposits")
    yield {
        "type": "deposit",
        "deposit_id": "KS-DEP-0001",
        "fund_id": FUND_ID,
        "amount": "248000000",
        "channel": "unemployment_insurance_surplus",
        "date": "2020-06-01",
        "reference": "昆政办发〔2020〕67号 十五.1 失业保险基金滚存结余20%",
    }
    factor = plan.scale.trainings / SCALES["kunshan"].trainings
    for n, quarter in enumerate(("2020-04-01", "2020-07-01", "2020-10-09", "2021-01-04",
                                 "2021-04-01", "2021-07-01", "2021-10-08"), start=2):  # fmt: skip
        amount = max(10_000, round(rng.uniform(2_000_000, 6_000_000) * factor, -4))
        yield {
            "type": "deposit",
            "deposit_id": f"KS-DEP-{n:04d}",
            "fund_id": FUND_ID,
            "amount": str(int(amount)),
            "channel": "employment_subsidy",
            "date": quarter,
            "reference": f"就业补助资金 {quarter[:7]}",
        }


def institution_command(inst: Institution) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "register_institution",
        "institution_id": inst.institution_id,
        "name": inst.name,
        "kind": inst.kind,
        "jurisdiction": JURISDICTION,
        "date": inst.registered_on.isoformat(),
        "insured": inst.insured,
    }
    if inst.account:
        data["account"] = inst.account
    if inst.address:
        data["address"] = inst.address
    return data


def person_command(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "register_person",
        "person_id": person.person_id,
        "name": person.name,
        "date": person.registered_on.isoformat(),
        "jurisdiction": JURISDICTION,
        "groups": sorted(person.groups),
        "insured_months": person.insured_months,
    }
    if person.pensioner:
        data["pensioner"] = True
    if person.employer is not None and person.kind != "hardship":
        data["employer_id"] = person.employer.institution_id
    if person.account:
        data["account"] = person.account
    if person.phone:
        data["phone"] = person.phone
    return data


def person_changes(plan: Plan) -> Iterator[dict[str, Any]]:
    """update_person and record_employment, by date: hires of hardship people, retirements."""
    changes: list[tuple[date, int, dict[str, Any]]] = []
    employments = 0
    for index, person in enumerate(plan.people):
        for on, facts in person.updates:
            update = {
                "type": "update_person",
                "person_id": person.person_id,
                "date": on.isoformat(),
            }
            changes.append((on, index, update | facts))
        for _eid, on, employer in person.employments:
            employments += 1
            placed = {
                "type": "record_employment",
                "employment_id": f"KS-JY-{employments:07d}",
                "person_id": person.person_id,
                "employer_id": employer.institution_id,
                "date": on.isoformat(),
            }
            changes.append((on, index, placed))
    for _on, _index, command in sorted(changes, key=lambda c: (c[0], c[1])):
        yield command


def opening_phase(klass: Klass) -> Iterator[dict[str, Any]]:
    data: dict[str, Any] = {
        "type": "open_class",
        "class_id": klass.class_id,
        "fund_id": FUND_ID,
        "institution_id": klass.institution.institution_id,
        "scheme": klass.scheme,
        "occupation": klass.occupation,
    }
    if klass.level:
        data["level"] = klass.level
    data |= {
        "start_date": klass.start.isoformat(),
        "end_date": klass.end.isoformat(),
        "class_hours": klass.class_hours,
        "venue": klass.venue,
    }
    yield data


def enrolment_phase(klass: Klass) -> Iterator[dict[str, Any]]:
    for t in klass.trainees:
        yield {
            "type": "enroll",
            "class_id": klass.class_id,
            "person_id": t.person.person_id,
            "date": t.enrolled_on.isoformat(),
        }


def attendance_phase(klass: Klass) -> Iterator[dict[str, Any]]:
    """One record per trainee per session attended, session by session (the roster)."""
    _weekdays, start, end, hours = FORMATS[klass.fmt]
    for index, day in enumerate(klass.sessions):
        for t in klass.trainees:
            mark = t.attendance[index]
            if not mark:
                continue
            late = mark == 2
            yield {
                "type": "record_attendance",
                "class_id": klass.class_id,
                "person_id": t.person.person_id,
                "date": day.isoformat(),
                "hours": hours - 1 if late else hours,
                "start": shift(start, 60) if late else start,
                "end": end,
            }


def completion_phase(klass: Klass) -> Iterator[dict[str, Any]]:
    for t in klass.trainees:
        if t.completed_on is not None:
            yield {
                "type": "complete_training",
                "class_id": klass.class_id,
                "person_id": t.person.person_id,
                "date": t.completed_on.isoformat(),
                "passed": t.passed,
            }


def certificate_phase(klass: Klass) -> Iterator[dict[str, Any]]:
    for t in klass.trainees:
        cert = t.certificate
        if cert is None:
            continue
        data: dict[str, Any] = {
            "type": "issue_certificate",
            "certificate_no": cert.certificate_no,
            "person_id": cert.person.person_id,
            "kind": cert.kind,
            "occupation": cert.occupation,
        }
        if cert.level:
            data["level"] = cert.level
        data |= {
            "issued_on": cert.issued_on.isoformat(),
            "issuer_id": cert.issuer.institution_id,
            "issued_in": JURISDICTION,
        }
        yield data


def claims_phase(klass: Klass) -> Iterator[dict[str, Any]]:
    for claim in class_claims(klass):
        yield claim_command(claim)


def claim_command(claim: Claim) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "file_claim",
        "claim_id": claim.claim_id,
        "fund_id": FUND_ID,
        "date": claim.filed_on.isoformat(),
        "subsidy": claim.subsidy,
        "beneficiary_id": claim.beneficiary_id,
        "person_id": claim.person.person_id,
        "class_id": claim.klass.class_id,
    }
    if claim.certificate is not None:
        data["certificate_no"] = claim.certificate.certificate_no
    for name in ("months", "days", "amount"):
        if getattr(claim, name) is not None:
            data[name] = getattr(claim, name)
    if claim.enterprise_paid:
        data["enterprise_paid"] = True
    return data


# The phases of a class block, in order; publicity and payments go between blocks.
ClassPhase = Callable[[Klass], Iterator[dict[str, Any]]]
CLASS_PHASES: tuple[ClassPhase, ...] = (
    opening_phase,
    enrolment_phase,
    advance_phase,
    attendance_phase,
    completion_phase,
    certificate_phase,
    claims_phase,
)
HEAD_PHASES = 3  # opening, enrolment, advance: what an ATT-08 class writes on time.


class Emitter:
    """Writes the plan as commands, noting the lines of ATT-08's deferred attendance."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.line = 0
        self.deferred_lines: dict[int, list[int]] = {}

    def commands(self) -> Iterator[dict[str, Any]]:
        for command in reference_commands(self.plan):
            self.line += 1
            yield command
        money = MoneyQueue(self.plan.money)
        for position, (day, _index, klass, part) in enumerate(self.plan.blocks):
            for command in money.due(day):
                self.line += 1
                yield command
            phases = {"all": CLASS_PHASES, "head": CLASS_PHASES[:HEAD_PHASES]}.get(
                part, CLASS_PHASES[HEAD_PHASES:]
            )
            for phase in phases:
                for command in phase(klass):
                    self.line += 1
                    if part == "tail" and command["type"] == "record_attendance":
                        self.deferred_lines.setdefault(id(klass), [self.line, self.line])[1] = (
                            self.line
                        )
                    yield command
            money.written(position)
        for command in money.due(None):
            self.line += 1
            yield command


def generate(scale: str, seed: int) -> Iterator[dict[str, Any]]:
    """The command dicts of a workload, in a valid order (see the module docstring)."""
    yield from Emitter(build_plan(scale, seed)).commands()


# --- Writing ----------------------------------------------------------------------------


def labels_path(out: Path) -> Path:
    return out.with_name(out.name + LABELS_SUFFIX)


def render_label(label: Label, emitter: Emitter) -> dict[str, Any]:
    evidence = dict(label.evidence)
    for klass in label.classes:
        if id(klass) in emitter.deferred_lines:
            evidence.setdefault("deferred_attendance_lines", {})[klass.class_id] = (
                emitter.deferred_lines[id(klass)]
            )
    return {
        "rule": label.rule,
        "outcome": label.outcome,
        "description": label.description,
        "claim_ids": unique(c.claim_id for c in label.claims),
        "person_ids": unique(p.person_id for p in label.people),
        "institution_ids": unique(i.institution_id for i in label.institutions),
        "class_ids": unique(k.class_id for k in label.classes),
        "certificate_nos": unique(c.certificate_no for c in label.certificates),
        "evidence": evidence,
    }


def unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def render_labels(plan: Plan, emitter: Emitter, out: Path, sha256: str) -> dict[str, Any]:
    rendered = [render_label(label, emitter) for label in plan.labels]
    claims = [c for k in plan.classes for t in k.trainees for c in t.claims]
    return {
        "generator": {"module": "ledger.generate", "version": GENERATOR_VERSION},
        "scale": plan.scale.name,
        "seed": plan.seed,
        "file": out.name,
        "sha256": sha256,
        "lines": emitter.line,
        "file_order": (
            "Reference data, then one block per class in order of its start date (the "
            "file clock). ATT-08 classes write attendance, completions, certificates and "
            "claims in a block dated deferred_to; see evidence.deferred_attendance_lines. "
            "A class's pay_advance follows its enrolments; publicity, objections and "
            "payments are written between blocks by date, after the block of their claims."
        ),
        "counts": dict(sorted(Counter(label.rule for label in plan.labels).items())),
        "expected_decisions": dict(sorted(Counter(c.expected for c in claims).items())),
        "patterns": rendered,
        "money": plan.money.summary(),
    }


def write(scale: str, seed: int, out: Path, progress: TextIO | None = None) -> GenerateSummary:
    """Write the JSONL file and its labels side file; returns what was written."""
    started = time.monotonic()
    report = progress or sys.stderr
    print(f"generate: planning {scale} seed {seed}", file=report, flush=True)
    plan = build_plan(scale, seed)
    print(
        f"generate: planned {len(plan.classes)} classes, {len(plan.people)} people "
        f"in {time.monotonic() - started:.1f}s; writing {out}",
        file=report,
        flush=True,
    )
    emitter = Emitter(plan)
    digest = hashlib.sha256()
    by_type: Counter[str] = Counter()
    with out.open("w", encoding="utf-8", newline="\n") as handle:
        for command in emitter.commands():
            text = json.dumps(command, ensure_ascii=False, separators=(",", ":")) + "\n"
            handle.write(text)
            digest.update(text.encode("utf-8"))
            by_type[command["type"]] += 1
            if emitter.line % PROGRESS_EVERY == 0:
                print(f"generate: {emitter.line} lines", file=report, flush=True)
    labels = render_labels(plan, emitter, out, digest.hexdigest())
    labels_path(out).write_text(
        json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return summarise(plan, emitter, out, digest.hexdigest(), by_type, time.monotonic() - started)


def summarise(
    plan: Plan, emitter: Emitter, out: Path, sha256: str, by_type: Counter[str], seconds: float
) -> GenerateSummary:
    claims = [c for k in plan.classes for t in k.trainees for c in t.claims]
    planted = {
        (id(t.klass), id(t.person))
        for label in plan.labels
        for k in label.classes
        for t in k.trainees
        if not label.people or t.person in label.people
    }
    return GenerateSummary(
        scale=plan.scale.name,
        seed=plan.seed,
        out=out,
        labels=labels_path(out),
        commands=emitter.line,
        trainings=sum(len(k.trainees) for k in plan.classes),
        classes=len(plan.classes),
        people=len(plan.people),
        institutions=len(plan.institutions),
        claims=len(claims),
        claims_expected_rejected=sum(c.expected != "approved" for c in claims),
        planted_patterns=len(plan.labels),
        planted_trainings=len(planted),
        by_type=dict(sorted(by_type.items())),
        sha256=sha256,
        seconds=round(seconds, 2),
        money={t: by_type[t] for t in MONEY_COMMANDS if by_type[t]},
    )


# --- Command line -----------------------------------------------------------------------


def generate_verb(args: Any, url: str) -> int:
    """`skillfund generate --scale S --seed N --out FILE`; reads no database (`url` unused)."""
    summary = write(args.scale, int(args.seed), Path(args.out))
    print(summary.line())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.generate", description="Write a synthetic Kunshan workload."
    )
    parser.add_argument("--scale", choices=list(SCALES), default="small")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="the JSONL file to write")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    if args.json:
        summary = write(args.scale, args.seed, Path(args.out))
        print(json.dumps(summary.__dict__, default=str, ensure_ascii=False))
        return 0
    return generate_verb(args, "")


if __name__ == "__main__":
    sys.exit(main())
