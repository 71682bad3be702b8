"""The flags projection reads and writes a batch at a time, and its checks ask by columns
other than a table's key (a person's attendance on a day, an account's payees, the claims
of a class, the flags about a subject): however the log is cut into batches, every check
must see exactly the state after the event before it, so the rows come out the same."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
import sqlalchemy as sa

import projections.runner
from ledger.generate import generate
from ledger.service import Skillfund, submit_lines
from projections import fraud_checks
from projections.flag_store import FLAGS
from projections.flags import WHOLE_STORE_CHECKS, Flags
from projections.fraud_state import CLAIMS, CLASSES
from projections.runner import Runner
from tests.conftest import submit
from tests.projections.test_flags import (
    ANNA,
    BAO,
    SHARED,
    attend,
    certificate,
    claim,
    day,
    enroll,
    institution,
    klass,
    org,
    person,
    resident,
    two_classes,
)

TRAINEES = [resident(201 + 2 * n) for n in range(5)]
TWIN = resident(901, "341221")  # ANNA's name and birth date under another id.


def every_check() -> list[dict[str, Any]]:
    """Commands raising ATT-01 (over two days, a claim joining later), PAY-01 (one payee
    moving away), CERT-03, ATT-08, DUP-03 and INST-03, then a review and a cleared case."""
    return [
        *two_classes(),
        claim("CL-A", ANNA, "C-A", day(30)),
        attend("C-A", ANNA, day(1), "08:30", "12:00"),
        attend("C-B", ANNA, day(1), "11:00", "17:30"),
        attend("C-A", ANNA, day(2)),
        attend("C-B", ANNA, day(2)),
        claim("CL-B", ANNA, "C-B", day(30)),
        *[person(p, account=SHARED) for p in TRAINEES],
        *[enroll("C-A", p, day(-3)) for p in TRAINEES],
        {"type": "update_person", "person_id": TRAINEES[0], "date": day(5), "account": "62280"},
        *[claim(f"CL-P{n}", p, "C-A", day(31)) for n, p in enumerate(TRAINEES)],
        person(BAO),
        enroll("C-B", BAO, day(-5)),
        certificate("Z-1", BAO, day(-10)),
        claim("CL-Z", BAO, "C-B", day(40), "Z-1"),
        klass("C-NEW", day(40), day(44)),
        enroll("C-NEW", BAO, day(38)),
        attend("C-NEW", BAO, day(40)),
        attend("C-A", ANNA, day(3)),
        person(TWIN, f"学员{ANNA[-5:]}"),
        institution(org(5), "enterprise", account="6222000000000000001"),
        clear_flag(f"ATT-01:{ANNA}:C-A:C-B"),
        {"type": "open_case", "case_id": "CASE-1", "date": day(50), "subject_ids": [BAO]}
        | {"reason": "CERT-03"},
        {"type": "conclude_case", "case_id": "CASE-1", "date": day(51), "finding": "cleared"},
        attend("C-B", BAO, day(4)),
    ]


def clear_flag(flag_id: str) -> dict[str, Any]:
    return {
        "type": "clear_flag",
        "flag_id": flag_id,
        "date": day(45),
        "cleared_by": "稽核员 王五",
        "reason": "已核实",
    }


def flags_runner(sf: Skillfund) -> Runner:
    return Runner(sf.runner.engine, sf.runner.events, sf.runner.decode, [Flags()])


def test_every_check_fires_when_each_command_is_caught_up_alone(sf: Skillfund) -> None:
    for command in every_check():
        assert submit(sf, command)[0].status == "accepted", command

    with sf.engine.connect() as connection:
        rows = connection.execute(sa.select(FLAGS.c.rule_id, FLAGS.c.status)).all()
    assert sorted(set(rows)) == [
        ("ATT-01", "cleared"),
        ("ATT-08", "open"),
        ("CERT-03", "cleared"),
        ("DUP-03", "open"),
        ("INST-03", "open"),
        ("PAY-01", "open"),
    ]


@pytest.mark.parametrize("batch_size", [1, 2, 7, 5_000])
def test_a_rebuild_in_batches_of_any_size_gives_the_rows_caught_up_command_by_command(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch, batch_size: int
) -> None:
    for command in every_check():
        submit(sf, command)
    incremental = flags_runner(sf).digest()

    monkeypatch.setattr(projections.runner, "CATCH_UP_BATCH_SIZE", batch_size)
    runner = flags_runner(sf)
    runner.rebuild()

    assert runner.digest() == incremental


def test_a_batch_that_failed_before_its_flush_leaves_nothing_behind(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    submit_lines(
        sf, [json.dumps(c, ensure_ascii=False) for c in every_check()[:20]], lambda _: None
    )

    def fail(*_: Any) -> None:
        raise RuntimeError("the batch fails halfway")

    with monkeypatch.context() as patched:
        patched.setattr(fraud_checks, "check_pay01", fail)
        with pytest.raises(RuntimeError):
            sf.catch_up()  # Its transaction rolls back; the projection's buffers hold rows.
    sf.catch_up()
    caught_up = sf.runner.digest()

    sf.runner.rebuild()

    assert sf.runner.digest() == caught_up


def physical_rows(sf: Skillfund) -> dict[str, set[tuple[str, ...]]]:
    """Each flag table's rows of the whole-store rules, with the row's physical address
    (rowid on SQLite, ctid on PostgreSQL), which a delete and insert would change."""
    address = "ctid::text" if sf.engine.dialect.name == "postgresql" else "rowid"
    rules = ", ".join(f"'{r}'" for r in WHOLE_STORE_CHECKS)
    ours = f"SELECT flag_id FROM pj_flags WHERE rule_id IN ({rules})"
    queries = {
        "pj_flags": f"SELECT {address}, flag_id FROM pj_flags WHERE rule_id IN ({rules})",
        "pj_flag_subjects": f"SELECT {address}, flag_id, key FROM pj_flag_subjects "
        f"WHERE flag_id IN ({ours})",
        "pj_flag_claims": f"SELECT {address}, flag_id, claim_id FROM pj_flag_claims "
        f"WHERE flag_id IN ({ours})",
    }
    with sf.engine.connect() as connection:
        return {
            table: {tuple(str(v) for v in row) for row in connection.execute(sa.text(sql))}
            for table, sql in queries.items()
        }


def test_a_whole_store_check_that_finds_the_same_leaves_its_rows_untouched(
    sf: Skillfund,
) -> None:
    for command in every_check():
        submit(sf, command)
    before = physical_rows(sf)
    assert before["pj_flags"] and before["pj_flag_subjects"]  # DUP-03 and INST-03 fired.

    # A person unrelated to every flag: an input of the whole-store checks, so they run
    # again, and find what they found before.
    assert submit(sf, person(resident(977)))[0].status == "accepted"
    sf.catch_up()

    assert physical_rows(sf) == before


@cache
def small_city() -> tuple[str, ...]:
    """The generated small city: every whole-store pattern planted, claims filed after."""
    return tuple(json.dumps(c, ensure_ascii=False) for c in generate("small", 1))


WHOLE_STORE_RULES_FIRING_IN_THE_SMALL_CITY = {"CERT-05", "CERT-06", "DUP-03", "ID-09", "INST-02"}


def test_whole_store_flags_kept_up_chunk_by_chunk_equal_those_recomputed_at_once(
    sf: Skillfund,
) -> None:
    """Caught up every 40 lines, the whole-store checks run only for the rules whose inputs
    came, and claims join existing flags in their handler; a rebuild recomputes every rule
    once over the whole store. Both must write the same rows."""
    lines = small_city()
    for start in range(0, len(lines), 40):
        submit_lines(sf, list(lines[start : start + 40]), lambda _: None)
        sf.catch_up()
    caught_up = flags_runner(sf).digest()
    with sf.engine.connect() as connection:
        fired = set(connection.execute(sa.select(FLAGS.c.rule_id).distinct()).scalars())
        joined = (
            connection.execute(
                sa.select(FLAGS.c.subjects).where(
                    FLAGS.c.rule_id.in_(["CERT-06", "ID-09", "DUP-03"])
                )
            )
            .scalars()
            .all()
        )
        assert any(json.loads(s)["claim_ids"] for s in joined)
    assert fired >= WHOLE_STORE_RULES_FIRING_IN_THE_SMALL_CITY

    runner = flags_runner(sf)
    runner.rebuild()

    assert runner.digest() == caught_up


def test_each_class_counts_the_claims_that_name_it(sf: Skillfund) -> None:
    submit_lines(sf, list(small_city()), lambda _: None)
    sf.catch_up()
    c, k = CLAIMS.c, CLASSES.c
    actual = (
        sa.select(k.class_id, sa.func.count(c.claim_id))
        .join_from(CLASSES, CLAIMS, c.class_id == k.class_id, isouter=True)
        .group_by(k.class_id)
    )
    with sf.engine.connect() as connection:
        counted = dict(connection.execute(sa.select(k.class_id, k.claims)).all())
        assert counted == dict(connection.execute(actual).all())
    assert sum(counted.values()) > 100


def test_a_claim_alone_runs_only_the_check_that_counts_claims(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = small_city()
    filed = [n for n, line in enumerate(lines) if '"type": "file_claim"' in line]
    before, after = lines[: filed[-1]], lines[filed[-1]]
    submit_lines(sf, list(before), lambda _: None)
    sf.catch_up()
    ran: list[str] = []
    for rule_id, check in list(WHOLE_STORE_CHECKS.items()):
        monkeypatch.setitem(
            WHOLE_STORE_CHECKS,
            rule_id,
            lambda c, t, rule_id=rule_id, check=check: ran.append(rule_id) or check(c, t),
        )

    assert submit(sf, after)[0].status == "accepted"

    assert ran == ["INST-02"]
