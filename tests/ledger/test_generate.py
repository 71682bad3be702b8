"""The workload generator: deterministic, valid, accepted by the real ledger, labelled."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from domain.claim import Claim
from domain.identity import is_valid_credit_code, is_valid_resident_id
from ledger import generate_money
from ledger.commands import parse_line
from ledger.generate import FUND_ID, GenerateSummary, Plan, build_plan, generate, labels_path, write
from ledger.generate_money import MONEY_COMMANDS
from ledger.queries import fund_balance
from ledger.service import Skillfund
from tests.conftest import submit

SEED = 1
REPO = Path(__file__).resolve().parents[2]
PLANTED_RULES = {
    "ATT-01", "CERT-03", "PAY-01", "INST-02", "INST-03", "CERT-05", "CERT-06", "ATT-08",
    "ID-09", "DUP-03", "LIM-01", "LIM-02", "CERT-01", "CERT-02",
}  # fmt: skip
REJECT_RULES = {"LIM-01", "LIM-02", "CERT-01", "CERT-02", "ELIG-01", "TRN-02"}
LATE_DAYS = 14  # ATT-08: "more than 14 days after their business date".


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    out = tmp_path_factory.mktemp("generate") / "small.jsonl"
    return out, write("small", SEED, out, progress=io.StringIO())


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def commands_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines_of(path)]


def labels_of(path: Path) -> dict[str, Any]:
    return dict(json.loads(labels_path(path).read_text(encoding="utf-8")))


def test_the_same_seed_writes_a_byte_identical_file(
    small: tuple[Path, GenerateSummary], tmp_path: Path
) -> None:
    again = tmp_path / "again.jsonl"

    write("small", SEED, again, progress=io.StringIO())

    assert again.read_bytes() == small[0].read_bytes()


def test_the_file_does_not_depend_on_the_interpreter_hash_seed(
    small: tuple[Path, GenerateSummary], tmp_path: Path
) -> None:
    out = tmp_path / "other-process.jsonl"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    command = [sys.executable, "-m", "ledger.generate", "--scale", "small", "--seed", str(SEED)]

    subprocess.run(
        [*command, "--out", str(out)], check=True, cwd=REPO, env=env, capture_output=True
    )

    assert out.read_bytes() == small[0].read_bytes()


def test_another_seed_writes_another_file(
    small: tuple[Path, GenerateSummary], tmp_path: Path
) -> None:
    other = tmp_path / "other.jsonl"

    write("small", SEED + 1, other, progress=io.StringIO())

    assert other.read_bytes() != small[0].read_bytes()


def test_generate_yields_the_commands_write_writes(small: tuple[Path, GenerateSummary]) -> None:
    assert list(generate("small", SEED)) == commands_of(small[0])


def test_small_is_a_few_thousand_lines_and_the_summary_counts_them(
    small: tuple[Path, GenerateSummary],
) -> None:
    path, summary = small
    commands = commands_of(path)

    assert 1_000 <= summary.commands == len(commands) <= 2_500
    assert summary.money == {t: summary.by_type[t] for t in MONEY_COMMANDS}
    assert summary.by_type == dict(sorted(Counter(c["type"] for c in commands).items()))
    assert summary.classes == summary.by_type["open_class"]
    assert summary.trainings == summary.by_type["enroll"]
    assert summary.claims == summary.by_type["file_claim"]


def people_meeting_two_classes_on_one_day(plan: Plan) -> set[str]:
    """ID numbers of the people on two class rosters with a session day in common."""
    found = set()
    for klass in plan.classes:
        for trainee in klass.trainees:
            for other in trainee.person.trainings:
                if other.klass is not klass and set(other.klass.sessions) & set(klass.sessions):
                    found.add(trainee.person.person_id)
    return found


def test_only_att01_people_attend_two_classes_on_one_day_whatever_the_seed() -> None:
    # Seeds 51 and 97 planted LIM-02 in two classes that met on the same days (generator
    # version 3), so the ledger held their payments for ATT-01 as well; 15 and 31 had no
    # day class to plant ATT-01 in, and failed.
    for seed in range(1, 120):
        plan = build_plan("small", seed)
        att01 = {
            p.person_id for label in plan.labels if label.rule == "ATT-01" for p in label.people
        }

        assert att01, seed
        assert people_meeting_two_classes_on_one_day(plan) <= att01, seed


def test_every_line_is_a_valid_command(small: tuple[Path, GenerateSummary]) -> None:
    for line in lines_of(small[0]):
        parse_line(line)  # Raises InvalidCommandError naming the field.


def test_ids_are_valid_and_natural_keys_unique(small: tuple[Path, GenerateSummary]) -> None:
    keys = [parse_line(line).key for line in lines_of(small[0])]
    commands = commands_of(small[0])

    people = [c["person_id"] for c in commands if c["type"] == "register_person"]
    institutions = [c["institution_id"] for c in commands if c["type"] == "register_institution"]
    assert all(is_valid_resident_id(p) for p in people)
    assert all(is_valid_credit_code(i) for i in institutions)
    assert len(set(people)) == len(people) and len(set(institutions)) == len(institutions)
    assert len(set(zip(keys, (c["type"] for c in commands), strict=True))) == len(keys)


def test_the_mix_has_every_programme_subsidy_and_the_usual_levels(
    small: tuple[Path, GenerateSummary],
) -> None:
    commands = commands_of(small[0])
    schemes = {c["scheme"] for c in commands if c["type"] == "open_class"}
    subsidies = {c["subsidy"] for c in commands if c["type"] == "file_claim"}
    levels = Counter(c.get("level") for c in commands if c["type"] == "open_class")

    assert schemes >= {
        "certificate_training", "pre_job", "safety", "work_based", "apprenticeship",
        "technician_research",
    }  # fmt: skip
    assert subsidies >= {
        "skill_upgrade", "pre_job", "safety", "special_operation", "work_based",
        "apprenticeship", "technician_research",
    }  # fmt: skip
    assert levels["junior"] + levels["intermediate"] > levels["senior"] + levels["technician"]
    assert {"update_person", "record_employment", "publish_catalog"} <= {
        c["type"] for c in commands
    }


def test_every_pattern_is_labelled_with_ids_that_exist_in_the_file(
    small: tuple[Path, GenerateSummary],
) -> None:
    path = small[0]
    commands = commands_of(path)
    labels = labels_of(path)
    known = {
        "claim_ids": {c["claim_id"] for c in commands if c["type"] == "file_claim"},
        "person_ids": {c["person_id"] for c in commands if c["type"] == "register_person"},
        "institution_ids": {
            c["institution_id"] for c in commands if c["type"] == "register_institution"
        },
        "class_ids": {c["class_id"] for c in commands if c["type"] == "open_class"},
        "certificate_nos": {
            c["certificate_no"] for c in commands if c["type"] == "issue_certificate"
        },
    }

    assert {p["rule"] for p in labels["patterns"]} >= PLANTED_RULES
    for pattern in labels["patterns"]:
        assert pattern["description"] and pattern["outcome"] in ("reject", "hold", "flag")
        assert any(pattern[field] for field in known), pattern["rule"]
        for field, ids in known.items():
            assert set(pattern[field]) <= ids, (pattern["rule"], field)


def test_reject_patterns_name_the_claims_and_the_reason_expected(
    small: tuple[Path, GenerateSummary],
) -> None:
    for pattern in labels_of(small[0])["patterns"]:
        if pattern["rule"] in REJECT_RULES:
            assert pattern["outcome"] == "reject"
            assert pattern["evidence"]["expected"], pattern["rule"]


def test_att08_attendance_is_written_after_blocks_more_than_14_days_later(
    small: tuple[Path, GenerateSummary],
) -> None:
    commands = commands_of(small[0])
    pattern = next(p for p in labels_of(small[0])["patterns"] if p["rule"] == "ATT-08")
    class_id = pattern["class_ids"][0]
    first, last = pattern["evidence"]["deferred_attendance_lines"][class_id]

    attended = [date.fromisoformat(c["date"]) for c in commands[first - 1 : last]]
    starts_before = [
        date.fromisoformat(c["start_date"])
        for c in commands[: first - 1]
        if c["type"] == "open_class"
    ]
    assert {c["class_id"] for c in commands[first - 1 : last]} == {class_id}
    assert max(starts_before) > max(attended) + timedelta(days=LATE_DAYS)


def test_small_has_the_money_phase_in_an_order_the_rules_allow(
    small: tuple[Path, GenerateSummary],
) -> None:
    commands = commands_of(small[0])
    by_type = Counter(c["type"] for c in commands)
    position = {
        (c["type"], c.get("claim_id") or c.get("class_id")): n for n, c in enumerate(commands)
    }
    publicity_of = {
        claim_id: (n, c)
        for n, c in enumerate(commands)
        if c["type"] == "start_publicity"
        for claim_id in c["claim_ids"]
    }
    labels = labels_of(small[0])
    held = {c for p in labels["patterns"] if p["outcome"] == "hold" for c in p["claim_ids"]}
    rejected = {c for p in labels["patterns"] for c in p["evidence"].get("expected", {})}
    upheld = {c for c, up in labels["money"]["objections"].items() if up}
    starts = {c["class_id"]: c["start_date"] for c in commands if c["type"] == "open_class"}
    first_attendance: dict[str, int] = {}
    for n, c in enumerate(commands):
        if c["type"] == "record_attendance":
            first_attendance.setdefault(c["class_id"], n)

    assert by_type["pay_advance"] >= 2 and by_type["start_publicity"] >= 5
    assert by_type["pay_claim"] > by_type["file_claim"] // 2
    assert by_type["record_objection"] == by_type["resolve_objection"] >= 2
    assert upheld and len(upheld) < by_type["record_objection"]
    for n, c in enumerate(commands):
        if c["type"] == "pay_claim":
            listed_at, publicity = publicity_of[c["claim_id"]]
            assert position[("file_claim", c["claim_id"])] < listed_at < n
            assert c["date"] > publicity["start_date"]
            assert c["claim_id"] not in held | rejected | upheld
        elif c["type"] == "pay_advance":  # After the enrolments, before the roster.
            assert position[("enroll", c["class_id"])] < n < first_attendance[c["class_id"]]
            assert c["date"] >= starts[c["class_id"]]
    for claim_id in publicity_of:
        assert claim_id not in rejected


@pytest.mark.parametrize("seed", [SEED, 51])
def test_every_line_is_accepted_and_claims_are_decided_as_labelled(
    sf: Skillfund, small: tuple[Path, GenerateSummary], seed: int, tmp_path: Path
) -> None:
    path = small[0]
    if seed != SEED:  # 51: LIM-02 in classes that never meet (generator version 4).
        path = tmp_path / f"small-{seed}.jsonl"
        write("small", seed, path, progress=io.StringIO())
    labels = labels_of(path)

    results = submit(sf, *lines_of(path))

    assert Counter(r.status for r in results) == {"accepted": len(results)}
    decisions = {r.key: r.decision for r in results if r.type == "file_claim"}
    outcomes = Counter(d.outcome for d in decisions.values() if d is not None)
    expected = labels["expected_decisions"]
    assert outcomes["approved"] == expected["approved"] > 0
    assert outcomes["rejected"] == sum(n for code, n in expected.items() if code != "approved") > 0
    for pattern in labels["patterns"]:
        for claim_id, code in pattern["evidence"].get("expected", {}).items():
            decision = decisions[claim_id]
            assert decision is not None and decision.outcome == "rejected"
            assert code in [reason.code for reason in decision.reasons], (pattern["rule"], claim_id)


def test_the_generated_money_is_paid_as_the_rules_net_it(
    sf: Skillfund, small: tuple[Path, GenerateSummary]
) -> None:
    commands = commands_of(small[0])
    money = [r for r in submit(sf, *lines_of(small[0])) if r.type in MONEY_COMMANDS]

    def fen(value: str) -> int:
        return int(Decimal(value) * 100)

    assert money and Counter(r.status for r in money) == {"accepted": len(money)}
    paid = [c["claim_id"] for c in commands if c["type"] == "pay_claim"]
    claims = [sf.ledger.find(Claim, Claim.create_id(claim_id)) for claim_id in paid]
    assert all(c is not None and c.status == "paid" for c in claims)
    amount_fen = sum(c.decision.amount_fen for c in claims if c and c.decision)
    settled_fen = sum(c.advance_settled_fen for c in claims if c)
    advanced_fen = sum(fen(c["amount"]) for c in commands if c["type"] == "pay_advance")
    deposited_fen = sum(fen(c["amount"]) for c in commands if c["type"] == "deposit")
    balance = fund_balance(sf, FUND_ID, None)

    assert sum(fen(v) for v in balance["paid_by_subsidy"].values()) == amount_fen
    assert deposited_fen - fen(balance["cash"]) == amount_fen - settled_fen + advanced_fen
    assert 0 < settled_fen <= advanced_fen
    assert fen(balance["trial_balance"]) == 0


def test_a_month_with_more_claims_than_a_list_holds_is_published_in_parts(
    sf: Skillfund, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Kunshan-sized month has more approved claims than a command's list may hold
    (LIST_LENGTH_MAX): it is published as several lists, and every payment is accepted."""
    monkeypatch.setattr(generate_money, "PUBLICITY_LIST_MAX", 7)
    commands = list(generate("small", SEED))
    lists = [c for c in commands if c["type"] == "start_publicity"]

    assert max(len(c["claim_ids"]) for c in lists) == 7
    assert any(c["publicity_id"].endswith("-2") for c in lists)
    published = [claim_id for c in lists for claim_id in c["claim_ids"]]
    assert len(published) == len(set(published))
    results = submit(sf, *[json.dumps(c, ensure_ascii=False) for c in commands])
    assert Counter(r.status for r in results) == {"accepted": len(results)}
    paid = {c["claim_id"] for c in commands if c["type"] == "pay_claim"}
    assert paid and paid <= set(published)
