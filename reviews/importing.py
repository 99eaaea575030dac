"""Reading a CSV of SFO reviews, with their history: the review's own timeline, who assured
it, and for the Inspectorate's sample the QA ratings, feedback, assessor, dates and any
agreed extension of the QA deadline.

``check_csv`` reads the text and says, row by row and in plain words, what is wrong and
what would happen; it changes nothing. A row whose reference is already in the register is
compared with what the portal holds: the preview lists exactly what would change (a blank
cell changes nothing), and nothing changes until the person confirms. The lookups it needs
(regions, categories, existing reviews, inspectors, published years) come in a ``Lookups``
built once per check, so a file of thousands of rows costs a handful of queries.
``operations.commit_import`` runs the same check again on the stored file at confirmation.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agencies.access import is_inspector
from agencies.models import Organisation, OrganisationKind, User
from core.formatting import govuk_date
from core.forms import LIFE_DATES, WORK_DATES
from core.tabular import csv_text
from extensions import db
from reviews.deadlines import qa_due_date
from reviews.models import Assessment, Assurance, OffenceCategory, PublishedYear, Review
from reviews.rating import STANDARD_COUNT, Rating
from reviews.validation import (
    AUTHOR_ROLE_MAX,
    FEEDBACK_MAX,
    SUMMARY_MAX,
    ReviewDetails,
    date_problems,
    is_reference,
    normalise_reference,
    timeline_problems,
)

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000

RATING_COLUMNS = [f"standard_{n}_rating" for n in range(1, STANDARD_COUNT + 1)]
FEEDBACK_COLUMNS = [f"standard_{n}_feedback" for n in range(1, STANDARD_COUNT + 1)]
COLUMNS = [
    "reference",
    "region",
    "offence_category",
    "received_on",
    "offence_on",
    "charged_on",
    "author_role",
    "summary",
    "hmpps_notified_on",
    "due_to_inspectorate_on",
    "probation_extension",
    "probation_extension_days",
    "assurance",
    *RATING_COLUMNS,
    *FEEDBACK_COLUMNS,
    "assessor_email",
    "assessor_name",
    "qa_assessed_on",
    "qa_issued_on",
    "qa_extended_to",
    "qa_extension_reason",
]
REQUIRED_COLUMNS = ["region", "offence_category", "received_on"]
DATE_COLUMNS = [
    "received_on",
    "offence_on",
    "charged_on",
    "hmpps_notified_on",
    "due_to_inspectorate_on",
    "qa_assessed_on",
    "qa_issued_on",
    "qa_extended_to",
]
COLUMN_LABELS = {
    "reference": "Reference",
    "region": "Region",
    "offence_category": "Offence category",
    "received_on": "Date received",
    "offence_on": "Date of the offence",
    "charged_on": "Date of charge",
    "author_role": "Author's role",
    "summary": "Summary",
    "hmpps_notified_on": "Date HMPPS was notified",
    "due_to_inspectorate_on": "Date due to the Inspectorate",
    "probation_extension": "Extension given to the region",
    "probation_extension_days": "Length of the region's extension (working days)",
    "assurance": "Assured by",
    "qa_assessed_on": "Date the QA assessment was completed",
    "qa_issued_on": "Date the QA report was issued",
    "qa_extended_to": "QA report deadline extended to",
    "qa_extension_reason": "Reason for the QA deadline extension",
    "assessor_email": "Assessor's email address",
    "assessor_name": "Assessor's name",
    **{name: f"Standard {n} rating" for n, name in enumerate(RATING_COLUMNS, start=1)},
    **{name: f"Standard {n} feedback" for n, name in enumerate(FEEDBACK_COLUMNS, start=1)},
}
COLUMN_NOTES = {
    "reference": "Optional. Like SFO-2021-0042. Left blank, the portal gives the next reference for the year received. "
    "A reference already in the register updates that review (the preview shows every change first).",
    "region": "Required. The probation region's name, as it is in the portal.",
    "offence_category": "Required. One of the portal's offence categories.",
    "received_on": "Required. The date the Inspectorate received the review.",
    "offence_on": "Optional.",
    "charged_on": "Optional.",
    "author_role": "Optional. The job, not the name.",
    "summary": "Optional. No names of the person on probation or of victims.",
    "hmpps_notified_on": "Optional. The date HMPPS was notified of the serious further offence.",
    "due_to_inspectorate_on": "Optional. The date the review was due to the Inspectorate, before any extension.",
    "probation_extension": "Optional. Yes or No: whether the region was given an extension to finish the review.",
    "probation_extension_days": "Optional. How long that extension was, in working days.",
    "assurance": "Optional. Inspectorate (sampled for the Inspectorate's QA) or HMPPS (left to HMPPS assurance). "
    "Left blank: rows with ratings are the Inspectorate's; a review received before this reporting year with no "
    "ratings is HMPPS's; later ones await the sample.",
    "standard_1_rating": "Only for reviews the Inspectorate assured: 0 to 3, or Inadequate, Requires improvement, "
    "Good or Outstanding. Give all four ratings or none.",
    "standard_2_rating": "As standard 1.",
    "standard_3_rating": "As standard 1.",
    "standard_4_rating": "As standard 1.",
    "standard_1_feedback": "Optional. The written feedback on standard 1, as in the QA report.",
    "standard_2_feedback": "As standard 1.",
    "standard_3_feedback": "As standard 1.",
    "standard_4_feedback": "As standard 1.",
    "assessor_email": "Optional. The email address of the inspector who made the ratings, if they have an account.",
    "assessor_name": "Optional. The assessor's name, for someone without an account in the portal.",
    "qa_assessed_on": "Optional. The date the QA assessment was completed.",
    "qa_issued_on": "Optional. The date the QA report was sent, for reviews with ratings.",
    "qa_extended_to": "Optional. The agreed new due date of the QA report, if its deadline was extended.",
    "qa_extension_reason": "Optional. Why the QA deadline was extended.",
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
        "2023-11-27",
        "2024-03-01",
        "Yes",
        "40",
        "",
        *[""] * (2 * STANDARD_COUNT),
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
        "Imported with its QA history from the 2021 spreadsheet.",
        "06/09/2021",
        "03/12/2021",
        "Yes",
        "10",
        "Inspectorate",
        "2",
        "1",
        "Good",
        "Requires improvement",
        "The analysis of the key decisions is sound.",
        "The review describes what happened rather than why.",
        "Learning is identified at every level.",
        "The language could be plainer for the family.",
        "",
        "A former inspector",
        "14/01/2022",
        "21/01/2022",
        "21/01/2022",
        "The region asked for a meeting before the report was finalised.",
    ],
    [
        "",
        "Wales Probation Region",
        "Murder",
        "03/02/2022",
        "",
        "",
        "",
        "Left to HMPPS assurance.",
        "",
        "",
        "No",
        "",
        "HMPPS",
        *[""] * (2 * STANDARD_COUNT),
        "",
        "",
        "",
        "",
        "",
        "",
    ],
]

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
ASSURANCE_WORDS = {
    "inspectorate": Assurance.INSPECTORATE,
    "sampled": Assurance.INSPECTORATE,
    "hmipp": Assurance.INSPECTORATE,
    "hmi probation": Assurance.INSPECTORATE,
    "hmpps": Assurance.HMPPS,
    "hmpps assurance": Assurance.HMPPS,
    "not sampled": Assurance.HMPPS,
}
ASSURANCE_LABELS = {
    Assurance.AWAITING_SAMPLE: "awaiting the sample",
    Assurance.INSPECTORATE: "the Inspectorate",
    Assurance.HMPPS: "HMPPS",
}
DEFAULT_EXTENSION_REASON = "Agreed before the portal was in use (imported)"


class Outcome(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"  # already in the register: the listed changes are made on confirmation
    UNCHANGED = "unchanged"  # already in the register with the same details: skipped
    PROBLEM = "problem"


@dataclass
class ParsedRow(ReviewDetails):
    reference: str | None
    scores: list[int] | None
    qa_issued_on: date | None
    assessor: User | None
    feedback: list[str | None] = field(default_factory=lambda: [None] * STANDARD_COUNT)
    assessor_name: str | None = None
    qa_assessed_on: date | None = None
    qa_extended_to: date | None = None
    qa_extension_reason: str | None = None
    assurance: Assurance | None = None  # as given in the file; None when the cell is blank
    given: set[str] = field(default_factory=set)  # the columns with a value in this row


@dataclass(frozen=True)
class FieldChange:
    """One thing a re-import would change, in words for the preview."""

    label: str
    before: str
    after: str


@dataclass
class RowResult:
    line: int
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)
    outcome: Outcome = Outcome.PROBLEM
    parsed: ParsedRow | None = None
    changes: list[FieldChange] = field(default_factory=list)
    existing: Review | None = None

    @property
    def reference(self) -> str:
        return self.values.get("reference", "")

    @property
    def changes_a_record(self) -> bool:
        """An update to a review whose QA report is issued: a record, so the import needs a reason."""
        assessment = self.existing.assessment if self.existing is not None else None
        return self.outcome == Outcome.UPDATE and assessment is not None and assessment.is_issued


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
    def update_rows(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == Outcome.UPDATE]

    @property
    def importable(self) -> bool:
        return not self.file_problems and bool(self.new_rows or self.update_rows)

    @property
    def needs_reason(self) -> bool:
        return any(row.changes_a_record for row in self.rows)


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
    published: set[int] = field(default_factory=set)

    @property
    def this_year_start(self) -> date:
        return date(reporting_year_of(self.today), 4, 1)


def reporting_year_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _year_label(start_year: int) -> str:
    return f"{start_year} to {start_year + 1}"


def _key(text: str) -> str:
    return " ".join(text.strip().casefold().split())


def load_lookups(today: date) -> Lookups:
    regions = db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.PROBATION_REGION)
    ).all()
    categories = db.session.scalars(select(OffenceCategory).where(OffenceCategory.active.is_(True))).all()
    reviews = db.session.scalars(select(Review)).all()
    # Inspectors who have left keep their name on the history they assessed.
    people = db.session.scalars(select(User)).all()
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
        published=set(db.session.scalars(select(PublishedYear.start_year))),
    )


def _load_details(references: Iterable[str]) -> None:
    """The QA side of the reviews a file names, in three queries, before rows are compared."""
    wanted = sorted(set(references))
    for start in range(0, len(wanted), 500):
        db.session.scalars(
            select(Review)
            .where(Review.reference.in_(wanted[start : start + 500]))
            .options(
                selectinload(Review.assessment).selectinload(Assessment.ratings),
                selectinload(Review.extensions),
                selectinload(Review.sample_entry),
            )
        ).all()


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

    rows: list[RowResult] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(rows) >= MAX_ROWS:
                result.file_problems.append(f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files.")
                return result
            values = {n: (cells[i] if i < len(cells) else "") for i, n in enumerate(names) if n in COLUMNS}
            row = RowResult(line=number, values={k: v.strip() for k, v in values.items()})
            if len(cells) > len(names):
                row.problems.append("This row has more cells than the first row has columns")
            rows.append(row)
    except csv.Error as error:
        result.file_problems.append(f"The file could not be read as CSV near line {reader.line_num}: {error}")
    referenced = [
        normalise_reference(row.reference)
        for row in rows
        if normalise_reference(row.reference) in lookups.reviews_by_reference
    ]
    if referenced:
        _load_details(referenced)
    seen_references: dict[str, int] = {}
    seen_keys: dict[tuple[object, ...], int] = {}
    for row in rows:
        _check_row(row, lookups, seen_references, seen_keys)
        result.rows.append(row)
    if not result.rows and not result.file_problems:
        result.file_problems.append("The file has no rows of reviews under its first row.")
    return result


def _parse_yes_no(text: str) -> bool | None:
    cleaned = _key(text)
    if cleaned in YES:
        return True
    if cleaned in NO:
        return False
    return None


def _check_row(
    row: RowResult, lookups: Lookups, seen_references: dict[str, int], seen_keys: dict[tuple[object, ...], int]
) -> None:
    v = row.values
    problems = row.problems
    given = {name for name, text in v.items() if text}

    reference = normalise_reference(v.get("reference", "")) or None
    if reference is not None and not is_reference(reference):
        problems.append(f"Reference “{v['reference']}” must look like SFO-2024-0123")
        reference = None
    existing = lookups.reviews_by_reference.get(reference) if reference else None
    existing_assessment = existing.assessment if existing is not None else None

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
    for name in DATE_COLUMNS:
        text = v.get(name, "")
        dates[name] = parse_date(text) if text else None
        if text and dates[name] is None:
            problems.append(f"{COLUMN_LABELS[name]} “{text}” is not a real date: use DD/MM/YYYY or YYYY-MM-DD")
        elif (day := dates[name]) is not None:
            window = LIFE_DATES if name in ("offence_on", "charged_on") else WORK_DATES
            if outside := window.problem(day, COLUMN_LABELS[name], lookups.today):
                problems.append(outside)
                dates[name] = None
    received_on = dates["received_on"]
    if not v.get("received_on"):
        problems.append("Enter the date the review was received")
    problems.extend(
        message
        for _field, message in date_problems(received_on, dates["offence_on"], dates["charged_on"], lookups.today)
    )

    author_role = v.get("author_role") or None
    if author_role and len(author_role) > AUTHOR_ROLE_MAX:
        problems.append(f"Author's role must be {AUTHOR_ROLE_MAX} characters or fewer")
    if author_role and any(ord(c) < 32 for c in author_role):
        problems.append("Author's role must be on one line")
    summary = v.get("summary", "")
    if len(summary) > SUMMARY_MAX:
        problems.append(f"Summary must be {SUMMARY_MAX:,} characters or fewer")

    # The review's own timeline.
    extension: bool | None = None
    if v.get("probation_extension"):
        extension = _parse_yes_no(v["probation_extension"])
        if extension is None:
            problems.append(f"{COLUMN_LABELS['probation_extension']} “{v['probation_extension']}” must be Yes or No")
    extension_days: int | None = None
    if v.get("probation_extension_days"):
        text = v["probation_extension_days"]
        if text.isdigit() and len(text) <= 4:
            extension_days = int(text)
        else:
            problems.append(f"Length of the region's extension “{text}” must be a whole number of working days")
    problems.extend(
        message
        for _field, message in timeline_problems(
            received_on,
            dates["hmpps_notified_on"],
            dates["due_to_inspectorate_on"],
            extension if extension is not None else (existing.probation_extension if existing else None),
            extension_days,
            lookups.today,
        )
    )

    assurance: Assurance | None = None
    if v.get("assurance"):
        assurance = ASSURANCE_WORDS.get(_key(v["assurance"]))
        if assurance is None:
            problems.append(f"Assured by “{v['assurance']}” must be Inspectorate or HMPPS")

    # The Inspectorate's QA.
    scores: list[int] | None = None
    ratings_given = [(name, v.get(name, "")) for name in RATING_COLUMNS]
    any_rating = any(text for _name, text in ratings_given)
    if any_rating:
        parsed_scores: list[int] = []
        for name, text in ratings_given:
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
        if len(parsed_scores) == STANDARD_COUNT:
            scores = parsed_scores
    has_qa = any_rating or existing_assessment is not None
    feedback: list[str | None] = [v.get(name) or None for name in FEEDBACK_COLUMNS]
    for number, written in enumerate(feedback, start=1):
        if written and len(written) > FEEDBACK_MAX:
            problems.append(f"Standard {number} feedback must be {FEEDBACK_MAX:,} characters or fewer")
    if any(feedback) and not has_qa:
        problems.append("Feedback is given without ratings: give the four standard ratings too")
    if assurance == Assurance.HMPPS and has_qa:
        problems.append("A review with QA ratings was assured by the Inspectorate, not HMPPS")

    qa_issued_on, qa_assessed_on = dates["qa_issued_on"], dates["qa_assessed_on"]
    qa_extended_to = dates["qa_extended_to"]
    if (qa_issued_on or qa_assessed_on) and not has_qa:
        problems.append("A QA report cannot have been issued without ratings: give the four standard ratings")
    for name, day in (("qa_issued_on", qa_issued_on), ("qa_assessed_on", qa_assessed_on)):
        if day and day > lookups.today:
            problems.append(f"{COLUMN_LABELS[name]} must be today or in the past")
        if day and received_on and day < received_on:
            problems.append(f"{COLUMN_LABELS[name]} must be the same as or after the date received")
    if qa_assessed_on and qa_issued_on and qa_issued_on < qa_assessed_on:
        problems.append("Date the QA report was issued must be the same as or after the date it was completed")
    if qa_extended_to and received_on and qa_extended_to <= qa_due_date(received_on):
        problems.append(
            f"QA report deadline extended to must be after the 15 working days, {govuk_date(qa_due_date(received_on))}"
        )
    if qa_extended_to and assurance == Assurance.HMPPS:
        problems.append("Only a review the Inspectorate assures has a QA report deadline to extend")
    extension_reason = v.get("qa_extension_reason") or None
    if extension_reason and not qa_extended_to:
        problems.append("A reason for the QA deadline extension is given without the new date")
    if extension_reason and len(extension_reason) > 2_000:
        problems.append("Reason for the QA deadline extension must be 2,000 characters or fewer")

    assessor = None
    email = v.get("assessor_email", "")
    if email:
        assessor = lookups.inspectors.get(email.casefold())
        if assessor is None:
            problems.append(f"No inspector in the portal has the email address “{email}”")
        elif not has_qa:
            problems.append("An assessor is given without ratings: give the four standard ratings, or no assessor")
    assessor_name = v.get("assessor_name") or None
    if assessor_name and (len(assessor_name) > 200 or any(ord(c) < 32 for c in assessor_name)):
        problems.append("Assessor's name must be on one line and 200 characters or fewer")
    if assessor_name and not has_qa:
        problems.append("An assessor is given without ratings: give the four standard ratings, or no assessor")

    if problems:
        row.outcome = Outcome.PROBLEM
    else:
        assert region is not None and category is not None and received_on is not None
        row.parsed = ParsedRow(
            reference=reference,
            region=region,
            offence_category=category,
            received_on=received_on,
            offence_on=dates["offence_on"],
            charged_on=dates["charged_on"],
            author_role=author_role,
            summary=summary,
            scores=scores,
            qa_issued_on=qa_issued_on,
            assessor=assessor,
            feedback=feedback,
            assessor_name=None if assessor else assessor_name,
            qa_assessed_on=qa_assessed_on,
            qa_extended_to=qa_extended_to,
            qa_extension_reason=extension_reason,
            assurance=assurance,
            given=given,
            hmpps_notified_on=dates["hmpps_notified_on"],
            due_to_inspectorate_on=dates["due_to_inspectorate_on"],
            probation_extension=extension,
            probation_extension_days=extension_days,
        )
        row.existing = existing
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


def new_assurance(parsed: ParsedRow, lookups_today: date) -> Assurance:
    """Who assures a review the file adds: as the file says; else the Inspectorate where it has
    ratings; else, for a review received before this reporting year, HMPPS (a year whose sample
    is long drawn: a review never sampled was left to HMPPS); else it awaits the sample."""
    if parsed.assurance is not None:
        return parsed.assurance
    if parsed.scores is not None:
        return Assurance.INSPECTORATE
    if parsed.received_on < date(reporting_year_of(lookups_today), 4, 1):
        return Assurance.HMPPS
    return Assurance.AWAITING_SAMPLE


def _published_problem(days: Iterable[date | None], lookups: Lookups, what: str) -> str | None:
    years = sorted({reporting_year_of(day) for day in days if day is not None} & lookups.published)
    if not years:
        return None
    labels = " and ".join(_year_label(year) for year in years)
    return f"The figures for {labels} are published, so {what}. An admin can reopen the year to correct it."


def _outcome(row: RowResult, lookups: Lookups) -> Outcome:
    parsed = row.parsed
    assert parsed is not None
    existing = row.existing
    if parsed.reference is None:
        if _row_key(parsed) in lookups.review_keys:
            return Outcome.UNCHANGED
    if existing is None:
        problem = _published_problem(
            [parsed.received_on, parsed.qa_issued_on], lookups, "a review received or assured in it cannot be added"
        )
        if problem:
            row.problems.append(problem)
            return Outcome.PROBLEM
        return Outcome.NEW
    changes, figure_changes, problems = compare(existing, parsed, lookups)
    if problems:
        row.problems.extend(problems)
        return Outcome.PROBLEM
    if not changes:
        return Outcome.UNCHANGED
    if figure_changes:
        assessment = existing.assessment
        problem = _published_problem(
            [
                existing.received_on,
                parsed.received_on,
                assessment.issued_on if assessment is not None else None,
                parsed.qa_issued_on,
            ],
            lookups,
            f"the {', '.join(figure_changes)} of {existing.reference} cannot change",
        )
        if problem:
            row.problems.append(problem)
            return Outcome.PROBLEM
    row.changes = changes
    return Outcome.UPDATE


def _day(value: date | None) -> str:
    return govuk_date(value) if value else "not recorded"


def _yes_no(value: bool | None) -> str:
    return "not recorded" if value is None else ("Yes" if value else "No")


def _rating_text(score: int | None) -> str:
    return Rating(score).label if score is not None else "not rated"


def compare(existing: Review, parsed: ParsedRow, lookups: Lookups) -> tuple[list[FieldChange], list[str], list[str]]:
    """What importing ``parsed`` over ``existing`` would change (a blank cell changes nothing),
    which of those move the annual figures, and the problems that stop it."""
    changes: list[FieldChange] = []
    figures: list[str] = []
    problems: list[str] = []
    given = parsed.given

    def change(label: str, before: str, after: str, *, figure: bool = False) -> None:
        changes.append(FieldChange(label, before, after))
        if figure:
            figures.append(label.lower())

    if existing.region_id != parsed.region.id:
        change("Region", existing.region.name, parsed.region.name, figure=True)
    if existing.offence_category_id != parsed.offence_category.id:
        change("Offence category", existing.offence_category.name, parsed.offence_category.name, figure=True)
    if existing.received_on != parsed.received_on:
        change("Date received", _day(existing.received_on), _day(parsed.received_on), figure=True)
    for name, label, before_day, after_day in (
        ("offence_on", "Date of the offence", existing.offence_on, parsed.offence_on),
        ("charged_on", "Date of charge", existing.charged_on, parsed.charged_on),
        ("hmpps_notified_on", "Date HMPPS was notified", existing.hmpps_notified_on, parsed.hmpps_notified_on),
        (
            "due_to_inspectorate_on",
            "Date due to the Inspectorate",
            existing.due_to_inspectorate_on,
            parsed.due_to_inspectorate_on,
        ),
    ):
        if name in given and before_day != after_day:
            change(label, _day(before_day), _day(after_day))
    if "author_role" in given and existing.author_role != parsed.author_role:
        change("Author's role", existing.author_role or "not recorded", parsed.author_role or "")
    if "summary" in given and existing.summary != parsed.summary:
        change("Summary", existing.summary or "none", parsed.summary)
    if "probation_extension" in given and existing.probation_extension != parsed.probation_extension:
        change(
            "Extension given to the region",
            _yes_no(existing.probation_extension),
            _yes_no(parsed.probation_extension),
            figure=True,
        )
    if "probation_extension_days" in given and existing.probation_extension_days != parsed.probation_extension_days:
        before_days = existing.probation_extension_days
        change(
            "Length of the region's extension",
            f"{before_days} working days" if before_days else "not recorded",
            f"{parsed.probation_extension_days} working days",
            figure=True,
        )

    assessment = existing.assessment
    # Who assures it.
    target = existing_assurance_after(existing, parsed, lookups.today)
    if target != existing.assurance:
        if existing.sample_entry is not None:
            drawn = govuk_date(existing.sample_entry.draw.drawn_at_utc)
            problems.append(
                f"{existing.reference} was in the sample draw of {drawn}, which decided who assures it: "
                "the file cannot change that"
            )
        elif assessment is not None and target != Assurance.INSPECTORATE:
            problems.append(f"{existing.reference} has a QA assessment, so it cannot be left to HMPPS assurance")
        else:
            change(
                "Assured by",
                ASSURANCE_LABELS[existing.assurance],
                ASSURANCE_LABELS[target],
                figure=True,
            )

    # The Inspectorate's QA.
    qa_given = parsed.scores is not None or any(parsed.feedback) or parsed.qa_issued_on or parsed.qa_assessed_on
    if assessment is not None and qa_given and not assessment.imported and not assessment.is_issued:
        problems.append(
            f"{existing.reference} has a QA assessment in progress in the portal: finish it there, then import again"
        )
        return changes, figures, problems
    before_scores: list[int | None] = (
        [r.score for r in assessment.ratings] if assessment is not None else [None] * STANDARD_COUNT
    )
    before_feedback = [r.feedback for r in assessment.ratings] if assessment is not None else [""] * STANDARD_COUNT
    for number in range(STANDARD_COUNT):
        before = before_scores[number] if number < len(before_scores) else None
        if parsed.scores is not None and parsed.scores[number] != before:
            change(
                f"Standard {number + 1} rating", _rating_text(before), _rating_text(parsed.scores[number]), figure=True
            )
        text = parsed.feedback[number]
        previous = before_feedback[number] if number < len(before_feedback) else ""
        if text and text != previous:
            change(f"Standard {number + 1} feedback", "none" if not previous else "changed", "as in the file")
    if parsed.assessor is not None and (assessment is None or assessment.assessor_id != parsed.assessor.id):
        change(
            "Assessor",
            (assessment.assessor_display_name or "not recorded") if assessment else "not recorded",
            parsed.assessor.full_name,
        )
    elif parsed.assessor_name and (assessment is None or assessment.assessor_display_name != parsed.assessor_name):
        change(
            "Assessor",
            (assessment.assessor_display_name or "not recorded") if assessment else "not recorded",
            parsed.assessor_name,
        )
    if parsed.qa_assessed_on and (assessment is None or assessment.assessed_on != parsed.qa_assessed_on):
        change(
            "Date the QA assessment was completed",
            _day(assessment.assessed_on if assessment else None),
            _day(parsed.qa_assessed_on),
        )
    if parsed.qa_issued_on and (assessment is None or assessment.issued_on != parsed.qa_issued_on):
        change(
            "Date the QA report was issued",
            _day(assessment.issued_on if assessment else None),
            _day(parsed.qa_issued_on),
            figure=True,
        )
    if parsed.qa_extended_to and parsed.qa_extended_to != existing.due_on:
        if parsed.qa_extended_to < existing.due_on:
            problems.append(
                f"The QA report on {existing.reference} is already due on {govuk_date(existing.due_on)}: "
                "an import can only move its deadline later"
            )
        else:
            change("QA report due", _day(existing.due_on), _day(parsed.qa_extended_to), figure=True)
    if assessment is None and parsed.scores is None and (parsed.qa_issued_on or parsed.qa_assessed_on):
        problems.append("A QA report cannot have been issued without ratings: give the four standard ratings")
    return changes, figures, problems


def existing_assurance_after(existing: Review, parsed: ParsedRow, today: date) -> Assurance:
    """Who assures a review already held once the file's row is imported over it."""
    if parsed.assurance is not None:
        return parsed.assurance
    if parsed.scores is not None:
        return Assurance.INSPECTORATE
    if existing.assurance == Assurance.AWAITING_SAMPLE and parsed.received_on < date(reporting_year_of(today), 4, 1):
        return Assurance.HMPPS  # a past year's review never sampled was left to HMPPS
    return existing.assurance


def template_csv() -> str:
    return csv_text(COLUMNS, TEMPLATE_ROWS, byte_order_mark=False)
