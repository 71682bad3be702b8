"""`skillfund disclose FUND --period 2020-07|2020-Q3|2020 --out DIR`: the public reports.

Three reports, each as HTML (with charts), XLSX and CSV (one file per table, UTF-8 with a
BOM so Excel opens it), an index.html linking them, and manifest.json with every file's
sha256:
- publicity: the 公示 lists, every claim proposed for payment, masked, with where to object;
- fund_use: the dedicated account over the period, every total from the journal;
- statutory: the 月报/季报/年报 of trainings, certificates and claims against the targets.

Every report names the sealed Merkle root and size of the event log it was built from, and
the commands that verify it (`ledger.audit`, imported lazily). Nothing in a report depends
on the clock or the machine: rebuilt from the same log, every file has the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from argparse import Namespace
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any

from ledger.cli import EXIT_FAILED, EXIT_OK, UsageError, emit
from ledger.reports.fund_use import build_fund_use
from ledger.reports.html import index_page, report_page
from ledger.reports.model import (
    Column,
    Period,
    PeriodError,
    Report,
    Table,
    csv_name,
    html_name,
    parse_period,
    table,
    xlsx_name,
)
from ledger.reports.publicity import build_publicity
from ledger.reports.sources import FundInfo, FundNotFoundError, ReportTooLargeError, Sources
from ledger.reports.statutory import build_statutory
from ledger.reports.xlsx import xlsx_bytes
from ledger.service import Skillfund, opened

__all__ = ["Period", "PeriodError", "disclose", "disclose_verb", "parse_period"]

UNSEALED = "unsealed (ledger.audit not available)"
VERIFY_COMMAND = "skillfund verify"
PROVE_COMMAND = (
    "skillfund prove ID --seal {seal_id} --out proof.json; "
    "skillfund verify-proof proof.json --root {root}"
)
MANIFEST = "manifest.json"
INDEX = "index.html"


@dataclass(frozen=True)
class Provenance:
    """The seal of the log a report was built from: its number, root, size and key, never
    its time, so a report rebuilt from the same log has the same bytes."""

    root: str
    size: int | None = None
    seal_id: int | None = None
    key_id: str | None = None

    @property
    def prove(self) -> str | None:
        if self.seal_id is None:
            return None
        return PROVE_COMMAND.format(seal_id=self.seal_id, root=self.root)

    def to_json(self) -> dict[str, Any]:
        return {
            "merkle_root": self.root,
            "size": self.size,
            "seal_id": self.seal_id,
            "key_id": self.key_id,
            "verify": VERIFY_COMMAND,
            "prove": self.prove,
        }

    def table(self, fund_id: str, period: Period) -> Table:
        """The source table every report carries."""
        sealed = f"#{self.seal_id}" if self.seal_id is not None else "—"
        rows = [
            ("专账 Fund", fund_id),
            ("期间 Period", period.label),
            ("日志封存根 Sealed log root (Merkle, RFC 6962)", self.root),
            ("日志事件数 Log size (events)", str(self.size) if self.size is not None else "—"),
            ("封存编号 Seal", sealed),
            ("签名密钥 Signing key", self.key_id or "未签名 unsigned"),
            ("验证日志 Verify the log", VERIFY_COMMAND),
            ("证明事件在日志中 Prove an event is in the log", self.prove or "—"),
            ("重新生成 Rebuild this report", rebuild_command(fund_id, period)),
            ("校验值 Checksums", f"{MANIFEST} (sha256)"),
        ]
        columns = (Column("item", "项目", "item"), Column("value", "内容", "value"))
        return table("source", ("出处与验证", "Source and verification"), columns, rows)


def rebuild_command(fund_id: str, period: Period) -> str:
    return f"skillfund disclose {fund_id} --period {period.label} --out DIR"


def seal_log(sf: Skillfund, fund_id: str, period: Period) -> Provenance:
    """Seal the whole log, signed with $SKILLFUND_SEAL_KEY when it is set (or take the seal
    that already covers it); unsealed while ledger.audit is not there."""
    try:
        from ledger import audit  # type: ignore[attr-defined, unused-ignore]
        from ledger.seals import SealKeyError, configured_signing_key
    except ImportError:
        return Provenance(UNSEALED)
    try:
        key = configured_signing_key()
    except SealKeyError as problem:
        raise UsageError(f"seal key: {problem}") from None
    sealed = audit.seal(sf.engine, reason=f"disclose {fund_id} {period.label}", signing_key=key)
    return Provenance(str(sealed.merkle_root), int(sealed.size), sealed.seal_id, sealed.key_id)


def build_reports(sf: Skillfund, fund_id: str, period: Period) -> tuple[FundInfo, list[Report]]:
    """The three reports of a fund for a period, read in one connection."""
    with sf.engine.connect() as connection:
        sources = Sources(sf, connection)
        fund = sources.fund(fund_id)
        builders = (build_publicity, build_fund_use, build_statutory)
        return fund, [build(sources, fund, period) for build in builders]


def csv_bytes(part: Table) -> bytes:
    """A table as CSV: UTF-8 with a BOM, CRLF lines, headers in Chinese and English."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([c.header for c in part.columns])
    writer.writerows(part.rows)
    return text.getvalue().encode("utf-8-sig")


def render(
    fund: FundInfo, period: Period, reports: list[Report], seal: Provenance
) -> dict[str, bytes]:
    """Every file of the disclosure, by name, manifest last."""
    source = seal.table(fund.fund_id, period)
    stamp = datetime.combine(period.last, time())
    files: dict[str, bytes] = {}
    for report in reports:
        files[html_name(report)] = report_page(report, source, reports).encode("utf-8")
        files[xlsx_name(report)] = xlsx_bytes(report, source, stamp)
        for part in (*report.tables, source):
            files[csv_name(report, part)] = csv_bytes(part)
    title = f"{fund.name} 信息公开（{period.label}）"
    files[INDEX] = index_page(title, reports[1], source, reports).encode("utf-8")
    files[MANIFEST] = manifest_bytes(fund, period, seal, files)
    return files


def manifest_bytes(
    fund: FundInfo, period: Period, seal: Provenance, files: dict[str, bytes]
) -> bytes:
    listed = [
        {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in sorted(files.items())
    ]
    manifest = {
        "fund_id": fund.fund_id,
        "period": period.label,
        "period_first": period.first.isoformat(),
        "period_last": period.last.isoformat(),
        "log": seal.to_json(),
        "rebuild": rebuild_command(fund.fund_id, period),
        "files": listed,
    }
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def disclose(sf: Skillfund, fund_id: str, period: Period, out: Path) -> dict[str, Any]:
    """Seal the log, build the reports and write them into `out`; returns the manifest."""
    sf.catch_up()
    seal = seal_log(sf, fund_id, period)
    fund, reports = build_reports(sf, fund_id, period)
    files = render(fund, period, reports, seal)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    manifest: dict[str, Any] = json.loads(files[MANIFEST])
    return manifest


def disclose_verb(args: Namespace, url: str) -> int:
    """The CLI verb: exit 0 written, 1 no such fund, 2 a bad period (a usage error)."""
    try:
        period = parse_period(args.period)
    except PeriodError as problem:
        raise UsageError(str(problem)) from None
    out = Path(args.out)
    with opened(url) as sf:
        try:
            manifest = disclose(sf, args.fund, period, out)
        except (FundNotFoundError, ReportTooLargeError) as problem:
            print(f"skillfund: {problem}", file=sys.stderr)
            return EXIT_FAILED
    log = manifest["log"]
    text = "\n".join(
        [
            f"wrote {len(manifest['files']) + 1} files to {out}: {period.report_en} {period.label}",
            f"log root {log['merkle_root']} size {log['size']}",
            f"verify: {log['verify']}",
            *(f"  {f['sha256']}  {f['path']}" for f in manifest["files"]),
        ]
    )
    emit(manifest | {"out": str(out)}, args.json, text)
    return EXIT_OK
