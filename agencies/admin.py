"""The admin screens: organisations, people, the audit trail and the email outbox."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager, load_only
from wtforms import SelectChoice

from agencies import access, operations
from agencies.forms import OrganisationForm, PersonForm
from agencies.models import Organisation, PasswordLinkPurpose, Role, User
from core import audit
from core.audit import AuditEvent
from core.db import contains
from core.downloads import send_download
from core.forms import ConfirmForm
from core.ids import id_arg
from core.pagination import paginate
from core.tabular import csv_text
from extensions import db
from notifications import operations as notification_operations
from notifications.health import OutboxBacklog, outbox_backlog
from notifications.models import MessageStatus, OutboxMessage
from notifications.outbox import without_secrets

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


# --- organisations -----------------------------------------------------------------------


@admin_bp.get("/organisations")
@access.allow(access.is_admin)
def list_organisations() -> ResponseReturnValue:
    page = paginate(select(Organisation).order_by(Organisation.name))
    return render_template("admin/organisations.html", page=page)


@admin_bp.route("/organisations/new", methods=["GET", "POST"])
@access.allow(access.is_admin)
def create_organisation() -> ResponseReturnValue:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = operations.create_organisation(form.name.data, form.kind.data, form.contact_email.data)
            operations.set_senior_contact(
                organisation, form.senior_contact_name.data or "", form.senior_contact_email.data or ""
            )
        except operations.DuplicateError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{organisation.name} added", "success")
            return redirect(url_for("admin.list_organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


@admin_bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@access.load("organisation_id", access.organisation_for_admin)
def edit_organisation(organisation: Organisation) -> ResponseReturnValue:
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    if form.fills_from_record():
        form.kind.data = organisation.kind.value
    if form.validate_on_submit():
        try:
            operations.update_organisation(
                organisation, name=form.name.data, kind=form.kind.data, contact_email=form.contact_email.data
            )
            operations.set_senior_contact(
                organisation, form.senior_contact_name.data or "", form.senior_contact_email.data or ""
            )
        except operations.DuplicateError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{organisation.name} saved", "success")
            return redirect(url_for("admin.list_organisations"))
    people = db.session.scalars(
        select(User).where(User.organisation_id == organisation.id).order_by(User.full_name).limit(100)
    ).all()
    return render_template("admin/organisation_form.html", form=form, organisation=organisation, people=people)


# --- people ------------------------------------------------------------------------------


def _organisation_choices() -> list[SelectChoice]:
    rows = db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return [SelectChoice(0, "Choose an organisation")] + [SelectChoice(row.id, row.name) for row in rows]


@admin_bp.get("/people")
@access.allow(access.is_admin)
def list_people() -> ResponseReturnValue:
    query = (
        select(User)
        .join(User.organisation)
        .options(contains_eager(User.organisation))
        .order_by(User.full_name, User.id)
    )
    # One organisation (the "People" link on the organisations list), or any whose name
    # contains the words typed: a text box, because a list of every organisation in the
    # country would be too long to choose from (and to send with every page).
    organisation_id = id_arg("organisation")
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is not None:
        query = query.where(User.organisation_id == organisation.id)
    organisation_name = (request.args.get("organisation_name") or "").strip()[:200]
    if organisation_name:
        query = query.where(contains(Organisation.name, organisation_name))
    search = (request.args.get("q") or "").strip()[:200]
    if search:
        query = query.where(or_(contains(User.full_name, search), contains(User.email, search)))
    return render_template(
        "admin/people.html",
        page=paginate(query),
        organisation=organisation,
        organisation_name=organisation_name,
        search=search,
    )


def _person_from_form(form: PersonForm) -> Organisation | None:
    organisation = db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None
    if organisation is None:
        form.organisation_id.errors.append("Select an organisation")
    return organisation


@admin_bp.route("/people/new", methods=["GET", "POST"])
@access.allow(access.is_admin)
def create_person() -> ResponseReturnValue:
    return _person_form_page(None)


def _person_form_page(person: User | None) -> ResponseReturnValue:
    """Add a person (``person`` None) or change one: the same form, checks and outcomes."""
    form = PersonForm(obj=person if person is not None and request.method == "GET" else None)
    form.organisation_id.choices = _organisation_choices()
    if form.fills_from_record():
        form.role.data = (person.role if person is not None else Role.AGENCY_MEMBER).value
    if form.validate_on_submit() and (organisation := _person_from_form(form)):
        details = {
            "full_name": form.full_name.data,
            "email": form.email.data,
            "organisation": organisation,
            "role": form.role.data,
            "job_title": form.job_title.data,
        }
        try:
            if person is None:
                saved = operations.create_person(**details)
                message = f"{saved.full_name} added. We have emailed them a link to set their password."
            else:
                operations.update_person(person, **details)
                saved, message = person, f"{person.full_name} saved"
        except operations.DuplicateError as error:
            form.email.errors.append(str(error))
        except operations.RoleError as error:
            form.role.errors.append(str(error))
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("admin.show_person", user_id=saved.id))
    return render_template("admin/person_form.html", form=form, person=person)


@admin_bp.get("/people/<int:user_id>")
@access.load("user_id", access.person_for_admin, as_name="person")
def show_person(person: User) -> ResponseReturnValue:
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                and_(AuditEvent.object_type == "User", AuditEvent.object_id == str(person.id)),
                AuditEvent.actor_id == person.id,
            )
        )
        .order_by(AuditEvent.occurred_at_utc.desc())
        .limit(20)
    ).all()
    return render_template("admin/person.html", person=person, events=events, confirm=ConfirmForm())


@admin_bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@access.load("user_id", access.person_for_admin, as_name="person")
def edit_person(person: User) -> ResponseReturnValue:
    return _person_form_page(person)


@admin_bp.post("/people/<int:user_id>/deactivate")
@access.load("user_id", access.person_for_admin, as_name="person")
def deactivate_person(person: User) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        if person.id == access.current_person().id:
            flash("You cannot deactivate your own account", "error")
        else:
            operations.deactivate_person(person)
            db.session.commit()
            flash(f"{person.full_name} can no longer sign in", "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


@admin_bp.post("/people/<int:user_id>/reactivate")
@access.load("user_id", access.person_for_admin, as_name="person")
def reactivate_person(person: User) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        operations.reactivate_person(person)
        db.session.commit()
        flash(f"{person.full_name} can sign in again", "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


@admin_bp.post("/people/<int:user_id>/reset-password")
@access.load("user_id", access.person_for_admin, as_name="person")
def reset_password(person: User) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        purpose = PasswordLinkPurpose.RESET if person.password_hash else PasswordLinkPurpose.FIRST_SIGN_IN
        operations.issue_password_link(person, purpose)
        db.session.commit()
        flash(f"We have emailed {person.full_name} a link to set a new password", "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


@admin_bp.post("/people/<int:user_id>/reset-two-step")
@access.load("user_id", access.person_for_admin, as_name="person")
def reset_two_factor(person: User) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        operations.reset_two_factor(person)
        db.session.commit()
        flash(
            f"{person.full_name} will set up two-step sign-in again when they next sign in. "
            "They have been signed out everywhere.",
            "success",
        )
    return redirect(url_for("admin.show_person", user_id=person.id))


# --- audit trail -------------------------------------------------------------------------


def _audit_query() -> tuple[Select[AuditEvent], list[dict[str, str]]]:
    query = select(AuditEvent).order_by(AuditEvent.occurred_at_utc.desc(), AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()[:80]
    actor = (request.args.get("actor") or "").strip().lower()[:320]
    object_type = (request.args.get("object_type") or "").strip()[:60]
    errors: list[dict[str, str]] = []
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if actor:
        query = query.where(func.lower(AuditEvent.actor_email).like(f"%{actor}%"))
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    for name, bound in (("from", time.min), ("to", time.max)):
        raw = (request.args.get(name) or "").strip()
        if raw:
            try:
                day = datetime.strptime(raw, "%Y-%m-%d").date()
            except ValueError:
                errors.append({"text": f"Enter the '{name}' date in the format 2026-04-01", "href": f"#{name}"})
                continue
            moment = datetime.combine(day, bound, tzinfo=UTC)
            query = query.where(
                AuditEvent.occurred_at_utc >= moment if name == "from" else AuditEvent.occurred_at_utc <= moment
            )
    return query, errors


@admin_bp.get("/audit")
@access.allow(access.is_admin)
def list_audit_events() -> ResponseReturnValue:
    query, errors = _audit_query()
    page = paginate(query, per_page=50)
    return render_template(
        "admin/audit.html", page=page, errors=errors, args=request.args, names=audit.actor_names(page.items)
    )


@admin_bp.get("/audit.csv")
@access.allow(access.is_admin)
def export_audit_events() -> ResponseReturnValue:
    query, _errors = _audit_query()
    header = ["occurred_at_utc", "actor_email", "action", "object_type", "object_id", "summary", "ip_address"]
    # Every text cell is neutralised (core.tabular): an address typed at sign-in can start with "=" too.
    rows = (
        [
            event.occurred_at_utc,
            event.actor_email,
            event.action,
            event.object_type,
            event.object_id,
            event.summary,
            event.ip_address,
        ]
        for event in db.session.scalars(query.limit(100_000))
    )
    text = csv_text(header, rows, byte_order_mark=False)
    audit.record_read(None, "audit_trail", "Exported the audit trail", filters=dict(request.args))
    return send_download(text, "audit-trail.csv", "text/csv")


# --- the email outbox ------------------------------------------------------------------------


def _status_filter() -> MessageStatus | None:
    # An unknown value (a hand-edited URL) shows everything rather than an error page.
    try:
        return MessageStatus(request.args.get("status", ""))
    except ValueError:
        return None


def _status_counts() -> dict[MessageStatus, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    counts = {status: 0 for status in MessageStatus}
    counts.update({status: count for status, count in rows})
    return counts


@admin_bp.get("/messages")
@access.allow(access.is_admin)
def list_messages() -> ResponseReturnValue:
    status = _status_filter()
    search = " ".join((request.args.get("to") or "").split())[:320]
    # The list never needs bodies or attachments: only the columns the table shows.
    query = select(OutboxMessage).order_by(OutboxMessage.created_at_utc.desc(), OutboxMessage.id.desc())
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(OutboxMessage.to_address).like(f"%{escaped}%", escape="\\"))
    page = paginate(
        query.options(
            load_only(
                OutboxMessage.id,
                OutboxMessage.to_address,
                OutboxMessage.subject,
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.created_at_utc,
                OutboxMessage.sent_at_utc,
                OutboxMessage.next_attempt_at_utc,
            )
        )
    )
    counts = _status_counts()
    return render_template(
        "admin/messages.html",
        page=page,
        status=status,
        search=search,
        counts=counts,
        statuses=list(MessageStatus),
        failed_count=counts[MessageStatus.FAILED],
        confirm=ConfirmForm(),
    )


def body_paragraphs(text: str) -> list[list[str]]:
    """Plain text as paragraphs of lines, for showing an email body as the recipient reads it."""
    blocks = text.replace("\r\n", "\n").strip().split("\n\n")
    return [block.strip("\n").split("\n") for block in blocks if block.strip()]


@admin_bp.post("/messages/retry-failed")
@access.allow(access.is_admin)
def retry_all_failed() -> ResponseReturnValue:
    """After an outage longer than the retry schedule, once its cause is fixed: every failed
    message goes again."""
    if ConfirmForm().validate_on_submit():
        count = notification_operations.retry_all_failed(by=access.current_person())
        db.session.commit()
        if count:
            flash(
                f"{count} failed {'message' if count == 1 else 'messages'} will be sent again within a few seconds",
                "success",
            )
        else:
            flash("There are no failed messages to retry", "success")
    return redirect(url_for("admin.list_messages"))


def outbox_alert() -> OutboxBacklog | None:
    """For an admin, the outbox's backlog when email is delayed (the banner on every page)."""
    if not current_user.is_authenticated or not access.is_admin(current_user):
        return None
    backlog = outbox_backlog()
    return backlog if backlog.delayed else None


@admin_bp.get("/messages/<int:message_id>")
@access.load("message_id", access.message_for_admin)
def show_message(message: OutboxMessage) -> ResponseReturnValue:
    return render_template(
        "admin/message.html",
        message=message,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        # An admin must not be able to use someone else's password link.
        paragraphs=body_paragraphs(without_secrets(message.body_text)),
        confirm=ConfirmForm(),
    )


@admin_bp.post("/messages/<int:message_id>/retry")
@access.load("message_id", access.message_for_admin)
def retry_message(message: OutboxMessage) -> ResponseReturnValue:
    if ConfirmForm().validate_on_submit():
        try:
            notification_operations.retry_message(message, by=access.current_person())
        except notification_operations.NotRetryable as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"The message to {message.to_address} will be sent again within a few seconds", "success")
    return redirect(url_for("admin.show_message", message_id=message.id))
