"""Readable tables for the terminal, aligned for Chinese (double-width) characters."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

CELL_WIDTH_MAX = 60


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list | dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if width(text) <= CELL_WIDTH_MAX else text[: CELL_WIDTH_MAX - 1] + "…"


def pad(text: str, size: int, right: bool) -> str:
    gap = " " * (size - width(text))
    return gap + text if right else text + gap


def render(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], numeric: Sequence[str] = ()
) -> str:
    """Rows as an aligned table; `columns` are (key, header) pairs."""
    cells = [[cell(row.get(key)) for key, _ in columns] for row in rows]
    headers = [header for _, header in columns]
    sizes = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    right = [key in numeric for key, _ in columns]
    lines = ["  ".join(pad(h, sizes[i], right[i]) for i, h in enumerate(headers))]
    lines.append("  ".join("-" * s for s in sizes))
    lines += ["  ".join(pad(c, sizes[i], right[i]) for i, c in enumerate(r)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def render_mapping(data: dict[str, Any], title: str = "") -> str:
    """A record as 'key: value' lines; nested lists of records become sub-tables."""
    lines = [title] if title else []
    nested = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            nested.append((key, value))
        elif (
            isinstance(value, dict)
            and value
            and not any(isinstance(v, dict | list) for v in value.values())
        ):
            lines.append(f"{key}:")
            lines += [f"  {k}: {cell(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {cell(value)}")
    for key, records in nested:
        columns = [(k, k) for k in records[0]]
        lines += ["", f"{key} ({len(records)}):", render(records, columns)]
    return "\n".join(lines)
