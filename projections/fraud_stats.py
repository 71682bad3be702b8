"""The checks over the whole store, recomputed from the state tables when a catch-up
reaches the head of the log: INST-02, INST-03 and CERT-05 here (institutions against
their peers), CERT-06, ID-09 and DUP-03 in `fraud_rosters` (who trained).

They compare against peers, so a new event can change any flag; recomputing them from
scratch makes their rows a function of the events alone (a rebuild writes the same rows).
Each check is a function from the state to a list of firings.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.fraud import FraudThresholds
from projections.flag_store import Firing, evidence_of
from projections.fraud_state import (
    CERTIFICATES,
    CLAIMS,
    CLASSES,
    INSTITUTIONS,
)

DUP03_PAIRS_MAX = 100  # Pairs flagged per shared name or phone (a shared agency phone).
TRAINING_KINDS = ("school", "training_org", "evaluation_org")


def percentile(values: Iterable[int], p: int) -> int:
    """Nearest-rank percentile (as ledger.generate computes its peers); 0 when empty."""
    ordered = sorted(values)
    if not ordered:
        return 0
    return ordered[min(len(ordered) - 1, (len(ordered) * p) // 100)]


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p): how often chance alone gives k or more."""
    if k <= 0:
        return 1.0
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))


def month_of(day: date) -> str:
    return day.isoformat()[:7]


def cert05_flag_id(issuer_id: str, month: str) -> str:
    return f"CERT-05:{issuer_id}:{month}"


def first_of(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def rows(connection: Connection, query: Any) -> list[Any]:
    return list(connection.execute(query))


def institutions(connection: Connection) -> dict[str, Any]:
    return {r.institution_id: r for r in rows(connection, sa.select(INSTITUTIONS))}


def claim_rows(connection: Connection, class_ids: list[str]) -> list[Any]:
    """The claims naming these classes, in log order."""
    c = CLAIMS.c
    query = (
        sa.select(c.claim_id, c.fund_id, c.class_id, c.notification_id)
        .where(c.class_id.in_(class_ids))
        .order_by(c.notification_id)
    )
    return rows(connection, query)


def is_newcomer(registered_on: date, programme_start: date | None, month: str, days: int) -> bool:
    """Registered while the programme was already running, less than `days` before the
    month began. The founding population (registered before the first activity) never is."""
    if programme_start is None or registered_on <= programme_start:
        return False
    return (first_of(month) - registered_on).days < days


# --- INST-02: a new institution's claims burst above the peers' 99th percentile --------


def check_inst02(connection: Connection, t: FraudThresholds) -> list[Firing]:
    """Claims per institution-month, each claim in the month its training ended. The
    months are counted from the classes' claim counts; only a month that fires has its
    claims read."""
    k = CLASSES.c
    counted: dict[tuple[str, str], int] = defaultdict(int)
    classes: dict[tuple[str, str], list[str]] = defaultdict(list)
    query = sa.select(k.class_id, k.institution_id, k.end_date, k.claims).where(k.claims > 0)
    for class_id, institution_id, end_date, claims in connection.execute(query):
        key = (institution_id, month_of(end_date))
        counted[key] += claims
        classes[key].append(class_id)
    insts = institutions(connection)
    start = connection.execute(sa.select(sa.func.min(k.start_date))).scalar()
    new = {
        key: is_newcomer(insts[key[0]].registered_on, start, key[1], t.inst02_new_days)
        for key in counted
        if key[0] in insts
    }
    peers = [n for key, n in counted.items() if not new.get(key, False)]
    bar = percentile(peers, t.inst02_percentile)
    firings = []
    for (inst_id, month), count in sorted(counted.items()):
        if not new.get((inst_id, month)) or count <= bar or count < t.inst02_claims_min:
            continue
        inst = insts[inst_id]
        found = claim_rows(connection, classes[(inst_id, month)])
        firings.append(
            Firing(
                flag_id=f"INST-02:{inst_id}:{month}",
                rule_id="INST-02",
                fund_id=found[0].fund_id,
                subjects={
                    "institution_ids": [inst_id],
                    "class_ids": [c.class_id for c in found],
                    "claim_ids": [c.claim_id for c in found],
                },
                thresholds=t.of("INST-02"),
                inputs={
                    "registered_on": inst.registered_on.isoformat(),
                    "month": month,
                    "claims": count,
                    "peer_percentile_claims": bar,
                    "peer_months": len(peers),
                },
                evidence=[evidence_of(inst.notification_id, "InstitutionRegistered", inst_id)]
                + [evidence_of(c.notification_id, "ClaimFiled", c.claim_id) for c in found],
                summary=(
                    f"{inst.name} registered {inst.registered_on}: {count} claims for "
                    f"trainings ending {month}, peers' p{t.inst02_percentile} is {bar} "
                    f"/ 新设机构 {month} 申请量 {count} 超过同行 P{t.inst02_percentile}"
                ),
            )
        )
    return firings


# --- INST-03: institutions sharing a payee account or an address -----------------------


def check_inst03(connection: Connection, t: FraudThresholds) -> list[Firing]:
    """Pairs sharing an account or address where at least one trains or evaluates
    (a school, training organisation, evaluation body or a class's institution);
    departments are left out, and so are two enterprises that only employ."""
    insts = institutions(connection)
    trainers = set(connection.execute(sa.select(CLASSES.c.institution_id).distinct()).scalars())
    shared: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for field in ("account", "address"):
        groups: dict[str, list[str]] = defaultdict(list)
        for inst in insts.values():
            value = getattr(inst, field)
            if value and inst.kind != "department":
                groups[value].append(inst.institution_id)
        for value, members in groups.items():
            for a, b in combinations(sorted(members), 2):
                if {a, b} & trainers or {insts[a].kind, insts[b].kind} & set(TRAINING_KINDS):
                    shared[(a, b)][field] = value
    return [
        inst03_firing(t, insts[a], insts[b], fields) for (a, b), fields in sorted(shared.items())
    ]


def inst03_firing(t: FraudThresholds, a: Any, b: Any, fields: dict[str, str]) -> Firing:
    what = " and ".join(sorted(fields))
    return Firing(
        flag_id=f"INST-03:{a.institution_id}:{b.institution_id}",
        rule_id="INST-03",
        fund_id=None,
        subjects={
            "institution_ids": [a.institution_id, b.institution_id],
            "accounts": [fields["account"]] if "account" in fields else [],
        },
        thresholds=t.of("INST-03"),
        inputs={"shared": dict(sorted(fields.items())), "kinds": [a.kind, b.kind]},
        evidence=[
            evidence_of(i.notification_id, "InstitutionRegistered", i.institution_id)
            for i in sorted((a, b), key=lambda i: i.notification_id)
        ],
        summary=(
            f"{a.name} and {b.name} share {what} "
            f"/ 两家机构共用{'账户' if 'account' in fields else ''}"
            f"{'和' if len(fields) == 2 else ''}{'地址' if 'address' in fields else ''}"
        ),
    )


# --- CERT-05: an evaluation body's certificates per month far above its peers ----------


def check_cert05(connection: Connection, t: FraudThresholds) -> list[Firing]:
    insts = institutions(connection)
    certs = rows(connection, sa.select(CERTIFICATES).order_by(CERTIFICATES.c.notification_id))
    by_month: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for cert in certs:
        issuer = insts.get(cert.issuer_id)
        if issuer is not None and issuer.kind != "department":
            by_month[(cert.issuer_id, month_of(cert.issued_on))].append(cert)
    first_certificate = min((c.issued_on for c in certs), default=None)
    claims = claims_by_certificate(connection)
    firings = []
    for (issuer_id, month), found in sorted(by_month.items()):
        peers = [len(v) for (other, _), v in by_month.items() if other != issuer_id]
        own = [len(v) for (i, m), v in by_month.items() if i == issuer_id and m != month]
        registered = insts[issuer_id].registered_on
        newcomer = is_newcomer(registered, first_certificate, month, t.cert05_new_days)
        if newcomer:
            bar, own_bar = percentile(peers, t.cert05_new_percentile), 0
        else:
            bar = percentile(peers, t.cert05_percentile)
            own_bar = t.cert05_own_median_multiple * percentile(own, 50)
        if len(found) < t.cert05_certificates_min or len(found) <= max(bar, own_bar):
            continue
        inputs = {"month": month, "certificates": len(found), "newcomer": newcomer}
        inputs |= {"registered_on": registered.isoformat(), "peer_bar": bar, "own_bar": own_bar}
        firings.append(cert05_firing(t, insts[issuer_id], found, claims, inputs))
    return firings


def claims_by_certificate(connection: Connection) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    query = sa.select(CLAIMS.c.certificate_no, CLAIMS.c.claim_id).order_by(CLAIMS.c.claim_id)
    for no, claim_id in connection.execute(query.where(CLAIMS.c.certificate_no.is_not(None))):
        found[no].append(claim_id)
    return found


def cert05_firing(
    t: FraudThresholds, issuer: Any, found: list[Any], claims: dict[str, list[str]], inputs: dict
) -> Firing:
    month, count = inputs["month"], len(found)
    soon = " soon after registration" if inputs["newcomer"] else ""
    return Firing(
        flag_id=cert05_flag_id(issuer.institution_id, month),
        rule_id="CERT-05",
        fund_id=None,
        subjects={
            "institution_ids": [issuer.institution_id],
            "certificate_nos": [c.certificate_no for c in found],
            "claim_ids": [k for c in found for k in claims.get(c.certificate_no, [])],
        },
        thresholds=t.of("CERT-05"),
        inputs=inputs,
        evidence=[
            evidence_of(issuer.notification_id, "InstitutionRegistered", issuer.institution_id)
        ]
        + [evidence_of(c.notification_id, "CertificateIssued", c.certificate_no) for c in found],
        summary=(
            f"{issuer.name}: {count} certificates in {month}{soon}, above peers "
            f"({inputs['peer_bar']}) / 评价机构 {month} 发证 {count} 本，远超同行"
        ),
    )


def claims_by_class(connection: Connection) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    query = sa.select(CLAIMS.c.class_id, CLAIMS.c.claim_id).order_by(CLAIMS.c.claim_id)
    for class_id, claim_id in connection.execute(query.where(CLAIMS.c.class_id.is_not(None))):
        found[class_id].append(claim_id)
    return found
