"""CSV files people open in a spreadsheet: text that cannot run, numbers and dates that stay data.

The portal's one CSV writer (every export goes through ``csv_text``). A text cell a
spreadsheet would read as a formula (or a DDE call) starts, after any whitespace a spreadsheet
skips, with ``=``, ``+``, ``-``, ``@``, or is a tab or line break before one: such cells get a
leading apostrophe (OWASP CSV injection). Numbers and dates are written as themselves (a date
as ``2025-03-05``, which Excel and LibreOffice read as a date), never neutralised, so they sort
and sum (a change of ``-19`` stays the number -19): only text can carry a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

_FORMULA_STARTS = ("=", "+", "-", "@")
# Characters a spreadsheet may skip before reading a formula: every kind of whitespace
# (``str.isspace``: space, tab, line breaks, no-break and other unicode spaces) and the
# invisible format characters that render as nothing.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"

Cell = object


def csv_safe(text: str) -> str:
    """Text with a leading apostrophe if a spreadsheet would run it as a formula."""
    start = text.lstrip().lstrip(_INVISIBLE).lstrip()
    if start.startswith(_FORMULA_STARTS) or text.startswith(("\t", "\r", "\n")):
        return "'" + text
    return text


def csv_cell(value: Cell) -> str | int | float | Decimal:
    """A cell as written: numbers as numbers, dates ISO, booleans Yes/No, text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    return csv_safe(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]], *, byte_order_mark: bool = True) -> str:
    """UTF-8 CSV text (with a byte-order mark, so Excel reads accented names correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(name) for name in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return ("\ufeff" if byte_order_mark else "") + buffer.getvalue()
