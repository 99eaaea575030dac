"""Pages for multi-agency cases: the list, flagging, the case page, invitations, retention.

Views parse a form, call ``cases.operations``, commit and redirect; who may do what is
decided by ``cases.permissions`` through the access decorators.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from agencies import access
from agencies import operations as agency_operations
from agencies.models import Organisation, OrganisationKind
from cases import operations as operations
from cases import themes
from cases.forms import (
    AgencyChoiceForm,
    CaseDetailsForm,
    CloseCaseForm,
    EditCaseForm,
    FindReviewForm,
    FlagCaseForm,
    InviteAgenciesForm,
    RetentionForm,
    ThemeForm,
    WithdrawInvitationForm,
)
from cases.models import CaseInvitation, MultiAgencyCase
from cases.permissions import (
    case_for,
    invitation_for,
    manages_cases,
    may_view_identifiers,
    review_for_flagging,
    theme_for_admin,
    visible_cases,
    visible_invitations,
)
from cases.returns import operations as return_operations
from cases.rules import AgencyStatus
from cases.themes import LearningTheme
from core.db import StaleEdit, commit_unless_stale, is_conflict
from core.formatting import london_today
from core.forms import ConfirmForm, refuse_stale
from core.pagination import paginate
from core.submissions import first_sending, sent_before
from extensions import db
from reviews.models import OffenceCategory, Review

cases_bp = Blueprint("cases", __name__, url_prefix="/cases")


# --- helpers ---------------------------------------------------------------------------------


def _agency_choices(exclude_ids: AbstractSet[int] = frozenset()) -> list[SelectChoice]:
    # Partner agencies first, then the (many) probation regions.
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.active.is_(True), Organisation.kind != OrganisationKind.INSPECTORATE)
        .order_by(Organisation.kind == OrganisationKind.PROBATION_REGION, Organisation.name)
    ).all()
    return [SelectChoice(row.id, row.name) for row in rows if row.id not in exclude_ids]


def _agency_hints(choices: list[SelectChoice]) -> list[dict[str, Any]]:
    kinds = dict(
        db.session.execute(
            select(Organisation.id, Organisation.kind).where(Organisation.id.in_([c.value for c in choices]))
        ).all()
    )
    return [{"hint": {"text": kinds[choice.value].label}} for choice in choices]


def _category_choices(current_id: int | None = None) -> list[SelectChoice]:
    rows = db.session.scalars(
        select(OffenceCategory)
        .where(or_(OffenceCategory.active.is_(True), OffenceCategory.id == (current_id or 0)))
        .order_by(OffenceCategory.position, OffenceCategory.name)
    ).all()
    return [SelectChoice(0, "Choose an offence category")] + [SelectChoice(c.id, c.name) for c in rows]


def _details_from(form: CaseDetailsForm) -> operations.CaseDetails:
    return operations.CaseDetails(
        reason=form.reason.data,
        reply_by=form.reply_by.entered,
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
    names = (
        "reason",
        "reply_by",
        "person_name",
        "date_of_birth",
        "other_identifiers",
        "supervision_started_on",
        "supervision_ended_on",
        "offence_on",
        "offence_category_id",
        "partner_summary",
        "version",
    )
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
    return bool(form.validate_on_submit())


def _chosen_organisations(form: AgencyChoiceForm) -> list[Organisation]:
    ids = list(dict.fromkeys(form.organisation_ids.data or []))
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def _warn_if_nobody_to_email(organisations: Iterable[Organisation]) -> None:
    silent = [o.name for o in organisations if not return_operations.agency_recipients(o)]
    if silent:
        flash(
            f"Nobody could be emailed at {', '.join(silent)}: they have no active members and no shared "
            "contact address. Ask an admin to add someone, then send a reminder.",
            "info",
        )


@cases_bp.app_template_global()
def case_id_for_review(review_id: int) -> int | None:
    """For the review's page (a package below this one): the multi-agency case of the review, if
    flagged, so the page offers "Open the multi-agency case" instead of flagging it again."""
    return db.session.scalar(select(MultiAgencyCase.id).where(MultiAgencyCase.review_id == review_id))


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


@cases_bp.get("/", strict_slashes=False)
@access.allow(access.signed_in)
def list_cases() -> ResponseReturnValue:
    user = access.current_person()
    today = london_today()
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
        rows = [CaseRow(case, [operations.status_of(i, today) for i in case.active_invitations]) for case in page.items]
        return render_template(
            "cases/list.html", page=page, rows=rows, shown=shown, filters=CASE_FILTERS, inspectorate=True
        )
    invitations = (
        visible_invitations(user)
        .join(CaseInvitation.case)
        .options(joinedload(CaseInvitation.case), joinedload(CaseInvitation.agency_return))
        .order_by(MultiAgencyCase.closed_on.is_not(None), MultiAgencyCase.reply_by, CaseInvitation.id)
    )
    page = paginate(invitations)
    statuses = [(invitation, operations.status_of(invitation, today)) for invitation in page.items]
    return render_template("cases/list.html", page=page, rows=statuses, inspectorate=False)


# --- flagging ---------------------------------------------------------------------------------


@cases_bp.route("/new", methods=["GET", "POST"])
@access.allow(manages_cases)
def find_review_to_flag() -> ResponseReturnValue:
    form = FindReviewForm()
    if form.validate_on_submit():
        reference = form.reference.data.upper()
        review = db.session.scalar(select(Review).where(func.upper(Review.reference) == reference))
        if review is None:
            form.reference.errors.append("No review has this reference. Check it and try again")
        else:
            return redirect(url_for("cases.flag_case", review_id=review.id))
    return render_template("cases/find_review.html", form=form)


@cases_bp.route("/reviews/<int:review_id>/flag", methods=["GET", "POST"])
@access.load("review_id", review_for_flagging, manages_cases)
def flag_case(review: Review) -> ResponseReturnValue:
    existing = db.session.scalar(select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id))
    if existing is not None:
        flash(f"{review.reference} is already a multi-agency case", "info")
        return redirect(url_for("cases.show_case", case_id=existing.id))
    initial = {"offence_on": review.offence_on, "offence_category_id": review.offence_category_id}
    form = FlagCaseForm(data=initial)
    form.offence_category_id.choices = _category_choices(review.offence_category_id)
    form.organisation_ids.choices = _agency_choices()
    if _ready_to_invite(form, set()):
        try:
            case = operations.flag_case(
                review, _details_from(form), _chosen_organisations(form), access.current_person()
            )
        except operations.CaseError as error:
            form.organisation_ids.errors = [str(error)]
        except DBAPIError as error:
            # Flagged from another tab or by someone else at the same moment: one case per review.
            db.session.rollback()
            if not is_conflict(error):
                raise
            return redirect(url_for("cases.flag_case", review_id=review.id))
        else:
            if (again := first_sending(form, url_for("cases.show_case", case_id=case.id))) is not None:
                return again
            db.session.commit()
            flash(f"{review.reference} is now a multi-agency case. We have emailed the agencies.", "success")
            _warn_if_nobody_to_email(i.organisation for i in case.invitations)
            return redirect(url_for("cases.show_case", case_id=case.id))
    return render_template(
        "cases/flag.html", form=form, review=review, agency_hints=_agency_hints(form.organisation_ids.choices)
    )


# --- a case -----------------------------------------------------------------------------------


@cases_bp.get("/<int:case_id>")
@access.load("case_id", case_for)
def show_case(case: MultiAgencyCase) -> ResponseReturnValue:
    user = access.current_person()
    today = london_today()
    if access.is_inspectorate_staff(user):
        invitations = [(invitation, operations.status_of(invitation, today)) for invitation in case.invitations]
        return render_template(
            "cases/show.html",
            case=case,
            invitations=invitations,
            inspectorate=True,
            erasure_date=operations.erasure_date(case),
            confirm=ConfirmForm(),
        )
    invitation = case.invitation_for(user.organisation_id)
    if invitation is None:  # the finder admits only the invited organisations
        abort(404)
    operations.note_opened(invitation, user)
    return render_template(
        "cases/show.html",
        case=case,
        invitation=invitation,
        status=operations.status_of(invitation, today),
        inspectorate=False,
        lock_reason=return_operations.lock_reason(invitation.agency_return),
    )


@cases_bp.get("/<int:case_id>/identifiers")
@access.load("case_id", case_for, may_view_identifiers)
def show_identifiers(case: MultiAgencyCase) -> ResponseReturnValue:
    # Every look at the identifying details is recorded, whoever looks.
    user = access.current_person()
    operations.record_identifiers_viewed(case, user)
    if (invitation := case.invitation_for(user.organisation_id)) is not None:
        operations.note_opened(invitation, user)
    return render_template("cases/identifiers.html", case=case)


@cases_bp.route("/<int:case_id>/edit", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def edit_case(case: MultiAgencyCase) -> ResponseReturnValue:
    form = EditCaseForm(data=_case_data(case))
    form.offence_category_id.choices = _category_choices(case.offence_category_id)
    if form.validate_on_submit():
        try:
            changed = operations.update_case(case, _details_from(form), form.version.data, access.current_person())
        except StaleEdit:
            db.session.rollback()
            refuse_stale(form, case.version)
        else:
            if commit_unless_stale():
                flash("Case details saved" if changed else "Nothing was changed", "success")
                return redirect(url_for("cases.show_case", case_id=case.id))
            refuse_stale(form, case.version)
    if request.method == "GET":  # the form shows the identifying details: a read, as on /identifiers
        operations.record_identifiers_viewed(case, access.current_person())
    return render_template("cases/edit.html", form=form, case=case)


@cases_bp.route("/<int:case_id>/invite", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def invite_agencies(case: MultiAgencyCase) -> ResponseReturnValue:
    if case.is_closed:
        flash("This case is closed: reopen it before inviting agencies", "info")
        return redirect(url_for("cases.show_case", case_id=case.id))
    already = {i.organisation_id for i in case.active_invitations}
    form = InviteAgenciesForm()
    form.organisation_ids.choices = _agency_choices(already)
    # Sent again (the agencies are now invited, so the form would refuse its own choices).
    if request.method == "POST" and (again := sent_before(form)) is not None:
        return again
    if _ready_to_invite(form, already):
        try:
            invited = operations.invite_organisations(case, _chosen_organisations(form), access.current_person())
        except operations.CaseError as error:
            form.organisation_ids.errors = [str(error)]
        else:
            if (again := first_sending(form, url_for("cases.show_case", case_id=case.id))) is not None:
                return again
            db.session.commit()
            flash(f"We have emailed {', '.join(i.organisation.name for i in invited)}", "success")
            _warn_if_nobody_to_email(i.organisation for i in invited)
            return redirect(url_for("cases.show_case", case_id=case.id))
    return render_template(
        "cases/invite.html", form=form, case=case, agency_hints=_agency_hints(form.organisation_ids.choices)
    )


@cases_bp.route("/<int:case_id>/close", methods=["GET", "POST"])
@access.load("case_id", case_for, manages_cases)
def close_case(case: MultiAgencyCase) -> ResponseReturnValue:
    if case.is_closed:
        flash("This case is already closed", "info")
        return redirect(url_for("cases.show_case", case_id=case.id))
    form = CloseCaseForm(data={"closed_on": london_today()})
    if form.validate_on_submit():
        operations.close_case(case, form.closed_on.entered, access.current_person())
        db.session.commit()
        flash(f"{case.reference} is closed", "success")
        return redirect(url_for("cases.show_case", case_id=case.id))
    months = operations.case_settings().retention_months
    return render_template("cases/close.html", form=form, case=case, retention_months=months)


@cases_bp.post("/<int:case_id>/reopen")
@access.load("case_id", case_for, manages_cases)
def reopen_case(case: MultiAgencyCase) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        try:
            operations.reopen_case(case, access.current_person())
        except operations.CaseError as error:
            flash(str(error), "info")
        else:
            db.session.commit()
            flash(f"{case.reference} is open again", "success")
    return redirect(url_for("cases.show_case", case_id=case.id))


# --- invitations ------------------------------------------------------------------------------


@cases_bp.route("/invitations/<int:invitation_id>/withdraw", methods=["GET", "POST"])
@access.load("invitation_id", invitation_for, manages_cases)
def withdraw_invitation(invitation: CaseInvitation) -> ResponseReturnValue:
    case = invitation.case
    if not invitation.is_active:
        flash(f"The request to {invitation.organisation.name} has already been withdrawn", "info")
        return redirect(url_for("cases.show_case", case_id=case.id))
    form = WithdrawInvitationForm()
    if form.validate_on_submit():
        operations.withdraw_invitation(invitation, form.reason.data, access.current_person())
        db.session.commit()
        flash(f"{invitation.organisation.name} can no longer see this case", "success")
        return redirect(url_for("cases.show_case", case_id=case.id))
    return render_template("cases/withdraw.html", form=form, invitation=invitation, case=case)


@cases_bp.post("/invitations/<int:invitation_id>/remind")
@access.load("invitation_id", invitation_for, manages_cases)
def send_reminder(invitation: CaseInvitation) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        try:
            sent = operations.send_manual_reminder(invitation, access.current_person())
        except operations.CaseError as error:
            flash(str(error), "info")
        else:
            db.session.commit()
            people = "1 person" if sent == 1 else f"{sent} people"
            flash(f"Reminder sent to {people} at {invitation.organisation.name}", "success")
    return redirect(url_for("cases.show_case", case_id=invitation.case_id))


# --- retention (admin) ------------------------------------------------------------------------


@cases_bp.route("/retention", methods=["GET", "POST"])
@access.allow(access.is_admin)
def edit_retention() -> ResponseReturnValue:
    settings = operations.case_settings()
    form = RetentionForm(
        data={"retention_months": settings.retention_months, "erase_documents": settings.erase_documents}
    )
    if form.validate_on_submit():
        operations.update_retention(
            form.retention_months.data, access.current_person(), erase_documents=bool(form.erase_documents.data)
        )
        db.session.commit()
        flash(f"Identifying details will be erased {form.retention_months.data} months after a case closes", "success")
        return redirect(url_for("cases.edit_retention"))
    return render_template("cases/retention.html", form=form, settings=settings)


# --- learning themes (admin) -------------------------------------------------------------


@cases_bp.get("/themes")
@access.allow(access.is_admin)
def list_themes() -> ResponseReturnValue:
    page = paginate(
        select(LearningTheme).order_by(LearningTheme.active.desc(), LearningTheme.position, LearningTheme.name),
        per_page=50,
    )
    return render_template("cases/themes/list.html", page=page)


@cases_bp.route("/themes/new", methods=["GET", "POST"])
@access.allow(access.is_admin)
def create_theme() -> ResponseReturnValue:
    form = ThemeForm()
    if form.validate_on_submit():
        try:
            theme = themes.create_theme(form.name.data, bool(form.active.data))
        except themes.DuplicateThemeError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{theme.name} added", "success")
            return redirect(url_for("cases.list_themes"))
    return render_template("cases/themes/form.html", form=form, theme=None)


@cases_bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
@access.load("theme_id", theme_for_admin)
def edit_theme(theme: LearningTheme) -> ResponseReturnValue:
    form = ThemeForm(data={"name": theme.name, "active": theme.active})
    if form.validate_on_submit():
        try:
            themes.update_theme(theme, name=form.name.data, active=bool(form.active.data))
        except themes.DuplicateThemeError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{theme.name} saved", "success")
            return redirect(url_for("cases.list_themes"))
    return render_template("cases/themes/form.html", form=form, theme=theme)
