"""Money is an int of fen everywhere inside; this is how it is written for people."""

from __future__ import annotations


def format_fen(amount_fen: int) -> str:
    """Integer fen as a yuan string with two decimals: 260000 -> "2600.00", -50 -> "-0.50"."""
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), 100)
    return f"{sign}{yuan}.{fen:02d}"
