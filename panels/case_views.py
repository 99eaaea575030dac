"""Pages for multi-agency cases and the agencies' returns (routes on the panels blueprint).

Views parse a form, call ``panels.case_operations`` or ``agencies.return_operations``, commit
and redirect; who may do what is decided by ``panels.case_permissions`` through the access
decorators.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from agencies import access
from agencies import operations as agency_operations
from agencies import return_operations
from agencies.models import Organisation, OrganisationKind
from agencies.return_forms import InvolvementForm, ReturnForm, renumbered
from agencies.return_models import AgencyReturn, Involvement, UnderpinningReason
from agencies.return_operations import (
    ChronologyRow,
    InvolvementAnswers,
    LearningPointRow,
    ReturnFindings,
    ReturnIncomplete,
    ReturnLocked,
)
from core.cache import cached_page
from core.db import StaleEdit, commit_unless_stale
from core.formatting import london_today, utc_now
from core.forms import ConfirmForm, VersionedForm
from core.pagination import paginate
from extensions import db
from learning.models import LearningLevel, LearningTheme
from panels import case_operations as operations
from panels import panels_bp
from panels.case_forms import (
    AgencyChoiceForm,
    CaseDetailsForm,
    CloseCaseForm,
    EditCaseForm,
    FindReviewForm,
    FlagCaseForm,
    InviteAgenciesForm,
    ReopenReturnForm,
    RetentionForm,
    WithdrawInvitationForm,
)
from panels.case_models import CaseInvitation, MultiAgencyCase
from panels.case_permissions import (
    case_for,
    invitation_for,
    manages_cases,
    may_view_identifiers,
    may_write_return,
    return_for,
    review_for_flagging,
    visible_cases,
    visible_invitations,
)
from panels.case_rules import AgencyStatus
from reviews.models import OffenceCategory, Review

# --- helpers ---------------------------------------------------------------------------------


def _today() -> date:
    return london_today(utc_now())


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _stale(form: VersionedForm, current_version: int, lock_reason: str | None = None) -> None:
    """Refuse a stale save: keep what was typed on screen, say why, and (unless a colleague
    has meanwhile submitted or the case closed) let a second, informed save go through."""
    form.version.errors = [lock_reason or str(StaleEdit())]
    form.version.data = str(current_version)
    form.version.raw_data = [str(current_version)]


def _agency_choices(exclude_ids: set[int] = frozenset()) -> list[tuple[int, str]]:  # type: ignore[assignment]
    # Partner agencies first, then the (many) probation regions.
    rows = db.session.execute(
        db.select(Organisation.id, Organisation.name)
        .where(Organisation.active.is_(True), Organisation.kind != OrganisationKind.INSPECTORATE)
        .order_by(Organisation.kind == OrganisationKind.PROBATION_REGION, Organisation.name)
    ).all()
    return [(row.id, row.name) for row in rows if row.id not in exclude_ids]


def _agency_hints(choices: list[tuple[int, str]]) -> list[dict[str, Any]]:
    kinds = dict(db.session.execute(
        db.select(Organisation.id, Organisation.kind).where(Organisation.id.in_([c[0] for c in choices]))
    ).all())
    return [{"hint": {"text": kinds[value].label}} for value, _name in choices]


def _category_choices(current_id: int | None = None) -> list[tuple[int, str]]:
    rows = db.session.scalars(
        db.select(OffenceCategory)
        .where(db.or_(OffenceCategory.active.is_(True), OffenceCategory.id == (current_id or 0)))
        .order_by(OffenceCategory.position, OffenceCategory.name)
    ).all()
    return [(0, "Choose an offence category")] + [(c.id, c.name) for c in rows]


def _details_from(form: CaseDetailsForm) -> operations.CaseDetails:
    return operations.CaseDetails(
        reason=form.reason.data,
        reply_by=form.reply_by.data,
        person_name=form.person_name.data,
        date_of_birth=form.date_of_birth.data,
        other_identifiers=form.other_identifiers.data or None,
        supervision_started_on=form.supervision_started_on.data,
        supervision_ended_on=form.supervision_ended_on.data,
        offence_on=form.offence_on.data,
        offence_category_id=form.offence_category_id.data,
        partner_summary=form.partner_summary.data,
    )


def _case_data(case: MultiAgencyCase) -> dict[str, Any]:
    names = ("reason", "reply_by", "person_name", "date_of_birth", "other_identifiers", "supervision_started_on",
             "supervision_ended_on", "offence_on", "offence_category_id", "partner_summary", "version")
    return {name: getattr(case, name) for name in names}


def _add_organisation(form: AgencyChoiceForm, exclude_ids: set[int]) -> None:
    """The "Add organisation" button: create it, tick it, and give the whole form back."""
    if not form.check_new_organisation():
        return
    try:
        organisation = agency_operations.create_organisation(
            form.new_organisation_name.data, form.new_organisation_kind.data, form.new_organisation_email.data or None
        )
    except agency_operations.DuplicateError as error:
        form.new_organisation_name.errors = [str(error)]
        return
    db.session.commit()
    form.organisation_ids.choices = _agency_choices(exclude_ids)
    form.organisation_ids.data = [*(form.organisation_ids.data or []), organisation.id]
    form.clear_new_organisation()
    flash(f"{organisation.name} has been added and selected", "success")


def _ready_to_invite(form: AgencyChoiceForm, exclude_ids: set[int]) -> bool:
    """True when the main button was pressed and the form is valid; "Add organisation" is
    handled here and never submits the form."""
    if request.method == "POST" and form.add_organisation.data:
        _add_organisation(form, exclude_ids)
        return False
    return form.validate_on_submit()


def _chosen_organisations(form: AgencyChoiceForm) -> list[Organisation]:
    ids = list(dict.fromkeys(form.organisation_ids.data or []))
    return list(db.session.scalars(db.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def _warn_if_nobody_to_email(organisations: Iterable[Organisation]) -> None:
    silent = [o.name for o in organisations if not return_operations.agency_recipients(o)]
    if silent:
        flash(f"Nobody could be emailed at {', '.join(silent)}: they have no active members and no shared "
              "contact address. Ask an admin to add someone, then send a reminder.", "info")


def _note_opened(invitation: CaseInvitation | None) -> None:
    """An agency member looking at the request marks it opened (once)."""
    if invitation is not None and access.is_agency_member(_user()) and operations.record_opened(invitation, _user()):
        db.session.commit()


# --- the list ---------------------------------------------------------------------------------


@dataclass
class CaseRow:
    case: MultiAgencyCase
    statuses: list[AgencyStatus]

    @property
    def submitted(self) -> int:
        return self.statuses.count(AgencyStatus.SUBMITTED)

    @property
    def overdue(self) -> int:
        return self.statuses.count(AgencyStatus.OVERDUE)


CASE_FILTERS = {"open": "Open", "closed": "Closed", "all": "All"}


@panels_bp.get("/cases")
@access.allow(access.signed_in)
def list_cases():  # type: ignore[no-untyped-def]
    user = _user()
    today = _today()
    if access.is_inspectorate_staff(user):
        shown = request.args.get("status", "open")
        shown = shown if shown in CASE_FILTERS else "open"
        query = visible_cases(user).options(
            selectinload(MultiAgencyCase.invitations).selectinload(CaseInvitation.agency_return)
        )
        if shown == "open":
            query = query.where(MultiAgencyCase.closed_on.is_(None))
        elif shown == "closed":
            query = query.where(MultiAgencyCase.closed_on.is_not(None))
        page = paginate(query.order_by(MultiAgencyCase.created_at_utc.desc(), MultiAgencyCase.id.desc()))
        rows = [CaseRow(case, [operations.status_of(i, today) for i in case.active_invitations])
                for case in page.items]
        return render_template("panels/cases/list.html", page=page, rows=rows, shown=shown, filters=CASE_FILTERS,
                               inspectorate=True)
    query = (
        visible_invitations(user)
        .join(CaseInvitation.case)
        .options(joinedload(CaseInvitation.case), joinedload(CaseInvitation.agency_return))
        .order_by(MultiAgencyCase.closed_on.is_not(None), MultiAgencyCase.reply_by, CaseInvitation.id)
    )
    page = paginate(query)
    rows = [(invitation, operations.status_of(invitation, today)) for invitation in page.items]
    return render_template("panels/cases/list.html", page=page, rows=rows, inspectorate=False)


# --- flagging ---------------------------------------------------------------------------------


@panels_bp.route("/cases/new", methods=["GET", "POST"])
@access.allow(manages_cases)
def find_review_to_flag():  # type: ignore[no-untyped-def]
    form = FindReviewForm()
    if form.validate_on_submit():
        reference = form.reference.data.upper()
        review = db.session.scalar(db.select(Review).where(func.upper(Review.reference) == reference))
        if review is None:
            form.reference.errors.append("No review has this reference. Check it and try again")
        else:
            return redirect(url_for("panels.flag_case", review_id=review.id))
    return render_template("panels/cases/find_review.html", form=form)


@panels_bp.route("/reviews/<int:review_id>/flag", methods=["GET", "POST"])
@access.load("review_id", review_for_flagging, manages_cases)
def flag_case(review: Review):  # type: ignore[no-untyped-def]
    existing = db.session.scalar(db.select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id))
    if existing is not None:
        flash(f"{review.reference} is already a multi-agency case", "info")
        return redirect(url_for("panels.show_case", case_id=existing.id))
    initial = {"offence_on": review.offence_on, "offence_category_id": review.offence_category_id}
    form = FlagCaseForm(data=initial)
    form.offence_category_id.choices = _category_choices(review.offence_category_id)
    form.organisation_ids.choices = _agency_choices()
    if _ready_to_invite(form, set()):
        try:
            case = operations.flag_case(review, _details_from(form), _chosen_organisations(form), _user())
        except operations.CaseError as error:
            form.organisation_ids.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"{review.reference} is now a multi-agency case. We have emailed the agencies.", "success")
            _warn_if_nobody_to_email(i.organisation for i in case.invitations)
            return redirect(url_for("panels.show_case", case_id=case.id))
    return render_template("panels/cases/flag.html", form=form, review=review,
                           agency_hints=_agency_hints(form.organisation_ids.choices))


# --- a case -----------------------------------------------------------------------------------


@panels_bp.get("/cases/<int:case_id>")
@access.load("case_id", case_for)
@cached_page
def show_case(case: MultiAgencyCase):  # type: ignore[no-untyped-def]
    user = _user()
    today = _today()
    if access.is_inspectorate_staff(user):
        invitations = [(invitation, operations.status_of(invitation, today)) for invitation in case.invitations]
        return render_template(
            "panels/cases/show.html", case=case, invitations=invitations, inspectorate=True,
            erasure_date=operations.erasure_date(case), confirm=ConfirmForm(),
        )
    invitation = case.invitation_for(user.organisation_id)
    _note_opened(invitation)
    return render_template("panels/cases/show.html", case=case, invitation=invitation,
                           status=operations.status_of(invitation, today), inspectorate=False,
                           lock_reason=return_operations.lock_reason(invitation.agency_return))


@panels_bp.get("/cases/<int:case_id>/identifiers")
@access.load("case_id", case_for, may_view_identifiers)
def show_identifiers(case: MultiAgencyCase):  # type: ignore[no-untyped-def]
    # Every look at the identifying details is recorded, whoever looks.
    operations.record_identifiers_viewed(case, _user())
    if not access.is_inspectorate_staff(_user()):
        operations.record_opened(case.invitation_for(_user().organisation_id), _user())
    db.session.commit()
    return render_template("panels/cases/identifiers.html", case=case)


@panels_bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def edit_case(case: MultiAgencyCase):  # type: ignore[no-untyped-def]
    form = EditCaseForm(data=_case_data(case))
    form.offence_category_id.choices = _category_choices(case.offence_category_id)
    if form.validate_on_submit():
        try:
            changed = operations.update_case(case, _details_from(form), form.version.data, _user())
        except StaleEdit:
            db.session.rollback()
            _stale(form, case.version)
        else:
            if commit_unless_stale():
                flash("Case details saved" if changed else "Nothing was changed", "success")
                return redirect(url_for("panels.show_case", case_id=case.id))
            _stale(form, case.version)
    return render_template("panels/cases/edit.html", form=form, case=case)


@panels_bp.route("/cases/<int:case_id>/invite", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def invite_agencies(case: MultiAgencyCase):  # type: ignore[no-untyped-def]
    if case.is_closed:
        flash("This case is closed: reopen it before inviting agencies", "info")
        return redirect(url_for("panels.show_case", case_id=case.id))
    already = {i.organisation_id for i in case.active_invitations}
    form = InviteAgenciesForm()
    form.organisation_ids.choices = _agency_choices(already)
    if _ready_to_invite(form, already):
        try:
            invited = operations.invite_organisations(case, _chosen_organisations(form), _user())
        except operations.CaseError as error:
            form.organisation_ids.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"We have emailed {', '.join(i.organisation.name for i in invited)}", "success")
            _warn_if_nobody_to_email(i.organisation for i in invited)
            return redirect(url_for("panels.show_case", case_id=case.id))
    return render_template("panels/cases/invite.html", form=form, case=case,
                           agency_hints=_agency_hints(form.organisation_ids.choices))


@panels_bp.route("/cases/<int:case_id>/close", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def close_case(case: MultiAgencyCase):  # type: ignore[no-untyped-def]
    if case.is_closed:
        flash("This case is already closed", "info")
        return redirect(url_for("panels.show_case", case_id=case.id))
    form = CloseCaseForm(data={"closed_on": _today()})
    if form.validate_on_submit():
        operations.close_case(case, form.closed_on.data, _user())
        db.session.commit()
        flash(f"{case.reference} is closed", "success")
        return redirect(url_for("panels.show_case", case_id=case.id))
    months = operations.case_settings().retention_months
    return render_template("panels/cases/close.html", form=form, case=case, retention_months=months)


@panels_bp.post("/cases/<int:case_id>/reopen")
@access.load("case_id", case_for, manages_cases)
def reopen_case(case: MultiAgencyCase):  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        try:
            operations.reopen_case(case, _user())
        except operations.CaseError as error:
            flash(str(error), "info")
        else:
            db.session.commit()
            flash(f"{case.reference} is open again", "success")
    return redirect(url_for("panels.show_case", case_id=case.id))


# --- invitations ------------------------------------------------------------------------------


@panels_bp.route("/invitations/<int:invitation_id>/withdraw", methods=["GET", "POST"])
@access.load("invitation_id", invitation_for, manages_cases)
def withdraw_invitation(invitation: CaseInvitation):  # type: ignore[no-untyped-def]
    case = invitation.case
    if not invitation.is_active:
        flash(f"The request to {invitation.organisation.name} has already been withdrawn", "info")
        return redirect(url_for("panels.show_case", case_id=case.id))
    form = WithdrawInvitationForm()
    if form.validate_on_submit():
        operations.withdraw_invitation(invitation, form.reason.data, _user())
        db.session.commit()
        flash(f"{invitation.organisation.name} can no longer see this case", "success")
        return redirect(url_for("panels.show_case", case_id=case.id))
    return render_template("panels/cases/withdraw.html", form=form, invitation=invitation, case=case)


@panels_bp.post("/invitations/<int:invitation_id>/remind")
@access.load("invitation_id", invitation_for, manages_cases)
def send_reminder(invitation: CaseInvitation):  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        try:
            sent = operations.send_manual_reminder(invitation, _user())
        except operations.CaseError as error:
            flash(str(error), "info")
        else:
            db.session.commit()
            people = "1 person" if sent == 1 else f"{sent} people"
            flash(f"Reminder sent to {people} at {invitation.organisation.name}", "success")
    return redirect(url_for("panels.show_case", case_id=invitation.case_id))


# --- retention (admin) ------------------------------------------------------------------------


@panels_bp.route("/retention", methods=["GET", "POST"])
@access.allow(access.is_admin)
def edit_retention():  # type: ignore[no-untyped-def]
    settings = operations.case_settings()
    form = RetentionForm(data={"retention_months": settings.retention_months})
    if form.validate_on_submit():
        operations.update_retention(form.retention_months.data, _user())
        db.session.commit()
        flash(f"Identifying details will be erased {form.retention_months.data} months after a case closes",
              "success")
        return redirect(url_for("panels.edit_retention"))
    db.session.commit()
    return render_template("panels/cases/retention.html", form=form, settings=settings)


# --- agency returns ---------------------------------------------------------------------------


def _locked_redirect(agency_return: AgencyReturn) -> Response | None:
    reason = return_operations.lock_reason(agency_return)
    if reason:
        flash(reason, "info")
        return redirect(url_for("panels.show_return", return_id=agency_return.id))
    return None


def _theme_choices(agency_return: AgencyReturn) -> list[tuple[str, str]]:
    in_use = {p.theme_id for p in agency_return.learning_points if p.theme_id}
    themes = db.session.scalars(
        db.select(LearningTheme)
        .where(db.or_(LearningTheme.active.is_(True), LearningTheme.id.in_(in_use or {0})))
        .order_by(LearningTheme.position, LearningTheme.name)
    ).all()
    return [(str(theme.id), theme.name) for theme in themes]


def _return_data(agency_return: AgencyReturn) -> dict[str, Any]:
    r = agency_return
    return {
        "author_name": r.author_name, "author_role": r.author_role,
        "author_involved": {True: "yes", False: "no"}.get(r.author_involved),  # type: ignore[call-overload]
        "records_reviewed": r.records_reviewed, "records_secured_on": r.records_secured_on,
        "chronology": [entry.as_form_data() for entry in r.chronology],
        "what_went_well": r.what_went_well, "missed_opportunities": r.missed_opportunities,
        "underpinning_reasons": list(r.underpinning_reasons or []), "underpinning_detail": r.underpinning_detail,
        "learning_points": [point.as_form_data() for point in r.learning_points],
        "good_practice": r.good_practice, "recommendations": r.recommendations, "version": r.version,
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
        underpinning_reasons=[UnderpinningReason(v) for v in form.underpinning_reasons.data or []
                              if v in UnderpinningReason._value2member_map_],
        underpinning_detail=form.underpinning_detail.data or "",
        good_practice=form.good_practice.data or "",
        recommendations=form.recommendations.data or "",
        chronology=[
            ChronologyRow(row.form.happened_on.data, row.form.what_happened.data or "",
                          row.form.significance.data or "")
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


@panels_bp.get("/returns/<int:return_id>")
@access.load("return_id", return_for, as_name="agency_return")
def show_return(agency_return: AgencyReturn):  # type: ignore[no-untyped-def]
    user = _user()
    if access.is_agency_member(user):
        operations.record_opened(agency_return.invitation, user)
    operations.record_return_viewed(agency_return, user)
    db.session.commit()
    problems = return_operations.submission_problems(agency_return) if not agency_return.is_submitted else []
    return render_template(
        "agencies/returns/show.html", agency_return=agency_return, case=agency_return.invitation.case,
        may_write=may_write_return(user, agency_return), may_reopen=manages_cases(user),
        lock_reason=return_operations.lock_reason(agency_return), problems=problems,
        status=operations.status_of(agency_return.invitation, _today()),
    )


@panels_bp.route("/returns/<int:return_id>/involvement", methods=["GET", "POST"])
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
def confirm_involvement(agency_return: AgencyReturn):  # type: ignore[no-untyped-def]
    if request.method == "GET" and (locked := _locked_redirect(agency_return)) is not None:
        return locked
    _note_opened(agency_return.invitation)
    r = agency_return
    form = InvolvementForm(data={
        "involvement": r.involvement.value if r.involvement else None, "contact_started_on": r.contact_started_on,
        "contact_ended_on": r.contact_ended_on, "involvement_nature": r.involvement_nature, "version": r.version,
    })
    stale = False
    if form.validate_on_submit():
        answers = InvolvementAnswers(Involvement(form.involvement.data), form.contact_started_on.data,
                                     form.contact_ended_on.data, form.involvement_nature.data or "")
        try:
            return_operations.save_involvement(r, answers, form.version.data, _user())
        except (StaleEdit, ReturnLocked):
            db.session.rollback()
        else:
            if commit_unless_stale():
                if answers.involvement == Involvement.STILL_CHECKING:
                    flash("Saved. Come back and confirm your involvement when you have checked your records.",
                          "success")
                    return redirect(url_for("panels.show_return", return_id=r.id))
                flash("Involvement saved", "success")
                return redirect(url_for("panels.edit_return", return_id=r.id))
        stale = True
        _stale(form, r.version, return_operations.lock_reason(r))
    return render_template("agencies/returns/involvement.html", form=form, agency_return=r,
                           case=r.invitation.case, stale=stale)


@panels_bp.route("/returns/<int:return_id>/edit", methods=["GET", "POST"])
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
def edit_return(agency_return: AgencyReturn):  # type: ignore[no-untyped-def]
    # A post that arrives after the return was locked is refused by the save below, with the
    # typed text shown back; only a fresh visit is sent away.
    if request.method == "GET" and (locked := _locked_redirect(agency_return)) is not None:
        return locked
    _note_opened(agency_return.invitation)
    r = agency_return
    themes = _theme_choices(r)
    action = request.form.get("action", "save") if request.method == "POST" else ""
    stale = False
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
                return_operations.save_draft(r, _findings_from(form), form.version.data, _user())
            except (StaleEdit, ReturnLocked):
                db.session.rollback()
            else:
                if commit_unless_stale():
                    if action == "check":
                        return redirect(url_for("panels.submit_return", return_id=r.id))
                    flash("Your draft has been saved. Your colleagues can see and change it.", "success")
                    return redirect(url_for("panels.edit_return", return_id=r.id))
            stale = True
            _stale(form, r.version, return_operations.lock_reason(r))
    return render_template("agencies/returns/edit.html", form=form, agency_return=r, case=r.invitation.case,
                           stale=stale)


@panels_bp.route("/returns/<int:return_id>/submit", methods=["GET", "POST"])
@access.load("return_id", return_for, may_write_return, as_name="agency_return")
def submit_return(agency_return: AgencyReturn):  # type: ignore[no-untyped-def]
    if (locked := _locked_redirect(agency_return)) is not None:
        return locked
    r = agency_return
    form = VersionedForm(data={"version": r.version})
    stale = False
    problems = return_operations.submission_problems(r)
    if form.validate_on_submit():
        try:
            return_operations.submit_return(r, form.version.data, _user())
        except ReturnIncomplete as error:
            problems = error.problems
        except (StaleEdit, ReturnLocked):
            db.session.rollback()
            stale = True
        else:
            if commit_unless_stale():
                flash("Your return has been submitted. The Inspectorate has been told.", "success")
                return redirect(url_for("panels.show_return", return_id=r.id))
            stale = True
        if stale:
            if (locked := _locked_redirect(r)) is not None:
                return locked
            problems = return_operations.submission_problems(r)
            form.version.data = str(r.version)
    return render_template("agencies/returns/submit.html", form=form, agency_return=r, case=r.invitation.case,
                           problems=problems, stale=stale)


@panels_bp.route("/returns/<int:return_id>/reopen", methods=["GET", "POST"])
@access.load("return_id", return_for, manages_cases, as_name="agency_return")
def reopen_return(agency_return: AgencyReturn):  # type: ignore[no-untyped-def]
    if not agency_return.is_submitted:
        flash("This return has not been submitted, so there is nothing to reopen", "info")
        return redirect(url_for("panels.show_return", return_id=agency_return.id))
    form = ReopenReturnForm()
    if form.validate_on_submit():
        return_operations.reopen_return(agency_return, form.reason.data, _user())
        db.session.commit()
        flash(f"The return is open again. We have emailed {agency_return.invitation.organisation.name}.", "success")
        return redirect(url_for("panels.show_return", return_id=agency_return.id))
    return render_template("agencies/returns/reopen.html", form=form, agency_return=agency_return,
                           case=agency_return.invitation.case)
