"""State changes on shared learning and action records.

Every function adds to the caller's transaction (audit rows and outbox messages included)
and leaves the commit to the caller, so a change and what it causes commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from agencies.models import Organisation, User
from agencies.operations import agency_recipients
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase, ReturnLearningPoint, ReturnStatus
from cases.themes import LearningLevel, LearningTheme
from core import audit
from core.files import FileRefused, detect_type, store_file
from core.formatting import london_today, utc_now
from extensions import db
from learning.models import ActionEvidenceFile, ActionRecord, ActionStatus, ActionUpdate, LearningItem
from learning.rules import UpdateRequest, update_problems
from notifications.outbox import portal_link, queue_email
from panels.models import Panel, PanelAgendaItem, PanelStatus
from reviews.models import Assessment, Prompt, Standard


class LearningError(ValueError):
    """A change the rules do not allow; the message is for the person who asked."""


class Refused(Exception):
    """The change has problems, by form field name; nothing was saved."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


# --- sources: the agencies' submitted learning points -------------------------------------------


def submitted_learning_points(case: MultiAgencyCase) -> list[ReturnLearningPoint]:
    """The learning points of the case's submitted returns, agency by agency.

    Only submitted returns count: a draft is the agency's own until it submits. A withdrawn
    invitation's submitted return still counts: the agency said it, and the panel heard it.
    """
    return list(
        db.session.scalars(
            select(ReturnLearningPoint)
            .join(ReturnLearningPoint.agency_return)
            .join(AgencyReturn.invitation)
            .join(CaseInvitation.organisation)
            .where(CaseInvitation.case_id == case.id, AgencyReturn.status == ReturnStatus.SUBMITTED)
            .order_by(Organisation.name, ReturnLearningPoint.position, ReturnLearningPoint.id)
        )
    )


def submitted_point_counts(case_ids: Sequence[int]) -> dict[int, int]:
    """How many learning points each case's submitted returns hold, in one query."""
    return dict(
        db.session.execute(
            select(CaseInvitation.case_id, func.count(ReturnLearningPoint.id))
            .join(AgencyReturn, AgencyReturn.invitation_id == CaseInvitation.id)
            .join(ReturnLearningPoint, ReturnLearningPoint.return_id == AgencyReturn.id)
            .where(CaseInvitation.case_id.in_(case_ids), AgencyReturn.status == ReturnStatus.SUBMITTED)
            .group_by(CaseInvitation.case_id)
        ).all()
    )


def case_panels(case: MultiAgencyCase | None) -> list[Panel]:
    """The panels (not cancelled) with the case on their agenda, latest first."""
    if case is None:
        return []
    return list(
        db.session.scalars(
            select(Panel)
            .join(PanelAgendaItem, PanelAgendaItem.panel_id == Panel.id)
            .where(PanelAgendaItem.case_id == case.id, Panel.status != PanelStatus.CANCELLED)
            .order_by(Panel.starts_at_utc.desc(), Panel.id.desc())
        )
    )


def default_panel(panels: Sequence[Panel]) -> Panel | None:
    """The panel learning is most likely compiled after: the latest held, else the latest."""
    return next((panel for panel in panels if panel.is_held), panels[0] if panels else None)


def _panel_problem(case: MultiAgencyCase | None, panel: Panel | None) -> str | None:
    if panel is not None and panel.id not in {p.id for p in case_panels(case)}:
        return "Choose a panel that had this case on its agenda"
    return None


def _check_sources(case: MultiAgencyCase, sources: Sequence[ReturnLearningPoint]) -> None:
    allowed = {point.id for point in submitted_learning_points(case)}
    if any(point.id not in allowed for point in sources):
        raise LearningError("Choose learning points from this case's submitted returns")


# --- learning items ----------------------------------------------------------------------------


@dataclass
class ItemDetails:
    description: str
    theme: LearningTheme
    level: LearningLevel
    sources: list[ReturnLearningPoint] = field(default_factory=list)
    panel: Panel | None = None


def _check_item(case: MultiAgencyCase, details: ItemDetails) -> None:
    _check_sources(case, details.sources)
    problem = _panel_problem(case, details.panel)
    if problem:
        raise Refused({"panel_id": problem})


def compile_item(case: MultiAgencyCase, details: ItemDetails, by: User) -> LearningItem:
    """Add a piece of shared learning to the case: picked from one agency's learning point,
    merged from several, edited, or added by the inspector (no sources)."""
    _check_item(case, details)
    last = db.session.scalar(select(func.max(LearningItem.position)).where(LearningItem.case_id == case.id)) or 0
    item = LearningItem(
        case=case,
        position=last + 1,
        description=details.description,
        theme=details.theme,
        level=details.level,
        compiled_by=by,
        sources=list(details.sources),
        panel=details.panel,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        "learning_item.compiled",
        item,
        f"Learning compiled for case {case.reference}",
        case_id=case.id,
        theme=details.theme.name,
        level=details.level.value,
        sources=[point.id for point in details.sources],
        panel_id=item.panel_id,
    )
    return item


def update_item(item: LearningItem, details: ItemDetails, version: int | str | None, by: User) -> None:
    item.check_version(version)
    _check_item(item.case, details)
    before = _item_state(item)
    item.description = details.description
    item.theme = details.theme
    item.level = details.level
    item.sources = list(details.sources)
    item.panel = details.panel
    after = _item_state(item)
    if before != after:
        item.updated_at_utc = utc_now()  # a change of sources alone must still bump the version
        audit.record(
            "learning_item.updated",
            item,
            f"Learning changed on case {item.case.reference}",
            actor=by,
            before=before,
            after=after,
        )


def _item_state(item: LearningItem) -> dict[str, object]:
    return {
        "description": item.description,
        "theme": item.theme.name,
        "level": item.level.value,
        "sources": sorted(point.id for point in item.sources),
        "panel_id": item.panel.id if item.panel else None,
    }


def remove_item(item: LearningItem, by: User) -> None:
    if item.actions:
        raise LearningError("This learning has actions: change the actions first so that they do not answer it")
    audit.record(
        "learning_item.removed",
        item,
        f"Learning removed from case {item.case.reference}",
        actor=by,
        description=item.description[:500],
    )
    db.session.delete(item)


# --- action records ------------------------------------------------------------------------------


@dataclass
class ActionDetails:
    """What the inspector records about an action."""

    title: str
    what_will_change: str
    owner: Organisation
    level: LearningLevel
    theme: LearningTheme
    due_on: date
    evidence_measure: str
    case: MultiAgencyCase | None = None
    completion_needs_file: bool = False
    learning_items: list[LearningItem] = field(default_factory=list)
    assessment: Assessment | None = None
    standard: Standard | None = None
    prompt: Prompt | None = None
    panel: Panel | None = None


def link_problems(details: ActionDetails) -> dict[str, str]:
    """The links back to the QA rating and the learning must fit together."""
    problems: dict[str, str] = {}
    if details.standard is not None:
        if details.assessment is None or details.standard.version_id != details.assessment.standards_version_id:
            problems["standard"] = "Choose a standard from the standards this review was assessed against"
    if details.prompt is not None:
        if details.standard is None:
            problems["prompt"] = "Choose the standard first: a prompt belongs to a standard"
        elif details.prompt.key_question.standard_id != details.standard.id:
            problems["prompt"] = f"Choose a prompt from {details.standard.heading}, or no prompt"
    if details.learning_items and (
        details.case is None or any(i.case_id != details.case.id for i in details.learning_items)
    ):
        problems["learning_items"] = "Choose learning from this case"
    if (problem := _panel_problem(details.case, details.panel)) is not None:
        problems["panel_id"] = problem
    return problems


def create_action(details: ActionDetails, by: User) -> ActionRecord:
    problems = link_problems(details)
    if problems:
        raise Refused(problems)
    action = ActionRecord(status=ActionStatus.OPEN, created_by=by)
    _apply(action, details)
    db.session.add(action)
    db.session.flush()
    audit.record(
        "action.created",
        action,
        f"Action {action.reference} recorded for {details.owner.name}",
        actor=by,
        **_action_state(action),
    )
    notify_owner(action, kind="assigned")
    return action


def update_action(action: ActionRecord, details: ActionDetails, version: int | str | None, by: User) -> list[str]:
    """Change what the action says; returns the names of the fields that changed."""
    action.check_version(version)
    problems = link_problems(details)
    if problems:
        raise Refused(problems)
    before = _action_state(action)
    previous_owner = action.owner_id
    _apply(action, details)
    after = _action_state(action)
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        action.updated_at_utc = utc_now()  # a change of links alone must still bump the version
        audit.record(
            "action.updated",
            action,
            f"Action {action.reference} changed",
            actor=by,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    if action.owner_id != previous_owner:
        notify_owner(action, kind="assigned")
    return changed


def _apply(action: ActionRecord, details: ActionDetails) -> None:
    action.title = details.title
    action.what_will_change = details.what_will_change
    action.owner = details.owner
    action.level = details.level
    action.theme = details.theme
    action.due_on = details.due_on
    action.evidence_measure = details.evidence_measure
    action.completion_needs_file = details.completion_needs_file
    action.case = details.case
    action.learning_items = list(details.learning_items)
    action.assessment = details.assessment
    action.standard = details.standard
    action.prompt = details.prompt
    action.panel = details.panel


def _action_state(action: ActionRecord) -> dict[str, Any]:
    return {
        "title": action.title,
        "what_will_change": action.what_will_change,
        "owner": action.owner.name,
        "level": action.level.value,
        "theme": action.theme.name,
        "due_on": action.due_on.isoformat(),
        "evidence_measure": action.evidence_measure,
        "completion_needs_file": action.completion_needs_file,
        "case_id": action.case.id if action.case else None,
        "learning_items": sorted(item.id for item in action.learning_items),
        "assessment_id": action.assessment.id if action.assessment else None,
        "standard_id": action.standard.id if action.standard else None,
        "prompt_id": action.prompt.id if action.prompt else None,
        "panel_id": action.panel.id if action.panel else None,
    }


# --- progress updates ------------------------------------------------------------------------------


def post_update(
    action: ActionRecord,
    *,
    progress: str,
    evidence: str,
    new_status: ActionStatus,
    version: int | str | None,
    by: User,
    now: datetime | None = None,
    files: Sequence[tuple[bytes, str]] = (),
) -> ActionUpdate:
    """Add a progress update to the action's timeline, moving its status if asked.

    Completing needs evidence, and an evidence file where the action says so; not accepting
    needs a reason (the update's text). Only the Inspectorate reopens a closed action.
    ``files`` are (content, name) pairs already read within the size limits; each is checked
    by its content and kept (``core.files``), or the update is refused.
    """
    action.check_version(version)
    now = now or utc_now()
    request = UpdateRequest(
        progress=progress,
        evidence=evidence,
        new_status=new_status,
        by_inspectorate=by.is_inspectorate,
        files=len(files),
        earlier_files=evidence_file_count(action),
        needs_file=action.completion_needs_file,
    )
    problems = update_problems(action.status, request)
    for data, name in files:
        try:
            detect_type(data)
        except FileRefused as error:
            problems.setdefault("evidence_files", f"{name}: {error}")
    if problems:
        raise Refused(problems)
    before = action.status
    update = ActionUpdate(
        action=action,
        posted_at_utc=now,
        author=by,
        author_name=by.full_name,
        author_organisation=by.organisation.name,
        progress=progress,
        evidence=evidence,
        status_before=before,
        status_after=new_status,
    )
    db.session.add(update)
    for data, name in files:
        update.files.append(ActionEvidenceFile(file_id=store_file(data, name, by=by).id))
    if new_status != before:
        action.status = new_status
        action.completed_on = london_today(now) if new_status == ActionStatus.COMPLETED else None
        action.not_accepted_reason = progress if new_status == ActionStatus.NOT_ACCEPTED else None
    else:
        # Saving the update must still bump the version, so a colleague's open form goes stale.
        action.updated_at_utc = now
    db.session.flush()
    summary = (
        f"Action {action.reference}: {before.label} to {new_status.label}"
        if new_status != before
        else f"Progress posted on action {action.reference}"
    )
    audit.record(
        "action.progress_posted",
        action,
        summary,
        actor=by,
        status_before=before.value,
        status_after=new_status.value,
        with_evidence=bool(evidence.strip()),
        evidence_files=[f.file.filename for f in update.files],
    )
    if new_status != before and new_status.is_closed and not by.is_inspectorate:
        _notify_recorder(action, by)
    return update


def evidence_file_count(action: ActionRecord) -> int:
    if action.id is None:
        return 0
    return int(
        db.session.scalar(
            select(func.count(ActionEvidenceFile.id))
            .join(ActionUpdate, ActionUpdate.id == ActionEvidenceFile.update_id)
            .where(ActionUpdate.action_id == action.id)
        )
        or 0
    )


def record_learning_viewed(subject: object, description: str) -> None:
    """A page showing learning drawn from the agencies' returns (their learning points and
    findings, or items compiled from their words) reads agency-sensitive data (cases/sensitive.py)."""
    audit.record_read(subject, "agency_learning", f"Viewed {description}")


def record_evidence_download(evidence: ActionEvidenceFile) -> None:
    action = evidence.update.action
    audit.record_read(
        evidence,
        "action_evidence",
        f"Downloaded {evidence.file.filename}, evidence on action {action.reference}",
        action_id=action.id,
        sha256=evidence.file.sha256,
    )


# --- emails ------------------------------------------------------------------------------------------


def action_link(action: ActionRecord) -> str:
    return portal_link("learning.show_action", action_id=action.id)


def _email_context(action: ActionRecord, kind: str, **extra: object) -> dict[str, object]:
    # The reference, title, dates and a link: the owner sees the rest in the portal.
    return {"action": action, "kind": kind, "link": action_link(action), "organisation": action.owner, **extra}


def notify_owner(action: ActionRecord, *, kind: str, **extra: object) -> int:
    """Email each member of the owner organisation (or, where it has none, whoever recorded it)."""
    recipients: list[tuple[str, User | None]] = agency_recipients(action.owner)
    if not recipients and action.created_by is not None and action.created_by.active:
        recipients = [(action.created_by.email, action.created_by)]
    subjects = {
        "assigned": f"New action {action.reference} for {action.owner.name}",
        "overdue": f"Action {action.reference} is overdue",
    }
    for address, person in recipients:
        queue_email(
            to=address,
            recipient=person,
            subject=subjects[kind],
            template="learning_action",
            context=_email_context(action, kind, **extra),
            concerning=action,
            about_a_case=action.case_id is not None,
        )
    return len(recipients)


def _notify_recorder(action: ActionRecord, by: User) -> None:
    """Tell the inspector who recorded the action that its owner has closed it."""
    recorder = action.created_by
    if recorder is None or not recorder.active or recorder.id == by.id:
        return
    queue_email(
        to=recorder.email,
        recipient=recorder,
        subject=f"Action {action.reference} {action.status.label.lower()} by {action.owner.name}",
        template="learning_action",
        context=_email_context(action, "closed", closed_by=by.full_name),
        concerning=action,
        about_a_case=action.case_id is not None,
    )
