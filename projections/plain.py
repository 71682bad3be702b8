"""Values orjson writes exactly as Python's `json` does.

Exact `str`, `int`, `bool`, `None`, `date` and `datetime` (the last two handed to a
`default` by `OPT_PASSTHROUGH_DATETIME`, as `json` hands them to its own), and lists,
tuples and string-keyed dicts of them. A float (written differently beyond 1e16), a
subclass (an enum, say), a set or a key that is not a string is not plain: whoever asks
writes it with `json`. Used by the stored events' mapper (ledger/mapper.py) and the links'
attributes (projections/links_store.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

LEAVES = frozenset({str, int, bool, type(None), date, datetime})


def plain(value: Any) -> bool:
    """Whether orjson writes this value as `json` (and the library's encoder) would."""
    kind = type(value)
    if kind in LEAVES:
        return True
    if kind is dict:
        return all(type(k) is str and plain(v) for k, v in value.items())
    if kind is list or kind is tuple:
        return all(plain(v) for v in value)
    return False
