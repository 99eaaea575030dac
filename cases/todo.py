"""What the home page lists for multi-agency cases: an agency's requests awaiting its
involvement or return, and the cases the Inspectorate is waiting on agencies for."""

from __future__ import annotations

from datetime import date

from flask import url_for
from sqlalchemy import or_, select

from agencies.models import Organisation, User
from cases.models import AgencyReturn, CaseInvitation, Involvement, MultiAgencyCase, ReturnStatus
from core.formatting import govuk_date
from core.todo import ToDo
from extensions import db
from reviews.models import Review


def _unanswered() -> tuple[object, ...]:
    """Active invitations to open cases whose return is not yet submitted."""
    return (
        CaseInvitation.withdrawn_at_utc.is_(None),
        MultiAgencyCase.closed_on.is_(None),
        or_(AgencyReturn.id.is_(None), AgencyReturn.status != ReturnStatus.SUBMITTED),
    )


def _reply_by(reply_by: date, today: date) -> str:
    return f"Reply by {govuk_date(reply_by)}" + (" (overdue)" if reply_by < today else "")


def agency_requests_to_do(user: User, today: date) -> list[ToDo]:
    """The person's organisation's requests awaiting involvement or a return, overdue first."""
    rows = db.session.execute(
        select(
            MultiAgencyCase.id,
            Review.reference,
            MultiAgencyCase.reply_by,
            AgencyReturn.involvement,
            AgencyReturn.findings_saved_at_utc,
        )
        .select_from(CaseInvitation)
        .join(CaseInvitation.case)
        .join(MultiAgencyCase.review)
        .outerjoin(CaseInvitation.agency_return)
        .where(CaseInvitation.organisation_id == user.organisation_id, *_unanswered())  # type: ignore[arg-type]
        .order_by(MultiAgencyCase.reply_by, MultiAgencyCase.id)
    ).all()
    todo = []
    for row in rows:
        if row.involvement is None or row.involvement == Involvement.STILL_CHECKING:
            text = f"Confirm whether you were involved in {row.reference}"
        elif row.findings_saved_at_utc is None:
            text = f"Write your return on {row.reference}"
        else:
            text = f"Finish and submit your return on {row.reference}"
        todo.append(
            ToDo(
                text,
                url_for("cases.show_case", case_id=row.id),
                detail=_reply_by(row.reply_by, today),
                overdue=row.reply_by < today,
            )
        )
    return todo


def cases_waiting_on_agencies(today: date) -> list[ToDo]:
    """Open cases with agencies yet to submit a return, overdue first, naming the agencies."""
    rows = db.session.execute(
        select(MultiAgencyCase.id, Review.reference, MultiAgencyCase.reply_by, Organisation.name)
        .select_from(CaseInvitation)
        .join(CaseInvitation.case)
        .join(MultiAgencyCase.review)
        .join(CaseInvitation.organisation)
        .outerjoin(CaseInvitation.agency_return)
        .where(*_unanswered())  # type: ignore[arg-type]
        .order_by(MultiAgencyCase.reply_by, MultiAgencyCase.id, Organisation.name)
    ).all()
    waiting: dict[int, tuple[str, date, list[str]]] = {}
    for row in rows:
        waiting.setdefault(row.id, (row.reference, row.reply_by, []))[2].append(row.name)
    return [
        ToDo(
            f"{reference}: waiting on {_words(names)}",
            url_for("cases.show_case", case_id=case_id),
            detail=_reply_by(reply_by, today),
            overdue=reply_by < today,
        )
        for case_id, (reference, reply_by, names) in waiting.items()
    ]


def _words(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
