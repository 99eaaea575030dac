"""Who may see and change multi-agency cases, agency returns, the merged chronology and the
documents on returns.

The Inspectorate sees every case and return. An agency member sees a case only while their
organisation holds an invitation to it that has not been withdrawn, and of the returns only
their own organisation's; anything else does not seem to exist (the finders return None, so
the access decorator answers 404). Withdrawing an invitation therefore ends access at once.

The merged chronology follows the panel pack's rule: an agency member sees only their own
agency's rows until the case is on the agenda of a (scheduled) panel they are invited to;
from then on, every agency's submitted rows, as their pack shows them. Panels live in a
package above this one, so the app factory hands their rule in (``use_panel_sharing``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, exists, select

from agencies.access import belongs_to, is_admin, is_agency_member, is_inspector, is_inspectorate_staff
from agencies.models import User
from cases.chronology.models import CasePerson, ChronologyAddedRow, ChronologyDecision, ChronologyImport
from cases.documents.models import ReturnDocument
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase
from cases.themes import LearningTheme
from extensions import db
from reviews.models import Review

__all__ = [
    "added_row_for",
    "case_person_for",
    "chronology_import_for",
    "chronology_organisations",
    "decision_for",
    "document_for",
    "may_change_document",
    "may_view_named_chronology",
    "sees_every_agency",
    "use_panel_sharing",
    "case_for",
    "invitation_for",
    "manages_cases",
    "may_view_identifiers",
    "may_write_return",
    "return_for",
    "review_for_flagging",
    "theme_for_admin",
    "visible_cases",
    "visible_invitations",
]


T = TypeVar("T")


def _active_invitation_of(user: User) -> ColumnElement[bool]:
    return and_(CaseInvitation.organisation_id == user.organisation_id, CaseInvitation.withdrawn_at_utc.is_(None))


def visible_cases(user: User) -> Select[MultiAgencyCase]:
    """The cases this person may see, as a query the caller can order, filter and page."""
    query = select(MultiAgencyCase)
    if is_inspectorate_staff(user):
        return query
    return query.where(exists().where(CaseInvitation.case_id == MultiAgencyCase.id, _active_invitation_of(user)))


def visible_invitations(user: User) -> Select[CaseInvitation]:
    """Invitations this person may see: all for the Inspectorate, their organisation's active ones otherwise."""
    query = select(CaseInvitation)
    if is_inspectorate_staff(user):
        return query
    return query.where(_active_invitation_of(user))


# --- finders for access.load ------------------------------------------------------------------


def case_for(user: User, case_id: int) -> MultiAgencyCase | None:
    return db.session.scalar(visible_cases(user).where(MultiAgencyCase.id == case_id))


def invitation_for(user: User, invitation_id: int) -> CaseInvitation | None:
    return db.session.scalar(visible_invitations(user).where(CaseInvitation.id == invitation_id))


def return_for(user: User, return_id: int) -> AgencyReturn | None:
    query = select(AgencyReturn).join(AgencyReturn.invitation).where(AgencyReturn.id == return_id)
    if not is_inspectorate_staff(user):
        query = query.where(_active_invitation_of(user))
    return db.session.scalar(query)


def theme_for_admin(user: User, theme_id: int) -> LearningTheme | None:
    return db.session.get(LearningTheme, theme_id) if is_admin(user) else None


def review_for_flagging(user: User, review_id: int) -> Review | None:
    # Reviews belong to the Inspectorate's register: nobody else may learn that an id exists.
    if not is_inspectorate_staff(user):
        return None
    return db.session.get(Review, review_id)


# --- checks (403 for someone who can see the object but not do this) --------------------------


def manages_cases(user: User, _obj: object = None) -> bool:
    """Flag, edit, invite, withdraw, remind, close and reopen: the Inspectorate's inspectors."""
    return is_inspector(user)


def may_write_return(user: User, agency_return: AgencyReturn) -> bool:
    """Any member of the invited organisation may save drafts and submit."""
    return is_agency_member(user) and belongs_to(user, agency_return.invitation.organisation_id)


def may_view_identifiers(user: User, case: MultiAgencyCase) -> bool:
    """The Inspectorate and the invited agencies; the finder has already scoped the case."""
    return is_inspectorate_staff(user) or case.invitation_for(user.organisation_id) is not None


# --- the merged chronology --------------------------------------------------------------------

PANEL_SHARING = "cases.shared_at_panel"
# (person, case id) -> is the case on the agenda of a scheduled panel this person is invited to?
SharedAtPanel = Callable[[User, int], bool]


def use_panel_sharing(app: Any, rule: SharedAtPanel) -> None:
    """Called by the app factory with ``panels.permissions.attends_panel_with_case``."""
    app.extensions[PANEL_SHARING] = rule


def sees_every_agency(user: User, case: MultiAgencyCase) -> bool:
    """Every agency's submitted rows (and documents): the Inspectorate, and an invited agency's
    member once the case is on the agenda of a panel they are invited to."""
    if is_inspectorate_staff(user):
        return True
    if case.invitation_for(user.organisation_id) is None:
        return False
    rule: SharedAtPanel = current_app.extensions[PANEL_SHARING]
    return bool(rule(user, case.id))


def chronology_organisations(user: User, case: MultiAgencyCase) -> set[int] | None:
    """Whose rows this person sees in the case's merged chronology: None for every agency's."""
    return None if sees_every_agency(user, case) else {user.organisation_id}


def may_view_named_chronology(user: User, case: MultiAgencyCase) -> bool:
    """The named view shows names as the agencies wrote them: whoever may see the identifiers."""
    return may_view_identifiers(user, case)


def _inspectorate_only(user: User, model: type[T], object_id: int) -> T | None:
    # The inspector's own records about a case: nobody else learns that an id exists.
    return db.session.get(model, object_id) if is_inspectorate_staff(user) else None


def added_row_for(user: User, row_id: int) -> ChronologyAddedRow | None:
    return _inspectorate_only(user, ChronologyAddedRow, row_id)


def decision_for(user: User, decision_id: int) -> ChronologyDecision | None:
    return _inspectorate_only(user, ChronologyDecision, decision_id)


def case_person_for(user: User, person_id: int) -> CasePerson | None:
    return _inspectorate_only(user, CasePerson, person_id)


def chronology_import_for(user: User, import_id: int) -> ChronologyImport | None:
    """An import belongs to its return's agency (while invited); the Inspectorate never imports."""
    if not is_agency_member(user):
        return None
    return db.session.scalar(
        select(ChronologyImport)
        .join(AgencyReturn, AgencyReturn.id == ChronologyImport.return_id)
        .join(CaseInvitation, CaseInvitation.id == AgencyReturn.invitation_id)
        .where(ChronologyImport.id == import_id, _active_invitation_of(user))
    )


# --- documents on returns -----------------------------------------------------------------------


def document_for(user: User, document_id: int) -> ReturnDocument | None:
    """The Inspectorate; the return's own agency; and, once the return is submitted, members of
    the other invited agencies who see every agency's rows (the pack lists the documents)."""
    document = db.session.get(ReturnDocument, document_id)
    if document is None or is_inspectorate_staff(user):
        return document
    invitation = document.agency_return.invitation
    if belongs_to(user, invitation.organisation_id):
        return document if invitation.is_active else None
    if not invitation.is_active or not document.agency_return.is_submitted:
        return None
    case = invitation.case
    mine = case.invitation_for(user.organisation_id)
    if mine is None or not mine.is_active or not sees_every_agency(user, case):
        return None
    return document


def may_change_document(user: User, document: ReturnDocument) -> bool:
    return may_write_return(user, document.agency_return)
