"""What the home page lists for reviews: the inspector's QA work, a region's unread QA reports."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import ColumnElement, String, and_, case, cast, exists, func, select

from agencies.models import User
from core.audit import AuditEvent
from core.formatting import govuk_date
from core.todo import ToDo
from extensions import db
from reviews.deadlines import week_bounds
from reviews.models import Assessment, AssessmentStage, Review, ReviewStatus
from reviews.operations import REPORT_READS
from reviews.permissions import is_probation_member
from reviews.queries import awaiting_report, due_condition, status_condition


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def inspector_qa_to_do(today: date, user: User) -> list[ToDo]:
    """The QA dashboard's headline numbers, each a link to the reviews it counts (one query)."""
    _monday, sunday = week_bounds(today)
    groups = [
        ("overdue", due_condition("overdue", today)),
        ("due_this_week", and_(awaiting_report(), Review.due_on >= today, Review.due_on <= sunday)),
        ("awaiting_assignment", status_condition(ReviewStatus.AWAITING_ASSIGNMENT)),
        ("awaiting_sample", status_condition(ReviewStatus.AWAITING_SAMPLE)),
        ("complete", status_condition(ReviewStatus.COMPLETE)),
    ]
    mine = and_(Assessment.assessor_id == user.id, Assessment.stage != AssessmentStage.ISSUED)
    row = db.session.execute(
        select(*(_count(condition).label(name) for name, condition in groups), _count(mine).label("mine"))
        .select_from(Review)
        .outerjoin(Review.assessment)
    ).one()
    counts = row._asdict()
    todo = []
    if counts["mine"]:
        todo.append(ToDo(_plural(counts["mine"], "assessment") + " assigned to you", url_for("reviews.dashboard")))
    if counts["overdue"]:
        todo.append(
            ToDo(
                _plural(counts["overdue"], "QA report") + " overdue",
                url_for("reviews.list_reviews", due="overdue", sort="due", direction="asc"),
                overdue=True,
            )
        )
    if counts["due_this_week"]:
        todo.append(
            ToDo(
                _plural(counts["due_this_week"], "QA report") + " due this week",
                url_for("reviews.list_reviews", due="this_week", sort="due", direction="asc"),
                detail=f"By {govuk_date(sunday)}",
            )
        )
    if counts["awaiting_assignment"]:
        todo.append(
            ToDo(
                _plural(counts["awaiting_assignment"], "sampled review") + " awaiting an assessor",
                url_for("reviews.list_reviews", status="awaiting_assignment", sort="due", direction="asc"),
            )
        )
    if counts["complete"]:
        todo.append(
            ToDo(
                _plural(counts["complete"], "completed assessment") + " ready to issue",
                url_for("reviews.list_reviews", status="complete", sort="due", direction="asc"),
            )
        )
    if counts["awaiting_sample"]:
        todo.append(
            ToDo(
                _plural(counts["awaiting_sample"], "review") + " awaiting a sample draw", url_for("reviews.draw_sample")
            )
        )
    return todo


def region_unread_reports(user: User) -> list[ToDo]:
    """Issued QA reports on the region's reviews that nobody in the region has opened yet."""
    if not is_probation_member(user):
        return []
    read_in_region = exists().where(
        AuditEvent.action.in_(REPORT_READS),
        AuditEvent.object_type == "Review",
        AuditEvent.object_id == cast(Review.id, String),
        AuditEvent.actor_id == User.id,
        User.organisation_id == user.organisation_id,
    )
    rows = db.session.execute(
        select(Review.id, Review.reference, Assessment.issued_on)
        .join(Review.assessment)
        .where(
            Review.region_id == user.organisation_id,
            Assessment.stage == AssessmentStage.ISSUED,
            ~read_in_region,
        )
        .order_by(Assessment.issued_on.desc(), Review.id.desc())
    ).all()
    return [
        ToDo(
            f"Read the QA report on {row.reference}",
            url_for("reviews.show_report", review_id=row.id),
            detail=f"Issued {govuk_date(row.issued_on)}",
        )
        for row in rows
    ]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
