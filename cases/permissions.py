"""Who may see and change multi-agency cases and agency returns.

The Inspectorate sees every case and return. An agency member sees a case only while their
organisation holds an invitation to it that has not been withdrawn, and of the returns only
their own organisation's; anything else does not seem to exist (the finders return None, so
the access decorator answers 404). Withdrawing an invitation therefore ends access at once.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, exists, select

from agencies.access import belongs_to, is_admin, is_agency_member, is_inspector, is_inspectorate_staff
from agencies.models import User
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase
from cases.themes import LearningTheme
from extensions import db
from reviews.models import Review

__all__ = [
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
