"""Who may see and change learning panels.

- The Inspectorate sees every panel; its inspectors (and admins) convene and manage them.
- Anyone else sees a panel only while they are on its attendee list and it has been
  scheduled (a draft has invited nobody yet). Other panels do not seem to exist: the
  finders return None and the access decorator answers 404.
- Only attendees and the Inspectorate get the panel pack; only attendees (and the convenor)
  get a personal calendar invite.
- Who may be invited: active people of the Inspectorate and of the organisations that hold
  an active (not withdrawn) invitation to a case on the agenda.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from agencies.access import is_inspector, is_inspectorate_staff
from agencies.models import Organisation, OrganisationKind, User
from cases.models import CaseInvitation, MultiAgencyCase
from cases.permissions import visible_cases
from extensions import db
from panels.models import Panel, PanelAgendaItem, PanelAttendee, PanelStatus

__all__ = [
    "agenda_item_for",
    "attends_panel_with_case",
    "attendee_for",
    "eligible_people",
    "manages_panels",
    "may_download_invite",
    "may_download_pack",
    "may_reply",
    "case_ids_visible_to",
    "panel_for",
    "visible_panels",
]


def visible_panels(user: User) -> Select[Panel]:
    """The panels this person may see, as a query the caller can order, filter and page."""
    query = select(Panel)
    if is_inspectorate_staff(user):
        return query
    return query.where(
        Panel.status != PanelStatus.DRAFT,
        exists().where(PanelAttendee.panel_id == Panel.id, PanelAttendee.user_id == user.id),
    )


# --- finders for access.load ------------------------------------------------------------------


def panel_for(user: User, panel_id: int) -> Panel | None:
    return db.session.scalar(visible_panels(user).where(Panel.id == panel_id))


def agenda_item_for(user: User, item_id: int) -> PanelAgendaItem | None:
    """Agenda items are changed only by the Inspectorate; nobody else learns that an id exists."""
    if not is_inspectorate_staff(user):
        return None
    return db.session.get(PanelAgendaItem, item_id)


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
