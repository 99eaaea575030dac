"""The action tracker's read side: filters from the query string, sorting, and the CSV rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from agencies.models import Organisation, User
from cases.models import MultiAgencyCase
from cases.themes import LearningLevel, LearningTheme
from core.db import contains
from core.formatting import govuk_date, london_today
from core.ids import database_id
from core.tabular import Cell, csv_text
from extensions import db
from learning.lifecycle import Rag, rag
from learning.models import OPEN_STATUSES, ActionRecord, ActionStatus, ActionUpdate
from learning.permissions import owner_for_tracker, visible_actions
from panels.models import Panel
from panels.permissions import visible_panels
from reviews.models import Prompt, StandardRating

SORTS: dict[str, tuple[str, Any]] = {
    "reference": ("Reference", ActionRecord.id),
    "title": ("Action", ActionRecord.title),
    "owner": ("Owner", Organisation.name),
    "level": ("Level", ActionRecord.level),
    "due": ("Due", ActionRecord.due_on),
    "status": ("Status", ActionRecord.status),
    "updated": ("Last changed", ActionRecord.updated_at_utc),
}
DEFAULT_SORT = ("due", "asc")


def _int_arg(args: Mapping[str, str], name: str, problems: list[str], label: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return database_id(raw)
    except ValueError:
        problems.append(f"The {label} filter was not understood and has been ignored")
        return None


@dataclass
class TrackerFilters:
    owner_id: int | None = None
    owner_name: str = ""  # part of the owning organisation's name
    status: ActionStatus | None = None
    level: LearningLevel | None = None
    theme_id: int | None = None
    panel_id: int | None = None
    overdue: bool = False
    sort: str = DEFAULT_SORT[0]
    direction: str = DEFAULT_SORT[1]
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> TrackerFilters:
        """Filters from the query string; nonsense is ignored (with a word), never a 500."""
        filters = cls()
        filters.owner_id = _int_arg(args, "owner", filters.problems, "owner")
        filters.owner_name = (args.get("owner_name") or "").strip()[:200]
        filters.theme_id = _int_arg(args, "theme", filters.problems, "theme")
        filters.panel_id = _int_arg(args, "panel", filters.problems, "panel")
        for name, enum_cls, label in (("status", ActionStatus, "status"), ("level", LearningLevel, "level")):
            raw = (args.get(name) or "").strip()
            if raw:
                try:
                    setattr(filters, name, enum_cls(raw))
                except ValueError:
                    filters.problems.append(f"The {label} filter was not understood and has been ignored")
        filters.overdue = args.get("overdue") in ("1", "yes", "true", "on")
        sort = args.get("sort") or DEFAULT_SORT[0]
        filters.sort = sort if sort in SORTS else DEFAULT_SORT[0]
        direction = args.get("direction") or (DEFAULT_SORT[1] if filters.sort == DEFAULT_SORT[0] else "asc")
        filters.direction = "desc" if direction == "desc" else "asc"
        return filters

    def as_args(self, **overrides: Any) -> dict[str, Any]:
        args: dict[str, Any] = {
            "owner": self.owner_id,
            "owner_name": self.owner_name,
            "status": self.status.value if self.status else None,
            "level": self.level.value if self.level else None,
            "theme": self.theme_id,
            "panel": self.panel_id,
            "overdue": "1" if self.overdue else None,
            "sort": self.sort,
            "direction": self.direction,
        }
        args.update(overrides)
        return {k: v for k, v in args.items() if v not in (None, "")}

    @property
    def active(self) -> bool:
        return any(
            (self.owner_id, self.owner_name, self.status, self.level, self.theme_id, self.panel_id, self.overdue)
        )


def overdue_condition(today: date) -> ColumnElement[bool]:
    """The SQL form of ``ActionRecord.is_overdue``."""
    return and_(ActionRecord.status.in_(OPEN_STATUSES), ActionRecord.due_on < today)


def tracker_query(user: User, filters: TrackerFilters, today: date) -> Select[ActionRecord]:
    query = (
        visible_actions(user)
        .join(ActionRecord.owner)
        .join(ActionRecord.theme)
        .options(
            contains_eager(ActionRecord.owner),
            contains_eager(ActionRecord.theme),
            selectinload(ActionRecord.case).joinedload(MultiAgencyCase.review),
        )
    )
    if filters.owner_id:
        query = query.where(ActionRecord.owner_id == filters.owner_id)
    if filters.owner_name:
        query = query.where(contains(Organisation.name, filters.owner_name))
    if filters.status:
        query = query.where(ActionRecord.status == filters.status)
    if filters.level:
        query = query.where(ActionRecord.level == filters.level)
    if filters.theme_id:
        query = query.where(ActionRecord.theme_id == filters.theme_id)
    if filters.panel_id:
        query = query.where(ActionRecord.panel_id == filters.panel_id)
    if filters.overdue:
        query = query.where(overdue_condition(today))
    column = SORTS[filters.sort][1]
    ordered = column.asc() if filters.direction == "asc" else column.desc()
    tie = ActionRecord.id.asc() if filters.direction == "asc" else ActionRecord.id.desc()
    return query.order_by(ordered, tie)


def action_rag(action: ActionRecord, today: date) -> Rag | None:
    """One action's RAG, from its own timeline (loaded with it on the action's page)."""
    latest = max((update.posted_at_utc for update in action.updates), default=action.created_at_utc)
    return rag(action.status, action.due_on, london_today(latest), today)


def rags(actions: Sequence[ActionRecord], today: date) -> dict[int, Rag | None]:
    """Each listed action's RAG, with one query for their latest updates."""
    latest = _last_update_dates([action.id for action in actions])
    return {
        action.id: rag(action.status, action.due_on, london_today(latest.get(action.id, action.created_at_utc)), today)
        for action in actions
    }


# --- one organisation's actions, by status --------------------------------------------------------


@dataclass
class OrganisationActions:
    organisation: Organisation
    by_status: list[tuple[ActionStatus, list[ActionRecord]]]
    rags: dict[int, Rag | None]
    due_next: list[ActionRecord]  # open, soonest first: what the organisation must do next
    last_updates: dict[int, datetime]


def organisation_actions(organisation: Organisation, today: date, due_next: int = 5) -> OrganisationActions:
    actions = list(
        db.session.scalars(
            select(ActionRecord)
            .where(ActionRecord.owner_id == organisation.id)
            .order_by(ActionRecord.due_on, ActionRecord.id)
        )
    )
    last = _last_update_dates([action.id for action in actions])
    rag_of = {
        action.id: rag(action.status, action.due_on, london_today(last.get(action.id, action.created_at_utc)), today)
        for action in actions
    }
    groups = [(status, [a for a in actions if a.status == status]) for status in ActionStatus]
    return OrganisationActions(
        organisation=organisation,
        by_status=[(status, group) for status, group in groups if group],
        rags=rag_of,
        due_next=[a for a in actions if a.status in OPEN_STATUSES][:due_next],
        last_updates=last,
    )


ORGANISATION_CSV_COLUMNS = [
    "Reference",
    "Action",
    "Status",
    "On track, at risk or overdue",
    "Due date",
    "Days until due (negative: overdue)",
    "Last progress update",
    "Completed on",
    "Signed off on",
    "Impact review date",
    "Impact",
    "Case reference",
]


def organisation_csv(view: OrganisationActions, today: date) -> str:
    """Every action the organisation owns, one a row, through the portal's one CSV writer."""
    rows: list[list[Cell]] = []
    for _status, group in view.by_status:
        for action in group:
            updated = view.last_updates.get(action.id)
            rows.append(
                [
                    action.reference,
                    action.title,
                    action.status.label,
                    _rag_label(view.rags[action.id]),
                    action.due_on,
                    (action.due_on - today).days,
                    london_today(updated) if updated else None,
                    action.completed_on,
                    action.signed_off_on,
                    action.impact_review_on,
                    action.impact.label if action.impact else None,
                    action.case.reference if action.case else None,
                ]
            )
    return csv_text(ORGANISATION_CSV_COLUMNS, rows)


def owner_name(user: User, owner_id: int | None) -> str | None:
    """The organisation an ``owner`` filter (a link from elsewhere) names, if this person may
    see it named (``learning.permissions.owner_for_tracker``)."""
    owner = owner_for_tracker(user, owner_id) if owner_id else None
    return owner.name if owner is not None else None


# The panel filter offers the latest panels with actions; an older one is reached from its
# own page (its link carries ``panel=<id>``), so the list never grows with the years.
PANELS_OFFERED = 24


def panel_choices(user: User, keep: int | None = None) -> list[tuple[int, str]]:
    """The latest panels at which actions this person can see were agreed (and ``keep``, if it
    is one of those or a panel the person may see: a title from the query string is never
    shown to someone the panels' own rules keep it from)."""
    with_actions = visible_actions(user).where(ActionRecord.panel_id == Panel.id).exists()
    columns = select(Panel.id, Panel.title, Panel.starts_at_utc)
    rows = list(
        db.session.execute(
            columns.where(with_actions).order_by(Panel.starts_at_utc.desc(), Panel.id.desc()).limit(PANELS_OFFERED)
        )
    )
    if keep and keep not in {row.id for row in rows}:
        seen = visible_panels(user).where(Panel.id == keep).with_only_columns(Panel.id)
        rows += db.session.execute(columns.where(Panel.id == keep, or_(with_actions, Panel.id.in_(seen))))
    return [(row.id, f"{row.title}, {govuk_date(row.starts_at_utc)}") for row in rows]


def theme_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(LearningTheme.id, LearningTheme.name).order_by(
            LearningTheme.active.desc(), LearningTheme.position, LearningTheme.name
        )
    ).all()
    return [(row.id, row.name) for row in rows]


# --- CSV ------------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "Reference",
    "Action",
    "What will change",
    "Owner",
    "Level",
    "Theme",
    "Due date",
    "Status",
    "Overdue",
    "On track, at risk or overdue",
    "Completed on",
    "Signed off on",
    "Impact review date",
    "Impact",
    "Reason declined",
    "How progress will be evidenced",
    "Case reference",
    "Panel",
    "Standard",
    "Prompt",
    "Rating",
    "Learning items",
    "Last progress update",
    "Recorded on",
]


def tracker_csv(user: User, filters: TrackerFilters, today: date) -> str:
    """Every action matching the filters (not just one page), with a constant number of queries."""
    actions = (
        db.session.scalars(
            tracker_query(user, filters, today).options(
                selectinload(ActionRecord.standard),
                selectinload(ActionRecord.prompt).joinedload(Prompt.key_question),
                selectinload(ActionRecord.learning_items),
                selectinload(ActionRecord.panel),
            )
        )
        .unique()
        .all()
    )
    action_ids = [action.id for action in actions]
    last_updates = _last_update_dates(action_ids)
    ratings = _ratings(actions)
    rag_of = {
        action.id: rag(
            action.status, action.due_on, london_today(last_updates.get(action.id, action.created_at_utc)), today
        )
        for action in actions
    }
    rows = []
    for action in actions:
        rating = ratings.get((action.assessment_id, action.standard_id))
        rows.append(
            [
                action.reference,
                action.title,
                action.what_will_change,
                action.owner.name,
                action.level.label,
                action.theme.name,
                action.due_on.isoformat(),
                action.status.label,
                "Yes" if action.is_overdue(today) else "No",
                _rag_label(rag_of[action.id]),
                action.completed_on.isoformat() if action.completed_on else "",
                action.signed_off_on.isoformat() if action.signed_off_on else "",
                action.impact_review_on.isoformat() if action.impact_review_on else "",
                action.impact.label if action.impact else "",
                action.not_accepted_reason or "",
                action.evidence_measure,
                action.case.reference if action.case else "",
                f"{action.panel.title}, {govuk_date(action.panel.starts_at_utc)}" if action.panel else "",
                action.standard.heading if action.standard else "",
                f"{action.prompt.label}: {action.prompt.text}" if action.prompt else "",
                rating.rating.label if rating is not None and rating.rating is not None else "",
                len(action.learning_items),
                govuk_date(last_updates[action.id]) if action.id in last_updates else "",
                govuk_date(action.created_at_utc),
            ]
        )
    return csv_text(CSV_COLUMNS, rows)


def _rag_label(value: Rag | None) -> str:
    return value.label if value is not None else ""


def _last_update_dates(action_ids: list[int]) -> dict[int, datetime]:
    if not action_ids:
        return {}
    # max() keeps the column's type, so the values come back as aware UTC datetimes.
    rows = db.session.execute(
        select(ActionUpdate.action_id, func.max(ActionUpdate.posted_at_utc))
        .where(ActionUpdate.action_id.in_(action_ids))
        .group_by(ActionUpdate.action_id)
    ).all()
    return {action_id: posted for action_id, posted in rows}


def _ratings(actions: Sequence[ActionRecord]) -> dict[tuple[int | None, int | None], StandardRating]:
    pairs = {(a.assessment_id, a.standard_id) for a in actions if a.assessment_id and a.standard_id}
    if not pairs:
        return {}
    assessment_ids = {assessment_id for assessment_id, _ in pairs}
    rows = db.session.scalars(select(StandardRating).where(StandardRating.assessment_id.in_(assessment_ids)))
    return {(r.assessment_id, r.standard_id): r for r in rows if (r.assessment_id, r.standard_id) in pairs}
