"""Read-side queries: the register's filters and sorting, the dashboard, a review's timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, or_, select, true
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from agencies.models import Organisation, OrganisationKind, User
from core.audit import AuditEvent
from core.db import contains
from core.formatting import percentage
from extensions import db
from reviews.deadlines import week_bounds
from reviews.models import (
    AWAITING_REPORT,
    Assessment,
    AssessmentStage,
    OffenceCategory,
    PublishedYear,
    Review,
    ReviewImport,
    ReviewStatus,
)
from reviews.operations import REPORT_READS

# --- register filters ----------------------------------------------------------------------

DUE_FILTERS = {
    "overdue": "Overdue",
    "this_week": "Due this week",
    "next_4_weeks": "Due in the next 4 weeks",
    "extended": "Deadline extended",
}
SORTS: dict[str, tuple[str, Any]] = {
    "received": ("Date received", Review.received_on),
    "due": ("Due date", Review.due_on),
    "reference": ("Reference", Review.reference),
    "region": ("Region", Organisation.name),
    "category": ("Offence category", OffenceCategory.name),
}
DEFAULT_SORT = ("received", "desc")


def status_condition(status: ReviewStatus) -> ColumnElement[bool]:
    return Review.status == status


def awaiting_report() -> ColumnElement[bool]:
    """Reviews on which the Inspectorate owes (or may owe) a QA report."""
    # The statuses go into the SQL as literals so the planner can use the partial index on
    # open work (ix_reviews_awaiting_report_due_on) instead of walking every due date.
    return Review.status.in_(bindparam("awaiting_report", list(AWAITING_REPORT), expanding=True, literal_execute=True))


def due_condition(due: str, today: date) -> ColumnElement[bool]:
    if due == "overdue":
        return and_(awaiting_report(), Review.due_on < today)
    if due == "this_week":
        _monday, sunday = week_bounds(today)
        return and_(awaiting_report(), Review.due_on >= today, Review.due_on <= sunday)
    if due == "next_4_weeks":
        return and_(awaiting_report(), Review.due_on >= today, Review.due_on <= today + timedelta(days=28))
    if due == "extended":
        return Review.due_on != Review.target_due_on
    return true()


@dataclass
class RegisterFilters:
    region_id: int | None = None
    category_id: int | None = None
    status: ReviewStatus | None = None
    due: str | None = None
    reference: str = ""
    sort: str = DEFAULT_SORT[0]
    direction: str = DEFAULT_SORT[1]
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RegisterFilters:
        """Filters from the query string; nonsense is ignored (with a word), never a 500."""
        filters = cls()
        for name, attr in (("region", "region_id"), ("category", "category_id")):
            raw = (args.get(name) or "").strip()
            if raw:
                if raw.isdigit() and len(raw) < 10:
                    setattr(filters, attr, int(raw))
                else:
                    filters.problems.append(f"The {name} filter was not understood and has been ignored")
        status = (args.get("status") or "").strip()
        if status:
            try:
                filters.status = ReviewStatus(status)
            except ValueError:
                filters.problems.append("The status filter was not understood and has been ignored")
        due = (args.get("due") or "").strip()
        if due in DUE_FILTERS:
            filters.due = due
        elif due:
            filters.problems.append("The due date filter was not understood and has been ignored")
        filters.reference = " ".join((args.get("reference") or "").split())[:13].upper()
        sort = args.get("sort") or DEFAULT_SORT[0]
        filters.sort = sort if sort in SORTS else DEFAULT_SORT[0]
        filters.direction = "asc" if args.get("direction") == "asc" else "desc"
        return filters

    def as_args(self, **overrides: Any) -> dict[str, Any]:
        args = {
            "region": self.region_id,
            "category": self.category_id,
            "status": self.status.value if self.status else None,
            "due": self.due,
            "reference": self.reference or None,
            "sort": self.sort,
            "direction": self.direction,
        }
        args.update(overrides)
        return {k: v for k, v in args.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return any((self.region_id, self.category_id, self.status, self.due, self.reference))


def register_query(filters: RegisterFilters, today: date) -> Select[Review]:
    query = (
        select(Review)
        .join(Review.region)
        .join(Review.offence_category)
        .options(
            contains_eager(Review.region),
            contains_eager(Review.offence_category),
            selectinload(Review.assessment).options(joinedload(Assessment.assessor), selectinload(Assessment.ratings)),
            selectinload(Review.extensions),
        )
    )
    if filters.region_id:
        query = query.where(Review.region_id == filters.region_id)
    if filters.category_id:
        query = query.where(Review.offence_category_id == filters.category_id)
    if filters.status:
        query = query.where(status_condition(filters.status))
    if filters.due:
        query = query.where(due_condition(filters.due, today))
    if filters.reference:
        query = query.where(contains(Review.reference, filters.reference))
    column = SORTS[filters.sort][1]
    ordered = column.asc() if filters.direction == "asc" else column.desc()
    return query.order_by(ordered, Review.id.desc() if filters.direction == "desc" else Review.id.asc())


def region_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrganisationKind.PROBATION_REGION)
        .order_by(Organisation.name)
    ).all()
    return [(r.id, r.name) for r in rows]


def category_choices(*, include_inactive: bool = False, keep: int | None = None) -> list[tuple[int, str]]:
    query = select(OffenceCategory.id, OffenceCategory.name).order_by(OffenceCategory.position, OffenceCategory.name)
    if not include_inactive:
        # A review already filed under a retired category keeps it selectable on its own form.
        query = query.where(or_(OffenceCategory.active.is_(True), OffenceCategory.id == keep if keep else false()))
    return [(r.id, r.name) for r in db.session.execute(query).all()]


def inspector_choices() -> list[tuple[int, str]]:
    from agencies.models import Role

    rows = db.session.execute(
        select(User.id, User.full_name)
        .join(User.organisation)
        .where(
            User.active.is_(True),
            User.role.in_([Role.INSPECTOR, Role.ADMIN]),
            Organisation.kind == OrganisationKind.INSPECTORATE,
        )
        .order_by(User.full_name)
    ).all()
    return [(r.id, r.full_name) for r in rows]


# --- the dashboard -----------------------------------------------------------------------

DASHBOARD_LIMIT = 10


@dataclass
class Timeliness:
    issued: int
    on_time: int
    within_target: int  # within 15 working days, before any extension

    @property
    def on_time_percent(self) -> int | None:
        return percentage(self.on_time, self.issued)

    @property
    def within_target_percent(self) -> int | None:
        return percentage(self.within_target, self.issued)


def reporting_year_start(today: date) -> date:
    """The Inspectorate reports April to March."""
    return date(today.year if today.month >= 4 else today.year - 1, 4, 1)


def _listing(condition: ColumnElement[bool], order: Any) -> Select[Review]:
    return (
        select(Review)
        .where(condition)
        .options(selectinload(Review.assessment).joinedload(Assessment.assessor))
        .order_by(order, Review.id)
    )


def dashboard(today: date, user: User) -> dict[str, Any]:
    monday, sunday = week_bounds(today)
    groups = {
        "overdue": due_condition("overdue", today),
        "due_this_week": and_(awaiting_report(), Review.due_on >= today, Review.due_on <= sunday),
        "awaiting_assignment": status_condition(ReviewStatus.AWAITING_ASSIGNMENT),
        "awaiting_sample": status_condition(ReviewStatus.AWAITING_SAMPLE),
        "complete": status_condition(ReviewStatus.COMPLETE),
    }
    counts = {
        name: db.session.scalar(select(func.count(Review.id)).where(condition)) for name, condition in groups.items()
    }
    listings = {
        name: db.session.scalars(_listing(groups[name], Review.due_on).limit(DASHBOARD_LIMIT)).all()
        for name in ("overdue", "due_this_week", "awaiting_assignment", "complete")
    }
    # Driven from the person's own assessments (indexed by assessor), not from every review.
    mine = db.session.scalars(
        _listing(and_(Assessment.assessor_id == user.id, Assessment.stage != AssessmentStage.ISSUED), Review.due_on)
        .join(Review.assessment)
        .limit(DASHBOARD_LIMIT)
    ).all()
    year_start = reporting_year_start(today)
    issued = db.session.execute(
        select(Assessment.issued_on, Review.due_on, Review.target_due_on)
        .join(Assessment.review)
        .where(Assessment.stage == AssessmentStage.ISSUED, Assessment.issued_on >= year_start)
    ).all()
    timeliness = Timeliness(
        issued=len(issued),
        on_time=sum(1 for row in issued if row.issued_on <= row.due_on),
        within_target=sum(1 for row in issued if row.issued_on <= row.target_due_on),
    )
    return {
        "counts": counts,
        "listings": listings,
        "mine": mine,
        "timeliness": timeliness,
        "year_start": year_start,
        "week": (monday, sunday),
    }


# --- reporting years ------------------------------------------------------------------------


@dataclass
class ReportingYearRow:
    start_year: int
    received: int
    assured: int
    published: PublishedYear | None
    ended: bool

    @property
    def label(self) -> str:
        return f"April {self.start_year} to March {self.start_year + 1}"


def reporting_years(today: date) -> list[ReportingYearRow]:
    """Every reporting year from the first review on record to this one, newest first, with
    what it holds and whether its figures are published."""
    this_year = reporting_year_start(today).year
    first = db.session.scalar(select(func.min(Review.received_on)))
    first_year = reporting_year_start(first).year if first else this_year
    published = {row.start_year: row for row in db.session.scalars(select(PublishedYear))}
    first_year = min([first_year, *published])
    received: dict[int, int] = {}
    assured: dict[int, int] = {}
    for day, count in db.session.execute(select(Review.received_on, func.count()).group_by(Review.received_on)).all():
        received[reporting_year_start(day).year] = received.get(reporting_year_start(day).year, 0) + count
    for issued_on, count in db.session.execute(
        select(Assessment.issued_on, func.count())
        .where(Assessment.stage == AssessmentStage.ISSUED, Assessment.issued_on.is_not(None))
        .group_by(Assessment.issued_on)
    ).all():
        if issued_on is not None:
            year = reporting_year_start(issued_on).year
            assured[year] = assured.get(year, 0) + count
    return [
        ReportingYearRow(
            start_year=year,
            received=received.get(year, 0),
            assured=assured.get(year, 0),
            published=published.get(year),
            ended=year < this_year,
        )
        for year in range(this_year, first_year - 1, -1)
    ]


# --- a review's timeline ------------------------------------------------------------------

# Readings of the report are audited but would drown the story of the review.
_NOT_IN_TIMELINE = (*REPORT_READS, "access.refused")


def timeline(review: Review, limit: int = 100) -> list[AuditEvent]:
    about_review = and_(AuditEvent.object_type == "Review", AuditEvent.object_id == str(review.id))
    conditions = [about_review]
    if review.assessment is not None:
        conditions.append(
            and_(AuditEvent.object_type == "Assessment", AuditEvent.object_id == str(review.assessment.id))
        )
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(or_(*conditions), AuditEvent.action.not_in(_NOT_IN_TIMELINE))
            .order_by(AuditEvent.occurred_at_utc.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


# What the QA report's own history shows: how it came to be issued, and every change to the
# record after that (with its reason).
REPORT_HISTORY = (
    "assessment.imported",
    "qa_report.issued",
    "review.corrected",
    "assessment.corrected",
)


def report_history(review: Review) -> list[AuditEvent]:
    """The issued report's history, oldest first: one query."""
    if review.assessment is None:
        return []
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    and_(AuditEvent.object_type == "Review", AuditEvent.object_id == str(review.id)),
                    and_(AuditEvent.object_type == "Assessment", AuditEvent.object_id == str(review.assessment.id)),
                ),
                AuditEvent.action.in_(REPORT_HISTORY),
            )
            .order_by(AuditEvent.occurred_at_utc, AuditEvent.id)
        )
    )


def report_readings(review: Review) -> int:
    """How often the region's people have opened or downloaded the issued report."""
    region_people = select(User.id).where(User.organisation_id == review.region_id)
    return (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.object_type == "Review",
                AuditEvent.object_id == str(review.id),
                AuditEvent.action.in_(REPORT_READS),
                AuditEvent.actor_id.in_(region_people),
            )
        )
        or 0
    )


def import_references(upload: ReviewImport) -> dict[str, list[str]]:
    """The references an import added and updated, as its audit record keeps them."""
    details = db.session.scalar(
        select(AuditEvent.details)
        .where(
            AuditEvent.action == "reviews.imported",
            AuditEvent.object_type == "ReviewImport",
            AuditEvent.object_id == str(upload.id),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    details = details or {}
    return {"created": list(details.get("created") or []), "updated": list(details.get("updated") or [])}


def region_reports(user: User) -> Select[Review]:
    """Issued QA reports on the person's own region's reviews, newest first."""
    return (
        select(Review)
        .join(Review.assessment)
        .where(
            Review.region_id == user.organisation_id,
            Assessment.stage == AssessmentStage.ISSUED,
            Review.region.has(Organisation.kind == OrganisationKind.PROBATION_REGION),
        )
        .options(contains_eager(Review.assessment).selectinload(Assessment.ratings))
        .order_by(Assessment.issued_on.desc(), Review.id.desc())
    )


TIMELINE_TITLES = {
    "review.created": "Added to the register",
    "review.imported": "Imported from a CSV file",
    "review.updated": "Details changed",
    "review.deadline_extended": "Deadline extended",
    "review.sampled": "Sampled for Inspectorate QA",
    "review.marked_for_hmpps": "Marked for HMPPS assurance",
    "assessment.assigned": "Assessor assigned",
    "assessment.reassigned": "Assessor changed",
    "assessment.saved": "QA draft saved",
    "assessment.completed": "QA completed",
    "assessment.reopened": "QA reopened as a draft",
    "assessment.imported": "QA ratings imported",
    "assessment.corrected": "QA report corrected",
    "qa_report.issued": "QA report issued",
    "review.corrected": "Changed after the QA report was issued",
}


def timeline_title(action: str) -> str:
    """Words for an audit action; actions other packages record on a review read sensibly too."""
    return TIMELINE_TITLES.get(action) or action.replace("_", " ").replace(".", ": ").capitalize()
