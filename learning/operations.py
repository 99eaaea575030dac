"""State changes on shared learning and action records.

Every function adds to the caller's transaction (audit rows and outbox messages included)
and leaves the commit to the caller, so a change and what it causes commit together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from agencies.models import Organisation, User
from agencies.operations import agency_recipients
from cases.models import AgencyReturn, CaseInvitation, MultiAgencyCase, ReturnLearningPoint, ReturnStatus
from cases.themes import LearningLevel, LearningTheme
from core import audit
from core.files import FileRefused, detect_type, store_file
from core.formatting import govuk_date, london_today, utc_now
from extensions import db
from learning.lifecycle import Actor, ImpactFacts, default_impact_review, refusal, target
from learning.models import (
    ActionEvent,
    ActionEvidenceFile,
    ActionImpact,
    ActionRecord,
    ActionStatus,
    ActionUpdate,
    LearningItem,
)
from learning.permissions import actor_for
from learning.rules import StepRequest, UpdateRequest, step_problems, update_event, update_problems
from notifications.outbox import portal_link, queue_email
from panels.models import Panel, PanelAgendaItem, PanelDecision, PanelMinutes, PanelMinutesItem, PanelStatus
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
    # Compiling the learning agreed in approved minutes: the minutes item it came from (kept by
    # later edits, which never change it).
    minutes_item: PanelMinutesItem | None = None


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
        minutes_item=details.minutes_item,
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
        minutes_item_id=item.minutes_item_id,
    )
    return item


def compile_agreed_learning(minutes: PanelMinutes, by: User) -> int:
    """The approved minutes' learning: each agenda item's non-empty learning agreed becomes a piece
    of shared learning for its case, compiled at the panel under the theme and level the minutes
    give, linked to the minutes item. Once: an item already compiled from a minutes item is left
    as it is (it may have been edited since), so running this again makes nothing twice.
    Returns how many were compiled. Runs on approval (``MINUTES_APPROVED_HANDLERS``)."""
    compiled_from = set(
        db.session.scalars(
            select(LearningItem.minutes_item_id).where(
                LearningItem.minutes_item_id.in_([row.id for row in minutes.items])
            )
        )
    )
    made = 0
    agreed = [row for row in minutes.items if row.id not in compiled_from and row.learning_agreed.strip()]
    if agreed and minutes.panel.status == PanelStatus.CANCELLED:
        raise LearningError(
            f"{minutes.panel.title} was cancelled: the learning agreed in its minutes cannot become shared learning"
        )
    for agenda_item in minutes.panel.agenda:
        row = minutes.item_for(agenda_item.id)
        if row is None or row.id in compiled_from or not row.learning_agreed.strip():
            continue
        if row.learning_theme is None or row.learning_level is None:
            raise LearningError(
                f"Choose the theme and level of the learning agreed for case {agenda_item.case.reference}"
            )
        details = ItemDetails(
            description=row.learning_agreed.strip(),
            theme=row.learning_theme,
            level=row.learning_level,
            panel=minutes.panel,
            minutes_item=row,
        )
        try:
            compile_item(agenda_item.case, details, by)
        except Refused as refused:  # the caller (approving the minutes) takes a LearningError
            raise LearningError(f"Case {agenda_item.case.reference}: {refused}") from refused
        made += 1
    return made


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
    decision: PanelDecision | None = None


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
    if details.decision is not None and details.decision.id not in {d.id for d in case_decisions(details.case)}:
        problems["decision_id"] = "Choose a decision a panel made about this case"
    return problems


def case_decisions(case: MultiAgencyCase | None) -> list[PanelDecision]:
    """The decisions of the case's panels about the case (or their other business), latest panel first."""
    decisions: list[PanelDecision] = []
    for panel in case_panels(case):
        decisions += [d for d in panel.decisions if d.case_id in (None, case.id if case else None)]
    return decisions


def create_action(details: ActionDetails, by: User) -> ActionRecord:
    problems = link_problems(details)
    if problems:
        raise Refused(problems)
    action = ActionRecord(status=ActionStatus.PROPOSED, created_by=by)
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
    action.decision = details.decision


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
        "decision_id": action.decision.id if action.decision else None,
    }


# --- progress updates and the action's other steps ---------------------------------------------------


def _actor(action: ActionRecord, by: User) -> Actor | None:
    return actor_for(by, action)


def _check_files(files: Sequence[tuple[bytes, str]], problems: dict[str, str]) -> None:
    for data, name in files:
        try:
            detect_type(data)
        except FileRefused as error:
            problems.setdefault("evidence_files", f"{name}: {error}")


def _timeline(
    action: ActionRecord,
    event: ActionEvent,
    *,
    by: User,
    now: datetime,
    before: ActionStatus,
    progress: str = "",
    evidence: str = "",
    files: Sequence[tuple[bytes, str]] = (),
) -> ActionUpdate:
    """An entry on the action's timeline, with its evidence files kept (``core.files``)."""
    update = ActionUpdate(
        action=action,
        posted_at_utc=now,
        author=by,
        author_name=by.full_name,
        author_organisation=by.organisation.name,
        progress=progress,
        evidence=evidence,
        status_before=before,
        status_after=action.status,
        event=event,
    )
    db.session.add(update)
    for data, name in files:
        update.files.append(ActionEvidenceFile(file_id=store_file(data, name, by=by).id))
    # Every step must bump the version, so a colleague's open form goes stale.
    action.updated_at_utc = now
    return update


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
    """Add a progress update to the action's timeline: the owner's keeps it in progress or
    completes it (it then awaits sign-off); the inspector's is a note.

    Completing needs evidence, and an evidence file where the action says so. ``files`` are
    (content, name) pairs already read within the size limits; each is checked by its content
    and kept (``core.files``), or the update is refused.
    """
    action.check_version(version)
    now = now or utc_now()
    request = UpdateRequest(
        progress=progress,
        evidence=evidence,
        new_status=new_status,
        actor=_actor(action, by),
        files=len(files),
        earlier_files=evidence_file_count(action),
        needs_file=action.completion_needs_file,
    )
    problems = update_problems(action.status, request)
    _check_files(files, problems)
    if problems:
        raise Refused(problems)
    before = action.status
    event = update_event(new_status)
    action.status = new_status
    if event == ActionEvent.COMPLETE:
        action.completed_on = london_today(now)
    update = _timeline(action, event, by=by, now=now, before=before, progress=progress, evidence=evidence, files=files)
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
    if event == ActionEvent.COMPLETE:
        _notify_recorder(action, by, kind="completed")
    return update


def impact_facts(action: ActionRecord, today: date) -> ImpactFacts:
    return ImpactFacts(
        recorded=action.impact is not None,
        review_due=action.impact_review_on is not None and action.impact_review_on <= today,
        evidence_given=any(update.event == ActionEvent.IMPACT_EVIDENCE for update in action.updates),
    )


def take_step(
    action: ActionRecord,
    request: StepRequest,
    *,
    version: int | str | None,
    by: User,
    now: datetime | None = None,
    files: Sequence[tuple[bytes, str]] = (),
) -> ActionUpdate:
    """Take one step of the action's life other than a progress update (``learning.lifecycle``):
    accept, propose a change, decline; agree or refuse the change; sign off or return; set the
    impact review date, send impact evidence, record the impact. Refused (nothing saved) when
    the status or the person does not allow it, or the answers have problems."""
    action.check_version(version)
    now = now or utc_now()
    today = london_today(now)
    event = request.event
    actor = _actor(action, by)
    problem = refusal(event, action.status, actor, impact_facts(action, today))
    if problem is not None:
        raise LearningError(problem)
    if request.signed_off_on is None and action.signed_off_on is not None:
        request = replace(request, signed_off_on=action.signed_off_on)
    if event == ActionEvent.SIGN_OFF and request.review_on is None:
        request = replace(request, review_on=default_impact_review(today))
    if event == ActionEvent.SIGN_OFF:
        request = replace(request, signed_off_on=today)
    problems = step_problems(replace(request, current_due_on=action.due_on))
    _check_files(files, problems)
    if problems:
        raise Refused(problems)
    assert actor is not None
    before = action.status
    action.status = target(event, before, actor)
    reason = request.reason.strip()
    progress, evidence = reason, request.evidence.strip()
    details: dict[str, Any] = {}
    if event == ActionEvent.PROPOSE_CHANGE:
        action.proposed_what_will_change = request.proposed_wording.strip() or None
        action.proposed_due_on = request.proposed_due_on if request.proposed_due_on != action.due_on else None
        action.change_reason = reason
        evidence = _proposal_text(action)
        details = {"wording": action.proposed_what_will_change, "due_on": _iso(action.proposed_due_on)}
    elif event == ActionEvent.AGREE_CHANGE:
        details = {"before": {"what_will_change": action.what_will_change, "due_on": action.due_on.isoformat()}}
        evidence = _proposal_text(action)
        if action.proposed_what_will_change:
            action.what_will_change = action.proposed_what_will_change
        if action.proposed_due_on:
            action.due_on = action.proposed_due_on
        _clear_proposal(action)
    elif event in (ActionEvent.REFUSE_CHANGE, ActionEvent.DECLINE):
        _clear_proposal(action)
        if event == ActionEvent.DECLINE:
            action.not_accepted_reason = reason
    elif event == ActionEvent.REOPEN:
        action.not_accepted_reason = None
    elif event == ActionEvent.SIGN_OFF:
        action.signed_off_on = today
        action.signed_off_by = by
        action.impact_review_on = request.review_on
        details = {"impact_review_on": _iso(request.review_on)}
    elif event == ActionEvent.RETURN:
        action.completed_on = None
    elif event == ActionEvent.SET_IMPACT_DATE:
        details = {"before": _iso(action.impact_review_on), "after": _iso(request.review_on)}
        action.impact_review_on = request.review_on
        progress = f"Impact review on {govuk_date(request.review_on)}" + (f". {reason}" if reason else "")
    elif event == ActionEvent.RECORD_IMPACT:
        action.impact = ActionImpact(request.impact)
        action.impact_recorded_on = today
        action.impact_recorded_by = by
        progress = f"{action.impact.label}." + (f" {reason}" if reason else "")
        details = {"impact": action.impact.value}
    update = _timeline(action, event, by=by, now=now, before=before, progress=progress, evidence=evidence, files=files)
    db.session.flush()
    audit.record(
        f"action.{event.value}",
        action,
        f"Action {action.reference}: {event.label.lower()}",
        actor=by,
        status_before=before.value,
        status_after=action.status.value,
        reason=reason[:500],
        evidence_files=[f.file.filename for f in update.files],
        **details,
    )
    _notify_step(action, event, by, reason=reason)
    return update


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _clear_proposal(action: ActionRecord) -> None:
    action.proposed_what_will_change = None
    action.proposed_due_on = None
    action.change_reason = None


def _proposal_text(action: ActionRecord) -> str:
    parts = []
    if action.proposed_what_will_change:
        parts.append(f"New wording: {action.proposed_what_will_change}")
    if action.proposed_due_on:
        parts.append(f"New due date: {govuk_date(action.proposed_due_on)}")
    return "\n\n".join(parts)


# Who is emailed at each step: the owner's members, or the inspector who recorded the action.
_TO_OWNER = {
    ActionEvent.AGREE_CHANGE: "change_agreed",
    ActionEvent.REFUSE_CHANGE: "change_refused",
    ActionEvent.REOPEN: "assigned",
    ActionEvent.SIGN_OFF: "signed_off",
    ActionEvent.RETURN: "returned",
}
_TO_RECORDER = {
    ActionEvent.PROPOSE_CHANGE: "change_proposed",
    ActionEvent.DECLINE: "declined",
    ActionEvent.IMPACT_EVIDENCE: "impact_evidence",
}


def _notify_step(action: ActionRecord, event: ActionEvent, by: User, *, reason: str) -> None:
    if event in _TO_OWNER:
        notify_owner(action, kind=_TO_OWNER[event], reason=reason, by_name=by.full_name)
    elif event in _TO_RECORDER:
        _notify_recorder(action, by, kind=_TO_RECORDER[event], reason=reason)


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
    lead, next_step = _email_text(action, kind, extra)
    return {
        "action": action,
        "kind": kind,
        "link": action_link(action),
        "organisation": action.owner,
        "lead": lead,
        "next_step": next_step,
        **extra,
    }


def _email_text(action: ActionRecord, kind: str, extra: dict[str, object]) -> tuple[str, str]:
    """What each kind of action email says: its opening line and what to do next."""
    ref, owner, due = action.reference, action.owner.name, govuk_date(action.due_on)
    who = f"{extra.get('closed_by') or 'The owner'} of {owner}"
    review_on = govuk_date(action.impact_review_on) if action.impact_review_on else "the impact review date"
    texts = {
        "assigned": (
            f"HM Inspectorate of Probation proposes an action for {owner} following a learning panel.",
            "Please accept it, propose a change (new wording or a new date, with your reason), "
            "or decline it with your reason, in Learning panels.",
        ),
        "overdue": (
            f"Action {ref} for {owner} was due by {due} and has not been completed.",
            "Please post a progress update, complete the action with its evidence, or tell us if it cannot "
            "be done. We will remind you each week until it is completed.",
        ),
        "escalated": (
            f"Action {ref} for {owner} was due by {due} and is {extra.get('days_overdue', 0)} days overdue. "
            f"You are {owner}'s senior contact for the Inspectorate's actions.",
            "Please make sure the action is completed with its evidence, or tell us if it cannot be done.",
        ),
        "change_agreed": (
            f"The Inspectorate has agreed the change you proposed to action {ref}: it is accepted as changed.",
            "Please post progress updates as the work goes on.",
        ),
        "change_refused": (
            f"The Inspectorate has not agreed the change you proposed to action {ref}.",
            "Please accept the action as it stands, or decline it with your reason.",
        ),
        "signed_off": (
            f"The Inspectorate has signed off action {ref} as complete.",
            f"On {review_on} we will ask whether it has made the difference intended.",
        ),
        "returned": (
            f"The Inspectorate has returned action {ref} to {owner}: it is not signed off.",
            "Please post a progress update, and complete it again with the evidence asked for.",
        ),
        "impact_due": (
            f"Action {ref} was signed off. It is time to review its impact.",
            "Has it made the difference intended? Please answer with your evidence in Learning panels.",
        ),
        "completed": (f"{who} has completed action {ref}.", "It awaits your sign-off: sign it off or return it."),
        "change_proposed": (f"{who} proposes a change to action {ref}.", "Please agree the change or not."),
        "declined": (f"{who} has declined action {ref}.", ""),
        "impact_evidence": (
            f"{who} has sent evidence of the impact of action {ref}.",
            "Please record whether it achieved the impact intended.",
        ),
    }
    return texts.get(kind, (f"Action {ref} has changed.", ""))


_SUBJECTS = {
    "assigned": "New action {ref} for {owner}: please accept it, propose a change or decline it",
    "overdue": "Action {ref} is overdue",
    "change_agreed": "Action {ref}: your change is agreed",
    "change_refused": "Action {ref}: your change is not agreed",
    "signed_off": "Action {ref} is signed off",
    "returned": "Action {ref} is returned to {owner}",
    "impact_due": "Action {ref}: has it made the difference intended?",
    "escalated": "Action {ref} for {owner} is overdue and escalated",
    "completed": "Action {ref} completed by {owner}: awaiting sign-off",
    "change_proposed": "Action {ref}: {owner} proposes a change",
    "declined": "Action {ref} declined by {owner}",
    "impact_evidence": "Action {ref}: impact evidence from {owner}",
}


def _subject(action: ActionRecord, kind: str) -> str:
    return _SUBJECTS[kind].format(ref=action.reference, owner=action.owner.name)


def notify_owner(action: ActionRecord, *, kind: str, **extra: object) -> int:
    """Email each member of the owner organisation (or, where it has none, whoever recorded it)."""
    recipients: list[tuple[str, User | None]] = agency_recipients(action.owner)
    if not recipients and action.created_by is not None and action.created_by.active:
        recipients = [(action.created_by.email, action.created_by)]
    for address, person in recipients:
        queue_email(
            to=address,
            recipient=person,
            subject=_subject(action, kind),
            template="learning_action",
            context=_email_context(action, kind, **extra),
            concerning=action,
            about_a_case=action.case_id is not None,
        )
    return len(recipients)


def escalate(action: ActionRecord, *, step: int, days_overdue: int) -> None:
    """Email the owner organisation's named senior contact that the action is overdue (step ``step``)."""
    owner = action.owner
    if not owner.senior_contact_email:
        return
    queue_email(
        to=owner.senior_contact_email,
        subject=_subject(action, "escalated"),
        template="learning_action",
        context={
            **_email_context(action, "escalated", days_overdue=days_overdue),
            "contact_name": owner.senior_contact_name,
        },
        concerning=action,
        about_a_case=action.case_id is not None,
    )
    audit.record(
        "action.escalated",
        action,
        f"Overdue action {action.reference} escalated to {owner.name}'s senior contact (step {step})",
        step=step,
        days_overdue=days_overdue,
        due_on=action.due_on.isoformat(),
    )


def _notify_recorder(action: ActionRecord, by: User, *, kind: str, **extra: object) -> None:
    """Tell the inspector who recorded the action what its owner has done."""
    recorder = action.created_by
    if recorder is None or not recorder.active or recorder.id == by.id:
        return
    queue_email(
        to=recorder.email,
        recipient=recorder,
        subject=_subject(action, kind),
        template="learning_action",
        context=_email_context(action, kind, closed_by=by.full_name, **extra),
        concerning=action,
        about_a_case=action.case_id is not None,
    )
