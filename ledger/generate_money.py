"""The money phase of a generated workload: advances, publicity, objections and payments.

`ledger.generate` plans the trainings and claims; `plan_money` adds, from the same plan:

1. **Advances** (先行拨付, Kunshan 十四): for a share of the classes whose claims pay the
   institution (pre-job, 以工代训, safety, apprenticeship, technician research, enterprise-
   paid certificate training), a `pay_advance` of 30%, 40% or 50% of the class's expected
   subsidy a few working days after it starts. The basis is computed as the ledger does
   (`rules.finance.per_trainee_fen` × trainees enrolled, capped by `advance_bounds`), in
   whole yuan rounded down, so it never exceeds the cap. The advance is written in the
   class's block right after the enrolments (the `advance_phase` of CLASS_PHASES).
2. **Publicity** (公示): the claims expected approved are listed, month by month of their
   decision (the filing date), on one `start_publicity` per month (several when a month
   has more than PUBLICITY_LIST_MAX claims) starting on the first working day from the
   5th of the next month; the period is the pack's (5 working days).
3. **Objections**: a few publicized claims get a `record_objection` within the period and a
   `resolve_objection` a few working days later; most are dismissed, some upheld (the claim
   is then rejected and never paid).
4. **Payments**: each publicized claim not upheld against is paid with `pay_claim` on a
   working day after its publicity (and after its objection's resolution).

Left unpaid on purpose: claims the planted hold patterns (ATT-01, CERT-03, PAY-01) are
expected to hold, with every claim of their people and classes (a payment would be refused
with `claim_held`), rejected claims (never publicized), and whatever cannot be publicized
and paid by the end of 2021, the last day of the Kunshan pack (`rules.pack_for`).

Ordering: the advance sits inside its class block. Every other money command is dated, and
`MoneyEvent.after_block` is the last class block its claims are written in; the emitter
releases an event once that block is written and writes it before the first later block
dated after it (`MoneyQueue`), so a publicity follows its claims, a payment its publicity
and resolution, and the money stream is in date order wherever it does not wait on a
deferred (ATT-08) block. Deterministic: one random stream, no set iteration.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import rules
from domain.calendar import WorkingCalendar, load_calendar
from rules.facts import ClassFacts
from rules.finance import advance_bounds, per_trainee_fen, publicity_rule

if TYPE_CHECKING:
    from ledger.generate import Claim, Klass, Plan

ADVANCE_SHARE = 0.8  # Of the classes whose claims pay the institution (about 30% of classes).
ADVANCE_PERCENTS = (30, 40, 50)  # Of the expected subsidy; Kunshan 十四 caps at 50.
PUBLICITY_FROM_DAY = 5  # A month's list starts on the first working day from the 5th.
# Claims on one `start_publicity` at most: a month of a Kunshan-sized year has more than
# the 10,000 items a command's list may hold (ledger.commands.LIST_LENGTH_MAX); such a
# month is published as several lists, KS-GS-2020-12-1, -2, …, on the same day.
PUBLICITY_LIST_MAX = 5_000
PAYMENT_LAG_WORKING_DAYS_MAX = 10  # After the publicity ends (or the objection is resolved).
OBJECTION_SHARE = 0.015  # Of the publicized claims; at least OBJECTIONS_MIN.
OBJECTIONS_MIN = 2
UPHELD_SHARE = 0.25  # Of the objections; at least one.
MONEY_COMMANDS = (
    "pay_advance",
    "start_publicity",
    "record_objection",
    "resolve_objection",
    "pay_claim",
)
OBJECTION_SUMMARIES = (
    "来信反映该学员未实际参加培训",
    "来电反映培训课时不足",
    "群众反映学员身份信息有误",
    "实名举报证书与培训不符",
)


@dataclass(order=True)
class MoneyEvent:
    """A dated money command, written after class block `after_block` (-1: no wait)."""

    day: date
    seq: int
    after_block: int = field(compare=False)
    command: dict[str, Any] = field(compare=False)


@dataclass
class Money:
    """The money commands of a plan, and what the labels file says about them."""

    events: list[MoneyEvent] = field(default_factory=list)
    held_claim_ids: list[str] = field(default_factory=list)
    objected: dict[str, bool] = field(default_factory=dict)  # claim_id -> upheld
    unpaid_after_last_day: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "held_not_paid": self.held_claim_ids,
            "objections": self.objected,
            "publicized_not_paid_by_last_day": self.unpaid_after_last_day,
        }


def stream(plan: Plan) -> random.Random:
    return random.Random(f"skillfund-generate:{plan.scale.name}:{plan.seed}:money")


def working_day_from(calendar: WorkingCalendar, day: date, nth: int = 1) -> date:
    """The nth working day counting from `day` (day itself being the first if working)."""
    return calendar.add_working_days(day, nth)


# --- Advances ---------------------------------------------------------------------------


def class_facts(klass: Klass, fund_id: str) -> ClassFacts:
    return ClassFacts(
        class_id=klass.class_id,
        fund_id=fund_id,
        institution_id=klass.institution.institution_id,
        scheme=klass.scheme,
        occupation=klass.occupation,
        level=klass.level,
        start_date=klass.start,
        end_date=klass.end,
        class_hours=klass.class_hours,
        enrolled_count=len(klass.trainees),
    )


def advance_basis(klass: Klass, fund_id: str, jurisdiction: str) -> tuple[int, int] | None:
    """The class's expected subsidy in fen and the cap in percent, as `ledger.finance`
    computes them (the pack in force on the start date; trainees × per-trainee figure);
    None when the rules allow no advance or set a floor (not Kunshan's case)."""
    pack = rules.pack_for(jurisdiction, klass.start)
    bounds = advance_bounds(pack, False)
    per_trainee = per_trainee_fen(pack, class_facts(klass, fund_id))
    if bounds is None or per_trainee is None or not klass.trainees or bounds.percent_min:
        return None
    return per_trainee[0] * len(klass.trainees), bounds.percent_max


def pays_institution(klass: Klass) -> bool:
    institution_id = klass.institution.institution_id
    return any(c.beneficiary_id == institution_id for t in klass.trainees for c in t.claims)


def plan_advances(
    plan: Plan, fund_id: str, jurisdiction: str, rng: random.Random, calendar: WorkingCalendar
) -> None:
    for klass in plan.classes:
        klass.advance = None
        if not pays_institution(klass) or rng.random() >= ADVANCE_SHARE:
            continue
        basis = advance_basis(klass, fund_id, jurisdiction)
        if basis is None:
            continue
        basis_fen, percent_max = basis
        percent = min(rng.choice(ADVANCE_PERCENTS), percent_max)
        amount_yuan = basis_fen * percent // 100 // 100  # Whole yuan, rounded down.
        if amount_yuan <= 0:
            continue
        paid_on = working_day_from(calendar, klass.start + timedelta(days=3), rng.randint(1, 5))
        klass.advance = {
            "type": "pay_advance",
            "advance_id": f"KS-YB-{klass.class_id[3:]}",
            "fund_id": fund_id,
            "institution_id": klass.institution.institution_id,
            "class_id": klass.class_id,
            "amount": str(amount_yuan),
            "date": paid_on.isoformat(),
        }


def advance_phase(klass: Klass) -> Iterator[dict[str, Any]]:
    """The class's advance, if it gets one: after the enrolments its basis counts."""
    if klass.advance is not None:
        yield klass.advance


# --- Publicity, objections, payments ------------------------------------------------------


def held_claims(plan: Plan) -> set[int]:
    """The claims a planted hold pattern is expected to hold, broadly: every claim it
    names and every claim of its people and of its classes."""
    held: set[int] = set()
    for label in plan.labels:
        if label.outcome != "hold":
            continue
        held.update(id(c) for c in label.claims)
        held.update(id(c) for p in label.people for t in p.trainings for c in t.claims)
        held.update(id(c) for k in label.classes for t in k.trainees for c in t.claims)
    return held


def claim_blocks(plan: Plan) -> dict[int, int]:
    """The index in plan.blocks of the block each class's claims are written in."""
    return {id(klass): i for i, (_d, _n, klass, part) in enumerate(plan.blocks) if part != "head"}


def claims_in_file_order(plan: Plan) -> list[Claim]:
    claims: list[Claim] = []
    for _day, _index, klass, part in plan.blocks:
        if part != "head":
            claims.extend(sorted((c for t in klass.trainees for c in t.claims), key=_filed))
    return claims


def _filed(claim: Claim) -> date:
    return claim.filed_on


class Scheduler:
    def __init__(self, plan: Plan, fund_id: str, last_day: date, calendar: WorkingCalendar):
        self.plan, self.fund_id, self.last_day, self.calendar = plan, fund_id, last_day, calendar
        self.money = Money()
        self.blocks = claim_blocks(plan)
        self.payments = 0

    def add(self, day: date, after_block: int, command: dict[str, Any]) -> None:
        self.money.events.append(MoneyEvent(day, len(self.money.events), after_block, command))

    def run(self, rng: random.Random, jurisdiction: str) -> Money:
        held = held_claims(self.plan)
        by_month: dict[str, list[Claim]] = {}
        for claim in claims_in_file_order(self.plan):
            if claim.expected != "approved":
                continue
            if id(claim) in held:
                self.money.held_claim_ids.append(claim.claim_id)
                continue
            by_month.setdefault(claim.filed_on.isoformat()[:7], []).append(claim)
        lists = []
        for month, claims in by_month.items():
            year, number = int(month[:4]), int(month[5:])
            first = date(year + number // 12, number % 12 + 1, PUBLICITY_FROM_DAY)
            start = working_day_from(self.calendar, first)
            if start > self.last_day:
                continue
            pack = rules.pack_for(jurisdiction, start)
            end = self.calendar.add_working_days(start, publicity_rule(pack, None).working_days)
            parts = range(0, len(claims), PUBLICITY_LIST_MAX)
            for n, first_claim in enumerate(parts, start=1):
                part = f"-{n}" if len(parts) > 1 else ""
                chunk = claims[first_claim : first_claim + PUBLICITY_LIST_MAX]
                lists.append((f"KS-GS-{month}{part}", start, end, chunk))
        objections = self.pick_objections(rng, lists)
        for publicity_id, start, end, claims in lists:
            self.publicize(rng, publicity_id, start, end, claims, objections)
        return self.money

    def pick_objections(
        self, rng: random.Random, lists: list[tuple[str, date, date, list[Claim]]]
    ) -> dict[int, bool]:
        """Claims objected to (id -> upheld), among those publicized well before year end."""
        room = self.last_day - timedelta(days=45)
        candidates = [c for _m, _s, end, claims in lists if end <= room for c in claims]
        if not candidates:
            return {}
        count = min(len(candidates), max(OBJECTIONS_MIN, round(len(candidates) * OBJECTION_SHARE)))
        chosen = rng.sample(candidates, count)
        upheld = max(1, round(count * UPHELD_SHARE))
        return {id(c): n < upheld for n, c in enumerate(chosen)}

    def publicize(
        self,
        rng: random.Random,
        publicity_id: str,
        start: date,
        end: date,
        claims: list[Claim],
        objections: dict[int, bool],
    ) -> None:
        waits = max(self.blocks[id(c.klass)] for c in claims)
        self.add(
            start,
            waits,
            {
                "type": "start_publicity",
                "publicity_id": publicity_id,
                "fund_id": self.fund_id,
                "claim_ids": [c.claim_id for c in claims],
                "start_date": start.isoformat(),
            },
        )
        for claim in claims:
            pay_from = end + timedelta(days=1)
            if id(claim) in objections:
                upheld = objections[id(claim)]
                resolved = self.object(rng, publicity_id, claim, start, end, upheld, waits)
                if upheld:
                    continue
                pay_from = max(pay_from, resolved + timedelta(days=1))
            lag = rng.randint(1, PAYMENT_LAG_WORKING_DAYS_MAX)
            paid_on = working_day_from(self.calendar, pay_from, lag)
            if paid_on > self.last_day:
                self.money.unpaid_after_last_day.append(claim.claim_id)
                continue
            self.payments += 1
            payment_id = f"KS-ZF-{paid_on.year}-{self.payments:07d}"
            self.add(
                paid_on,
                waits,
                {
                    "type": "pay_claim",
                    "payment_id": payment_id,
                    "claim_id": claim.claim_id,
                    "date": paid_on.isoformat(),
                    "reference": f"国库集中支付 {payment_id}",
                },
            )

    def object(
        self,
        rng: random.Random,
        publicity_id: str,
        claim: Claim,
        start: date,
        end: date,
        upheld: bool,
        waits: int,
    ) -> date:
        """An objection on a working day of the period, resolved some working days later."""
        objection_id = f"KS-YY-{len(self.money.objected) + 1:05d}"
        self.money.objected[claim.claim_id] = upheld
        days = self.calendar.working_days_between(start, end)
        raised = working_day_from(self.calendar, start, rng.randint(1, days))
        resolved = working_day_from(self.calendar, raised + timedelta(days=1), rng.randint(3, 10))
        self.add(
            raised,
            waits,
            {
                "type": "record_objection",
                "objection_id": objection_id,
                "publicity_id": publicity_id,
                "claim_id": claim.claim_id,
                "date": raised.isoformat(),
                "summary": rng.choice(OBJECTION_SUMMARIES),
            },
        )
        self.add(
            resolved,
            waits,
            {
                "type": "resolve_objection",
                "objection_id": objection_id,
                "date": resolved.isoformat(),
                "upheld": upheld,
            },
        )
        return resolved


def plan_money(plan: Plan, fund_id: str, jurisdiction: str, last_day: date) -> Money:
    """Advances on the classes (klass.advance) and the dated money events of the plan.
    Call after the claims are numbered and their decisions expected."""
    rng = stream(plan)
    calendar = load_calendar()
    plan_advances(plan, fund_id, jurisdiction, rng, calendar)
    return Scheduler(plan, fund_id, last_day, calendar).run(rng, jurisdiction)


class MoneyQueue:
    """Releases each money event after the block it waits on, in date order."""

    def __init__(self, money: Money) -> None:
        self.waiting: dict[int, list[MoneyEvent]] = {}
        self.ready: list[MoneyEvent] = []
        for event in money.events:
            if event.after_block < 0:
                heapq.heappush(self.ready, event)
            else:
                self.waiting.setdefault(event.after_block, []).append(event)

    def written(self, block: int) -> None:
        """Block `block` has been written: the events waiting on it may go."""
        for event in self.waiting.pop(block, []):
            heapq.heappush(self.ready, event)

    def due(self, before: date | None) -> Iterator[dict[str, Any]]:
        """The released events dated before `before` (all of them when None), by date."""
        while self.ready and (before is None or self.ready[0].day < before):
            yield heapq.heappop(self.ready).command
