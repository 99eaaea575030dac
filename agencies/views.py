"""Sign-in and the admin screens for organisations, people and the audit trail."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timezone

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter import RequestLimit
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from agencies import access, operations, two_factor
from agencies.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    OrganisationForm,
    PersonForm,
    RecoveryCodeForm,
    RequestPasswordResetForm,
    SetPasswordForm,
    SignInForm,
)
from agencies.models import Organisation, PasswordLinkPurpose, Role, User
from agencies.passwords import password_problems
from core import audit
from core.audit import AuditEvent
from core.cache import cached_page
from core.db import contains
from core.downloads import send_download
from core.forms import ConfirmForm
from core.pagination import paginate
from extensions import db, limiter, login_manager

auth_bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.session_token == session_token, User.active.is_(True)))


login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to continue"
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def _failed_attempt(response: Response) -> bool:
    # Only failed attempts count towards the throttle: every success answers with a redirect
    # (to the next step or into the portal), every failure re-shows the form.
    return request.method == "POST" and response.status_code != 302


def _account_key() -> str:
    return "account:" + operations.normalise_email(request.form.get("email", ""))[:320]


def _pending_account_key() -> str:
    # The person half-way through signing in (from the signed session cookie, no query).
    record = session.get(two_factor.PENDING_KEY)
    user_id = record.get("user_id") if isinstance(record, dict) else None
    return f"second-step:{user_id}" if isinstance(user_id, int) else f"second-step-address:{request.remote_addr}"


def _throttled(limit: RequestLimit) -> None:
    audit.record("sign_in.throttled", summary=f"Too many attempts at {request.path}", limit=str(limit.limit),
                 key=limit.key[:200])
    db.session.commit()


_per_address = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], scope="sign-in-address", methods=["POST"],
    deduct_when=_failed_attempt, on_breach=_throttled,
)
# The second step: at most 5 wrong codes (authenticator or recovery) per person, then the
# same lock-out as passwords.
_per_pending_account = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], scope="second-step-account", methods=["POST"],
    key_func=_pending_account_key, deduct_when=_failed_attempt, on_breach=_throttled,
)


# --- sign-in -----------------------------------------------------------------------------


@auth_bp.route("/login", methods=["GET", "POST"])
@access.public
@_per_address
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed_attempt,
    on_breach=_throttled,
)
def sign_in():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            next_url = _safe_next(request.args.get("next"))
            if two_factor.is_required():
                needs_set_up = operations.begin_second_step(user, next_url)
                return redirect(url_for("auth.set_up_two_factor" if needs_set_up else "auth.verify_two_factor"))
            operations.start_session(user, method="password")
            return redirect(next_url)
        form.email.errors.append("Enter a correct email address and password")
    return render_template("agencies/sign_in.html", form=form)


def _safe_next(target: str | None) -> str:
    # Only local paths: an open redirect would let a phishing link borrow the portal's name.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 32 for c in target)
    ):
        return target
    return url_for("core.home")


def _back_to_sign_in() -> Response:
    flash("Your sign-in timed out. Sign in again to continue.", "info")
    return redirect(url_for("auth.sign_in"))


@auth_bp.route("/login/set-up-two-step", methods=["GET", "POST"])
@access.public
@_per_address
@_per_pending_account
def set_up_two_factor():  # type: ignore[no-untyped-def]
    pending = two_factor.pending()
    if pending is None or not pending.user.totp_secret:
        return _back_to_sign_in()
    if pending.user.has_two_factor:
        return redirect(url_for("auth.verify_two_factor"))
    user = pending.user
    form = CodeForm()
    if form.validate_on_submit():
        codes = operations.confirm_two_factor_set_up(user, form.code.data)
        if codes is not None:
            operations.start_session(user, method="password and new authenticator")
            # Shown once, in this response only: the codes are never stored in plain text.
            return render_template("agencies/recovery_codes.html", codes=codes, next_url=pending.next_url,
                                   first_time=True)
        form.code.errors.append("The code is not right. Enter the code your authenticator app shows now")
    uri = two_factor.provisioning_uri(user, user.totp_secret)
    return render_template(
        "agencies/two_factor_set_up.html", form=form, user=user, qr_code=two_factor.qr_code_data_uri(uri),
        secret=two_factor.grouped(user.totp_secret),
    )


def _pending_with_authenticator() -> two_factor.Pending | Response:
    """The half-signed-in person who has an authenticator, or where to send the browser."""
    pending = two_factor.pending()
    if pending is None:
        return _back_to_sign_in()
    if not pending.user.has_two_factor:
        return redirect(url_for("auth.set_up_two_factor"))
    return pending


@auth_bp.route("/login/code", methods=["GET", "POST"])
@access.public
@_per_address
@_per_pending_account
def verify_two_factor():  # type: ignore[no-untyped-def]
    pending = _pending_with_authenticator()
    if isinstance(pending, Response):
        return pending
    form = CodeForm()
    if form.validate_on_submit():
        if operations.verify_code(pending.user, form.code.data):
            operations.start_session(pending.user, method="password and authenticator code")
            return redirect(pending.next_url)
        form.code.errors.append("The code is not right. Enter the code your authenticator app shows now")
    return render_template("agencies/two_factor_verify.html", form=form)


@auth_bp.route("/login/recovery-code", methods=["GET", "POST"])
@access.public
@_per_address
@_per_pending_account
def use_recovery_code():  # type: ignore[no-untyped-def]
    pending = _pending_with_authenticator()
    if isinstance(pending, Response):
        return pending
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if operations.use_recovery_code(pending.user, form.code.data):
            operations.start_session(pending.user, method="password and recovery code")
            remaining = operations.unused_recovery_codes(pending.user)
            flash(
                f"You signed in with a recovery code. You have {remaining} left: "
                "get new ones from Your account if you are running low.",
                "info",
            )
            return redirect(pending.next_url)
        form.code.errors.append("The recovery code is not right or has already been used")
    return render_template("agencies/recovery_code.html", form=form)


@auth_bp.post("/logout")
@access.allow(access.signed_in)
def sign_out():  # type: ignore[no-untyped-def]
    operations.sign_out(current_user._get_current_object())
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


# --- the person's own account ---------------------------------------------------------------


def _per_user_key() -> str:
    return f"own-account:{current_user.get_id() if current_user.is_authenticated else request.remote_addr}"


_per_signed_in_user = limiter.shared_limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"], scope="own-account", methods=["POST"],
    key_func=_per_user_key, deduct_when=_failed_attempt, on_breach=_throttled,
)


@auth_bp.get("/account")
@access.allow(access.signed_in)
def account():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    return render_template(
        "agencies/account.html", user=user, recovery_codes_left=operations.unused_recovery_codes(user),
        two_factor_required=two_factor.is_required(),
    )


@auth_bp.route("/account/password", methods=["GET", "POST"])
@access.allow(access.signed_in)
@_per_signed_in_user
def change_password():  # type: ignore[no-untyped-def]
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problems = operations.change_password(
            current_user._get_current_object(), form.current_password.data, form.password.data
        )
        if not problems:
            flash("Your password has been changed. You have been signed out everywhere else.", "success")
            return redirect(url_for("auth.account"))
        for name, messages in problems.items():
            form[name].errors = [*form[name].errors, *messages]
    return render_template("agencies/password_change.html", form=form)


@auth_bp.route("/account/recovery-codes", methods=["GET", "POST"])
@access.allow(access.signed_in)
@_per_signed_in_user
def replace_recovery_codes():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    if not user.has_two_factor:
        return redirect(url_for("auth.account"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        codes = operations.regenerate_recovery_codes(user, form.current_password.data)
        if codes is not None:
            return render_template("agencies/recovery_codes.html", codes=codes, next_url=url_for("auth.account"),
                                   first_time=False)
        form.current_password.errors = [*form.current_password.errors, "Your password is not right"]
    return render_template("agencies/recovery_codes_new.html", form=form)


@auth_bp.route("/password/forgot", methods=["GET", "POST"])
@access.public
@limiter.limit(lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"], methods=["POST"])
def request_password_reset():  # type: ignore[no-untyped-def]
    form = RequestPasswordResetForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        return render_template("agencies/password_reset_sent.html", email=form.email.data)
    return render_template("agencies/password_forgot.html", form=form)


@auth_bp.route("/password/set/<token>", methods=["GET", "POST"])
@access.public
def set_password(token: str):  # type: ignore[no-untyped-def]
    link = operations.find_password_link(token)
    if link is None:
        return render_template("agencies/password_link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        problems = password_problems(form.password.data, email=link.user.email, full_name=link.user.full_name)
        if problems:
            form.password.errors.extend(problems)
        else:
            operations.set_password(link, form.password.data)
            flash("Your password has been saved. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("agencies/password_set.html", form=form, link=link)


# --- organisations -----------------------------------------------------------------------


@admin_bp.get("/organisations")
@access.allow(access.is_admin)
def list_organisations():  # type: ignore[no-untyped-def]
    page = paginate(db.select(Organisation).order_by(Organisation.name))
    return render_template("admin/organisations.html", page=page)


@admin_bp.route("/organisations/new", methods=["GET", "POST"])
@access.allow(access.is_admin)
def create_organisation():  # type: ignore[no-untyped-def]
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = operations.create_organisation(form.name.data, form.kind.data, form.contact_email.data)
        except operations.DuplicateError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{organisation.name} added", "success")
            return redirect(url_for("admin.list_organisations"))
    return render_template("admin/organisation_form.html", form=form, organisation=None)


@admin_bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@access.load("organisation_id", access.organisation_for_admin)
def edit_organisation(organisation: Organisation):  # type: ignore[no-untyped-def]
    form = OrganisationForm(obj=organisation if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = organisation.kind.value
    if form.validate_on_submit():
        try:
            operations.update_organisation(
                organisation, name=form.name.data, kind=form.kind.data, contact_email=form.contact_email.data
            )
        except operations.DuplicateError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{organisation.name} saved", "success")
            return redirect(url_for("admin.list_organisations"))
    people = db.session.scalars(
        db.select(User).where(User.organisation_id == organisation.id).order_by(User.full_name).limit(100)
    ).all()
    return render_template("admin/organisation_form.html", form=form, organisation=organisation, people=people)


# --- people ------------------------------------------------------------------------------


def _organisation_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(db.select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return [(0, "Choose an organisation")] + [(row.id, row.name) for row in rows]


@admin_bp.get("/people")
@access.allow(access.is_admin)
@cached_page
def list_people():  # type: ignore[no-untyped-def]
    query = db.select(User).join(User.organisation).options(contains_eager(User.organisation)).order_by(
        User.full_name, User.id)
    # One organisation (the "People" link on the organisations list), or any whose name
    # contains the words typed: a text box, because a list of every organisation in the
    # country would be too long to choose from (and to send with every page).
    organisation_id = request.args.get("organisation", type=int)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is not None:
        query = query.where(User.organisation_id == organisation.id)
    organisation_name = (request.args.get("organisation_name") or "").strip()[:200]
    if organisation_name:
        query = query.where(contains(Organisation.name, organisation_name))
    search = (request.args.get("q") or "").strip()[:200]
    if search:
        query = query.where(db.or_(contains(User.full_name, search), contains(User.email, search)))
    return render_template(
        "admin/people.html", page=paginate(query), organisation=organisation,
        organisation_name=organisation_name, search=search,
    )


def _person_from_form(form: PersonForm) -> Organisation | None:
    organisation = db.session.get(Organisation, form.organisation_id.data) if form.organisation_id.data else None
    if organisation is None:
        form.organisation_id.errors.append("Select an organisation")
    return organisation


@admin_bp.route("/people/new", methods=["GET", "POST"])
@access.allow(access.is_admin)
def create_person():  # type: ignore[no-untyped-def]
    return _person_form_page(None)


def _person_form_page(person: User | None):  # type: ignore[no-untyped-def]
    """Add a person (``person`` None) or change one: the same form, checks and outcomes."""
    form = PersonForm(obj=person if person is not None and request.method == "GET" else None)
    form.organisation_id.choices = _organisation_choices()
    if request.method == "GET":
        form.role.data = (person.role if person is not None else Role.AGENCY_MEMBER).value
    if form.validate_on_submit() and (organisation := _person_from_form(form)):
        details = {"full_name": form.full_name.data, "email": form.email.data, "organisation": organisation,
                   "role": form.role.data, "job_title": form.job_title.data}
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
def show_person(person: User):  # type: ignore[no-untyped-def]
    events = db.session.scalars(
        db.select(AuditEvent)
        .where(db.or_(db.and_(AuditEvent.object_type == "User", AuditEvent.object_id == str(person.id)),
                      AuditEvent.actor_id == person.id))
        .order_by(AuditEvent.occurred_at_utc.desc())
        .limit(20)
    ).all()
    return render_template("admin/person.html", person=person, events=events, confirm=ConfirmForm())


@admin_bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@access.load("user_id", access.person_for_admin, as_name="person")
def edit_person(person: User):  # type: ignore[no-untyped-def]
    return _person_form_page(person)


@admin_bp.post("/people/<int:user_id>/deactivate")
@access.load("user_id", access.person_for_admin, as_name="person")
def deactivate_person(person: User):  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        if person.id == current_user.id:
            flash("You cannot deactivate your own account", "error")
        else:
            operations.deactivate_person(person)
            db.session.commit()
            flash(f"{person.full_name} can no longer sign in", "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


@admin_bp.post("/people/<int:user_id>/reactivate")
@access.load("user_id", access.person_for_admin, as_name="person")
def reactivate_person(person: User):  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        operations.reactivate_person(person)
        db.session.commit()
        flash(f"{person.full_name} can sign in again", "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


@admin_bp.post("/people/<int:user_id>/reset-password")
@access.load("user_id", access.person_for_admin, as_name="person")
def reset_password(person: User):  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        purpose = PasswordLinkPurpose.RESET if person.password_hash else PasswordLinkPurpose.FIRST_SIGN_IN
        operations.issue_password_link(person, purpose)
        db.session.commit()
        flash(f"We have emailed {person.email} a link to set a new password", "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


@admin_bp.post("/people/<int:user_id>/reset-two-step")
@access.load("user_id", access.person_for_admin, as_name="person")
def reset_two_factor(person: User):  # type: ignore[no-untyped-def]
    if ConfirmForm().validate_on_submit():
        operations.reset_two_factor(person)
        db.session.commit()
        flash(f"{person.full_name} will set up two-step sign-in again when they next sign in. "
              "They have been signed out everywhere.", "success")
    return redirect(url_for("admin.show_person", user_id=person.id))


# --- audit trail -------------------------------------------------------------------------


def _audit_query():  # type: ignore[no-untyped-def]
    query = db.select(AuditEvent).order_by(AuditEvent.occurred_at_utc.desc(), AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()[:80]
    actor = (request.args.get("actor") or "").strip().lower()[:320]
    object_type = (request.args.get("object_type") or "").strip()[:60]
    errors: list[dict[str, str]] = []
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if actor:
        query = query.where(db.func.lower(AuditEvent.actor_email).like(f"%{actor}%"))
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
            moment = datetime.combine(day, bound, tzinfo=timezone.utc)
            query = query.where(AuditEvent.occurred_at_utc >= moment if name == "from" else AuditEvent.occurred_at_utc <= moment)
    return query, errors


def _newest_audit_event() -> int | None:
    # Reads are audited without counting as changes to the data; the trail shows them, so the
    # newest event is part of its cache key.
    return db.session.scalar(db.select(db.func.max(AuditEvent.id)))


@admin_bp.get("/audit")
@access.allow(access.is_admin)
@cached_page(vary=_newest_audit_event)
def list_audit_events():  # type: ignore[no-untyped-def]
    query, errors = _audit_query()
    page = paginate(query, per_page=50)
    return render_template("admin/audit.html", page=page, errors=errors, args=request.args)


@admin_bp.get("/audit.csv")
@access.allow(access.is_admin)
def export_audit_events():  # type: ignore[no-untyped-def]
    query, _errors = _audit_query()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["occurred_at_utc", "actor_email", "action", "object_type", "object_id", "summary", "ip_address"])
    for event in db.session.scalars(query.limit(100_000)):
        # Every text cell is neutralised: an address typed at sign-in can start with "=" too.
        writer.writerow([event.occurred_at_utc.isoformat()] + [_csv_safe(value or "") for value in (
            event.actor_email, event.action, event.object_type, event.object_id, event.summary, event.ip_address,
        )])
    audit.record_read(None, "audit_trail", "Exported the audit trail", filters=dict(request.args))
    return send_download(buffer.getvalue(), "audit-trail.csv", "text/csv")


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ (or a tab or carriage return before one) would run as a
    # formula in a spreadsheet (OWASP CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
