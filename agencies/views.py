"""Sign-in, two-step verification, passwords and the person's own account."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from agencies import access, operations, throttle, two_factor
from agencies.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    RecoveryCodeForm,
    RequestPasswordResetForm,
    SetPasswordForm,
    SignInForm,
)
from agencies.models import User
from agencies.passwords import password_problems
from core import held_forms
from core.forms import ConfirmForm
from extensions import db, login_manager

auth_bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return db.session.scalar(select(User).where(User.session_token == session_token, User.active.is_(True)))


login_manager.login_view = "auth.sign_in"
login_manager.login_message = "Sign in to continue"
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


def _email_typed() -> str:
    return operations.normalise_email(request.form.get("email", ""))[:320]


def _sign_in_buckets() -> list[tuple[str, str, str]]:
    # The real client address (TRUSTED_PROXIES), and this account from this address.
    address = throttle.client_address()
    return [
        ("address", address, current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"]),
        ("account-address", f"{_email_typed()}\x00{address}", current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]),
    ]


def _second_step_buckets() -> list[tuple[str, str, str]]:
    # The person half-way through signing in (from the signed session cookie, no query): at most
    # 5 wrong codes (authenticator or recovery) per person, whichever address they come from.
    record = session.get(two_factor.PENDING_KEY)
    user_id = record.get("user_id") if isinstance(record, dict) else None
    person = f"user:{user_id}" if isinstance(user_id, int) else f"address:{throttle.client_address()}"
    return [
        ("address", throttle.client_address(), current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"]),
        ("second-step", person, current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]),
    ]


_sign_in_throttle = throttle.throttled(_sign_in_buckets, paced_account=_email_typed)
_second_step_throttle = throttle.throttled(_second_step_buckets)


# --- sign-in -----------------------------------------------------------------------------


@auth_bp.route("/login", methods=["GET", "POST"])
@access.public
@_sign_in_throttle
def sign_in() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    form = SignInForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data, form.password.data)
        if user is not None:
            # Back to the form the person was typing into when they were signed out, if any.
            next_url = _safe_next(request.args.get("next") or held_forms.latest_held_path(user.id))
            if two_factor.is_required():
                needs_set_up = operations.begin_second_step(user, next_url)
                db.session.commit()
                return redirect(url_for("auth.set_up_two_factor" if needs_set_up else "auth.verify_two_factor"))
            operations.start_session(user, method="password")
            db.session.commit()
            return redirect(next_url)
        db.session.commit()  # the failed attempt is recorded
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
    return url_for("portal.home")


def _back_to_sign_in() -> Response:
    flash("Your sign-in timed out. Sign in again to continue.", "info")
    return redirect(url_for("auth.sign_in"))


@auth_bp.route("/login/set-up-two-step", methods=["GET", "POST"])
@access.public
@_second_step_throttle
def set_up_two_factor() -> ResponseReturnValue:
    pending = two_factor.pending()
    secret = pending.user.totp_secret if pending is not None else None
    if pending is None or not secret:
        return _back_to_sign_in()
    if pending.user.has_two_factor:
        return redirect(url_for("auth.verify_two_factor"))
    user = pending.user
    form = CodeForm()
    if form.validate_on_submit():
        codes = operations.confirm_two_factor_set_up(user, form.code.data)
        if codes is not None:
            operations.start_session(user, method="password and new authenticator")
            db.session.commit()
            # Shown once, in this response only: the codes are never stored in plain text.
            return render_template(
                "agencies/recovery_codes.html", codes=codes, next_url=pending.next_url, first_time=True
            )
        db.session.commit()  # the wrong code is recorded
        form.code.errors.append("The code is not right. Enter the code your authenticator app shows now")
    uri = two_factor.provisioning_uri(user, secret)
    return render_template(
        "agencies/two_factor_set_up.html",
        form=form,
        user=user,
        qr_code=two_factor.qr_code_data_uri(uri),
        secret=two_factor.grouped(secret),
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
@_second_step_throttle
def verify_two_factor() -> ResponseReturnValue:
    pending = _pending_with_authenticator()
    if isinstance(pending, Response):
        return pending
    form = CodeForm()
    if form.validate_on_submit():
        if operations.verify_code(pending.user, form.code.data):
            operations.start_session(pending.user, method="password and authenticator code")
            db.session.commit()
            return redirect(pending.next_url)
        db.session.commit()  # the wrong code is recorded
        form.code.errors.append("The code is not right. Enter the code your authenticator app shows now")
    return render_template("agencies/two_factor_verify.html", form=form)


@auth_bp.route("/login/recovery-code", methods=["GET", "POST"])
@access.public
@_second_step_throttle
def use_recovery_code() -> ResponseReturnValue:
    pending = _pending_with_authenticator()
    if isinstance(pending, Response):
        return pending
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        if operations.use_recovery_code(pending.user, form.code.data):
            operations.start_session(pending.user, method="password and recovery code")
            db.session.commit()
            remaining = operations.unused_recovery_codes(pending.user)
            flash(
                f"You signed in with a recovery code. You have {remaining} left: "
                "get new ones from Your account if you are running low.",
                "info",
            )
            return redirect(pending.next_url)
        db.session.commit()  # the wrong code is recorded
        form.code.errors.append("The recovery code is not right or has already been used")
    return render_template("agencies/recovery_code.html", form=form)


@auth_bp.post("/logout")
@access.allow(access.signed_in)
def sign_out() -> ResponseReturnValue:
    operations.sign_out(access.current_person())
    db.session.commit()
    flash("You have signed out", "success")
    return redirect(url_for("auth.sign_in"))


@auth_bp.post("/account/sign-out-everywhere")
@access.allow(access.signed_in)
def sign_out_everywhere() -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    operations.sign_out_everywhere(access.current_person())
    db.session.commit()
    flash("You have signed out everywhere. Your calendar feed address no longer works.", "success")
    return redirect(url_for("auth.sign_in"))


# --- the person's own account ---------------------------------------------------------------


def _own_account_buckets() -> list[tuple[str, str, str]]:
    # The signed-in person by id (never the session token, which is a secret).
    return [("own-account", f"user:{access.current_person().id}", current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"])]


_per_signed_in_user = throttle.throttled(_own_account_buckets)


@auth_bp.get("/account")
@access.allow(access.signed_in)
def account() -> ResponseReturnValue:
    user = access.current_person()
    return render_template(
        "agencies/account.html",
        user=user,
        recovery_codes_left=operations.unused_recovery_codes(user),
        two_factor_required=two_factor.is_required(),
    )


@auth_bp.route("/account/password", methods=["GET", "POST"])
@access.allow(access.signed_in)
@_per_signed_in_user
def change_password() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problems = operations.change_password(access.current_person(), form.current_password.data, form.password.data)
        db.session.commit()  # the new password, or the failed attempt
        if not problems:
            flash(
                "Your password has been changed. You have been signed out everywhere else, "
                "and your calendar feed address no longer works.",
                "success",
            )
            return redirect(url_for("auth.account"))
        for name, messages in problems.items():
            form[name].errors = [*form[name].errors, *messages]
    return render_template("agencies/password_change.html", form=form)


@auth_bp.route("/account/recovery-codes", methods=["GET", "POST"])
@access.allow(access.signed_in)
@_per_signed_in_user
def replace_recovery_codes() -> ResponseReturnValue:
    user = access.current_person()
    if not user.has_two_factor:
        return redirect(url_for("auth.account"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        codes = operations.regenerate_recovery_codes(user, form.current_password.data)
        db.session.commit()  # the new codes, or the refusal
        if codes is not None:
            return render_template(
                "agencies/recovery_codes.html", codes=codes, next_url=url_for("auth.account"), first_time=False
            )
        form.current_password.errors = [*form.current_password.errors, "Your password is not right"]
    return render_template("agencies/recovery_codes_new.html", form=form)


@auth_bp.route("/password/forgot", methods=["GET", "POST"])
@access.public
@throttle.throttled(
    lambda: [("password-reset", throttle.client_address(), current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"])],
    give_back_on_success=False,
)
def request_password_reset() -> ResponseReturnValue:
    form = RequestPasswordResetForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        return render_template("agencies/password_reset_sent.html", email=form.email.data)
    return render_template("agencies/password_forgot.html", form=form)


@auth_bp.route("/password/set/<token>", methods=["GET", "POST"])
@access.public
def set_password(token: str) -> ResponseReturnValue:
    link = operations.find_password_link(token)
    if link is None:
        return render_template("agencies/password_link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        problems = password_problems(form.password.data, email=link.user.email, full_name=link.user.full_name)
        if problems:
            form.password.errors.extend(problems)
        else:
            if operations.set_password(link, form.password.data) is None:
                db.session.rollback()
                return render_template("agencies/password_link_invalid.html"), 404
            db.session.commit()
            flash("Your password has been saved. Sign in with your new password.", "success")
            return redirect(url_for("auth.sign_in"))
    return render_template("agencies/password_set.html", form=form, link=link)
