"""State changes on a case's merged chronology: the inspector's links between rows (and their
undoing), rows the Inspectorate adds, the people named for the anonymised view, and the
erasure of those names with the case's other identifying details.

Every change is audited; names are audited by role only, never by value (the trail outlives
them). Operations flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update

from agencies.models import User
from cases.chronology.merged import case_identities
from cases.chronology.models import SFO_REVIEW_SOURCE, CasePerson, ChronologyAddedRow, ChronologyDecision
from cases.chronology.rules import ADDED_ROW, RETURN_ROW, PersonRole, anonymiser, pair_key, parse_key
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase, ReturnChronologyEntry, ReturnStatus
from core import audit
from core.formatting import utc_now
from extensions import db


class ChronologyError(ValueError):
    """A change the rules do not allow; the message is for the person who asked."""


# --- linking rows -----------------------------------------------------------------------------


def _row_agency(case: MultiAgencyCase, key: str) -> int:
    """The organisation of a row that is in the case's merged chronology, or ChronologyError."""
    parsed = parse_key(key)
    if parsed is None:
        raise ChronologyError("Choose rows from the chronology")
    kind, row_id = parsed
    if kind == RETURN_ROW:
        organisation_id = db.session.scalar(
            select(CaseInvitation.organisation_id)
            .join(AgencyReturn, AgencyReturn.invitation_id == CaseInvitation.id)
            .join(ReturnChronologyEntry, ReturnChronologyEntry.return_id == AgencyReturn.id)
            .where(
                ReturnChronologyEntry.id == row_id,
                CaseInvitation.case_id == case.id,
                CaseInvitation.withdrawn_at_utc.is_(None),
                AgencyReturn.status == ReturnStatus.SUBMITTED,
            )
        )
    else:
        organisation_id = db.session.scalar(
            select(ChronologyAddedRow.organisation_id).where(
                ChronologyAddedRow.id == row_id, ChronologyAddedRow.case_id == case.id
            )
        )
    if organisation_id is None:
        raise ChronologyError("That row is no longer in the chronology: its return may have been reopened")
    return int(organisation_id)


def decide_pair(case: MultiAgencyCase, first: str, second: str, *, same_event: bool, by: User) -> ChronologyDecision:
    """Record that two rows are one event (linked) or distinct. Undo with ``undo_decision``."""
    if first == second:
        raise ChronologyError("Choose two different rows")
    if _row_agency(case, first) == _row_agency(case, second) and same_event:
        raise ChronologyError("Rows from one agency are its own record of separate contacts: they cannot be linked")
    key = pair_key(first, second)
    if db.session.scalar(
        select(ChronologyDecision.id).where(ChronologyDecision.case_id == case.id, ChronologyDecision.pair_key == key)
    ):
        raise ChronologyError("Someone has already decided about these two rows: undo that first")
    low, high = sorted((first, second))
    decision = ChronologyDecision(case_id=case.id, pair_key=key, same_event=same_event, decided_by=by)
    decision.set_rows(parse_key(low), parse_key(high))  # type: ignore[arg-type]
    decision.decided_at_utc = utc_now()
    db.session.add(decision)
    db.session.flush()
    audit.record(
        "chronology.rows_linked" if same_event else "chronology.rows_kept_distinct",
        case,
        f"{'Linked two rows as one event' if same_event else 'Marked two rows as distinct events'} "
        f"in the chronology of {case.reference}",
        rows=[low, high],
        decision_id=decision.id,
    )
    return decision


def undo_decision(decision: ChronologyDecision, by: User) -> MultiAgencyCase:
    case = db.session.get(MultiAgencyCase, decision.case_id)
    assert case is not None
    audit.record(
        "chronology.decision_undone",
        case,
        f"Undid a decision ({'linked' if decision.same_event else 'distinct'}) in the chronology of {case.reference}",
        rows=[decision.first_key, decision.second_key],
        was_same_event=decision.same_event,
        decided_by=decision.decided_by.email if decision.decided_by else None,
        decided_at=decision.decided_at_utc.isoformat(),
    )
    db.session.delete(decision)
    db.session.flush()
    return case


# --- rows the Inspectorate adds ---------------------------------------------------------------


@dataclass
class AddedRowDetails:
    happened_on: date
    what_happened: str
    significance: str
    significant: bool
    source: str = SFO_REVIEW_SOURCE


def add_row(case: MultiAgencyCase, details: AddedRowDetails, by: User) -> ChronologyAddedRow:
    """A contact from the SFO review (probation's own), as the review's probation region's row."""
    row = ChronologyAddedRow(
        case_id=case.id,
        organisation_id=case.review.region_id,
        happened_on=details.happened_on,
        what_happened=details.what_happened,
        significance=details.significance,
        significant=details.significant,
        source=details.source or SFO_REVIEW_SOURCE,
        added_by=by,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "chronology.row_added",
        case,
        f"Added a row from {row.source.lower() if row.source.startswith('The ') else row.source} to the chronology "
        f"of {case.reference}",
        row=row.key,
        happened_on=details.happened_on.isoformat(),
    )
    return row


def update_row(row: ChronologyAddedRow, details: AddedRowDetails, version: int | str | None, by: User) -> None:
    row.check_version(version)
    before = {"happened_on": row.happened_on.isoformat(), "significant": row.significant}
    row.happened_on = details.happened_on
    row.what_happened = details.what_happened
    row.significance = details.significance
    row.significant = details.significant
    row.source = details.source or SFO_REVIEW_SOURCE
    audit.record(
        "chronology.row_changed",
        row.case,
        f"Changed a row the Inspectorate added to the chronology of {row.case.reference}",
        row=row.key,
        before=before,
        after={"happened_on": details.happened_on.isoformat(), "significant": details.significant},
    )


def remove_row(row: ChronologyAddedRow, by: User) -> MultiAgencyCase:
    case = row.case
    audit.record(
        "chronology.row_removed",
        case,
        f"Removed a row the Inspectorate added to the chronology of {case.reference}",
        row=row.key,
        happened_on=row.happened_on.isoformat(),
    )
    db.session.delete(row)
    db.session.flush()
    return case


# --- the people named for the anonymised view ---------------------------------------------------


def case_people(case: MultiAgencyCase) -> list[CasePerson]:
    return list(
        db.session.scalars(
            select(CasePerson).where(CasePerson.case_id == case.id).order_by(CasePerson.position, CasePerson.id)
        )
    )


def add_person(case: MultiAgencyCase, role: PersonRole, name: str, by: User) -> CasePerson:
    if case.identifiers_erased:
        raise ChronologyError("This case's identifying details have been erased: no names can be added")
    position = db.session.scalar(
        select(func.coalesce(func.max(CasePerson.position), 0)).where(CasePerson.case_id == case.id)
    )
    person = CasePerson(case_id=case.id, role=role, name=name, position=(position or 0) + 1, added_by_id=by.id)
    db.session.add(person)
    db.session.flush()
    audit.record(
        "case.person_named",
        case,
        f"Recorded the name of a {role.label.lower()} for {case.reference}",
        role=role.value,
        person_id=person.id,
    )
    return person


def remove_person(person: CasePerson, by: User) -> MultiAgencyCase:
    case = person.case
    audit.record(
        "case.person_removed",
        case,
        f"Removed a recorded name ({person.role.label.lower()}) from {case.reference}",
        role=person.role.value,
        person_id=person.id,
    )
    db.session.delete(person)
    db.session.flush()
    return case


# --- erasure -----------------------------------------------------------------------------------


def erase_chronology_names(case: MultiAgencyCase) -> int:
    """Before the names go: replace them by roles in every row of the case's chronology (its
    returns' rows and the Inspectorate's), so the kept learning no longer names anyone; then
    erase the names in the anonymisation map (the roles stay). Returns the rows rewritten.

    Call it while the subject's name is still on the case.
    """
    people = case_identities(case)
    replacer = anonymiser(people)
    rewritten = 0
    if replacer is not None:
        entries = db.session.scalars(
            select(ReturnChronologyEntry)
            .join(AgencyReturn, AgencyReturn.id == ReturnChronologyEntry.return_id)
            .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
            .where(CaseInvitation.case_id == case.id)
        ).all()
        added = db.session.scalars(select(ChronologyAddedRow).where(ChronologyAddedRow.case_id == case.id)).all()
        rows: list[ReturnChronologyEntry | ChronologyAddedRow] = [*entries, *added]
        for row in rows:
            what, why = replacer(row.what_happened), replacer(row.significance)
            if (what, why) != (row.what_happened, row.significance):
                row.what_happened, row.significance = what, why
                rewritten += 1
    db.session.execute(update(CasePerson).where(CasePerson.case_id == case.id).values(name=None))
    return rewritten


__all__ = [
    "ADDED_ROW",
    "AddedRowDetails",
    "ChronologyError",
    "add_person",
    "add_row",
    "case_people",
    "decide_pair",
    "erase_chronology_names",
    "remove_person",
    "remove_row",
    "undo_decision",
    "update_row",
]
