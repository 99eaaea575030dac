"""An agency's chronology spreadsheet (CSV or Excel .xlsx) read into its draft return.

``read_sheet`` turns the upload into text cells (refusing anything that is neither by its
content, whatever its name); ``check_sheet`` says, row by row and in plain words, what is
wrong (a date that is not a real date or is in the future, a row with no text, a column the
template does not have) and changes nothing. The sheet is kept (``ChronologyImport``) between
the preview and the agency's confirmation, which checks it again and adds every row or none:
a chronology with holes in it would mislead the panel.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app

from agencies.models import User
from cases.chronology.models import ChronologyImport
from cases.models import AgencyReturn
from cases.returns.forms import MAX_CHRONOLOGY_ROWS
from cases.returns.operations import ChronologyRow, append_chronology
from core.files import XLSX, FileRefused, detect_type
from core.formatting import london_today, utc_now
from core.forms import LIFE_DATES
from core.tabular import csv_text
from extensions import db

XLSX_TYPE = XLSX
MAX_TEXT = 5000
MAX_COLUMNS = 30

# The template's columns: name in the file -> what it means.
COLUMNS = {
    "date": "The date of the contact, like 05/03/2024 or 2024-03-05 (a date cell in Excel)",
    "what_happened": "Required. What happened at the contact",
    "why_significant": "Optional. Why it matters: what it showed about risk, what could have been done",
    "significant": "Optional. Yes for a contact that matters most (it stands out in the merged chronology)",
}
# Headings people write for the same columns (compared after lower-casing, spaces as underscores).
ALIASES = {
    "date_of_contact": "date",
    "contact_date": "date",
    "what_happened?": "what_happened",
    "description": "what_happened",
    "why_it_is_significant": "why_significant",
    "significance": "why_significant",
    "why_it_matters": "why_significant",
    "significant_contact": "significant",
    "significant?": "significant",
}
TEMPLATE_ROWS = [
    ["2024-03-05", "Call-out to a verbal argument at the address.", "First known domestic incident.", "No"],
    ["12/06/2024", "Referral to children's services after a neighbour's call.", "Children present.", "Yes"],
]
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")
YES = {"yes", "y", "true", "1", "x", "significant"}
NO = {"", "no", "n", "false", "0"}


class ImportRefused(ValueError):
    """The stored sheet cannot be imported now; the message is for the person who asked."""


def max_bytes() -> int:
    return int(current_app.config["CHRONOLOGY_IMPORT_MAX_BYTES"])


def room_for(agency_return: AgencyReturn) -> int:
    return max(0, MAX_CHRONOLOGY_ROWS - len(agency_return.chronology))


# --- reading the file ------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value).strip()


def _decode(data: bytes) -> str | None:
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise FileRefused("The selected file could not be read as an Excel spreadsheet") from error
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            rows.append([_cell_text(value) for value in values])
            if len(rows) > MAX_CHRONOLOGY_ROWS + 50:
                break
        return rows
    finally:
        workbook.close()


def _read_csv(text: str) -> list[list[str]]:
    try:
        rows = []
        for cells in csv.reader(io.StringIO(text, newline="")):
            rows.append([cell.strip() for cell in cells[:MAX_COLUMNS]])
            if len(rows) > MAX_CHRONOLOGY_ROWS + 50:
                break
        return rows
    except csv.Error as error:
        raise FileRefused(f"The selected file could not be read as CSV: {error}") from error


def read_sheet(data: bytes) -> dict[str, Any]:
    """The first sheet as text cells: {"header": [...], "rows": [[line, [cells]], ...]}.

    What the file is comes from its content: an .xlsx renamed .csv is still read as Excel, and
    a PDF renamed .csv is refused.
    """
    try:
        found = detect_type(data).content_type
    except FileRefused:
        found = ""
    if found == XLSX:
        table = _read_xlsx(data)
    elif found in ("text/plain", "text/csv"):
        text = _decode(data)
        if text is None:
            raise FileRefused("The selected file must be a CSV or Excel (.xlsx) file")
        table = _read_csv(text)
    else:
        raise FileRefused("The selected file must be a CSV or Excel (.xlsx) file")
    # Blank lines (and Excel's empty trailing rows) are not rows.
    numbered = [(line, cells) for line, cells in enumerate(table, start=1) if any(c.strip() for c in cells)]
    if not numbered:
        raise FileRefused("The selected file is empty")
    (_header_line, header), *rows = numbered
    return {"header": header, "rows": [[line, cells] for line, cells in rows]}


# --- checking ---------------------------------------------------------------------------------


@dataclass
class RowCheck:
    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    parsed: ChronologyRow | None = None


@dataclass
class SheetCheck:
    file_problems: list[str] = field(default_factory=list)
    rows: list[RowCheck] = field(default_factory=list)

    @property
    def problem_rows(self) -> list[RowCheck]:
        return [row for row in self.rows if row.problems]

    @property
    def importable(self) -> bool:
        return not self.file_problems and bool(self.rows) and not self.problem_rows

    @property
    def error_list(self) -> list[dict[str, str]]:
        """For the GOV.UK error summary: each problem, linked to its row in the table."""
        errors = [{"text": problem, "href": "#file"} for problem in self.file_problems]
        for row in self.problem_rows:
            errors.extend(
                {"text": f"Row {row.line}: {problem}", "href": f"#row-{row.line}"} for problem in row.problems
            )
        return errors


def _column(name: str) -> str:
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return ALIASES.get(key, key)


def parse_date(text: str) -> date | None:
    cleaned = " ".join(text.split())
    if "T" in cleaned and cleaned[:4].isdigit():
        cleaned = cleaned.split("T", 1)[0]
    if " 00:00:00" in cleaned:
        cleaned = cleaned.replace(" 00:00:00", "")
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def check_sheet(content: dict[str, Any], *, room: int, today: date | None = None) -> SheetCheck:
    today = today or london_today()
    result = SheetCheck()
    header = [str(cell) for cell in content.get("header", [])]
    names = [_column(cell) for cell in header]
    unknown = [cell for cell, name in zip(header, names, strict=True) if cell.strip() and name not in COLUMNS]
    for cell in unknown:
        result.file_problems.append(
            f"The column “{cell}” is not one of the template's columns: use date, what_happened, "
            "why_significant and significant"
        )
    missing = [name for name in ("date", "what_happened") if name not in names]
    if missing:
        result.file_problems.append(
            "The first row must name the columns. Missing: " + ", ".join(missing) + ". Download the template."
        )
    duplicated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
    if duplicated:
        result.file_problems.append("These columns appear more than once: " + ", ".join(duplicated))
    rows = content.get("rows", [])
    if not rows:
        result.file_problems.append("The file has no contacts under its first row")
    if len(rows) > room:
        result.file_problems.append(
            f"The file has {len(rows)} contacts but your chronology has room for {room} more: split the file"
        )
    if result.file_problems:
        return result
    for line, cells in rows:
        values = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names)}
        row = RowCheck(line=int(line), values=values)
        extra = [cell for cell in cells[len(names) :] if str(cell).strip()]
        if extra:
            row.problems.append("This row has more cells than the first row has columns")
        text_date = values.get("date", "")
        happened_on = parse_date(text_date) if text_date else None
        if not text_date:
            row.problems.append("Enter the date of the contact")
        elif happened_on is None:
            row.problems.append(f"“{text_date}” is not a real date: write it like 05/03/2024 or 2024-03-05")
        elif happened_on > today:
            row.problems.append("The date of a contact must be in the past")
        elif outside := LIFE_DATES.problem(happened_on, "The date of the contact", today):
            row.problems.append(outside)
        what = values.get("what_happened", "")
        if not what:
            row.problems.append("Enter what happened")
        for name, text in (("what_happened", what), ("why_significant", values.get("why_significant", ""))):
            if len(text) > MAX_TEXT:
                label = "What happened" if name == "what_happened" else "Why it is significant"
                row.problems.append(f"{label} must be {MAX_TEXT:,} characters or fewer")
        flag = values.get("significant", "").strip().lower()
        if flag not in YES | NO:
            row.problems.append(f"Significant must be Yes or No, not “{values.get('significant', '')}”")
        if not row.problems:
            row.parsed = ChronologyRow(happened_on, what, values.get("why_significant", ""), flag in YES)
        result.rows.append(row)
    return result


# --- keeping and importing --------------------------------------------------------------------


def store_import(agency_return: AgencyReturn, filename: str, sheet: dict[str, Any], by: User) -> ChronologyImport:
    stored = ChronologyImport(
        return_id=agency_return.id, uploaded_by_id=by.id, filename=filename[:255] or "chronology", content=sheet
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def commit_import(upload: ChronologyImport, by: User) -> int:
    """Add every row of the stored sheet to the draft return, or none; return how many."""
    if upload.imported_at_utc is not None:
        raise ImportRefused("This file has already been imported")
    agency_return = upload.agency_return
    check = check_sheet(upload.content, room=room_for(agency_return))
    if not check.importable:
        raise ImportRefused("Fix the problems in your file and upload it again: nothing has been imported")
    from cases.returns.operations import ReturnLocked

    rows = [row.parsed for row in check.rows if row.parsed is not None]
    try:
        added = append_chronology(agency_return, rows, by, source=upload.filename)
    except ReturnLocked as error:
        raise ImportRefused(str(error)) from error
    upload.imported_at_utc = utc_now()
    upload.imported_rows = added
    return added


def template_csv() -> str:
    return csv_text(list(COLUMNS), TEMPLATE_ROWS)


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Chronology"
    sheet.append(list(COLUMNS))
    for text_date, *rest in TEMPLATE_ROWS:
        day = parse_date(text_date)
        sheet.append([day, *rest])
        sheet.cell(row=sheet.max_row, column=1).number_format = "DD/MM/YYYY"
    for column, width in zip("ABCD", (14, 60, 50, 12), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
