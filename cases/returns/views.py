"""Pages for an agency's return on a case: confirm involvement, write and save the draft,
submit, and (for the Inspectorate) reopen.

Views parse a form, call ``cases.returns.operations``, commit and redirect; who may do what
is decided by ``cases.permissions`` through the access decorators.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import or_, select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from agencies import access
from cases import operations
from cases.documents.operations import documents_of
from cases.forms import ReopenReturnForm
from cases.models import AgencyReturn, Involvement, UnderpinningReason
from cases.permissions import manages_cases, may_write_return, return_for
from cases.returns import operations as return_operations
from cases.returns.forms import InvolvementForm, ReturnForm, renumbered
from cases.returns.operations import (
    ChronologyRow,
    InvolvementAnswers,
    LearningPointRow,
    ReturnFindings,
    ReturnIncomplete,
    ReturnLocked,
    ReturnTooLong,
)
from cases.themes import LearningLevel, LearningTheme
from core.db import StaleEdit, commit_unless_stale
from core.formatting import london_today
from core.forms import VersionedForm, refuse_stale
from extensions import db

returns_bp = Blueprint("returns", __name__, url_prefix="/cases/returns")


def _locked_redirect(agency_return: AgencyReturn) -> Response | None:
    """Back to the return's page, which says why it is locked (once: no banner besides)."""
    if return_operations.lock_reason(agency_return):
        return redirect(url_for("returns.show_return", return_id=agency_return.id))
    return None


def _theme_choices(agency_return: AgencyReturn) -> list[SelectChoice]:
    in_use = {p.theme_id for p in agency_return.learning_points if p.theme_id}
    themes = db.session.scalars(
        select(LearningTheme)
        .where(or_(LearningTheme.active.is_(True), LearningTheme.id.in_(in_use or {0})))
        .order_by(LearningTheme.position, LearningTheme.name)
    ).all()
    return [SelectChoice(str(theme.id), theme.name) for theme in themes]


def _return_data(agency_return: AgencyReturn) -> dict[str, Any]:
    r = agency_return
    return {
        "author_name": r.author_name,
        "author_role": r.author_role,
        "author_involved": None if r.author_involved is None else ("yes" if r.author_involved else "no"),
        "records_reviewed": r.records_reviewed,
        "records_secured_on": r.records_secured_on,
        "chronology": [entry.as_form_data() for entry in r.chronology],
        "what_went_well": r.what_went_well,
        "missed_opportunities": r.missed_opportunities,
        "underpinning_reasons": list(r.underpinning_reasons or []),
        "underpinning_detail": r.underpinning_detail,
        "learning_points": [point.as_form_data() for point in r.learning_points],
        "good_practice": r.good_practice,
        "recommendations": r.recommendations,
        "version": r.version,
    }


def _findings_from(form: ReturnForm) -> ReturnFindings:
    return ReturnFindings(
        author_name=form.author_name.data or "",
        author_role=form.author_role.data or "",
        author_involved={"yes": True, "no": False}.get(form.author_involved.data or ""),
        records_reviewed=form.records_reviewed.data or "",
        records_secured_on=form.records_secured_on.data,
        what_went_well=form.what_went_well.data or "",
        missed_opportunities=form.missed_opportunities.data or "",
        underpinning_reasons=[
            UnderpinningReason(v)
            for v in form.underpinning_reasons.data or []
            if v in UnderpinningReason._value2member_map_
        ],
        underpinning_detail=form.underpinning_detail.data or "",
        good_practice=form.good_practice.data or "",
        recommendations=form.recommendations.data or "",
        chronology=[
            ChronologyRow(
                row.form.happened_on.data,
                row.form.what_happened.data or "",
                row.form.significance.data or "",
                "yes" in (row.form.significant.data or []),
            )
            for row in form.chronology
        ],
        learning_points=[
            LearningPointRow(
                description=row.form.description.data or "",
                theme_id=int(row.form.theme_id.data) if row.form.theme_id.data else None,
                level=LearningLevel(row.form.level.data) if row.form.level.data else None,
            )
            for row in form.learning_points
        ],
    )


@returns_bp.get("/<int:return_id>")
@access.load("return_id", return_for, as_name="agency_return")
def show_return(agency_return: AgencyReturn) -> ResponseReturnValue:
    user = access.current_person()
    operations.note_opened(agency_return.invitation, user)
    operations.record_return_viewed(agency_return, user)
    problems = return_operations.submission_problems(agency_return) if not agency_return.is_submitted else []
    return render_template(
        "cases/returns/show.html",
        documents=documents_of(agency_return),
        agency_return=agency_return,
        case=agency_return.invitation.case,
        may_write=may_write_return(user, agency_return),
        may_reopen=manages_cases(user),
        lock_reason=return_operations.lock_reason(agency_return),
        problems=problems,
        status=operations.status_of(agency_return.invitation, london_today()),
    )


@returns_bp.route("/<int:return_id>/involvement", methods=["GET", "POST"])
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
def confirm_involvement(agency_return: AgencyReturn) -> ResponseReturnValue:
    if request.method == "GET" and (locked := _locked_redirect(agency_return)) is not None:
        return locked
    operations.note_opened(agency_return.invitation, access.current_person())
    r = agency_return
    form = InvolvementForm(
        data={
            "involvement": r.involvement.value if r.involvement else None,
            "contact_started_on": r.contact_started_on,
            "contact_ended_on": r.contact_ended_on,
            "involvement_nature": r.involvement_nature,
            "version": r.version,
        }
    )
    stale = False
    if form.validate_on_submit():
        answers = InvolvementAnswers(
            Involvement(form.involvement.data),
            form.contact_started_on.data,
            form.contact_ended_on.data,
            form.involvement_nature.data or "",
        )
        try:
            return_operations.save_involvement(r, answers, form.version.data, access.current_person())
        except ReturnTooLong as error:
            db.session.rollback()
            form.involvement_nature.errors = [str(error)]
            return render_template(
                "cases/returns/involvement.html", form=form, agency_return=r, case=r.invitation.case, stale=False
            )
        except (StaleEdit, ReturnLocked):
            db.session.rollback()
        else:
            if commit_unless_stale():
                if answers.involvement == Involvement.STILL_CHECKING:
                    flash(
                        "Saved. Come back and confirm your involvement when you have checked your records.", "success"
                    )
                    return redirect(url_for("returns.show_return", return_id=r.id))
                flash("Involvement saved", "success")
                return redirect(url_for("returns.edit_return", return_id=r.id))
        stale = True
        refuse_stale(form, r.version, return_operations.lock_reason(r))
    return render_template(
        "cases/returns/involvement.html", form=form, agency_return=r, case=r.invitation.case, stale=stale
    )


@returns_bp.route("/<int:return_id>/edit", methods=["GET", "POST"])
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
def edit_return(agency_return: AgencyReturn) -> ResponseReturnValue:
    # A post that arrives after the return was locked is refused by the save below, with the
    # typed text shown back; only a fresh visit is sent away.
    if request.method == "GET" and (locked := _locked_redirect(agency_return)) is not None:
        return locked
    operations.note_opened(agency_return.invitation, access.current_person())
    r = agency_return
    themes = _theme_choices(r)
    action = request.form.get("action", "save") if request.method == "POST" else ""
    stale = False
    too_long: str | None = None
    list_name, _, index_text = action.removeprefix("remove-").rpartition("-")
    if action.startswith("remove-") and list_name in ("chronology", "learning_points") and index_text.isdigit():
        # Take the row out of what was posted and show the form again: nothing else is lost.
        form = ReturnForm(formdata=renumbered(request.form, list_name, int(index_text)), theme_choices=themes)
        if not form[list_name].entries:
            form.add_row(list_name)
    elif action in ("add-chronology", "add-learning_points"):
        form = ReturnForm(theme_choices=themes)
        form.add_row(action.removeprefix("add-"))
    else:
        form = ReturnForm(data=_return_data(r), theme_choices=themes)
        if request.method == "POST" and form.validate():
            try:
                return_operations.save_draft(r, _findings_from(form), form.version.data, access.current_person())
            except ReturnTooLong as error:
                # Nothing saved; everything typed stays on the page with the reason at the top.
                db.session.rollback()
                too_long = str(error)
            except (StaleEdit, ReturnLocked):
                db.session.rollback()
                stale = True
            else:
                if commit_unless_stale():
                    if action == "check":
                        return redirect(url_for("returns.submit_return", return_id=r.id))
                    flash("Your draft has been saved. Your colleagues can see and change it.", "success")
                    return redirect(url_for("returns.edit_return", return_id=r.id))
                stale = True
            if stale:
                refuse_stale(form, r.version, return_operations.lock_reason(r))
    return render_template(
        "cases/returns/edit.html",
        form=form,
        agency_return=r,
        case=r.invitation.case,
        stale=stale,
        too_long=too_long,
        size_anchor=return_operations.SIZE_ANCHOR,
        max_characters=return_operations.max_return_characters(),
    )


@returns_bp.route("/<int:return_id>/submit", methods=["GET", "POST"])
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
def submit_return(agency_return: AgencyReturn) -> ResponseReturnValue:
    if (locked := _locked_redirect(agency_return)) is not None:
        return locked
    r = agency_return
    form = VersionedForm(data={"version": r.version})
    stale = False
    problems = return_operations.submission_problems(r)
    if form.validate_on_submit():
        try:
            return_operations.submit_return(r, form.version.data, access.current_person())
        except ReturnIncomplete as error:
            problems = error.problems
        except (StaleEdit, ReturnLocked):
            db.session.rollback()
            stale = True
        else:
            if commit_unless_stale():
                flash("Your return has been submitted. The Inspectorate has been told.", "success")
                return redirect(url_for("returns.show_return", return_id=r.id))
            stale = True
        if stale:
            if (locked := _locked_redirect(r)) is not None:
                return locked
            problems = return_operations.submission_problems(r)
            form.version.data = str(r.version)
    return render_template(
        "cases/returns/submit.html", form=form, agency_return=r, case=r.invitation.case, problems=problems, stale=stale
    )


@returns_bp.route("/<int:return_id>/reopen", methods=["GET", "POST"])
@access.load("return_id", return_for, manages_cases, as_name="agency_return")
def reopen_return(agency_return: AgencyReturn) -> ResponseReturnValue:
    if not agency_return.is_submitted:
        flash("This return has not been submitted, so there is nothing to reopen", "info")
        return redirect(url_for("returns.show_return", return_id=agency_return.id))
    form = ReopenReturnForm()
    if form.validate_on_submit():
        return_operations.reopen_return(agency_return, form.reason.data, access.current_person())
        db.session.commit()
        flash(f"The return is open again. We have emailed {agency_return.invitation.organisation.name}.", "success")
        return redirect(url_for("returns.show_return", return_id=agency_return.id))
    return render_template(
        "cases/returns/reopen.html", form=form, agency_return=agency_return, case=agency_return.invitation.case
    )
