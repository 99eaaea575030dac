"""State changes on an agency's return: confirm involvement, save a draft, submit, reopen.

Drafts may be incomplete; ``submission_problems`` says what a return needs before it can be
submitted. A submitted return is locked: only the Inspectorate reopens it, with a reason.
Every save checks the version the editor started from, so one colleague never silently
overwrites another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app

from agencies.models import User
from agencies.operations import agency_recipients
from cases.models import (
    AgencyReturn,
    Involvement,
    ReturnChronologyEntry,
    ReturnLearningPoint,
    ReturnStatus,
    UnderpinningReason,
)
from cases.themes import LearningLevel
from core import audit
from core.formatting import utc_now
from notifications.outbox import portal_link, queue_email

DEFAULT_MAX_RETURN_CHARACTERS = 200_000
SIZE_ANCHOR = "return-size"  # where the return form says the limit (and any error about it)


class ReturnLocked(Exception):
    """The return cannot be changed now (submitted, or the case is closed)."""


class ReturnTooLong(Exception):
    """The return would hold more text than ``RETURN_MAX_CHARACTERS``, all its parts together.

    Every part has its own limit too, but 60 chronology rows and 60 learning points of
    thousands of characters each add up to a return whose panel pack takes minutes to print.
    """

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(
            f"Your return is {length:,} characters long. A return can be up to {limit:,} characters in total, "
            "across every box, chronology row and learning point: shorten it, then save it again"
        )
        self.length = length
        self.limit = limit


class ReturnIncomplete(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("The return is not complete")
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """Something a return needs before it is submitted, and where on the form to fix it."""

    text: str
    anchor: str
    page: str = "edit"  # "edit" or "involvement"


@dataclass
class InvolvementAnswers:
    involvement: Involvement
    contact_started_on: date | None
    contact_ended_on: date | None
    involvement_nature: str


@dataclass
class ChronologyRow:
    happened_on: date | None
    what_happened: str
    significance: str
    significant: bool = False

    @property
    def is_blank(self) -> bool:
        return self.happened_on is None and not self.what_happened and not self.significance


@dataclass
class LearningPointRow:
    description: str
    theme_id: int | None
    level: LearningLevel | None

    @property
    def is_blank(self) -> bool:
        return not self.description and self.theme_id is None and self.level is None


@dataclass
class ReturnFindings:
    author_name: str
    author_role: str
    author_involved: bool | None
    records_reviewed: str
    records_secured_on: date | None
    what_went_well: str
    missed_opportunities: str
    underpinning_reasons: list[UnderpinningReason]
    underpinning_detail: str
    good_practice: str
    recommendations: str
    chronology: list[ChronologyRow] = field(default_factory=list)
    learning_points: list[LearningPointRow] = field(default_factory=list)


# The text a return holds, counted towards its limit (everything anyone types into it).
_COUNTED_FIELDS = (
    "author_name",
    "author_role",
    "records_reviewed",
    "what_went_well",
    "missed_opportunities",
    "underpinning_detail",
    "good_practice",
    "recommendations",
)


def max_return_characters() -> int:
    return int(current_app.config.get("RETURN_MAX_CHARACTERS", DEFAULT_MAX_RETURN_CHARACTERS))


def findings_length(findings: ReturnFindings) -> int:
    """Characters of text in the findings: every box, chronology row and learning point."""
    return (
        sum(len(getattr(findings, name) or "") for name in _COUNTED_FIELDS)
        + sum(len(row.what_happened) + len(row.significance) for row in findings.chronology)
        + sum(len(point.description) for point in findings.learning_points)
    )


def return_length(agency_return: AgencyReturn) -> int:
    """Characters of text the return holds now (the involvement page's answer included)."""
    r = agency_return
    return (
        len(r.involvement_nature or "")
        + sum(len(getattr(r, name) or "") for name in _COUNTED_FIELDS)
        + sum(len(entry.what_happened or "") + len(entry.significance or "") for entry in r.chronology)
        + sum(len(point.description or "") for point in r.learning_points)
    )


def _refuse_if_too_long(length: int) -> None:
    limit = max_return_characters()
    if length > limit:
        raise ReturnTooLong(length, limit)


def lock_reason(agency_return: AgencyReturn) -> str | None:
    """Why the agency cannot change the return now, or None if it can."""
    if agency_return.is_submitted:
        return "This return has been submitted, so it is locked. Ask the Inspectorate if it needs to change."
    if agency_return.invitation.case.is_closed:
        return "This case is closed, so the return can no longer be changed."
    return None


def _ensure_editable(agency_return: AgencyReturn) -> None:
    reason = lock_reason(agency_return)
    if reason:
        raise ReturnLocked(reason)


def _touch(agency_return: AgencyReturn, by: User) -> None:
    # Always writes the row, so its version moves even when only child rows changed.
    agency_return.last_saved_at_utc = utc_now()
    agency_return.last_saved_by = by


def _describe(agency_return: AgencyReturn) -> str:
    invitation = agency_return.invitation
    return f"{invitation.organisation.name}'s return on {invitation.case.reference}"


def save_involvement(
    agency_return: AgencyReturn, answers: InvolvementAnswers, version: int | str | None, by: User
) -> None:
    _ensure_editable(agency_return)
    agency_return.check_version(version)
    _refuse_if_too_long(
        return_length(agency_return) - len(agency_return.involvement_nature or "") + len(answers.involvement_nature)
    )
    previous = agency_return.involvement
    agency_return.involvement = answers.involvement
    agency_return.contact_started_on = answers.contact_started_on
    agency_return.contact_ended_on = answers.contact_ended_on
    agency_return.involvement_nature = answers.involvement_nature
    if answers.involvement.is_confirmed and agency_return.involvement_confirmed_at_utc is None:
        agency_return.involvement_confirmed_at_utc = utc_now()
    _touch(agency_return, by)
    audit.record(
        "return.involvement_saved",
        agency_return,
        f"Saved involvement in {_describe(agency_return)}",
        involvement=answers.involvement.value,
        before=previous.value if previous else None,
    )


def save_draft(agency_return: AgencyReturn, findings: ReturnFindings, version: int | str | None, by: User) -> None:
    """Save everything typed (blank chronology rows and learning points are dropped), unless it
    is more than a return may hold (``ReturnTooLong``: nothing is saved)."""
    _ensure_editable(agency_return)
    agency_return.check_version(version)
    _refuse_if_too_long(len(agency_return.involvement_nature or "") + findings_length(findings))
    for name in (
        "author_name",
        "author_role",
        "author_involved",
        "records_reviewed",
        "records_secured_on",
        "what_went_well",
        "missed_opportunities",
        "underpinning_detail",
        "good_practice",
        "recommendations",
    ):
        setattr(agency_return, name, getattr(findings, name))
    agency_return.underpinning_reasons = [r.value for r in UnderpinningReason if r in findings.underpinning_reasons]
    agency_return.chronology = [
        ReturnChronologyEntry(
            position=position,
            happened_on=row.happened_on,
            what_happened=row.what_happened,
            significance=row.significance,
            significant=row.significant,
        )
        for position, row in enumerate(r for r in findings.chronology if not r.is_blank)
    ]
    agency_return.learning_points = [
        ReturnLearningPoint(position=position, description=row.description, theme_id=row.theme_id, level=row.level)
        for position, row in enumerate(p for p in findings.learning_points if not p.is_blank)
    ]
    if agency_return.findings_saved_at_utc is None:
        agency_return.findings_saved_at_utc = utc_now()
    _touch(agency_return, by)
    audit.record(
        "return.draft_saved",
        agency_return,
        f"Saved a draft of {_describe(agency_return)}",
        chronology_rows=len(agency_return.chronology),
        learning_points=len(agency_return.learning_points),
    )


def append_chronology(agency_return: AgencyReturn, rows: list[ChronologyRow], by: User, *, source: str) -> int:
    """Add rows after the chronology's own (an imported spreadsheet); the return stays a draft."""
    _ensure_editable(agency_return)
    start = len(agency_return.chronology)
    for offset, row in enumerate(rows):
        agency_return.chronology.append(
            ReturnChronologyEntry(
                position=start + offset,
                happened_on=row.happened_on,
                what_happened=row.what_happened,
                significance=row.significance,
                significant=row.significant,
            )
        )
    if agency_return.findings_saved_at_utc is None:
        agency_return.findings_saved_at_utc = utc_now()
    _touch(agency_return, by)
    audit.record(
        "return.chronology_imported",
        agency_return,
        f"Imported {len(rows)} chronology rows into {_describe(agency_return)}",
        rows=len(rows),
        source=source,
    )
    return len(rows)


def submission_problems(agency_return: AgencyReturn) -> list[Problem]:
    """What must be filled in before the return can be submitted (empty when it is ready).

    An agency that was not involved says so and who checked which records; one that was
    involved also gives its chronology and analysis, in the manner of an IMR.
    """
    r = agency_return
    problems: list[Problem] = []
    length, limit = return_length(r), max_return_characters()
    if length > limit:  # saved before the limit was set
        shorten = f"Shorten your return to {limit:,} characters or fewer (it has {length:,})"
        problems.append(Problem(shorten, SIZE_ANCHOR))
    if r.involvement is None or not r.involvement.is_confirmed:
        problems.append(Problem("Confirm whether your agency was involved", "involvement", "involvement"))
    involved = r.involvement == Involvement.INVOLVED
    if involved and r.contact_started_on is None:
        problems.append(Problem("Enter when your agency's contact started", "contact_started_on", "involvement"))
    if involved and not r.involvement_nature:
        problems.append(
            Problem("Describe the nature of your agency's involvement", "involvement_nature", "involvement")
        )
    if not r.author_name:
        problems.append(Problem("Enter the name of the person who wrote the return", "author_name"))
    if not r.author_role:
        problems.append(Problem("Enter the role of the person who wrote the return", "author_role"))
    if r.author_involved is None:
        problems.append(Problem("Say whether the author was involved in the case", "author_involved"))
    if not r.records_reviewed:
        problems.append(Problem("List the records you reviewed", "records_reviewed"))
    if r.records_secured_on is None:
        problems.append(Problem("Enter the date the records were secured", "records_secured_on"))
    if involved:
        if not r.chronology:
            problems.append(
                Problem("Add at least one significant contact to the chronology", "chronology-0-happened_on")
            )
        for number, entry in enumerate(r.chronology, start=1):
            if entry.happened_on is None:
                problems.append(
                    Problem(
                        f"Enter the date of contact {number} in the chronology", f"chronology-{number - 1}-happened_on"
                    )
                )
            if not entry.what_happened:
                problems.append(
                    Problem(
                        f"Enter what happened at contact {number} in the chronology",
                        f"chronology-{number - 1}-what_happened",
                    )
                )
        if not r.what_went_well and not r.missed_opportunities:
            problems.append(Problem("Enter what went well or any missed opportunities", "what_went_well"))
    for number, point in enumerate(r.learning_points, start=1):
        index = number - 1
        if not point.description:
            problems.append(Problem(f"Describe learning point {number}", f"learning_points-{index}-description"))
        if point.theme_id is None:
            problems.append(Problem(f"Choose a theme for learning point {number}", f"learning_points-{index}-theme_id"))
        if point.level is None:
            problems.append(Problem(f"Choose a level for learning point {number}", f"learning_points-{index}-level"))
    return problems


def submit_return(agency_return: AgencyReturn, version: int | str | None, by: User) -> None:
    """Submit once; the return is then locked. The inspector who flagged the case is told."""
    _ensure_editable(agency_return)
    agency_return.check_version(version)
    problems = submission_problems(agency_return)
    if problems:
        raise ReturnIncomplete(problems)
    agency_return.status = ReturnStatus.SUBMITTED
    agency_return.submitted_at_utc = utc_now()
    agency_return.submitted_by = by
    _touch(agency_return, by)
    audit.record(
        "return.submitted",
        agency_return,
        f"Submitted {_describe(agency_return)}",
        involvement=agency_return.involvement.value if agency_return.involvement else None,
    )
    case = agency_return.invitation.case
    inspector = case.flagged_by
    if inspector is not None and inspector.active:
        queue_email(
            to=inspector.email,
            recipient=inspector,
            subject=f"{agency_return.invitation.organisation.name} has replied about {case.reference}",
            template="case_return_submitted",
            context={
                "reference": case.reference,
                "organisation": agency_return.invitation.organisation,
                "link": portal_link("returns.show_return", return_id=agency_return.id),
            },
            concerning=agency_return,
            about_a_case=True,
        )


def reopen_return(agency_return: AgencyReturn, reason: str, by: User) -> None:
    """Unlock a submitted return so the agency can change it; the agency is told why."""
    if not agency_return.is_submitted:
        raise ReturnLocked("This return has not been submitted, so there is nothing to reopen")
    invitation = agency_return.invitation
    case = invitation.case
    agency_return.status = ReturnStatus.DRAFT
    agency_return.reopened_at_utc = utc_now()
    agency_return.reopened_by = by
    agency_return.reopen_reason = reason
    audit.record(
        "return.reopened",
        agency_return,
        f"Reopened {_describe(agency_return)}",
        reason=reason,
        submitted_at=agency_return.submitted_at_utc.isoformat() if agency_return.submitted_at_utc else None,
    )
    link = portal_link("returns.show_return", return_id=agency_return.id)
    for address, person in agency_recipients(invitation.organisation):
        queue_email(
            to=address,
            recipient=person,
            subject=f"Your return about {case.reference} has been reopened",
            template="case_return_reopened",
            context={
                "reference": case.reference,
                "organisation": invitation.organisation,
                "reason": reason,
                "link": link,
                "reply_by": case.reply_by,
            },
            concerning=agency_return,
            about_a_case=True,
        )
