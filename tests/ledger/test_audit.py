"""Tamper evidence: the hash chain, seals, signatures, inclusion proofs and the export.

Every tampering test goes behind the application's back with raw SQL, as a DBA could:
it first drops (SQLite) or disables (PostgreSQL) the append-only triggers.
"""

from __future__ import annotations

import json
import re
import stat
from argparse import Namespace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa

from ledger import audit, demo
from ledger.audit_verbs import (
    export_verb,
    keygen_verb,
    prove_verb,
    seal_verb,
    verify_proof_verb,
    verify_verb,
)
from ledger.chain import chain_hash, event_hash
from ledger.persistence import APPEND_ONLY_TABLES, CHAIN_TABLE, EVENTS_TABLE, SEALS_TABLE
from ledger.proofs import ProofError
from ledger.recorder import SkillfundRecorder
from ledger.seals import seal_if_due, write_key_pair
from ledger.service import Skillfund
from tests.conftest import event_count, submit

UNREACHABLE_DB = "postgresql+psycopg2://nobody@127.0.0.1:1/none"


def drop_guards(sf: Skillfund) -> None:
    """What a DBA can do: remove the append-only triggers."""
    with sf.engine.begin() as connection:
        for table in APPEND_ONLY_TABLES:
            if sf.engine.dialect.name == "postgresql":
                connection.execute(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                for op in ("update", "delete"):
                    connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_{op}"))


def sql(sf: Skillfund, statement: str, **params: Any) -> list[Any]:
    with sf.engine.begin() as connection:
        result = connection.execute(sa.text(statement), params)
        return result.all() if result.returns_rows else []


def event_row(sf: Skillfund, position: int) -> Any:
    return sql(sf, f"SELECT * FROM {EVENTS_TABLE} WHERE id = :p", p=position)[0]


def first_position(sf: Skillfund, topic: str) -> int:
    return int(sql(sf, f"SELECT MIN(id) FROM {EVENTS_TABLE} WHERE topic = :t", t=topic)[0][0])


def head(sf: Skillfund) -> int:
    return int(sql(sf, f"SELECT MAX(id) FROM {EVENTS_TABLE}")[0][0])


def flip_a_digit(sf: Skillfund, position: int) -> None:
    """Change one byte of an event's state (a digit, so it is still valid JSON)."""
    state = bytes(event_row(sf, position).state)
    at = re.search(rb"\d", state).start()  # type: ignore[union-attr]
    changed = state[:at] + bytes([state[at] ^ 1]) + state[at + 1 :]
    sql(sf, f"UPDATE {EVENTS_TABLE} SET state = :s WHERE id = :p", s=changed, p=position)


def rechain_from(sf: Skillfund, position: int) -> None:
    """What a DBA who knows the algorithm does next: recompute the chain table."""
    previous = sql(
        sf,
        f"SELECT chain_hash FROM {CHAIN_TABLE} WHERE position < :p ORDER BY position DESC",
        p=position,
    )
    link = bytes.fromhex(previous[0][0]) if previous else bytes(32)
    sql(sf, f"DELETE FROM {CHAIN_TABLE} WHERE position >= :p", p=position)
    for row in sql(sf, f"SELECT * FROM {EVENTS_TABLE} WHERE id >= :p ORDER BY id", p=position):
        hashed = event_hash(row.id, row.originator_id, row.originator_version, row.topic, row.state)
        link = chain_hash(link, hashed)
        sql(
            sf,
            f"INSERT INTO {CHAIN_TABLE} VALUES (:p, :e, :c)",
            p=row.id,
            e=hashed.hex(),
            c=link.hex(),
        )


def reference_log(sf: Skillfund) -> None:
    submit(sf, *demo.reference_data())


def test_the_chain_is_written_with_the_events_one_row_each(sf: Skillfund) -> None:
    reference_log(sf)

    positions = [r[0] for r in sql(sf, f"SELECT position FROM {CHAIN_TABLE} ORDER BY position")]

    assert positions == [r[0] for r in sql(sf, f"SELECT id FROM {EVENTS_TABLE} ORDER BY id")]


def test_a_failed_save_writes_neither_events_nor_chain(sf: Skillfund, monkeypatch) -> None:
    reference_log(sf)
    before = (event_count(sf), len(sql(sf, f"SELECT position FROM {CHAIN_TABLE}")))

    def fail(self: SkillfundRecorder, session: Any) -> None:
        raise RuntimeError("the connection dropped after the chain was written")

    monkeypatch.setattr(SkillfundRecorder, "_notify_channel", fail)
    with pytest.raises(RuntimeError):
        submit(sf, *demo.training()[:1])

    assert (event_count(sf), len(sql(sf, f"SELECT position FROM {CHAIN_TABLE}"))) == before


def test_verify_passes_on_the_untouched_demo_log(sf: Skillfund) -> None:
    submit(sf, *demo.demo_lines())
    audit.seal(sf.engine, "disclosure")

    report = audit.verify(sf.engine)

    assert report.ok, report.problems[:3]
    assert report.events_checked == event_count(sf) == report.head
    assert report.seals_checked == 1


def test_a_changed_payload_byte_is_named_before_the_seal_it_breaks(sf: Skillfund) -> None:
    reference_log(sf)
    sealed = audit.seal(sf.engine, "disclosure")
    target = first_position(sf, "skillfund:Deposit.Received")
    drop_guards(sf)

    flip_a_digit(sf, target)
    report = audit.verify(sf.engine)

    assert not report.ok
    assert [(p.kind, p.position, p.seal_id) for p in report.problems] == [
        ("payload_changed", target, None),
        ("seal_root_mismatch", 1, sealed.seal_id),
    ]
    assert report.first is not None and report.first.topic == "skillfund:Deposit.Received"


def test_a_deleted_event_is_named(sf: Skillfund) -> None:
    reference_log(sf)
    target = first_position(sf, "skillfund:Person.Registered")
    drop_guards(sf)

    sql(sf, f"DELETE FROM {EVENTS_TABLE} WHERE id = :p", p=target)
    report = audit.verify(sf.engine)

    assert report.first is not None
    assert (report.first.kind, report.first.position) == ("missing_event", target)


def test_an_event_deleted_with_its_chain_row_breaks_the_next_link(sf: Skillfund) -> None:
    reference_log(sf)
    target = first_position(sf, "skillfund:Person.Registered")
    drop_guards(sf)

    sql(sf, f"DELETE FROM {EVENTS_TABLE} WHERE id = :p", p=target)
    sql(sf, f"DELETE FROM {CHAIN_TABLE} WHERE position = :p", p=target)
    report = audit.verify(sf.engine)

    assert report.first is not None
    assert (report.first.kind, report.first.position) == ("chain_broken", target + 1)


def test_an_inserted_event_is_named(sf: Skillfund) -> None:
    reference_log(sf)
    model = event_row(sf, first_position(sf, "skillfund:Deposit.Received"))
    forged = uuid4()
    drop_guards(sf)

    sql(
        sf,
        f"INSERT INTO {EVENTS_TABLE} (originator_id, originator_version, topic, state) "
        "VALUES (:o, 1, :t, :s)",
        o=forged.bytes if sf.engine.dialect.name == "sqlite" else str(forged),
        t=model.topic,
        s=model.state,
    )
    report = audit.verify(sf.engine)

    assert report.first is not None
    assert (report.first.kind, report.first.position) == ("unchained_event", head(sf))
    assert report.first.originator_id == str(forged)


def test_two_reordered_events_are_named(sf: Skillfund) -> None:
    reference_log(sf)
    a, b = 3, 7
    row_a, row_b = event_row(sf, a), event_row(sf, b)
    drop_guards(sf)

    for row, other in ((row_a, row_b), (row_b, row_a)):
        sql(
            sf,
            f"UPDATE {EVENTS_TABLE} SET topic = :t, state = :s WHERE id = :p",
            t=other.topic,
            s=other.state,
            p=row.id,
        )
    report = audit.verify(sf.engine)

    assert [(p.kind, p.position) for p in report.problems[:2]] == [("order", a), ("order", b)]
    assert f"position {b}" in report.problems[0].message


def test_a_tail_truncated_after_a_seal_is_detected(sf: Skillfund) -> None:
    reference_log(sf)
    sealed = audit.seal(sf.engine, "disclosure")
    cut = sealed.last_position - 4
    drop_guards(sf)

    sql(sf, f"DELETE FROM {EVENTS_TABLE} WHERE id >= :p", p=cut)
    sql(sf, f"DELETE FROM {CHAIN_TABLE} WHERE position >= :p", p=cut)
    report = audit.verify(sf.engine)

    assert [(p.kind, p.position, p.seal_id) for p in report.problems] == [
        ("tail_truncated", cut, sealed.seal_id)
    ]


def test_a_dba_who_recomputes_the_chain_is_caught_by_the_seal(sf: Skillfund) -> None:
    reference_log(sf)
    first_seal = audit.seal(sf.engine, "daily")
    submit(sf, *demo.training()[:3])
    second_seal = audit.seal(sf.engine, "disclosure")
    target = first_seal.last_position + 2
    drop_guards(sf)

    flip_a_digit(sf, target)
    rechain_from(sf, target)
    report = audit.verify(sf.engine)

    assert [(p.kind, p.seal_id) for p in report.problems] == [
        ("seal_root_mismatch", second_seal.seal_id)
    ]
    assert report.first is not None and report.first.position == first_seal.last_position + 1


def test_with_a_key_a_forger_who_reseals_without_it_is_caught(sf: Skillfund, tmp_path) -> None:
    private_path, public_path = write_key_pair(tmp_path / "keys")
    reference_log(sf)
    audit.seal(sf.engine, "disclosure", private_path.read_bytes())
    assert audit.verify(sf.engine, public_path.read_bytes()).ok
    target = first_position(sf, "skillfund:Deposit.Received")
    drop_guards(sf)

    flip_a_digit(sf, target)
    rechain_from(sf, target)
    sql(sf, f"DELETE FROM {SEALS_TABLE}")
    forged = audit.seal(sf.engine, "disclosure")

    assert audit.verify(sf.engine).ok  # Without the public key the forgery is consistent.
    report = audit.verify(sf.engine, public_path.read_bytes())
    assert [(p.kind, p.seal_id) for p in report.problems] == [("unsigned_seal", forged.seal_id)]


def test_a_seal_signed_with_another_key_fails(sf: Skillfund, tmp_path) -> None:
    _, public_path = write_key_pair(tmp_path / "ours")
    other_private, _ = write_key_pair(tmp_path / "theirs")
    reference_log(sf)

    sealed = audit.seal(sf.engine, "disclosure", other_private.read_bytes())
    report = audit.verify(sf.engine, public_path.read_bytes())

    assert [(p.kind, p.seal_id) for p in report.problems] == [("bad_signature", sealed.seal_id)]


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {EVENTS_TABLE} SET topic = 'x'",
        f"DELETE FROM {EVENTS_TABLE}",
        f"UPDATE {CHAIN_TABLE} SET event_hash = chain_hash",
        f"DELETE FROM {CHAIN_TABLE}",
        f"UPDATE {SEALS_TABLE} SET reason = 'forged'",
        f"DELETE FROM {SEALS_TABLE}",
    ],
)
def test_events_chain_and_seals_refuse_update_and_delete(sf: Skillfund, statement: str) -> None:
    reference_log(sf)
    audit.seal(sf.engine, "disclosure")

    with pytest.raises(sa.exc.DatabaseError, match="append-only"), sf.engine.begin() as c:
        c.execute(sa.text(statement))


def test_sealing_an_unchanged_log_again_returns_the_same_seal(sf: Skillfund) -> None:
    reference_log(sf)

    first = audit.seal(sf.engine, "disclosure 2020-Q3")
    again = audit.seal(sf.engine, "disclosure 2020-Q3, rebuilt")

    assert again == first == audit.latest_seal(sf.engine)
    assert first.size == event_count(sf) and first.last_position == head(sf)


def test_a_daily_seal_is_due_after_a_day_with_new_events(sf: Skillfund) -> None:
    reference_log(sf)
    now = datetime(2026, 1, 1, 9, tzinfo=UTC)
    first = seal_if_due(sf.engine, now=now)
    submit(sf, *demo.training()[:1])

    assert first is not None and first.reason == "daily"
    assert seal_if_due(sf.engine, now=now + timedelta(hours=23)) is None
    later = seal_if_due(sf.engine, now=now + timedelta(days=1))
    assert later is not None and later.last_position == head(sf)
    assert seal_if_due(sf.engine, now=now + timedelta(days=3)) is None  # Nothing new.


def test_a_payment_is_proved_under_its_seal_and_checked_offline(sf: Skillfund) -> None:
    submit(sf, *demo.demo_lines())
    sealed = audit.seal(sf.engine, "disclosure")

    proof = audit.prove(sf.engine, "KS-ZF-2020-0001")

    assert proof["event"]["topic"] == "skillfund:Payment.Made"
    assert proof["root"] == sealed.merkle_root
    assert audit.verify_proof(json.loads(json.dumps(proof)), sealed.merkle_root)


def test_a_proof_fails_with_a_wrong_root_a_tampered_path_or_event(sf: Skillfund) -> None:
    reference_log(sf)
    sealed = audit.seal(sf.engine, "disclosure")
    proof = audit.prove(sf.engine, 5)
    path = list(proof["audit_path"])
    path[0] = ("0" if path[0][0] != "0" else "1") + path[0][1:]
    state = proof["event"]["state"].replace("1", "2", 1)

    assert audit.verify_proof(proof, sealed.merkle_root)
    assert not audit.verify_proof(proof, "00" * 32)
    assert not audit.verify_proof(proof | {"audit_path": path}, sealed.merkle_root)
    assert not audit.verify_proof(proof | {"audit_path": path[1:]}, sealed.merkle_root)
    assert not audit.verify_proof(proof | {"leaf_index": 6}, sealed.merkle_root)
    tampered_event = proof | {"event": proof["event"] | {"state": state}}
    assert not audit.verify_proof(tampered_event, sealed.merkle_root)


def test_the_documented_algorithm_checks_a_proof(sf: Skillfund) -> None:
    reference_log(sf)
    sealed = audit.seal(sf.engine, "disclosure")
    proof = audit.prove(sf.engine, 9)
    text = (Path(__file__).parents[2] / "docs" / "audit.md").read_text(encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(re.findall(r"```python\n(.*?)```", text, re.S)[0], namespace)

    assert namespace["check_proof"](proof, sealed.merkle_root)
    assert not namespace["check_proof"](proof, "11" * 32)


def test_export_holds_the_periods_events_with_hashes_and_the_seals(sf: Skillfund, tmp_path) -> None:
    submit(sf, *demo.demo_lines())
    sealed = audit.seal(sf.engine, "disclosure")
    out = tmp_path / "export.jsonl"

    written = audit.export(sf.engine, date(2020, 7, 1), date(2020, 9, 30), out)

    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    events = [x for x in lines if x["type"] == "event"]
    assert len(events) == written > 0
    assert all("2020-07-01" <= x["state"]["on"]["_data_"] <= "2020-09-30" for x in events)
    chained = dict(sql(sf, f"SELECT position, event_hash FROM {CHAIN_TABLE}"))
    for x in events:
        state = x["state_text"].encode("utf-8")
        recomputed = event_hash(
            x["position"], x["originator_id"], x["originator_version"], x["topic"], state
        )
        assert x["event_hash"] == recomputed.hex() == chained[x["position"]]
    assert [x for x in lines if x["type"] == "seal"] == [{"type": "seal", **sealed.to_json()}]


def test_the_verify_verb_exits_1_and_names_the_first_bad_event(sf: Skillfund, capsys) -> None:
    reference_log(sf)
    assert verify_verb(Namespace(json=False), sf.ledger.url) == 0
    target = first_position(sf, "skillfund:Deposit.Received")
    drop_guards(sf)
    flip_a_digit(sf, target)
    capsys.readouterr()

    code = verify_verb(Namespace(json=True), sf.ledger.url)

    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["ok"] is False
    assert (report["first"]["kind"], report["first"]["position"]) == ("payload_changed", target)


def test_seal_prove_and_verify_proof_verbs_round_trip(sf: Skillfund, tmp_path, capsys) -> None:
    submit(sf, *demo.demo_lines())
    assert seal_verb(Namespace(reason="disclosure", json=True), sf.ledger.url) == 0
    root = json.loads(capsys.readouterr().out)["merkle_root"]
    out = tmp_path / "proof.json"
    args = Namespace(id="KS-ZF-2020-0001", position=False, seal=None, kind=None, out=str(out))
    assert prove_verb(args, sf.ledger.url) == 0

    # verify-proof opens no database: an unreachable URL does not matter.
    assert verify_proof_verb(Namespace(proof=str(out), root=root), UNREACHABLE_DB) == 0
    assert verify_proof_verb(Namespace(proof=str(out), root="ab" * 32), UNREACHABLE_DB) == 1


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path) -> None:
    assert keygen_verb(Namespace(out=str(tmp_path / "keys")), UNREACHABLE_DB) == 0

    mode = stat.S_IMODE((tmp_path / "keys" / "seal_key.pem").stat().st_mode)
    assert mode == 0o600
    assert (tmp_path / "keys" / "seal_key.pub.pem").read_text().startswith("-----BEGIN PUBLIC KEY")


def test_the_export_verb_writes_the_file(sf: Skillfund, tmp_path, capsys) -> None:
    reference_log(sf)
    out = tmp_path / "audit.jsonl"
    args = Namespace(from_date=date(2020, 1, 1), to_date=date(2099, 12, 31), out=str(out))

    assert export_verb(args, sf.ledger.url) == 0
    assert sum(
        1 for line in out.read_text().splitlines() if '"type": "event"' in line
    ) == event_count(sf)


def test_no_proof_is_made_before_a_seal_covers_the_event(sf: Skillfund) -> None:
    reference_log(sf)

    with pytest.raises(ProofError, match="skillfund seal"):
        audit.prove(sf.engine, 3)
