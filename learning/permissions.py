"""Who may see and change shared learning, action records and the annual summary.

The Inspectorate sees every action; an agency member (a partner agency or a probation
region) sees only the actions their organisation owns, and anything else does not seem to
exist (the finders return None, so the access decorator answers 404). Compiling learning
and recording or changing actions is the Inspectorate's inspectors' work; the owner
organisation's members post progress updates and close their actions.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, select

from agencies.access import belongs_to, is_agency_member, is_inspector, is_inspectorate_staff
from agencies.models import Organisation, User
from cases.models import MultiAgencyCase
from extensions import db
from learning.lifecycle import STEPS, Actor
from learning.models import ActionEvent, ActionEvidenceFile, ActionRecord, LearningItem
from panels.models import Panel
from reviews.models import Review

__all__ = [
    "action_for",
    "actor_for",
    "may_take",
    "case_for_learning",
    "item_for_inspector",
    "owner_for_tracker",
    "panel_for_learning",
    "manages_learning",
    "may_update_action",
    "may_view_summary",
    "review_for_actions",
    "visible_actions",
]

manages_learning = is_inspector
may_view_summary = is_inspectorate_staff


def visible_actions(user: User) -> Select[ActionRecord]:
    """The actions this person may see, as a query the caller can filter, order and page."""
    query = select(ActionRecord)
    if is_inspectorate_staff(user):
        return query
    return query.where(ActionRecord.owner_id == user.organisation_id)


def sees_every_action(user: User) -> bool:
    return is_inspectorate_staff(user)


# --- finders for access.load ------------------------------------------------------------------


def action_for(user: User, action_id: int) -> ActionRecord | None:
    return db.session.scalar(visible_actions(user).where(ActionRecord.id == action_id))


def owner_for_tracker(user: User, organisation_id: int) -> Organisation | None:
    """The organisation a tracker's ``owner`` filter names: any for the Inspectorate (it sees
    every action), only their own for anyone else (the only owner of actions they see)."""
    if is_inspectorate_staff(user) or belongs_to(user, organisation_id):
        return db.session.get(Organisation, organisation_id)
    return None


def evidence_for(user: User, evidence_id: int) -> ActionEvidenceFile | None:
    """An evidence file is seen by whoever may see its action."""
    evidence = db.session.get(ActionEvidenceFile, evidence_id)
    if evidence is None or action_for(user, evidence.update.action_id) is None:
        return None
    return evidence


def organisation_for_actions(user: User, organisation_id: int) -> Organisation | None:
    """An organisation's own action page: the Inspectorate sees any; a member only their own."""
    if is_inspectorate_staff(user) or (is_agency_member(user) and user.organisation_id == organisation_id):
        return db.session.get(Organisation, organisation_id)
    return None


def case_for_learning(user: User, case_id: int) -> MultiAgencyCase | None:
    """Compiling a case's learning is the Inspectorate's: to anyone else the page does not exist."""
    return db.session.get(MultiAgencyCase, case_id) if is_inspectorate_staff(user) else None


def item_for_inspector(user: User, item_id: int) -> LearningItem | None:
    return db.session.get(LearningItem, item_id) if is_inspectorate_staff(user) else None


def panel_for_learning(user: User, panel_id: int) -> Panel | None:
    """A panel's learning page is the Inspectorate's (attendees see the panel on its own page)."""
    return db.session.get(Panel, panel_id) if is_inspectorate_staff(user) else None


def review_for_actions(user: User, review_id: int) -> Review | None:
    """A review whose QA assessment actions can answer (it has one); the register is the Inspectorate's."""
    if not is_inspectorate_staff(user):
        return None
    review = db.session.get(Review, review_id)
    return review if review is not None and review.assessment is not None else None


# --- checks (403 for someone who can see the object but not do this) --------------------------


def actor_for(user: User, action: ActionRecord) -> Actor | None:
    """The part this person plays in the action's life (``learning.lifecycle``): the
    Inspectorate's inspector, a member of the owner organisation, or none."""
    if is_inspector(user):
        return Actor.INSPECTOR
    if is_agency_member(user) and belongs_to(user, action.owner_id):
        return Actor.OWNER
    return None


def may_update_action(user: User, action: ActionRecord) -> bool:
    """Progress updates: the owner organisation's members, and the Inspectorate's inspectors."""
    return actor_for(user, action) is not None


def may_take(event: ActionEvent) -> Callable[[User, ActionRecord], bool]:
    """The check for one step of an action's life: whether this person plays a part that may
    ever take it (whether it may be taken *now* depends on the status: the view says so)."""

    def check(user: User, action: ActionRecord) -> bool:
        actor = actor_for(user, action)
        return actor is not None and actor in STEPS[event].actors

    check.__name__ = f"may_{event.value}"
    return check


def may_edit_action(user: User, _action: ActionRecord) -> bool:
    return manages_learning(user)


def may_compile(user: User, _obj: object = None) -> bool:
    return manages_learning(user)
