"""The panel's minutes: writing them (optimistic locking: a stale save is refused and what was
typed is kept), circulating them as draft minutes for comments by a date, the attendees'
comments, approval (which locks them), and the minutes PDF for each recipient.

Operations add to the caller's transaction and never commit. The rules of who may do what,
when, are ``panels.minutes_rules``; the PDF is rendered in the background (core/renders.py)
like the pack, marked OFFICIAL-SENSITIVE and stamped for its recipient.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from werkzeug.utils import import_string

from agencies.models import Organisation, User
from cases.themes import LearningLevel, LearningTheme
from core import audit, renders
from core.db import StaleEdit
from core.formatting import govuk_date, london_today, utc_now
from core.pdf import PdfSource, pdf_source
from core.renders import DocumentKind, Rendered
from extensions import db
from notifications.outbox import portal_link, queue_email
from panels.minutes_rules import (
    AgreedLearning,
    MinutesStep,
    comments_by_problem,
    minutes_refusal,
    next_status,
    unfiled_learning,
)
from panels.models import (
    MinutesComment,
    MinutesStatus,
    Panel,
    PanelAgendaItem,
    PanelDecision,
    PanelMinutes,
    PanelMinutesItem,
    PanelStatus,
)
from panels.pack import PACK_CSS, load_panel
from panels.permissions import may_download_minutes, minutes_roles, panel_for

PANEL_MINUTES = "panel_minutes"
MINUTES_TEMPLATE = "panels/minutes_pdf.html"


class MinutesError(ValueError):
    """A change the rules do not allow, or answers with problems (by form field name)."""

    def __init__(self, message: str, problems: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or {}


@dataclass(frozen=True)
class ItemMinutes:
    discussion: str = ""
    key_findings: str = ""
    learning_agreed: str = ""
    # The theme (id) and level the learning agreed is filed under as shared learning.
    learning_theme_id: int | None = None
    learning_level: LearningLevel | None = None


@dataclass(frozen=True)
class Approved:
    """What approving the minutes did: attendees emailed, pieces of shared learning compiled."""

    emailed: int
    learning: int


# What runs when minutes are approved, in the same transaction: ``(minutes, by) -> int`` named
# by dotted path in ``MINUTES_APPROVED_HANDLERS`` (like the reminder sweeps), so this package
# does not import the ones above it (learning compiles the learning agreed).
MinutesHandler = Callable[[PanelMinutes, User], int]


def minutes_of(panel: Panel) -> PanelMinutes | None:
    return db.session.scalar(select(PanelMinutes).where(PanelMinutes.panel_id == panel.id))


def _check(step: MinutesStep, panel: Panel, minutes: PanelMinutes | None, by: User) -> None:
    problem = minutes_refusal(step, minutes.status if minutes else MinutesStatus.DRAFT, minutes_roles(by, panel))
    if problem is not None:
        raise MinutesError(problem)


def minutes_version(minutes: PanelMinutes | None) -> int:
    """The version a form carries: 0 for minutes not yet started."""
    return minutes.version if minutes is not None else 0


def save_minutes(
    panel: Panel,
    items: Mapping[int, ItemMinutes],
    any_other_business: str,
    version: int | str | None,
    by: User,
) -> PanelMinutes:
    """Write the minutes of each agenda item (by agenda item id) and any other business.

    The first save makes the minutes (refused as stale if someone else made them meanwhile);
    later saves must carry the version they were opened on."""
    if panel.status not in (PanelStatus.SCHEDULED, PanelStatus.HELD) or not panel.has_started(utc_now()):
        raise MinutesError("Minutes are written once the panel has started")
    minutes = minutes_of(panel)
    _check(MinutesStep.EDIT, panel, minutes, by)
    if minutes is None:
        if str(version) != "0":
            raise StaleEdit()
        minutes = PanelMinutes(panel=panel)
        db.session.add(minutes)
    else:
        minutes.check_version(version)
    for agenda_item in panel.agenda:
        entry = items.get(agenda_item.id, ItemMinutes())
        row = minutes.item_for(agenda_item.id)
        if row is None:
            row = PanelMinutesItem(agenda_item_id=agenda_item.id)
            minutes.items.append(row)
        row.discussion, row.key_findings, row.learning_agreed = (
            entry.discussion.strip(),
            entry.key_findings.strip(),
            entry.learning_agreed.strip(),
        )
        theme = db.session.get(LearningTheme, entry.learning_theme_id) if entry.learning_theme_id else None
        row.learning_theme, row.learning_level = theme, entry.learning_level
    minutes.any_other_business = any_other_business.strip()
    minutes.last_saved_by_id = by.id
    minutes.updated_at_utc = utc_now()  # every save bumps the version, even with nothing changed
    db.session.flush()
    audit.record("panel.minutes_saved", panel, f"Minutes of {panel.title} saved", actor=by)
    return minutes


def circulate_minutes(panel: Panel, comments_by: date | None, version: int | str | None, by: User) -> int:
    """Send the draft minutes to the attendees for comments by ``comments_by``; returns how many were emailed."""
    minutes = minutes_of(panel)
    _check(MinutesStep.CIRCULATE, panel, minutes, by)
    assert minutes is not None  # a draft exists: the rule refuses "not started" only by role
    minutes.check_version(version)
    problem = comments_by_problem(comments_by, london_today())
    if problem is not None:
        raise MinutesError(problem, {"comments_by": problem})
    minutes.status = next_status(MinutesStep.CIRCULATE, minutes.status)
    minutes.comments_by = comments_by
    minutes.circulated_at_utc = utc_now()
    audit.record(
        "panel.minutes_circulated",
        panel,
        f"Draft minutes of {panel.title} circulated for comments by {govuk_date(comments_by)}",
        actor=by,
    )
    return _email_attendees(panel, minutes, "circulated")


def comment_on_minutes(panel: Panel, text: str, by: User) -> MinutesComment:
    minutes = minutes_of(panel)
    _check(MinutesStep.COMMENT, panel, minutes, by)
    assert minutes is not None
    if not text.strip():
        raise MinutesError("Enter your comment", {"text": "Enter your comment"})
    comment = MinutesComment(
        minutes=minutes,
        author_id=by.id,
        author_name=by.full_name,
        author_organisation=by.organisation.name,
        text=text.strip(),
        posted_at_utc=utc_now(),
    )
    db.session.add(comment)
    db.session.flush()
    audit.record("panel.minutes_comment", panel, f"{by.full_name} commented on the minutes of {panel.title}")
    return comment


def agreed_learning(panel: Panel, minutes: PanelMinutes) -> list[AgreedLearning]:
    """Each agenda item's learning agreed, numbered as on the agenda, for the approval rule."""
    learning = []
    for number, agenda_item in enumerate(panel.agenda, start=1):
        row = minutes.item_for(agenda_item.id)
        if row is not None:
            learning.append(
                AgreedLearning(
                    number=number,
                    case_reference=agenda_item.case.reference,
                    learning_agreed=row.learning_agreed,
                    theme_chosen=row.learning_theme_id is not None,
                    level_chosen=row.learning_level is not None,
                )
            )
    return learning


def _approved_handlers() -> list[MinutesHandler]:
    return [import_string(path.replace(":", ".")) for path in current_app.config.get("MINUTES_APPROVED_HANDLERS", ())]


def approve_minutes(panel: Panel, version: int | str | None, by: User) -> Approved:
    """Approve the minutes: they are locked, with who approved them and when. Attendees are told,
    and each agenda item's learning agreed becomes shared learning for its case (refused, with
    nothing changed, while any learning agreed lacks its theme or level)."""
    minutes = minutes_of(panel)
    _check(MinutesStep.APPROVE, panel, minutes, by)
    assert minutes is not None
    minutes.check_version(version)
    problems = unfiled_learning(agreed_learning(panel, minutes))
    if problems:
        raise MinutesError(problems[0], {f"learning_{n}": problem for n, problem in enumerate(problems, start=1)})
    minutes.status = next_status(MinutesStep.APPROVE, minutes.status)
    minutes.approved_at_utc = utc_now()
    minutes.approved_by_id = by.id
    audit.record("panel.minutes_approved", panel, f"Minutes of {panel.title} approved", actor=by)
    try:
        learning = sum(int(handler(minutes, by) or 0) for handler in _approved_handlers())
    except ValueError as error:  # a handler's refusal: nothing is approved (the caller rolls back)
        raise MinutesError(str(error), {"learning": str(error)}) from error
    return Approved(emailed=_email_attendees(panel, minutes, "approved"), learning=learning)


def _email_attendees(panel: Panel, minutes: PanelMinutes, kind: str) -> int:
    sent = 0
    for attendee in panel.attendees:
        if not attendee.user.active:
            continue
        queue_email(
            to=attendee.user.email,
            recipient=attendee.user,
            subject=(
                f"Draft minutes of {panel.title}: comments by {govuk_date(minutes.comments_by)}"
                if kind == "circulated"
                else f"Minutes of {panel.title} approved"
            ),
            template="panel_minutes",
            context={
                "panel": panel,
                "minutes": minutes,
                "kind": kind,
                "link": portal_link("panels.show_minutes", panel_id=panel.id),
            },
            concerning=panel,
            about_a_case=True,
        )
        sent += 1
    return sent


# --- the decisions log ------------------------------------------------------------------------------


def _check_decisions_open(panel: Panel, by: User) -> None:
    minutes = minutes_of(panel)
    _check(MinutesStep.EDIT, panel, minutes, by)
    if not panel.has_started(utc_now()) or panel.status not in (PanelStatus.SCHEDULED, PanelStatus.HELD):
        raise MinutesError("Decisions are recorded once the panel has started")


def record_decision(
    panel: Panel,
    *,
    agenda_item: PanelAgendaItem | None,
    decision: str,
    decided_by: str,
    agreeing: list[Organisation],
    by: User,
) -> PanelDecision:
    """Add a row to the panel's decisions log (while its minutes can still change)."""
    _check_decisions_open(panel, by)
    if agenda_item is not None and agenda_item.panel_id != panel.id:
        raise MinutesError("Choose an item on this panel's agenda", {"agenda_item_id": "Choose an item on the agenda"})
    row = PanelDecision(
        panel=panel,
        agenda_item=agenda_item,
        decision=decision.strip(),
        decided_by=decided_by.strip(),
        agreeing=list(agreeing),
        recorded_by_id=by.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "panel.decision_recorded",
        panel,
        f"Decision {row.reference} recorded for {panel.title}",
        actor=by,
        agenda_item_id=agenda_item.id if agenda_item else None,
        agreeing=[org.name for org in agreeing],
    )
    return row


def remove_decision(decision: PanelDecision, by: User) -> None:
    _check_decisions_open(decision.panel, by)
    audit.record("panel.decision_removed", decision.panel, f"Decision {decision.reference} removed", actor=by)
    db.session.delete(decision)


# --- the PDF ------------------------------------------------------------------------------------------


def minutes_source(
    panel: Panel, minutes: PanelMinutes, recipient: User, *, prepared_on: str | None = None
) -> PdfSource:
    """The minutes' HTML for one recipient (Jinja only); stamped with their name."""
    prepared = govuk_date(utc_now()) if prepared_on is None else prepared_on
    return pdf_source(
        MINUTES_TEMPLATE,
        title=f"Minutes: {panel.title}",
        stamp=f"Prepared for {recipient.full_name}, {recipient.organisation.name} on {prepared}",
        stylesheets=[PACK_CSS],
        panel=panel,
        minutes=minutes,
        recipient=recipient,
        prepared_on=prepared,
    )


def minutes_fingerprint(panel: Panel, minutes: PanelMinutes, recipient: User) -> str:
    return minutes_source(panel, minutes, recipient, prepared_on="").fingerprint()


def render_minutes(panel_id: int, recipient_id: int | None) -> Rendered | None:
    """The worker's job: the minutes as they are now, or None if that person may no longer have them."""
    recipient = db.session.get(User, recipient_id) if recipient_id is not None else None
    if recipient is None or not recipient.active:
        return None
    visible = panel_for(recipient, panel_id)
    if visible is None or not may_download_minutes(recipient, visible):
        return None
    panel = load_panel(panel_id)
    minutes = minutes_of(panel) if panel is not None else None
    if panel is None or minutes is None:
        return None
    return Rendered(
        data=minutes_source(panel, minutes, recipient).write_pdf(),
        fingerprint=minutes_fingerprint(panel, minutes, recipient),
    )


def request_minutes_renders(panel: Panel) -> None:
    """Ask for every attendee's minutes ahead of their download (they have just been emailed)."""
    for attendee in panel.attendees:
        if attendee.user.active:
            renders.request_render(PANEL_MINUTES, panel.id, attendee.user_id)


PANEL_MINUTES_DOCUMENT = DocumentKind(PANEL_MINUTES, render_minutes)


def approved_text(minutes: PanelMinutes) -> str:
    if minutes.approved_at_utc is None:
        return ""
    who = minutes.approved_by.full_name if minutes.approved_by else "the Inspectorate"
    return f"Approved by {who} on {govuk_date(minutes.approved_at_utc)}"


__all__ = [
    "Approved",
    "ItemMinutes",
    "MinutesError",
    "PANEL_MINUTES",
    "PANEL_MINUTES_DOCUMENT",
    "approve_minutes",
    "circulate_minutes",
    "comment_on_minutes",
    "minutes_fingerprint",
    "minutes_of",
    "minutes_version",
    "save_minutes",
]
