"""Reading a CSV of SFO reviews (and, from old spreadsheets, their QA ratings and dates).

``check_csv`` reads the text and says, row by row and in plain words, what is wrong and
what would happen; it changes nothing. The lookups it needs (regions, categories, existing
reviews, inspectors) come in a ``Lookups`` built once per check, so a file of thousands of
rows costs a handful of queries. ``operations.commit_import`` runs the same check again on
the stored file at confirmation and imports the rows that are new and valid.
"""

from __future__ import annotations

import csv
import enum
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from agencies.access import is_inspector
from agencies.models import Organisation, OrganisationKind, User
from extensions import db
from reviews.models import OffenceCategory, Review
from reviews.rating import Rating
from reviews.validation import (
    AUTHOR_ROLE_MAX,
    SUMMARY_MAX,
    ReviewDetails,
    date_problems,
    is_reference,
    normalise_reference,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000

COLUMNS = [
    "reference",
    "region",
    "offence_category",
    "received_on",
    "offence_on",
    "charged_on",
    "author_role",
    "summary",
    "standard_1_rating",
    "standard_2_rating",
    "standard_3_rating",
    "standard_4_rating",
    "qa_issued_on",
    "assessor_email",
]
REQUIRED_COLUMNS = ["region", "offence_category", "received_on"]
RATING_COLUMNS = COLUMNS[8:12]
COLUMN_LABELS = {
    "reference": "Reference",
    "region": "Region",
    "offence_category": "Offence category",
    "received_on": "Date received",
    "offence_on": "Date of the offence",
    "charged_on": "Date of charge",
    "author_role": "Author's role",
    "summary": "Summary",
    "qa_issued_on": "Date the QA report was issued",
    "assessor_email": "Assessor's email address",
    **{name: f"Standard {n} rating" for n, name in enumerate(RATING_COLUMNS, start=1)},
}

TEMPLATE_ROWS = [
    [
        "SFO-2024-0101",
        "North West Probation Region",
        "Murder",
        "2024-05-03",
        "2023-11-20",
        "2023-11-24",
        "Head of Public Protection",
        "Review of supervision before a further offence in the community.",
        "",
        "",
        "",
        "",
        "",
        "",
    ],
    [
        "",
        "Wales Probation Region",
        "Rape",
        "17/12/2021",
        "02/09/2021",
        "05/09/2021",
        "Senior Probation Officer",
        "Imported with its QA ratings from the 2021 spreadsheet.",
        "2",
        "1",
        "Good",
        "Requires improvement",
        "12/01/2022",
        "",
    ],
]

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


class Outcome(enum.StrEnum):
    NEW = "new"
    UNCHANGED = "unchanged"  # already in the register with the same details: skipped
    PROBLEM = "problem"


@dataclass
class ParsedRow(ReviewDetails):
    reference: str | None
    scores: list[int] | None
    qa_issued_on: date | None
    assessor: User | None


@dataclass
class RowResult:
    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    outcome: Outcome = Outcome.PROBLEM
    parsed: ParsedRow | None = None

    @property
    def reference(self) -> str:
        return self.values.get("reference", "")


@dataclass
class ImportCheck:
    file_problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def new_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == Outcome.NEW]

    @property
    def importable(self) -> bool:
        return not self.file_problems and bool(self.new_rows)


@dataclass
class Lookups:
    regions: dict[str, Organisation]
    categories: dict[str, OffenceCategory]
    reviews_by_reference: dict[str, Review]
    # (region id, category id, received, offence, charge, summary) of reviews already held,
    # so a row without a reference is recognised when the same file comes in again.
    review_keys: set[tuple[object, ...]]
    inspectors: dict[str, User]
    today: date


def _key(text: str) -> str:
    return " ".join(text.strip().casefold().split())


def load_lookups(today: date) -> Lookups:
    regions = db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.PROBATION_REGION)
    ).all()
    categories = db.session.scalars(select(OffenceCategory).where(OffenceCategory.active.is_(True))).all()
    reviews = db.session.scalars(select(Review)).all()
    people = db.session.scalars(select(User).where(User.active.is_(True))).all()
    return Lookups(
        regions={_key(r.name): r for r in regions},
        categories={_key(c.name): c for c in categories},
        reviews_by_reference={r.reference: r for r in reviews},
        review_keys={
            _natural_key(r.region_id, r.offence_category_id, r.received_on, r.offence_on, r.charged_on, r.summary)
            for r in reviews
        },
        inspectors={u.email.casefold(): u for u in people if is_inspector(u)},
        today=today,
    )


def _natural_key(*parts: object) -> tuple[object, ...]:
    return tuple(_key(p) if isinstance(p, str) else p for p in parts)


def decode(data: bytes) -> str | None:
    """Text from an uploaded file: UTF-8 (with or without Excel's BOM), else Windows-1252."""
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse_date(text: str) -> date | None:
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def check_csv(text: str, lookups: Lookups) -> ImportCheck:
    result = ImportCheck()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if not header or not any(h.strip() for h in header):
        result.file_problems.append("The file is empty. Use the template: its first row names the columns.")
        return result
    names = [_key(h).replace(" ", "_") for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        result.file_problems.append(
            "The first row must name the columns. Missing: "
            + ", ".join(missing)
            + ". Download the template to see the columns."
        )
        return result
    duplicated = sorted({n for n in names if n and names.count(n) > 1})
    if duplicated:
        result.file_problems.append("These columns appear more than once: " + ", ".join(duplicated))
        return result
    unknown = [h for h, n in zip(header, names, strict=True) if n and n not in COLUMNS]
    if unknown:
        result.notes.append("These columns are not used and will be ignored: " + ", ".join(unknown))

    seen_references: dict[str, int] = {}
    seen_keys: dict[tuple[object, ...], int] = {}
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(result.rows) >= MAX_ROWS:
                result.file_problems.append(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
                return result
            values = {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names) if n in COLUMNS}
            row = RowResult(line=number, values={k: v.strip() for k, v in values.items()})
            if len(cells) > len(names):
                row.problems.append("This row has more cells than the first row has columns")
            _check_row(row, lookups, seen_references, seen_keys)
            result.rows.append(row)
    except csv.Error as error:
        result.file_problems.append(f"The file could not be read as CSV near line {reader.line_num}: {error}")
    if not result.rows and not result.file_problems:
        result.file_problems.append("The file has no rows of reviews under its first row.")
    return result


def _check_row(
    row: RowResult, lookups: Lookups, seen_references: dict[str, int], seen_keys: dict[tuple[object, ...], int]
) -> None:
    v = row.values
    problems = row.problems

    reference = normalise_reference(v.get("reference", "")) or None
    if reference is not None and not is_reference(reference):
        problems.append(f"Reference “{v['reference']}” must look like SFO-2024-0123")
        reference = None

    region = lookups.regions.get(_key(v.get("region", "")))
    if not v.get("region"):
        problems.append("Enter the probation region")
    elif region is None:
        problems.append(f"Unknown probation region “{v['region']}”")

    category = lookups.categories.get(_key(v.get("offence_category", "")))
    if not v.get("offence_category"):
        problems.append("Enter the offence category")
    elif category is None:
        problems.append(f"Unknown offence category “{v['offence_category']}”")

    dates: dict[str, date | None] = {}
    for name in ("received_on", "offence_on", "charged_on", "qa_issued_on"):
        text = v.get(name, "")
        dates[name] = parse_date(text) if text else None
        if text and dates[name] is None:
            problems.append(f"{COLUMN_LABELS[name]} “{text}” is not a real date: use DD/MM/YYYY or YYYY-MM-DD")
    if not v.get("received_on"):
        problems.append("Enter the date the review was received")
    problems.extend(
        message
        for _field, message in date_problems(
            dates["received_on"], dates["offence_on"], dates["charged_on"], lookups.today
        )
    )

    author_role = v.get("author_role") or None
    if author_role and len(author_role) > AUTHOR_ROLE_MAX:
        problems.append(f"Author's role must be {AUTHOR_ROLE_MAX} characters or fewer")
    if author_role and any(ord(c) < 32 for c in author_role):
        problems.append("Author's role must be on one line")
    summary = v.get("summary", "")
    if len(summary) > SUMMARY_MAX:
        problems.append(f"Summary must be {SUMMARY_MAX:,} characters or fewer")

    scores: list[int] | None = None
    given = [(name, v.get(name, "")) for name in RATING_COLUMNS]
    if any(text for _name, text in given):
        parsed_scores: list[int] = []
        for name, text in given:
            rating = Rating.parse(text) if text else None
            if not text:
                problems.append(f"{COLUMN_LABELS[name]} is missing: give all four standard ratings, or none")
            elif rating is None:
                problems.append(
                    f"{COLUMN_LABELS[name]} “{text}” is out of range: use 0 to 3, or Inadequate, "
                    "Requires improvement, Good or Outstanding"
                )
            else:
                parsed_scores.append(int(rating))
        if len(parsed_scores) == 4:
            scores = parsed_scores
    qa_issued_on = dates["qa_issued_on"]
    if qa_issued_on and not any(text for _name, text in given):
        problems.append("A QA report cannot have been issued without ratings: give the four standard ratings")
    if qa_issued_on and qa_issued_on > lookups.today:
        problems.append("Date the QA report was issued must be today or in the past")
    if qa_issued_on and dates["received_on"] and qa_issued_on < dates["received_on"]:
        problems.append("Date the QA report was issued must be the same as or after the date received")

    assessor = None
    email = v.get("assessor_email", "")
    if email:
        assessor = lookups.inspectors.get(email.casefold())
        if assessor is None:
            problems.append(f"No inspector in the portal has the email address “{email}”")
        elif not any(text for _name, text in given):
            problems.append("An assessor is given without ratings: give the four standard ratings, or no assessor")

    if problems:
        row.outcome = Outcome.PROBLEM
    else:
        assert region is not None and category is not None and dates["received_on"] is not None
        row.parsed = ParsedRow(
            reference=reference,
            region=region,
            offence_category=category,
            received_on=dates["received_on"],
            offence_on=dates["offence_on"],
            charged_on=dates["charged_on"],
            author_role=author_role,
            summary=summary,
            scores=scores,
            qa_issued_on=qa_issued_on,
            assessor=assessor,
        )
        row.outcome = _outcome(row, lookups)

    # Duplicates inside the file are problems whatever else is true of the row.
    if reference is not None:
        if reference in seen_references:
            row.problems.append(f"Reference {reference} is also on line {seen_references[reference]} of this file")
            row.outcome = Outcome.PROBLEM
        else:
            seen_references[reference] = row.line
    elif row.parsed is not None:
        key = _row_key(row.parsed)
        if key in seen_keys:
            row.problems.append(f"This row repeats line {seen_keys[key]} of this file")
            row.outcome = Outcome.PROBLEM
        else:
            seen_keys[key] = row.line


def _row_key(parsed: ParsedRow) -> tuple[object, ...]:
    return _natural_key(
        parsed.region.id,
        parsed.offence_category.id,
        parsed.received_on,
        parsed.offence_on,
        parsed.charged_on,
        parsed.summary,
    )


def _outcome(row: RowResult, lookups: Lookups) -> Outcome:
    parsed = row.parsed
    assert parsed is not None
    if parsed.reference is None:
        return Outcome.UNCHANGED if _row_key(parsed) in lookups.review_keys else Outcome.NEW
    existing = lookups.reviews_by_reference.get(parsed.reference)
    if existing is None:
        return Outcome.NEW
    same = (
        existing.region_id == parsed.region.id
        and existing.offence_category_id == parsed.offence_category.id
        and existing.received_on == parsed.received_on
        and existing.offence_on == parsed.offence_on
        and existing.charged_on == parsed.charged_on
    )
    if same:
        return Outcome.UNCHANGED
    row.problems.append(f"Reference {parsed.reference} is already in the register with different details")
    return Outcome.PROBLEM


def template_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(TEMPLATE_ROWS)
    return buffer.getvalue()
