"""Views for shared learning, action records, progress updates and the action tracker.

Thin: parse the form, call ``action_operations``, render. Who may do what is decided in
``learning.permissions`` through the access decorators.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from agencies import access
from agencies.models import Organisation
from cases.models import CaseInvitation, MultiAgencyCase, ReturnLearningPoint
from cases.themes import LearningLevel, LearningTheme
from core.db import StaleEdit, VersionedMixin
from core.downloads import send_download
from core.files import FileRefused, file_size, read_upload, stream_download, upload_allowance
from core.formatting import govuk_date, london_today, utc_now
from core.forms import NONE, ConfirmForm, PortalForm, VersionedForm, validate_only
from core.ids import id_arg, id_args
from core.pagination import paginate
from core.submissions import first_sending
from extensions import db
from learning import lifecycle, tracker
from learning import operations as ops
from learning import permissions as can
from learning.forms import (
    STATUS_CHOICE_LABELS,
    ActionForm,
    ItemForm,
    NewActionForm,
    NewItemForm,
    StepForm,
    UpdateForm,
)
from learning.models import ActionEvent, ActionEvidenceFile, ActionRecord, ActionStatus, LearningItem
from learning.rules import StepRequest, statuses_open_to
from panels.models import Panel, PanelAgendaItem, PanelDecision, PanelMinutes, PanelMinutesItem, PanelStatus
from panels.permissions import may_see_minutes, panel_for
from reviews.models import Assessment, KeyQuestion, Prompt, Review, Standard

learning_bp = Blueprint("learning", __name__, url_prefix="/learning")
E = ActionEvent


def _today() -> date:
    return london_today(utc_now())


# Operations name problems by what they are about; these are the form fields that show them.
_PROBLEM_FIELDS = {"standard": "standard_id", "prompt": "prompt_id", "learning_items": "learning_item_ids"}


def _problems_to_form(form: PortalForm, error: Exception) -> None:
    problems = error.problems if isinstance(error, ops.Refused) else {"sources": str(error)}
    for name, message in problems.items():
        field = getattr(form, _PROBLEM_FIELDS.get(name, name), None) or next(iter(form))
        field.errors = [*field.errors, message]


def _save(form: VersionedForm, record: VersionedMixin | None, change: Callable[[], object]) -> str:
    """Make a change and commit it: "saved"; "stale" when someone else saved ``record`` first
    (rolled back: the form keeps what was typed and takes the latest version, so saving again
    replaces it); or "refused", with the problems on the form. A new record (None) cannot be stale."""
    try:
        change()
    except StaleEdit:
        db.session.rollback()
        if record is not None:
            form.version.data = str(record.version)
        return "stale"
    except (ops.Refused, ops.LearningError) as error:
        _problems_to_form(form, error)
        return "refused"
    db.session.commit()
    return "saved"


def _learning_read(subject: object, description: str) -> None:
    """Pages showing the agencies' learning are reads (a form re-shown after a POST is not:
    the session may hold the refused change, which the read's commit must not keep)."""
    if request.method == "GET":
        ops.record_learning_viewed(subject, description)


# --- the tracker ---------------------------------------------------------------------------------


@learning_bp.get("/actions")
@access.allow(access.signed_in)
def list_actions() -> ResponseReturnValue:
    filters = tracker.TrackerFilters.from_args(request.args)
    today = _today()
    page = paginate(tracker.tracker_query(current_user, filters, today))
    return render_template(
        "learning/actions/list.html",
        page=page,
        filters=filters,
        today=today,
        rags=tracker.rags(page.items, today),
        owner=tracker.owner_name(current_user, filters.owner_id),
        themes=tracker.theme_choices(),
        panels=tracker.panel_choices(current_user, keep=filters.panel_id),
        statuses=[(s.value, s.label) for s in ActionStatus],
        levels=[(lv.value, lv.label) for lv in LearningLevel],
        sorts=tracker.SORTS,
        sees_every_action=can.sees_every_action(current_user),
    )


@learning_bp.get("/actions.csv")
@access.allow(access.signed_in)
def download_actions() -> ResponseReturnValue:
    filters = tracker.TrackerFilters.from_args(request.args)
    today = _today()
    return send_download(
        tracker.tracker_csv(current_user, filters, today), f"actions-{today.isoformat()}.csv", "text/csv"
    )


@learning_bp.get("/organisations/<int:organisation_id>/actions")
@access.load("organisation_id", can.organisation_for_actions)
def organisation_actions(organisation: Organisation) -> ResponseReturnValue:
    """An organisation's actions grouped by status, with what is due next."""
    today = _today()
    return render_template(
        "learning/actions/organisation.html", view=tracker.organisation_actions(organisation, today), today=today
    )


@learning_bp.get("/organisations/<int:organisation_id>/actions.csv")
@access.load("organisation_id", can.organisation_for_actions)
def download_organisation_actions(organisation: Organisation) -> ResponseReturnValue:
    today = _today()
    text = tracker.organisation_csv(tracker.organisation_actions(organisation, today), today)
    return send_download(text, f"actions-organisation-{organisation.id}-{today.isoformat()}.csv", "text/csv")


# --- one action ------------------------------------------------------------------------------------


@learning_bp.get("/actions/<int:action_id>")
@access.load("action_id", can.action_for)
def show_action(action: ActionRecord) -> ResponseReturnValue:
    _learning_read(action, f"action {action.reference} and the learning it answers")
    today = _today()
    actor = can.actor_for(current_user, action)
    steps = [
        STEP_PAGES[event]
        for event in lifecycle.steps_open_to(action.status, actor, ops.impact_facts(action, today))
        if event in STEP_PAGES
    ]
    return render_template(
        "learning/actions/show.html",
        action=action,
        today=today,
        rag=tracker.action_rag(action, today),
        steps=steps,
        may_update=bool(statuses_open_to(action.status, actor)),
        may_edit=can.may_edit_action(current_user, action),
        panel_visible=action.panel_id is not None and panel_for(current_user, action.panel_id) is not None,
        minutes_entry=_minutes_entry(action),
    )


def _minutes_entry(action: ActionRecord) -> PanelMinutesItem | None:
    """The minutes the action's learning was agreed in, where this person may read them: the
    minutes item a piece of its learning was compiled from, else the minutes of its case at the
    panel that agreed it."""
    for item in action.learning_items:
        entry = item.minutes_item
        if entry is not None and may_see_minutes(current_user, entry.minutes.panel):
            return entry
    if action.panel is None or action.case_id is None or not may_see_minutes(current_user, action.panel):
        return None
    return db.session.scalar(
        select(PanelMinutesItem)
        .join(PanelMinutes, PanelMinutes.id == PanelMinutesItem.minutes_id)
        .join(PanelAgendaItem, PanelAgendaItem.id == PanelMinutesItem.agenda_item_id)
        .where(PanelMinutes.panel_id == action.panel_id, PanelAgendaItem.case_id == action.case_id)
    )


def _details_from(
    form: ActionForm, *, case: MultiAgencyCase | None, assessment: Assessment | None
) -> ops.ActionDetails:
    items = {item.id: item for item in _case_items(case)}
    standard = db.session.get(Standard, form.standard_id.data) if form.standard_id.data not in (None, NONE) else None
    prompt = db.session.get(Prompt, form.prompt_id.data) if form.prompt_id.data not in (None, NONE) else None
    panel = db.session.get(Panel, form.panel_id.data) if form.panel_id.data not in (None, NONE) else None
    decision = (
        db.session.get(PanelDecision, form.decision_id.data) if form.decision_id.data not in (None, NONE) else None
    )
    return ops.ActionDetails(
        title=form.title.data,
        what_will_change=form.what_will_change.data,
        owner=db.session.get_one(Organisation, form.owner_id.data),
        level=LearningLevel(form.level.data),
        theme=db.session.get_one(LearningTheme, form.theme_id.data),
        due_on=form.due_on.entered,
        evidence_measure=form.evidence_measure.data,
        completion_needs_file=bool(form.completion_needs_file.data),
        case=case,
        learning_items=[items[i] for i in form.learning_item_ids.data or [] if i in items],
        assessment=assessment,
        standard=standard,
        prompt=prompt,
        panel=panel,
        decision=decision,
    )


def _case_items(case: MultiAgencyCase | None) -> list[LearningItem]:
    if case is None:
        return []
    return list(
        db.session.scalars(select(LearningItem).where(LearningItem.case_id == case.id).order_by(LearningItem.position))
    )


CASE_AGENCIES = "This case's agencies"
OTHER_ORGANISATIONS = "Other organisations"
NO_STANDARD_HINT = "Choose a standard first: a prompt belongs to a standard."


@dataclass(frozen=True)
class StandardPrompts:
    """The prompts of one standard of the assessment's version, as the prompt select offers them."""

    heading: str
    choices: list[SelectChoice]


def _fill_action_choices(
    form: ActionForm, *, case: MultiAgencyCase | None, assessment: Assessment | None, action: ActionRecord | None = None
) -> dict[int, StandardPrompts]:
    """Every select's choices but the prompt's; returns each standard's prompts (by standard id),
    for ``_offer_prompts`` to offer those of the chosen standard once it is known."""
    form.owner_id.choices = _owner_choices(case, keep=action.owner_id if action else None)
    form.theme_id.choices = _theme_choices(action.theme_id if action else None)
    form.learning_item_ids.choices = [
        SelectChoice(item.id, f"{item.description} ({item.theme.name}, {item.level.label})")
        for item in _case_items(case)
    ]
    form.panel_id.choices = _panel_choices(case)
    form.decision_id.choices = [SelectChoice(NONE, "None recorded")] + [
        SelectChoice(decision.id, f"{decision.label} ({decision.panel.title})") for decision in ops.case_decisions(case)
    ]
    standards = [SelectChoice(NONE, "None: it does not answer a QA rating")]
    by_standard: dict[int, StandardPrompts] = {}
    if assessment is not None:
        ratings = {rating.standard_id: rating for rating in assessment.ratings}
        answers = {answer.prompt_id: answer for answer in assessment.answers}
        version = db.session.scalars(
            select(Standard)
            .where(Standard.version_id == assessment.standards_version_id)
            .options(selectinload(Standard.key_questions).selectinload(KeyQuestion.prompts))
            .order_by(Standard.number)
        ).all()
        for standard in version:
            rating = ratings.get(standard.id)
            rated = f": rated {rating.rating.label} ({rating.score})" if rating and rating.rating is not None else ""
            standards.append(SelectChoice(standard.id, f"{standard.heading}{rated}"))
            prompts = []
            for prompt in standard.prompts:
                answer = answers.get(prompt.id)
                answered = f" (answered {answer.answer.label})" if answer and answer.answer else ""
                text = prompt.text if len(prompt.text) <= 90 else prompt.text[:88].rstrip() + "…"
                prompts.append(SelectChoice(prompt.id, f"Standard {standard.number}, {prompt.label}: {text}{answered}"))
            by_standard[standard.id] = StandardPrompts(standard.heading, prompts)
    form.standard_id.choices = standards
    return by_standard


def _prompts_hint(heading: str) -> str:
    return f"Only the prompts of {heading}."


def _offer_prompts(form: ActionForm, by_standard: dict[int, StandardPrompts]) -> str:
    """Offer (and accept) only the prompts of the chosen standard: the one sent, saved or asked
    for with ?standard=; with none chosen, only "No prompt". Returns every standard's prompts
    for the page's script (static/js/action-prompts.mjs, as JSON), which swaps them in place."""
    chosen = by_standard.get(form.standard_id.data) if isinstance(form.standard_id.data, int) else None
    prompts = [SelectChoice(NONE, "No prompt")]
    if chosen is None:
        form.prompt_id.description = NO_STANDARD_HINT
        form.prompt_id.invalid_choice_message = "Choose the standard first: a prompt belongs to a standard"
    else:
        prompts += chosen.choices
        form.prompt_id.description = _prompts_hint(chosen.heading)
        form.prompt_id.invalid_choice_message = f"Choose a prompt from {chosen.heading}, or no prompt"
    form.prompt_id.choices = prompts
    no_prompt = {"value": str(NONE), "text": "No prompt"}
    offers: dict[str, Any] = {"none": {"hint": NO_STANDARD_HINT, "options": [no_prompt]}}
    for standard_id, standard in by_standard.items():
        offers[str(standard_id)] = {
            "hint": _prompts_hint(standard.heading),
            "options": [no_prompt] + [{"value": str(c.value), "text": c.label} for c in standard.choices],
        }
    return json.dumps(offers)


def _choosing_standard(form: ActionForm) -> bool:
    """The second step without a script: "Show this standard's prompts" shows the form again with
    what was typed and the chosen standard's prompts. Nothing is saved, no other field is checked
    and a new action's one-time token stays unused, so the real "Save action" still counts."""
    if request.method != "POST" or not form.choose_standard.data:
        return False
    validate_only(form, "standard_id")
    return True


def _owner_choices(case: MultiAgencyCase | None, *, keep: int | None) -> list[SelectChoice]:
    """The active organisations (and ``keep``, the owner of an action being edited), the case's
    agencies (those asked to look at it, and not withdrawn) first, in their own group."""
    owners = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(or_(Organisation.active.is_(True), Organisation.id == keep))
        .order_by(Organisation.name)
    ).all()
    agencies: set[int] = set()
    if case is not None:
        agencies = set(
            db.session.scalars(
                select(CaseInvitation.organisation_id).where(
                    CaseInvitation.case_id == case.id, CaseInvitation.withdrawn_at_utc.is_(None)
                )
            )
        )
    choose = SelectChoice(NONE, "Choose the owner")
    if not agencies:
        return [choose] + [SelectChoice(row.id, row.name) for row in owners]
    return (
        [choose]
        + [SelectChoice(row.id, row.name, optgroup=CASE_AGENCIES) for row in owners if row.id in agencies]
        + [SelectChoice(row.id, row.name, optgroup=OTHER_ORGANISATIONS) for row in owners if row.id not in agencies]
    )


def _panel_choices(case: MultiAgencyCase | None) -> list[SelectChoice]:
    return [SelectChoice(NONE, "Not agreed at a panel")] + [
        SelectChoice(panel.id, panel_label(panel)) for panel in ops.case_panels(case)
    ]


def panel_label(panel: Panel) -> str:
    return f"{panel.title}, {govuk_date(panel.starts_at_utc)} ({panel.status.label.lower()})"


def _theme_choices(keep: int | None = None) -> list[SelectChoice]:
    """The active themes (and ``keep``, one retired since it was chosen), after a "Choose" prompt."""
    rows = db.session.execute(
        select(LearningTheme.id, LearningTheme.name)
        .where(or_(LearningTheme.active.is_(True), LearningTheme.id == keep))
        .order_by(LearningTheme.position, LearningTheme.name)
    ).all()
    return [SelectChoice(NONE, "Choose a theme")] + [SelectChoice(row.id, row.name) for row in rows]


def _record_action(*, case: MultiAgencyCase | None, review: Review, heading: str) -> ResponseReturnValue:
    assessment = review.assessment
    form = NewActionForm()
    by_standard = _fill_action_choices(form, case=case, assessment=assessment)
    if form.fills_from_record():
        _prefill_from_query(form, case)
    prompt_offers = _offer_prompts(form, by_standard)
    if not _choosing_standard(form) and form.validate_on_submit():
        try:
            action = ops.create_action(_details_from(form, case=case, assessment=assessment), current_user)
        except ops.Refused as refused:
            _problems_to_form(form, refused)
        else:
            if (again := first_sending(form, url_for("learning.show_action", action_id=action.id))) is not None:
                return again
            db.session.commit()
            flash(f"Action {action.reference} recorded. {action.owner.name} has been emailed.", "success")
            return redirect(url_for("learning.show_action", action_id=action.id))
    back = (
        url_for("learning.show_case_learning", case_id=case.id)
        if case
        else url_for("reviews.show_review", review_id=review.id)
    )
    _learning_read(case or review, f"the learning of {review.reference} to record an action")
    return render_template(
        "learning/actions/form.html",
        form=form,
        action=None,
        case=case,
        review=review,
        back=back,
        stale=False,
        heading=heading,
        prompt_offers=prompt_offers,
    )


def _chosen_panel(form: ActionForm | ItemForm, case: MultiAgencyCase | None) -> int:
    """The panel a new item or action starts with: ?panel= from the panel's page, else the
    case's latest held panel (or latest panel)."""
    offered = {choice.value for choice in form.panel_id.choices}
    asked = id_arg("panel")
    if asked is not None and asked in offered:
        return asked
    panel = ops.default_panel(ops.case_panels(case))
    return panel.id if panel else NONE


def _prefill_from_query(form: ActionForm, case: MultiAgencyCase | None) -> None:
    """'Record an action' links carry the learning item or the standard it starts from."""
    form.panel_id.data = _chosen_panel(form, case)
    item_id = id_arg("item")
    item = db.session.get(LearningItem, item_id) if item_id else None
    if item is not None and case is not None and item.case_id == case.id:
        form.learning_item_ids.data = [item.id]
        form.theme_id.data = item.theme_id
        form.level.data = item.level.value
        if item.panel_id:
            form.panel_id.data = item.panel_id
    decision_id = id_arg("decision")
    if decision_id and any(choice.value == decision_id for choice in form.decision_id.choices):
        form.decision_id.data = decision_id
    standard_id = id_arg("standard")
    if standard_id and any(choice.value == standard_id for choice in form.standard_id.choices):
        form.standard_id.data = standard_id


@learning_bp.route("/cases/<int:case_id>/actions/new", methods=["GET", "POST"])
@access.load("case_id", can.case_for_learning, can.may_compile)
def create_action_for_case(case: MultiAgencyCase) -> ResponseReturnValue:
    return _record_action(case=case, review=case.review, heading=f"Record an action for case {case.reference}")


@learning_bp.route("/reviews/<int:review_id>/actions/new", methods=["GET", "POST"])
@access.load("review_id", can.review_for_actions, can.may_compile)
def create_action_for_review(review: Review) -> ResponseReturnValue:
    case = db.session.scalar(select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id))
    return _record_action(case=case, review=review, heading=f"Record an action for review {review.reference}")


@learning_bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@access.load("action_id", can.action_for, can.may_edit_action)
def edit_action(action: ActionRecord) -> ResponseReturnValue:
    case, assessment = action.case, action.assessment
    form = ActionForm(data=_action_form_data(action) if request.method == "GET" else None)
    by_standard = _fill_action_choices(form, case=case, assessment=assessment, action=action)
    prompt_offers = _offer_prompts(form, by_standard)
    outcome = ""
    if not _choosing_standard(form) and form.validate_on_submit():
        outcome = _save(
            form,
            action,
            lambda: ops.update_action(
                action, _details_from(form, case=case, assessment=assessment), form.version.data, current_user
            ),
        )
        if outcome == "saved":
            flash(f"Action {action.reference} saved", "success")
            return redirect(url_for("learning.show_action", action_id=action.id))
    _learning_read(action, f"action {action.reference} and the learning it answers, to edit it")
    return render_template(
        "learning/actions/form.html",
        form=form,
        action=action,
        case=case,
        review=case.review if case else (assessment.review if assessment else None),
        back=url_for("learning.show_action", action_id=action.id),
        stale=outcome == "stale",
        prompt_offers=prompt_offers,
    )


def _action_form_data(action: ActionRecord) -> dict[str, Any]:
    return {
        "version": action.version,
        "title": action.title,
        "what_will_change": action.what_will_change,
        "owner_id": action.owner_id,
        "level": action.level.value,
        "theme_id": action.theme_id,
        "due_on": action.due_on,
        "evidence_measure": action.evidence_measure,
        "completion_needs_file": action.completion_needs_file,
        "learning_item_ids": [item.id for item in action.learning_items],
        "standard_id": action.standard_id or NONE,
        "prompt_id": action.prompt_id or NONE,
        "panel_id": action.panel_id or NONE,
        "decision_id": action.decision_id or NONE,
    }


def _evidence_files(form: UpdateForm) -> list[tuple[bytes, str]] | None:
    """The posted evidence files, read within the limits; None (with the error on the form) if not."""
    per_file = int(current_app.config["DOCUMENT_MAX_BYTES"])
    total_limit = int(current_app.config["UPDATE_EVIDENCE_MAX_BYTES"])
    found: list[tuple[bytes, str]] = []
    for upload in request.files.getlist(form.evidence_files.name):
        if not getattr(upload, "filename", ""):
            continue  # the empty part a browser sends when no file is chosen
        try:
            found.append((read_upload(upload, per_file), upload.filename or "evidence"))
        except FileRefused as error:
            form.evidence_files.errors = [f"{upload.filename}: {error}"]
            return None
    if sum(len(data) for data, _name in found) > total_limit:
        form.evidence_files.errors = [f"The files of one update must add up to less than {file_size(total_limit)}"]
        return None
    return found


@learning_bp.route("/actions/<int:action_id>/update", methods=["GET", "POST"])
@access.load("action_id", can.action_for, can.may_update_action)
@upload_allowance("EVIDENCE_UPLOAD_ALLOWANCE")
def post_update(action: ActionRecord) -> ResponseReturnValue:
    allowed = statuses_open_to(action.status, can.actor_for(current_user, action))
    if not allowed:
        flash(f"Progress is posted on accepted actions. This one is {action.status.label.lower()}.", "important")
        return redirect(url_for("learning.show_action", action_id=action.id))
    form = UpdateForm(data={"version": action.version, "status": allowed[0].value} if request.method == "GET" else None)
    form.status.choices = [SelectChoice(status.value, _status_choice(status, action.status)) for status in allowed]
    outcome = ""
    if form.validate_on_submit() and (evidence_files := _evidence_files(form)) is not None:
        outcome = _save(
            form,
            action,
            lambda: ops.post_update(
                action,
                progress=form.progress.data or "",
                evidence=form.evidence.data or "",
                new_status=ActionStatus(form.status.data),
                version=form.version.data,
                by=current_user,
                files=evidence_files,
            ),
        )
        if outcome == "saved":
            flash(f"Update posted. Action {action.reference} is {action.status.label.lower()}.", "success")
            return redirect(url_for("learning.show_action", action_id=action.id))
    return render_template(
        "learning/actions/update.html",
        form=form,
        action=action,
        stale=outcome == "stale",
        today=_today(),
        max_file=file_size(int(current_app.config["DOCUMENT_MAX_BYTES"])),
        max_total=file_size(int(current_app.config["UPDATE_EVIDENCE_MAX_BYTES"])),
    )


# --- the action's other steps: accept, change, decline, sign off, return, impact ----------------------


@dataclass(frozen=True)
class StepPage:
    event: ActionEvent
    slug: str
    heading: str
    button: str
    done: str  # the flash, after "Action ACT-0001 "
    fields: tuple[str, ...]
    reason_label: str = "Note (optional)"
    reason_hint: str = ""
    secondary: bool = False


STEP_PAGES = {
    page.event: page
    for page in (
        StepPage(E.ACCEPT, "accept", "Accept the action", "Accept the action", "accepted", ("reason",)),
        StepPage(
            E.PROPOSE_CHANGE,
            "propose-change",
            "Propose a change to the action",
            "Propose the change",
            "change proposed: the Inspectorate has been told",
            ("proposed_wording", "proposed_due_on", "reason"),
            reason_label="Reason for the change",
            secondary=True,
        ),
        StepPage(
            E.DECLINE,
            "decline",
            "Decline the action",
            "Decline the action",
            "declined",
            ("reason",),
            reason_label="Reason for declining",
            reason_hint="The Inspectorate reads this and may report it.",
            secondary=True,
        ),
        StepPage(
            E.AGREE_CHANGE, "agree-change", "Agree the change", "Agree the change", "accepted as changed", ("reason",)
        ),
        StepPage(
            E.REFUSE_CHANGE,
            "refuse-change",
            "Do not agree the change",
            "Do not agree the change",
            "proposed again as it was",
            ("reason",),
            reason_label="Reason the change is not agreed",
            secondary=True,
        ),
        StepPage(
            E.REOPEN,
            "reopen",
            "Propose the action again",
            "Propose it again",
            "proposed again",
            ("reason",),
            reason_label="Why it is proposed again",
            secondary=True,
        ),
        StepPage(E.SIGN_OFF, "sign-off", "Sign off the action", "Sign it off", "signed off", ("review_on", "reason")),
        StepPage(
            E.RETURN,
            "return",
            "Return the action to its owner",
            "Return it",
            "returned to its owner, who has been emailed",
            ("reason",),
            reason_label="Reason it is returned",
            reason_hint="Emailed to the owner organisation: say what evidence is missing.",
            secondary=True,
        ),
        StepPage(
            E.SET_IMPACT_DATE,
            "impact-date",
            "Change the impact review date",
            "Save the date",
            "impact review date saved",
            ("review_on", "reason"),
            secondary=True,
        ),
        StepPage(
            E.IMPACT_EVIDENCE,
            "impact-evidence",
            "Has the action made the difference intended?",
            "Send the impact evidence",
            "impact evidence sent",
            ("reason", "evidence", "evidence_files"),
            reason_label="Has it made the difference intended?",
            reason_hint="Say what has changed for the people the action was for.",
        ),
        StepPage(
            E.RECORD_IMPACT,
            "impact",
            "Record the action's impact",
            "Record the impact",
            "impact recorded",
            ("impact", "reason"),
        ),
    )
}
STEP_FIELDS = ("proposed_wording", "proposed_due_on", "review_on", "impact", "reason", "evidence", "evidence_files")


def _step_form(page: StepPage, action: ActionRecord) -> StepForm:
    data: dict[str, Any] | None = None
    if request.method == "GET":
        review_on = action.impact_review_on or lifecycle.default_impact_review(_today())
        data = {"version": action.version, "review_on": review_on}
    form = StepForm(data=data)
    for name in STEP_FIELDS:
        if name not in page.fields:
            delattr(form, name)
    form.submit.label.text = page.button
    if "reason" in page.fields:
        form.reason.label.text = page.reason_label
        form.reason.description = page.reason_hint
    return form


def _take_step(action: ActionRecord, page: StepPage) -> ResponseReturnValue:
    today = _today()
    problem = lifecycle.refusal(
        page.event, action.status, can.actor_for(current_user, action), ops.impact_facts(action, today)
    )
    if problem is not None:
        flash(f"{problem}.", "important")
        return redirect(url_for("learning.show_action", action_id=action.id))
    form = _step_form(page, action)
    outcome = ""
    files: list[tuple[bytes, str]] | None = []
    if form.validate_on_submit():
        if "evidence_files" in page.fields:
            files = _evidence_files(form)
        if files is not None:
            step = StepRequest(
                event=page.event,
                reason=_field(form, "reason") or "",
                proposed_wording=_field(form, "proposed_wording") or "",
                proposed_due_on=_field(form, "proposed_due_on"),
                review_on=_field(form, "review_on"),
                impact=_field(form, "impact") or "",
                evidence=_field(form, "evidence") or "",
            )
            outcome = _save(
                form,
                action,
                lambda: ops.take_step(action, step, version=form.version.data, by=current_user, files=files or ()),
            )
        if outcome == "saved":
            flash(f"Action {action.reference} {page.done}.", "success")
            return redirect(url_for("learning.show_action", action_id=action.id))
    return render_template(
        "learning/actions/step.html",
        form=form,
        page=page,
        action=action,
        today=today,
        stale=outcome == "stale",
        max_file=file_size(int(current_app.config["DOCUMENT_MAX_BYTES"])),
        max_total=file_size(int(current_app.config["UPDATE_EVIDENCE_MAX_BYTES"])),
    )


def _field(form: StepForm, name: str) -> Any:
    field = getattr(form, name, None)
    return field.data if field is not None else None


def _register_step(page: StepPage) -> None:
    def view(action: ActionRecord) -> ResponseReturnValue:
        return _take_step(action, page)

    view.__name__ = view.__qualname__ = f"step_{page.event.value}"
    if "evidence_files" in page.fields:
        view = upload_allowance("EVIDENCE_UPLOAD_ALLOWANCE")(view)
    guarded = access.load("action_id", can.action_for, can.may_take(page.event))(view)
    learning_bp.add_url_rule(
        f"/actions/<int:action_id>/{page.slug}", endpoint=view.__name__, view_func=guarded, methods=["GET", "POST"]
    )


for _page in STEP_PAGES.values():
    _register_step(_page)


@learning_bp.get("/actions/evidence/<int:evidence_id>")
@access.load("evidence_id", can.evidence_for)
def download_evidence(evidence: ActionEvidenceFile) -> ResponseReturnValue:
    stored = evidence.file
    if not stored.available:
        flash(f"{stored.filename} cannot be downloaded: {stored.scan_status.label.lower()}.", "important")
        return redirect(url_for("learning.show_action", action_id=evidence.update.action_id))
    ops.record_evidence_download(evidence)
    return stream_download(stored)


def _status_choice(status: ActionStatus, current: ActionStatus) -> str:
    if status == current:
        return f"{STATUS_CHOICE_LABELS.get(status, status.label)} (no change)"
    return STATUS_CHOICE_LABELS.get(status, status.label)


# --- shared learning for a case -----------------------------------------------------------------------


@learning_bp.get("/cases")
@access.allow(access.is_inspectorate_staff)
def list_learning_cases() -> ResponseReturnValue:
    """Cases with agencies' submitted learning, and how far it has been compiled into actions."""
    page = paginate(select(MultiAgencyCase).order_by(MultiAgencyCase.created_at_utc.desc(), MultiAgencyCase.id.desc()))
    case_ids = [case.id for case in page.items]
    points = ops.submitted_point_counts(case_ids)
    items = {
        key: count
        for key, count in db.session.execute(
            select(LearningItem.case_id, func.count(LearningItem.id))
            .where(LearningItem.case_id.in_(case_ids))
            .group_by(LearningItem.case_id)
        )
    }
    actions = {
        key: count
        for key, count in db.session.execute(
            select(ActionRecord.case_id, func.count(ActionRecord.id))
            .where(ActionRecord.case_id.in_(case_ids))
            .group_by(ActionRecord.case_id)
        )
    }
    counts = {case_id: (points.get(case_id, 0), items.get(case_id, 0), actions.get(case_id, 0)) for case_id in case_ids}
    panels = db.session.scalars(
        select(Panel)
        .where(Panel.status.in_((PanelStatus.SCHEDULED, PanelStatus.HELD)))
        .order_by(Panel.starts_at_utc.desc(), Panel.id.desc())
        .limit(RECENT_PANELS)
    ).all()
    return render_template("learning/cases/list.html", page=page, counts=counts, panels=panels)


# How many panels the shared-learning page lists (the panels' own list has them all).
RECENT_PANELS = 10


@learning_bp.get("/panels/<int:panel_id>")
@access.load("panel_id", can.panel_for_learning)
def show_panel_learning(panel: Panel) -> ResponseReturnValue:
    """At or after a panel: each case on its agenda, the learning compiled there and the actions agreed."""
    case_ids = [entry.case_id for entry in panel.agenda]
    items = db.session.scalars(
        select(LearningItem).where(LearningItem.panel_id == panel.id).order_by(LearningItem.position)
    ).all()
    actions = db.session.scalars(
        select(ActionRecord).where(ActionRecord.panel_id == panel.id).order_by(ActionRecord.id)
    ).all()
    points = ops.submitted_point_counts(case_ids)
    _learning_read(panel, f"the learning compiled at {panel.title}")
    return render_template(
        "learning/panels/show.html",
        panel=panel,
        points=points,
        today=_today(),
        items_by_case={case_id: [i for i in items if i.case_id == case_id] for case_id in case_ids},
        actions_by_case={case_id: [a for a in actions if a.case_id == case_id] for case_id in case_ids},
        may_compile=can.may_compile(current_user),
    )


@learning_bp.get("/cases/<int:case_id>")
@access.load("case_id", can.case_for_learning)
def show_case_learning(case: MultiAgencyCase) -> ResponseReturnValue:
    points = ops.submitted_learning_points(case)
    items = list(
        db.session.scalars(
            select(LearningItem)
            .where(LearningItem.case_id == case.id)
            .options(
                selectinload(LearningItem.sources),
                selectinload(LearningItem.actions),
                selectinload(LearningItem.minutes_item),
            )
            .order_by(LearningItem.position)
        )
    )
    used_in: dict[int, list[int]] = {}
    for number, item in enumerate(items, start=1):
        for point in item.sources:
            used_in.setdefault(point.id, []).append(number)
    actions = list(
        db.session.scalars(select(ActionRecord).where(ActionRecord.case_id == case.id).order_by(ActionRecord.id))
    )
    _learning_read(case, f"the agencies' learning on {case.reference}")
    return render_template(
        "learning/cases/show.html",
        case=case,
        points=points,
        items=items,
        used_in=used_in,
        actions=actions,
        today=_today(),
        may_compile=can.may_compile(current_user),
    )


def _fill_item_choices(
    form: ItemForm, case: MultiAgencyCase, points: list[ReturnLearningPoint], keep_theme: int | None = None
) -> None:
    form.sources.choices = [SelectChoice(point.id, _point_label(point)) for point in points]
    form.panel_id.choices = _panel_choices(case)
    form.theme_id.choices = _theme_choices(keep_theme)


def _point_label(point: ReturnLearningPoint) -> str:
    organisation = point.agency_return.invitation.organisation.name
    theme = point.theme.name if point.theme else "no theme"
    level = point.level.label if point.level else "no level"
    return f"{organisation}: {point.description} ({theme}, {level})"


def _item_details(form: ItemForm, points: list[ReturnLearningPoint]) -> ops.ItemDetails:
    by_id = {point.id: point for point in points}
    return ops.ItemDetails(
        description=form.description.data,
        theme=db.session.get_one(LearningTheme, form.theme_id.data),
        level=LearningLevel(form.level.data),
        sources=[by_id[i] for i in form.sources.data or [] if i in by_id],
        panel=db.session.get(Panel, form.panel_id.data) if form.panel_id.data not in (None, NONE) else None,
    )


@learning_bp.route("/cases/<int:case_id>/learning/new", methods=["GET", "POST"])
@access.load("case_id", can.case_for_learning, can.may_compile)
def compile_item(case: MultiAgencyCase) -> ResponseReturnValue:
    points = ops.submitted_learning_points(case)
    form = NewItemForm()
    _fill_item_choices(form, case, points)
    if form.fills_from_record():
        # "Compile the selected points" sends them here: start from their words, theme and level.
        chosen_ids = set(id_args("point"))
        chosen = [point for point in points if point.id in chosen_ids]
        form.sources.data = [point.id for point in chosen]
        form.description.data = "\n\n".join(point.description for point in chosen)
        form.panel_id.data = _chosen_panel(form, case)
        first = chosen[0] if chosen else None
        if first is not None:
            form.theme_id.data = first.theme_id or NONE
            form.level.data = first.level.value if first.level else None
    if form.validate_on_submit():
        try:
            ops.compile_item(case, _item_details(form, points), current_user)
        except (ops.Refused, ops.LearningError) as error:
            _problems_to_form(form, error)
        else:
            done = url_for("learning.show_case_learning", case_id=case.id)
            if (again := first_sending(form, done)) is not None:
                return again
            db.session.commit()
            flash("Learning saved", "success")
            return redirect(done)
    _learning_read(case, f"the agencies' learning on {case.reference} to compile an item")
    return render_template("learning/items/form.html", form=form, case=case, item=None, stale=False)


@learning_bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@access.load("item_id", can.item_for_inspector, can.may_compile)
def edit_item(item: LearningItem) -> ResponseReturnValue:
    points = ops.submitted_learning_points(item.case)
    form = ItemForm(
        data={
            "version": item.version,
            "description": item.description,
            "theme_id": item.theme_id,
            "level": item.level.value,
            "sources": [p.id for p in item.sources],
            "panel_id": item.panel_id or NONE,
        }
        if request.method == "GET"
        else None
    )
    _fill_item_choices(form, item.case, points, keep_theme=item.theme_id)
    outcome = ""
    if form.validate_on_submit():
        outcome = _save(
            form, item, lambda: ops.update_item(item, _item_details(form, points), form.version.data, current_user)
        )
        if outcome == "saved":
            flash("Learning saved", "success")
            return redirect(url_for("learning.show_case_learning", case_id=item.case_id))
    _learning_read(item, f"a learning item on {item.case.reference}")
    return render_template("learning/items/form.html", form=form, case=item.case, item=item, stale=outcome == "stale")


@learning_bp.route("/items/<int:item_id>/remove", methods=["GET", "POST"])
@access.load("item_id", can.item_for_inspector, can.may_compile)
def remove_item(item: LearningItem) -> ResponseReturnValue:
    form = ConfirmForm()
    problem = None
    if form.validate_on_submit():
        case_id = item.case_id
        try:
            ops.remove_item(item, current_user)
        except ops.LearningError as error:
            problem = str(error)
        else:
            db.session.commit()
            flash("Learning removed", "success")
            return redirect(url_for("learning.show_case_learning", case_id=case_id))
    _learning_read(item, f"a learning item on {item.case.reference}")
    return render_template("learning/items/remove.html", form=form, item=item, problem=problem)


# --- the assessment page's list of actions ------------------------------------------------------------


@learning_bp.app_template_global()
def actions_for_assessment(assessment: Assessment | None) -> list[ActionRecord]:
    """The actions answering this QA assessment's ratings, for the review page to list.

    Only the Inspectorate sees the register's pages, so no scoping is needed beyond that;
    anyone else gets an empty list rather than another organisation's actions.
    """
    if assessment is None or not current_user.is_authenticated or not current_user.is_inspectorate:
        return []
    return list(
        db.session.scalars(
            select(ActionRecord)
            .where(ActionRecord.assessment_id == assessment.id)
            .options(
                selectinload(ActionRecord.standard), selectinload(ActionRecord.prompt).joinedload(Prompt.key_question)
            )  # a prompt's label names it
            .order_by(ActionRecord.id)
        )
    )
