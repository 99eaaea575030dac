"""Who may see and change learning panels.

- The Inspectorate sees every panel; its inspectors (and admins) convene and manage them.
- Anyone else sees a panel only while they are on its attendee list, it has been
  scheduled (a draft has invited nobody yet) and their organisation still holds an invitation
  to a case on its agenda (re-derived on every request: a withdrawn invitation or a move to
  another organisation ends access at once). Other panels do not seem to exist: the
  finders return None and the access decorator answers 404.
- Only attendees and the Inspectorate get the panel pack; only attendees (and the convenor)
  get a personal calendar invite.
- Who may be invited: active people of the Inspectorate and of the organisations that hold
  an active (not withdrawn) invitation to a case on the agenda.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, or_, select

from agencies.access import is_inspector, is_inspectorate_staff
from agencies.models import Organisation, OrganisationKind, User
from cases.models import CaseInvitation, MultiAgencyCase
from cases.permissions import visible_cases
from extensions import db
from panels.minutes_rules import RULES, WRITERS, MinutesRole, MinutesStep, sees_minutes
from panels.models import (
    AttendeeRole,
    MinutesStatus,
    Panel,
    PanelAgendaItem,
    PanelAttendee,
    PanelDecision,
    PanelGuest,
    PanelMinutes,
    PanelStatus,
    PanelWalkIn,
)

__all__ = [
    "agenda_item_for",
    "attended_panels",
    "attends_panel_with_case",
    "attendee_for",
    "deputy_candidates",
    "eligible_people",
    "manages_panels",
    "may_download_invite",
    "may_download_pack",
    "may_reply",
    "organisation_may_attend",
    "case_ids_visible_to",
    "panel_for",
    "visible_panels",
    "walk_in_for",
]


def organisation_may_attend(organisation_id: Any) -> ColumnElement[bool]:
    """SQL: the organisation (a column or a value) is the Inspectorate, or holds a current (not
    withdrawn) invitation to a case on the panel's agenda: the facts that let its people be
    invited, checked again on every request rather than only when they were added."""
    inspectorate = exists().where(
        Organisation.id == organisation_id, Organisation.kind == OrganisationKind.INSPECTORATE
    )
    invited = exists().where(
        PanelAgendaItem.panel_id == Panel.id,
        CaseInvitation.case_id == PanelAgendaItem.case_id,
        CaseInvitation.organisation_id == organisation_id,
        CaseInvitation.withdrawn_at_utc.is_(None),
    )
    return or_(inspectorate, invited)


def attended_panels(user: User) -> Select[Panel]:
    """The scheduled (not draft) panels this person is on the attendee list of, while their
    organisation may still attend (``organisation_may_attend``): someone whose agency's
    invitation is withdrawn, or who moved to another organisation, loses the panel's page,
    invite, pack, reply form and calendar-feed entry at once."""
    return select(Panel).where(
        Panel.status != PanelStatus.DRAFT,
        exists().where(PanelAttendee.panel_id == Panel.id, PanelAttendee.user_id == user.id),
        organisation_may_attend(user.organisation_id),
    )


def visible_panels(user: User) -> Select[Panel]:
    """The panels this person may see, as a query the caller can order, filter and page."""
    if is_inspectorate_staff(user):
        return select(Panel)
    return attended_panels(user)


# --- finders for access.load ------------------------------------------------------------------


def panel_for(user: User, panel_id: int) -> Panel | None:
    return db.session.scalar(visible_panels(user).where(Panel.id == panel_id))


def agenda_item_for(user: User, item_id: int) -> PanelAgendaItem | None:
    """Agenda items are changed only by the Inspectorate; nobody else learns that an id exists."""
    if not is_inspectorate_staff(user):
        return None
    return db.session.get(PanelAgendaItem, item_id)


def guest_for(user: User, guest_id: int) -> PanelGuest | None:
    """Guests are managed by the Inspectorate; nobody else learns that an id exists."""
    return db.session.get(PanelGuest, guest_id) if is_inspectorate_staff(user) else None


def walk_in_for(user: User, walk_in_id: int) -> PanelWalkIn | None:
    """The attendance register is the Inspectorate's."""
    return db.session.get(PanelWalkIn, walk_in_id) if is_inspectorate_staff(user) else None


def attendee_for(user: User, attendee_id: int) -> PanelAttendee | None:
    if not is_inspectorate_staff(user):
        return None
    return db.session.get(PanelAttendee, attendee_id)


# --- checks (403 for someone who can see the object but may not do this) ----------------------


def manages_panels(user: User, _obj: object = None) -> bool:
    """Create, edit, schedule, cancel, invite, record the outcome: the Inspectorate's inspectors."""
    return is_inspector(user)


def may_reply(user: User, panel: Panel) -> bool:
    return panel.is_scheduled and panel.attendee_for(user.id) is not None


def may_download_invite(user: User, panel: Panel) -> bool:
    """A personal invite is for someone on the attendee list, or the convenor (the organizer)."""
    if panel.is_draft:
        return False
    return panel.attendee_for(user.id) is not None or panel.convened_by_id == user.id


def may_download_pack(user: User, panel: Panel) -> bool:
    return is_inspectorate_staff(user) or panel.attendee_for(user.id) is not None


def minutes_roles(user: User, panel: Panel) -> set[MinutesRole]:
    roles: set[MinutesRole] = set()
    if is_inspector(user):
        roles.add(MinutesRole.CONVENOR)
    attendee = panel.attendee_for(user.id)
    if attendee is not None:
        roles.add(MinutesRole.MINUTE_TAKER if attendee.role == AttendeeRole.NOTE_TAKER else MinutesRole.ATTENDEE)
    return roles


def minutes_status(panel: Panel) -> MinutesStatus | None:
    return db.session.scalar(select(PanelMinutes.status).where(PanelMinutes.panel_id == panel.id))


def may_see_minutes(user: User, panel: Panel) -> bool:
    return sees_minutes(minutes_status(panel), minutes_roles(user, panel), is_inspectorate_staff(user))


def may_write_minutes(user: User, panel: Panel) -> bool:
    return bool(minutes_roles(user, panel) & WRITERS)


def may_comment_on_minutes(user: User, panel: Panel) -> bool:
    return bool(minutes_roles(user, panel) & RULES[MinutesStep.COMMENT].roles)


def may_download_minutes(user: User, panel: Panel) -> bool:
    """The minutes PDF is for the panel's attendees (and the Inspectorate's inspectors), once circulated."""
    roles = minutes_roles(user, panel)
    status = minutes_status(panel)
    if MinutesRole.CONVENOR in roles and status is not None:
        return True
    return bool(roles - {MinutesRole.CONVENOR}) and status in (MinutesStatus.CIRCULATED, MinutesStatus.APPROVED)


def decision_for(user: User, decision_id: int) -> PanelDecision | None:
    """A decision is found by whoever may see its panel."""
    decision = db.session.get(PanelDecision, decision_id)
    if decision is None or panel_for(user, decision.panel_id) is None:
        return None
    return decision


def may_change_decision(user: User, decision: PanelDecision) -> bool:
    return may_write_minutes(user, decision.panel)


def case_ids_visible_to(user: User, case_ids: list[int]) -> set[int]:
    """Which of these cases' details the person may see, in one query (panel page, pack): the
    case's own rule decides (the Inspectorate, and organisations invited to it); everyone on
    the panel sees every reference."""
    if not case_ids:
        return set()
    query = visible_cases(user).where(MultiAgencyCase.id.in_(case_ids)).with_only_columns(MultiAgencyCase.id)
    return set(db.session.scalars(query))


def attends_panel_with_case(user: User, case_id: int) -> bool:
    """Is the case on the agenda of a panel this person may see (scheduled, and they are on its
    attendee list)? Then they see every agency's part of it, as their pack does: the merged
    chronology asks this (``cases.permissions.sees_every_agency``)."""
    query = visible_panels(user).where(
        exists().where(PanelAgendaItem.panel_id == Panel.id, PanelAgendaItem.case_id == case_id)
    )
    return db.session.scalar(query.with_only_columns(Panel.id).limit(1)) is not None


# --- who may be invited ----------------------------------------------------------------------


def eligible_organisation_ids(panel: Panel) -> set[int]:
    case_ids = [item.case.id for item in panel.agenda]
    ids = set(db.session.scalars(select(Organisation.id).where(Organisation.kind == OrganisationKind.INSPECTORATE)))
    if case_ids:
        ids |= set(
            db.session.scalars(
                select(CaseInvitation.organisation_id).where(
                    CaseInvitation.case_id.in_(case_ids), CaseInvitation.withdrawn_at_utc.is_(None)
                )
            )
        )
    return ids


def eligible_people(panel: Panel) -> list[User]:
    """Active people who may be added: the invited agencies' first, then the Inspectorate's,
    less those already on the list; each ordered by organisation then name."""
    on_list = {a.user_id for a in panel.attendees}
    people = db.session.scalars(
        select(User)
        .join(User.organisation)
        .where(User.organisation_id.in_(eligible_organisation_ids(panel)), User.active.is_(True))
        .order_by(Organisation.kind == OrganisationKind.INSPECTORATE, Organisation.name, User.full_name)
    ).all()
    return [person for person in people if person.id not in on_list]


def is_eligible(panel: Panel, user: User) -> bool:
    return user.active and user.organisation_id in eligible_organisation_ids(panel)


def deputy_candidates(panel: Panel, attendee: PanelAttendee) -> list[User]:
    """Whom an invitee may nominate as their deputy: active people of their own organisation,
    while it may attend (the rule ``is_eligible`` applies to any invitation), who are not on
    the list already; by name."""
    organisation_id = attendee.user.organisation_id
    if organisation_id not in eligible_organisation_ids(panel):
        return []
    on_list = {a.user_id for a in panel.attendees}
    people = db.session.scalars(
        select(User).where(User.organisation_id == organisation_id, User.active.is_(True)).order_by(User.full_name)
    ).all()
    return [person for person in people if person.id not in on_list]
