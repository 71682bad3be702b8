"""`skillfund disclose`: the public reports of a fund for a period, tied to the ledger,
masked, reproducible byte for byte, and naming the sealed log they were built from."""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from argparse import Namespace
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.case import Recovery
from domain.claim import Claim
from domain.finance import Advance, Allocation, ClassFunding, Payment
from domain.fund import Deposit
from domain.masking import mask_name, mask_resident_id
from domain.parties import Institution, Person
from ledger import demo
from ledger.cli import UsageError
from ledger.reports.disclose import UNSEALED, PeriodError, disclose, disclose_verb, parse_period
from ledger.reports.model import Period
from ledger.service import Skillfund
from tests.conftest import submit

FUND = demo.FUND
PERIODS = ["2020", "2020-Q4", "2020-11"]
NOTIFICATIONS_BATCH = 500
EVENTS_MAX = 100_000


def case_lines() -> list[dict[str, Any]]:
    """A fraud finding on the paid technician-research claim, a ban, and a part recovery."""
    return [
        {
            "type": "open_case",
            "case_id": "CASE-1",
            "date": "2020-11-10",
            "subject_ids": [demo.SCHOOL],
            "reason": "举报：研修班学员未到课",
        },
        {
            "type": "conclude_case",
            "case_id": "CASE-1",
            "date": "2020-11-20",
            "finding": "fraud",
            "claim_ids": ["KS-C-2020-0011"],
            "ban_institution_ids": [demo.SCHOOL],
        },
        {
            "type": "record_recovery",
            "recovery_id": "REC-1",
            "case_id": "CASE-1",
            "amount": "2000",
            "date": "2020-12-01",
            "reference": "BANK-REC-1",
        },
    ]


@pytest.fixture
def year(sf: Skillfund) -> Skillfund:
    """The demo Kunshan year, with a fraud case, a ban and a recovery after the payments."""
    results = submit(sf, *demo.demo_lines(), *case_lines())
    assert [r.error for r in results if not r.ok] == []
    return sf


def written(sf: Skillfund, period: str, out: Path) -> Path:
    disclose(sf, FUND, parse_period(period), out)
    return out


def read_csv(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), f"{path.name} has no UTF-8 BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def all_events(sf: Skillfund) -> list[Any]:
    """Every event of the log, in order, decoded through the application's mapper."""
    events: list[Any] = []
    start = 1
    while len(events) < EVENTS_MAX:
        batch = sf.ledger.recorder.select_notifications(start=start, limit=NOTIFICATIONS_BATCH)
        if not batch:
            return events
        events += [sf.ledger.mapper.to_domain_event(n) for n in batch]
        start = batch[-1].id + 1
    raise AssertionError("more events than the test expects")


def cash_delta(e: Any, fund_id: str) -> int:
    """What an event does to the fund's cash, from the event alone."""
    if isinstance(e, Deposit.Received | Recovery.Recorded) and e.fund_id == fund_id:
        return int(e.amount_fen)
    if isinstance(e, Allocation.Made):
        return e.amount_fen * ((e.to_fund_id == fund_id) - (e.from_fund_id == fund_id))
    if isinstance(e, Advance.Paid) and e.fund_id == fund_id:
        return -int(e.amount_fen)
    if isinstance(e, Payment.Made) and e.fund_id == fund_id:
        return -int(e.net_fen)
    return 0


def expected_from_events(sf: Skillfund, fund_id: str, period: Period) -> dict[str, Any]:
    """The fund-use figures recomputed from the events, independently of the projections."""
    events = all_events(sf)
    claim_funds = {e.originator_id: e.fund_id for e in events if isinstance(e, Claim.Filed)}
    figures: dict[str, Any] = defaultdict(int)
    figures["by_channel"], figures["by_subsidy"] = defaultdict(int), defaultdict(int)
    for e in events:
        if getattr(e, "on", None) is None:
            continue  # Only money events matter here, and each carries its business date.
        if e.on <= period.last:
            figures["closing"] += cash_delta(e, fund_id)
        if e.on < period.first:
            figures["opening"] += cash_delta(e, fund_id)
        if not period.first <= e.on <= period.last:
            continue
        add_period_figures(figures, e, fund_id, claim_funds)
    return figures


def add_period_figures(
    figures: dict[str, Any], e: Any, fund_id: str, claim_funds: dict[Any, str]
) -> None:
    if isinstance(e, Deposit.Received) and e.fund_id == fund_id:
        figures["deposits"] += e.amount_fen
        figures["by_channel"][e.channel] += e.amount_fen
    elif isinstance(e, Allocation.Made) and fund_id in (e.from_fund_id, e.to_fund_id):
        figures["out" if e.from_fund_id == fund_id else "in"] += e.amount_fen
    elif isinstance(e, Advance.Paid) and e.fund_id == fund_id:
        figures["advances"] += e.amount_fen
    elif isinstance(e, Payment.Made) and e.fund_id == fund_id:
        figures["gross"] += e.amount_fen
        figures["settled"] += e.advance_settled_fen
        figures["net"] += e.net_fen
        figures["by_subsidy"][e.subsidy] += e.amount_fen
    elif isinstance(e, Recovery.Recorded) and e.fund_id == fund_id:
        figures["recovered"] += e.amount_fen
    elif (isinstance(e, Claim.ClawedBack) and claim_funds[e.originator_id] == fund_id) or (
        isinstance(e, ClassFunding.AdvanceClawedBack) and e.fund_id == fund_id
    ):
        figures["clawbacks"] += e.amount_fen


def fen(yuan: str) -> int:
    whole, cents = yuan.split(".")
    return int(whole) * 100 + (int(cents) if not whole.startswith("-") else -int(cents))


def summary(out: Path) -> dict[str, int]:
    """The summary table of the fund-use report: its Chinese label -> fen."""
    rows = read_csv(out / "fund_use-summary.csv")[1:]
    return {row[0].strip("\u3000 ").split()[0]: fen(row[1]) for row in rows}


@pytest.mark.parametrize("period", PERIODS)
def test_the_fund_use_summary_ties_to_the_events(
    year: Skillfund, period: str, tmp_path: Path
) -> None:
    out = written(year, period, tmp_path / "out")

    got, expected = summary(out), expected_from_events(year, FUND, parse_period(period))

    assert got["期初余额"] == expected["opening"]
    assert got["期末余额"] == expected["closing"]
    assert got["资金到账"] == expected["deposits"]
    assert (got["市级下拨"], got["下拨区县子账户"]) == (expected["in"], expected["out"])
    assert got["预拨培训机构"] == expected["advances"]
    assert got["补贴支出（核定金额）"] == expected["gross"]
    assert (got["其中冲抵预拨"], got["实际支付"]) == (expected["settled"], expected["net"])
    assert got["追回资金"] == expected["recovered"]
    assert got["本期认定应追回"] == expected["clawbacks"]
    assert got["核对差额"] == 0


@pytest.mark.parametrize("period", PERIODS)
def test_deposits_and_payments_by_category_add_up_to_the_events(
    year: Skillfund, period: str, tmp_path: Path
) -> None:
    out = written(year, period, tmp_path / "out")

    expected = expected_from_events(year, FUND, parse_period(period))

    channels = {r[0].split()[-1]: fen(r[2]) for r in read_csv(out / "fund_use-deposits.csv")[1:-1]}
    subsidies = {
        r[0].split()[-1]: fen(r[2]) for r in read_csv(out / "fund_use-by_subsidy.csv")[1:-1]
    }
    assert channels == dict(expected["by_channel"])
    assert subsidies == dict(expected["by_subsidy"])
    for name in ("by_institution", "by_occupation", "by_subsidy", "deposits"):
        total = read_csv(out / f"fund_use-{name}.csv")[-1]
        assert total[0] == "合计 total"
        assert fen(total[2]) == (expected["deposits"] if name == "deposits" else expected["gross"])


def test_the_year_report_shows_the_clawback_the_recovery_and_the_ban(
    year: Skillfund, tmp_path: Path
) -> None:
    out = written(year, "2020", tmp_path / "out")

    clawbacks = read_csv(out / "fund_use-clawbacks.csv")[1:]
    bans = read_csv(out / "fund_use-bans.csv")[1:]

    assert [(r[0], r[2], r[3]) for r in clawbacks] == [
        ("2020-11-20", "KS-C-2020-0011", "6000.00"),
        ("2020-12-01", "REC-1", "2000.00"),
    ]
    assert bans == [["2020-11-20", "昆山高级技工学校", demo.SCHOOL, "CASE-1"]]
    assert read_csv(written(year, "2020-Q3", tmp_path / "q3") / "fund_use-bans.csv")[1:] == []


def test_the_publicity_list_masks_every_person_and_says_where_to_object(
    year: Skillfund, tmp_path: Path
) -> None:
    out = written(year, "2020-Q4", tmp_path / "out")

    claims = read_csv(out / "publicity-claims.csv")
    publicities = read_csv(out / "publicity-publicities.csv")

    first = dict(zip(claims[0], claims[1], strict=True))
    assert first["申请编号 claim"] == "KS-C-2020-0001"
    assert first["姓名 name (masked)"] == mask_name("王建国") == "王*国"
    assert first["身份证号 ID number (masked)"] == mask_resident_id(demo.WANG)
    assert (first["职业（工种） occupation"], first["补贴金额（元） yuan"]) == ("电工", "2600.00")
    assert first["公示期 publicity dates"] == "2020-10-26 至 2020-10-30"
    assert len(claims) == 1 + len(demo.PAID_CLAIMS) + 1  # header, claims, total
    assert publicities[1][:5] == ["KS-GS-2020-10", "2020-10-26", "2020-10-30", "5", "6"]
    assert "人力资源和社会保障局" in (out / "publicity.html").read_text(encoding="utf-8")


def test_a_publicity_is_listed_only_in_the_periods_it_overlaps(
    year: Skillfund, tmp_path: Path
) -> None:
    october = read_csv(written(year, "2020-10", tmp_path / "oct") / "publicity-claims.csv")
    november = read_csv(written(year, "2020-11", tmp_path / "nov") / "publicity-claims.csv")

    assert len(october) == 1 + len(demo.PAID_CLAIMS) + 1
    assert november[1:] == [["合计 total", "0", *[""] * 7, "0.00", "", ""]]


def secrets_of(sf: Skillfund) -> set[str]:
    """Every full resident id, person name, account and phone number in the store."""
    found: set[str] = set()
    for e in all_events(sf):
        facts: dict[str, Any] = {}
        if isinstance(e, Person.Registered):
            found.add(e.person_id)
            facts = e.facts
        elif isinstance(e, Person.Updated):
            facts = e.changes
        elif isinstance(e, Institution.Registered) and e.account:
            found.add(e.account)
        found |= {str(facts[k]) for k in ("name", "account", "phone", "person_id") if facts.get(k)}
    return found


def public_texts(out: Path) -> dict[str, str]:
    """Every written file as text: XLSX by unzipping and reading every XML part."""
    texts = {}
    for path in sorted(out.iterdir()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                texts[path.name] = "\n".join(book.read(n).decode("utf-8") for n in book.namelist())
        else:
            texts[path.name] = path.read_bytes().decode("utf-8-sig")
    return texts


@pytest.mark.parametrize("period", PERIODS)
def test_no_public_file_holds_a_full_id_name_or_account(
    year: Skillfund, period: str, tmp_path: Path
) -> None:
    out = written(year, period, tmp_path / "out")

    secrets, texts = secrets_of(year), public_texts(out)

    leaks = [(name, s) for name, text in texts.items() for s in secrets if s in text]
    assert leaks == []
    assert demo.WANG in secrets and "王建国" in secrets and "6217000000000000101" in secrets
    assert len(texts) == len(json.loads((out / "manifest.json").read_text())["files"]) + 1


def test_the_masked_forms_are_what_the_public_files_show(year: Skillfund, tmp_path: Path) -> None:
    texts = public_texts(written(year, "2020", tmp_path / "out"))

    assert "王*国" in texts["publicity-claims.csv"]
    assert mask_resident_id(demo.WANG) in texts["publicity.xlsx"]
    assert "***************0101" in texts["fund_use-payments.csv"]


def snapshot(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())}


@pytest.mark.parametrize("period", PERIODS)
def test_a_report_rebuilt_from_the_same_log_has_the_same_bytes(
    year: Skillfund, period: str, tmp_path: Path
) -> None:
    first = snapshot(written(year, period, tmp_path / "first"))
    second = snapshot(written(year, period, tmp_path / "second"))
    year.runner.rebuild()
    rebuilt = snapshot(written(year, period, tmp_path / "rebuilt"))

    assert first == second == rebuilt
    assert {"index.html", "manifest.json", "fund_use.xlsx", "publicity.xlsx"} <= set(first)


def test_the_workbook_carries_the_period_end_not_the_time_it_was_written(
    year: Skillfund, tmp_path: Path
) -> None:
    out = written(year, "2020-Q4", tmp_path / "out")

    with zipfile.ZipFile(out / "fund_use.xlsx") as book:
        stamps = {info.date_time for info in book.infolist()}
        core = book.read("docProps/core.xml").decode()

    assert stamps == {(2020, 12, 31, 0, 0, 0)}
    assert core.count("2020-12-31T00:00:00Z") == 2


def test_the_manifest_lists_every_file_with_its_sha256(year: Skillfund, tmp_path: Path) -> None:
    import hashlib

    out = written(year, "2020", tmp_path / "out")

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    on_disk = {p.name for p in out.iterdir()} - {"manifest.json"}
    assert set(listed) == on_disk
    for name, sha256 in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha256


def audit_module() -> Any:
    try:
        from ledger import audit  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return None
    return audit


def test_every_report_names_the_log_root_and_the_verify_command(
    year: Skillfund, tmp_path: Path
) -> None:
    out = written(year, "2020", tmp_path / "out")
    root = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["log"]["merkle_root"]

    texts = public_texts(out)

    for report in ("publicity", "fund_use", "statutory"):
        for name in (f"{report}.html", f"{report}.xlsx", f"{report}-source.csv"):
            assert root in texts[name] and "skillfund verify" in texts[name], name
    assert "sealed_at" not in texts["manifest.json"]


def test_without_the_audit_module_the_root_reads_unsealed(
    year: Skillfund, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ledger

    monkeypatch.setitem(sys.modules, "ledger.audit", None)  # Importing it raises ImportError.
    monkeypatch.delattr(ledger, "audit", raising=False)

    manifest = json.loads((written(year, "2020", tmp_path) / "manifest.json").read_text())

    assert manifest["log"]["merkle_root"] == UNSEALED
    assert (manifest["log"]["size"], manifest["log"]["prove"]) == (None, None)
    assert UNSEALED in (tmp_path / "fund_use.html").read_text(encoding="utf-8")


def test_the_report_names_the_seal_covering_the_whole_log(year: Skillfund, tmp_path: Path) -> None:
    audit = audit_module()
    if audit is None:
        pytest.skip("ledger.audit is not available yet")

    manifest = json.loads((written(year, "2020", tmp_path) / "manifest.json").read_text())
    seal = audit.latest_seal(year.engine)

    log = manifest["log"]
    assert (log["merkle_root"], log["size"], log["seal_id"]) == (
        seal.merkle_root,
        seal.size,
        seal.seal_id,
    )
    assert seal.size == len(all_events(year))
    assert f"--root {seal.merkle_root}" in log["prove"]


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("2020-07", "month", date(2020, 7, 1), date(2020, 7, 31)),
        ("2020-02", "month", date(2020, 2, 1), date(2020, 2, 29)),
        ("2020-12", "month", date(2020, 12, 1), date(2020, 12, 31)),
        ("2020-Q1", "quarter", date(2020, 1, 1), date(2020, 3, 31)),
        ("2020-q3", "quarter", date(2020, 7, 1), date(2020, 9, 30)),
        ("2020-Q4", "quarter", date(2020, 10, 1), date(2020, 12, 31)),
        ("2020", "year", date(2020, 1, 1), date(2020, 12, 31)),
    ],
)
def test_a_period_is_a_month_a_quarter_or_a_year(
    text: str, kind: str, first: date, last: date
) -> None:
    period = parse_period(text)

    assert (period.kind, period.first, period.last) == (kind, first, last)
    assert period.before == first - timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("2020-13", "month 13 is not 01 to 12"),
        ("2020-00", "month 00 is not 01 to 12"),
        ("2020-Q5", "quarter Q5 is not Q1 to Q4"),
        ("2020-Q0", "quarter Q0 is not Q1 to Q4"),
        ("2020/07", "is not YYYY-MM, YYYY-Qn or YYYY"),
        ("20-07", "is not YYYY-MM, YYYY-Qn or YYYY"),
        ("2020-7", "is not YYYY-MM, YYYY-Qn or YYYY"),
        ("July 2020", "is not YYYY-MM, YYYY-Qn or YYYY"),
        ("", "is not YYYY-MM, YYYY-Qn or YYYY"),
        ("0000", "year 0000 is not a calendar year"),
    ],
)
def test_a_malformed_period_is_refused_with_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(PeriodError, match=says):
        parse_period(text)


def test_the_verb_writes_the_reports_and_prints_the_root(
    year: Skillfund, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = Namespace(fund=FUND, period="2020-11", out=str(tmp_path / "out"), json=True)

    code = disclose_verb(args, db_url)

    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    assert printed["period"] == "2020-11" and printed["log"]["verify"] == "skillfund verify"
    assert (tmp_path / "out" / "index.html").is_file()


def test_the_verb_refuses_a_bad_period_as_a_usage_error(year: Skillfund, db_url: str) -> None:
    args = Namespace(fund=FUND, period="2020-Q5", out="unused", json=False)

    with pytest.raises(UsageError, match="Q5"):
        disclose_verb(args, db_url)


def test_the_verb_fails_for_a_fund_not_recorded(
    year: Skillfund, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = Namespace(fund="NO-SUCH-FUND", period="2020", out=str(tmp_path / "out"), json=False)

    assert disclose_verb(args, db_url) == 1
    assert "NO-SUCH-FUND" in capsys.readouterr().err


def test_the_pages_are_self_contained(year: Skillfund, tmp_path: Path) -> None:
    out = written(year, "2020", tmp_path / "out")

    for page in out.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert '<meta charset="utf-8">' in html
        assert "<script" not in html and " src=" not in html
        assert html.replace('xmlns="http://www.w3.org/2000/svg"', "").count("http") == 0
    assert (out / "fund_use.html").read_text(encoding="utf-8").count("<svg") == 3


def statutory(out: Path, name: str) -> list[list[str]]:
    return read_csv(out / f"statutory-{name}.csv")


def test_the_annual_report_counts_trainings_certificates_and_claims(
    year: Skillfund, tmp_path: Path
) -> None:
    out = written(year, "2020", tmp_path / "out")

    trainings = statutory(out, "trainings")[-1]
    certificates = statutory(out, "certificates")[-1]
    claims = statutory(out, "claims")[-1]
    target = statutory(out, "targets")[1]

    assert trainings == ["合计 total", "4", "7", "7", "7", "7", "7"]
    assert certificates[2:] == ["6", "6"]
    assert claims[1:4] == ["12", "6", "14500.00"]
    assert claims[6:8] == ["6", "14500.00"]
    assert target[2:6] == ["200000人次", "7", "0.00%", "昆政办发〔2020〕67号 一"]


def test_yuncheng_reports_the_employment_rate_of_trainees_against_25_percent(
    sf: Skillfund, tmp_path: Path
) -> None:
    scenario = Path(__file__).parents[1] / "scenarios" / "yuncheng.jsonl"
    lines = [json.loads(line) for line in scenario.read_text(encoding="utf-8").splitlines()]
    assert all(r.ok for r in submit(sf, *lines))
    employees = {c["person_id"] for c in lines if "enterprise_employee" in c.get("groups", [])}
    trainees = sorted(
        {c["person_id"] for c in lines if c["type"] == "complete_training"} - employees
    )
    employer = next(c["institution_id"] for c in lines if c["type"] == "register_institution")
    placed = {"employment_id": "YC-JY-1", "person_id": trainees[0], "employer_id": employer}
    assert all(
        r.ok for r in submit(sf, placed | {"type": "record_employment", "date": "2020-12-01"})
    )

    disclose(sf, "YC-ZXZ-2020", parse_period("2020"), tmp_path)

    rate = statutory(tmp_path, "targets")[-1]
    assert rate[2] == "≥ 25%"
    assert rate[3] == f"1/{len(trainees)}"
    assert rate[4].endswith("达标 met" if len(trainees) <= 4 else "未达标 not met")


def test_jinhua_reports_against_its_annual_plans_by_region_and_department(
    sf: Skillfund, tmp_path: Path
) -> None:
    pytest.importorskip("rules.plans")
    scenario = Path(__file__).parents[1] / "scenarios" / "jinhua.jsonl"
    assert all(r.ok for r in submit(sf, *scenario.read_text(encoding="utf-8").splitlines()))

    disclose(sf, "JH-ZXZ-2020", parse_period("2020"), tmp_path)

    rows = {r[0]: r for r in statutory(tmp_path, "targets")[1:]}
    region = next(r for name, r in rows.items() if "金华市区合计" in name)
    department = next(r for name, r in rows.items() if "市应急管理局" in name)
    assert region[2] == "22000人次" and region[3].isdigit() and int(region[3]) > 0
    assert department[2:5] == ["19000人次", "—", "—"]


def test_a_read_that_reaches_its_limit_refuses_rather_than_cut_a_report() -> None:
    from ledger.reports.sources import ReportTooLargeError, bounded

    assert bounded([1], 2, "rows") == [1]
    with pytest.raises(ReportTooLargeError, match="limit of 2"):
        bounded([1, 2], 2, "rows")
