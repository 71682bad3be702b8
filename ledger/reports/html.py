"""The reports as self-contained HTML pages: no script, no external resource, charts as
inline SVG; Chinese and English labels; one index.html linking every page and file."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ledger.reports.model import Report, Table, csv_name, html_name, xlsx_name
from ledger.reports.svg import svg

STYLE = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
  "Microsoft YaHei", "PingFang SC", sans-serif; margin: 24px auto; max-width: 1180px;
  color: #222; background: #f6f7f9; padding: 0 16px; line-height: 1.5; }
h1 { font-size: 26px; margin: 8px 0 0; } h2 { font-size: 19px; margin: 28px 0 8px; }
.en { color: #666; margin: 0 0 12px; } nav a { margin-right: 14px; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 4px 16px;
  background: #fff; padding: 12px 16px; border-radius: 6px; }
dl.facts dt { color: #555; } dl.facts dd { margin: 0; font-weight: 600; }
.charts { display: grid; gap: 16px; } svg.chart { max-width: 100%; height: auto;
  background: #fff; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border: 1px solid #d9dee5; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eaf0f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: 700; background: #f3f5f8; }
p.note { color: #555; font-size: 12px; margin: 4px 0; }
.source { background: #fffbe6; border: 1px solid #e8d98b; border-radius: 6px; padding: 8px 16px; }
.source code { word-break: break-all; } footer { color: #777; font-size: 12px; margin: 32px 0; }
""".strip()
FOOTER = "金额单位：元 (amounts in yuan). 个人信息已按统一规则脱敏 (personal data is masked)."


def page(title: str, body: list[str]) -> str:
    """A whole HTML document."""
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title>",
            f"<style>\n{STYLE}\n</style>",
            "</head>",
            "<body>",
            *body,
            "</body>",
            "</html>",
            "",
        ]
    )


def table_html(part: Table) -> list[str]:
    """A table with its heading and note; numbers right-aligned, the total row in bold."""
    head = "".join(f"<th>{escape(c.zh)}<br>{escape(c.en)}</th>" for c in part.columns)
    lines = [f'<h2 id="{part.key}">{escape(part.title)}</h2>', "<table>", f"<tr>{head}</tr>"]
    for n, row in enumerate(part.rows):
        total = part.has_total and n == len(part.rows) - 1
        cells = "".join(
            f'<td class="num">{escape(v)}</td>' if c.numeric else f"<td>{escape(v)}</td>"
            for c, v in zip(part.columns, row, strict=True)
        )
        lines.append(f'<tr class="total">{cells}</tr>' if total else f"<tr>{cells}</tr>")
    if not part.rows:
        lines.append(f'<tr><td colspan="{len(part.columns)}">本期无 none in the period</td></tr>')
    lines.append("</table>")
    if part.note:
        lines.append(f'<p class="note">{escape(part.note)}</p>')
    return lines


def source_html(source: Table) -> list[str]:
    """The provenance box: the sealed root of the log and the commands that verify it."""
    lines = ['<section class="source">', f"<h2>{escape(source.title)}</h2>", '<dl class="facts">']
    for label, value in source.rows:
        lines.append(f"<dt>{escape(label)}</dt><dd><code>{escape(value)}</code></dd>")
    return [*lines, "</dl>", "</section>"]


def downloads(report: Report) -> list[str]:
    links = [f'<a href="{xlsx_name(report)}">{escape(xlsx_name(report))}</a>']
    links += [
        f'<a href="{csv_name(report, part)}">{escape(csv_name(report, part))}</a>'
        for part in report.tables
    ]
    return ['<p class="note">下载 Downloads: ' + " · ".join(links) + "</p>"]


def nav(reports: Sequence[Report]) -> str:
    links = ['<a href="index.html">目录 Index</a>']
    links += [f'<a href="{html_name(r)}">{escape(r.zh)}</a>' for r in reports]
    return "<nav>" + "".join(links) + "</nav>"


def facts_html(facts: Sequence[tuple[str, str]]) -> list[str]:
    lines = ['<dl class="facts">']
    lines += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts]
    return [*lines, "</dl>"]


def report_page(report: Report, source: Table, reports: Sequence[Report]) -> str:
    """One report's page: title, facts, charts, its tables, and where it came from."""
    body = [nav(reports), f"<h1>{escape(report.zh)}</h1>", f'<p class="en">{escape(report.en)}</p>']
    body += facts_html(report.facts)
    if report.charts:
        body += ['<section class="charts">', *(svg(chart) for chart in report.charts), "</section>"]
    for part in report.tables:
        body += table_html(part)
    body += source_html(source) + downloads(report)
    body.append(f"<footer>{FOOTER}</footer>")
    return page(report.title, body)


def index_page(title: str, summary: Report, source: Table, reports: Sequence[Report]) -> str:
    """The index: the fund's facts and summary, every report with what it holds and its
    files, and the provenance."""
    body = [f"<h1>{escape(title)}</h1>", '<p class="en">Public disclosure of the fund</p>']
    body += facts_html(summary.facts)
    body += table_html(summary.tables[0])
    body.append("<h2>报告 Reports</h2>")
    body.append("<ul>")
    for report in reports:
        parts = "、".join(part.zh for part in report.tables)
        body.append(
            f'<li><a href="{html_name(report)}">{escape(report.title)}</a>'
            f'<p class="note">{escape(parts)}</p>{downloads(report)[0]}</li>'
        )
    body.append("</ul>")
    body += source_html(source)
    body.append(
        '<p class="note">文件清单及校验值 Files and their sha256: '
        '<a href="manifest.json">manifest.json</a></p>'
    )
    return page(title, body)
