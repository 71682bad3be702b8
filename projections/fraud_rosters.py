"""The whole-store checks over who trained: CERT-06 (a class too perfect), ID-09 (a class
from distant provinces) and DUP-03 (one person under two ids). Like `fraud_stats`, each is
a function from the state tables to a list of firings, recomputed when a catch-up reaches
the head of the log."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from domain.fraud import JURISDICTION_PROVINCE, FraudThresholds
from projections.flag_store import Firing, evidence_of
from projections.fraud_state import CLAIMS, CLASSES, ENROLLMENTS, FUNDS, PEOPLE, fact_evidence
from projections.fraud_stats import binomial_tail, cert05_flag_id, claims_by_class, month_of, rows

DUP03_PAIRS_MAX = 100  # Pairs flagged per shared name or phone (a shared agency phone).


def flags_a_claim_joins(
    class_id: str | None,
    certificate: Mapping[str, Any] | None,
    person_id: str,
    person_flag_ids: Iterable[str],
) -> list[str]:
    """The ids of the whole-store flags that list a new claim among their subjects when
    recomputed: those of its class (CERT-06, ID-09), of its certificate's issuer and month
    (CERT-05) and of pairs with its person (DUP-03; `person_flag_ids` are the flags with
    the person among their subjects). A claim changes nothing else in them, so its handler
    adds it to those that exist instead of the rules running again (`Flags.finish`)."""
    found: set[str] = set()
    if class_id is not None:
        found |= {cert06_flag_id(class_id), id09_flag_id(class_id)}
    if certificate is not None:
        found.add(cert05_flag_id(certificate["issuer_id"], month_of(certificate["issued_on"])))
    for flag_id in person_flag_ids:
        rule_id, *pair = flag_id.split(":")
        if rule_id == "DUP-03" and person_id in pair:
            found.add(flag_id)
    return sorted(found)


def cert06_flag_id(class_id: str) -> str:
    return f"CERT-06:{class_id}"


def id09_flag_id(class_id: str) -> str:
    return f"ID-09:{class_id}"


# --- CERT-06: a perfect class of 20 or more, all finishing on one day --------------------


def check_cert06(connection: Connection, t: FraudThresholds) -> list[Firing]:
    e, k = ENROLLMENTS.c, CLASSES.c
    query = (
        sa.select(e.class_id, e.person_id, e.passed, e.completed_on, e.completed_nid)
        .add_columns(k.scheme, k.institution_id, k.fund_id, k.notification_id)
        .join_from(ENROLLMENTS, CLASSES, e.class_id == k.class_id)
        .order_by(e.class_id, e.person_id)
    )
    classes: dict[str, list[Any]] = defaultdict(list)
    for row in rows(connection, query):
        classes[row.class_id].append(row)
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for members in classes.values():
        if any(m.completed_on for m in members):
            totals[members[0].scheme].update(
                enrolled=len(members), passed=sum(bool(m.passed) for m in members)
            )
    claims = claims_by_class(connection)
    firings = []
    for class_id, members in sorted(classes.items()):
        dates = {m.completed_on for m in members}
        if len(members) < t.cert06_class_size_min or len(dates) != 1 or None in dates:
            continue
        if not all(m.passed for m in members):
            continue
        peers = totals[members[0].scheme] - Counter(enrolled=len(members), passed=len(members))
        if not peers["enrolled"]:
            continue
        peer_percent = round(100 * peers["passed"] / peers["enrolled"], 1)
        if peer_percent >= t.cert06_peer_pass_percent_max:
            continue
        firings.append(cert06_firing(t, class_id, members, peer_percent, claims.get(class_id, [])))
    return firings


def cert06_firing(
    t: FraudThresholds, class_id: str, members: list[Any], peer_percent: float, claims: list[str]
) -> Firing:
    first = members[0]
    return Firing(
        flag_id=cert06_flag_id(class_id),
        rule_id="CERT-06",
        fund_id=first.fund_id,
        subjects={
            "class_ids": [class_id],
            "institution_ids": [first.institution_id],
            "person_ids": [m.person_id for m in members],
            "claim_ids": claims,
        },
        thresholds=t.of("CERT-06"),
        inputs={
            "trainees": len(members),
            "completed_on": first.completed_on.isoformat(),
            "peer_pass_percent": peer_percent,
        },
        evidence=[evidence_of(first.notification_id, "TrainingClassOpened", class_id)]
        + [
            evidence_of(m.completed_nid, "EnrollmentCompleted", f"{class_id}/{m.person_id}")
            for m in sorted(members, key=lambda m: m.completed_nid)
        ],
        summary=(
            f"all {len(members)} trainees of {class_id} passed, all on {first.completed_on}; "
            f"peers pass {peer_percent}% / 全班 {len(members)} 人同日结业且全部合格"
        ),
    )


# --- ID-09: a class drawn mostly from distant provinces --------------------------------


def check_id09(connection: Connection, t: FraudThresholds) -> list[Firing]:
    e, k, f = ENROLLMENTS.c, CLASSES.c, FUNDS.c
    query = (
        sa.select(e.class_id, e.person_id, e.notification_id, f.jurisdiction)
        .add_columns(k.institution_id, k.fund_id, k.notification_id.label("opened_nid"))
        .join_from(ENROLLMENTS, CLASSES, e.class_id == k.class_id)
        .join(FUNDS, k.fund_id == f.fund_id)
        .order_by(e.class_id, e.person_id)
    )
    classes: dict[str, list[Any]] = defaultdict(list)
    baseline: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows(connection, query):
        if row.jurisdiction in JURISDICTION_PROVINCE:
            classes[row.class_id].append(row)
            baseline[row.jurisdiction][row.person_id[:2]] += 1
    claims = claims_by_class(connection)
    firings = []
    for class_id, members in sorted(classes.items()):
        if len(members) < t.id09_class_size_min:
            continue
        found = id09_measure(t, members, baseline[members[0].jurisdiction])
        if found is not None:
            firings.append(id09_firing(t, class_id, members, found, claims.get(class_id, [])))
    return firings


def id09_measure(t: FraudThresholds, members: list[Any], everyone: Counter[str]) -> dict | None:
    """The distant share of a class and its chance under the peers' mix, if it fires."""
    home = JURISDICTION_PROVINCE[members[0].jurisdiction]
    own = Counter(m.person_id[:2] for m in members)
    others = everyone - own
    total = sum(others.values())
    if total == 0:
        return None

    def distant(province: str) -> bool:
        return province != home and others[province] < t.id09_rare_province_share * total

    far = [m for m in members if distant(m.person_id[:2])]
    share = len(far) / len(members)
    if share < t.id09_share_min:
        return None
    base = sum(n for province, n in others.items() if distant(province)) / total
    chance = binomial_tail(len(far), len(members), base)
    if chance >= t.id09_p_value_max:
        return None
    provinces = dict(sorted(Counter(m.person_id[:2] for m in far).items()))
    return {
        "trainees": len(members),
        "distant": len(far),
        "share": round(share, 3),
        "peer_share": round(base, 4),
        "p_value": float(f"{chance:.3g}"),
        "home_province": home,
        "provinces": provinces,
        "person_ids": [m.person_id for m in far],
    }


def id09_firing(
    t: FraudThresholds, class_id: str, members: list[Any], found: dict, claims: list[str]
) -> Firing:
    far = set(found.pop("person_ids"))
    first = members[0]
    return Firing(
        flag_id=id09_flag_id(class_id),
        rule_id="ID-09",
        fund_id=first.fund_id,
        subjects={
            "class_ids": [class_id],
            "institution_ids": [first.institution_id],
            "person_ids": sorted(far),
            "claim_ids": claims,
        },
        thresholds=t.of("ID-09"),
        inputs=found,
        evidence=[evidence_of(first.opened_nid, "TrainingClassOpened", class_id)]
        + [
            evidence_of(m.notification_id, "EnrollmentEnrolled", f"{class_id}/{m.person_id}")
            for m in sorted(members, key=lambda m: m.notification_id)
            if m.person_id in far
        ],
        summary=(
            f"{found['distant']} of {found['trainees']} trainees of {class_id} from distant "
            f"provinces (peers {found['peer_share']:.1%}) / 学员身份证多来自远方省份"
        ),
    )


# --- DUP-03: one person under two ids ------------------------------------------------------


def check_dup03(connection: Connection, t: FraudThresholds) -> list[Firing]:
    people = rows(connection, sa.select(PEOPLE).order_by(PEOPLE.c.person_id))
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for person in people:
        if person.name:
            groups[("name_birth_date", f"{person.name}/{person.person_id[6:14]}")].append(person)
        if person.phone:
            groups[("phone", person.phone)].append(person)
    pairs: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for (match, value), members in sorted(groups.items()):
        if len(members) < t.dup03_ids_min:
            continue
        for a, b in list(combinations(members, 2))[:DUP03_PAIRS_MAX]:
            pairs[(a.person_id, b.person_id)][match] = (value, a, b)
    claims: dict[str, list[str]] = defaultdict(list)
    query = sa.select(CLAIMS.c.person_id, CLAIMS.c.claim_id).order_by(CLAIMS.c.claim_id)
    for person_id, claim_id in connection.execute(query):
        claims[person_id].append(claim_id)
    return [dup03_firing(t, pair, found, claims) for pair, found in sorted(pairs.items())]


def dup03_firing(
    t: FraudThresholds, pair: tuple[str, str], found: dict[str, Any], claims: dict
) -> Firing:
    a, b = next(iter(found.values()))[1:]
    facts = {"name_birth_date": "name", "phone": "phone"}
    proofs = [fact_evidence(p.person_id, p.facts, facts[m]) for m in found for p in (a, b)]
    label = {"name_birth_date": "same name and birth date", "phone": "same phone"}
    return Firing(
        flag_id=f"DUP-03:{pair[0]}:{pair[1]}",
        rule_id="DUP-03",
        fund_id=None,
        subjects={"person_ids": list(pair), "claim_ids": claims[pair[0]] + claims[pair[1]]},
        thresholds=t.of("DUP-03"),
        inputs={"matches": {m: v[0] for m, v in sorted(found.items())}},
        evidence=sorted(proofs, key=lambda e: (e["notification_id"], e["key"])),
        summary=(
            f"{pair[0]} and {pair[1]}: {', '.join(label[m] for m in sorted(found))} "
            "/ 疑似一人两证：姓名与出生日期相同或手机号相同"
        ),
    )
