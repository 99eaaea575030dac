"""CSV files people open in a spreadsheet: text that cannot run, numbers and dates that stay data.

A cell a spreadsheet would read as a formula (or a DDE call) starts with ``=``, ``+``, ``-``,
``@``, a tab or a line break: text cells that do get a leading apostrophe (OWASP CSV
injection). Numbers and dates are written as themselves (a date as ``2025-03-05``, which
Excel and LibreOffice read as a date), never neutralised, so they sort and sum: only text
typed by people can carry a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

Cell = str | int | float | date | bool | None


def csv_safe(text: str) -> str:
    """Text with a leading apostrophe if a spreadsheet would run it as a formula."""
    if text.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return value
    return csv_safe(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """UTF-8 CSV text with a byte-order mark, so Excel reads accented names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()
