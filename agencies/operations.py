"""State-changing operations on organisations and people; views call these, tests too.

Like every operation they flush at most and never commit: the view commits once, whatever
the outcome (a failed sign-in is recorded as surely as a successful one).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from flask import current_app, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import CursorResult, delete, func, select, update

from agencies import two_factor
from agencies.models import (
    Organisation,
    OrganisationKind,
    PasswordLink,
    PasswordLinkPurpose,
    RecoveryCode,
    Role,
    User,
)
from agencies.passwords import hash_password, needs_rehash, password_problems, verify_password
from core import audit
from core.formatting import utc_now
from extensions import db
from notifications.outbox import portal_url, queue_email


class DuplicateError(ValueError):
    """A unique value (name or email address) is already taken."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


# --- signing in and out ------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The person if the password is right and the account active; None otherwise.

    Unknown addresses cost the same hashing time as known ones, and every failure is
    recorded the same way, so the answer says nothing about which addresses exist.
    """
    user = find_user_by_email(email)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        if user is None:
            verify_password(None, password)
        audit.record(
            "sign_in.failed",
            user if user is not None else None,
            "Failed sign-in",
            actor=user if user is not None else None,
            actor_email=normalise_email(email)[:320],
            reason="deactivated" if user is not None and not user.active else "bad credentials",
        )
        return None
    if needs_rehash(user.password_hash or ""):
        # Upgrade to the current argon2id parameters while the plain password is at hand.
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, *, method: str = "password") -> None:
    """Sign the person in: a fresh session, nothing carried over from before (fixation)."""
    session.clear()
    login_user(user)
    session.permanent = True
    now = utc_now().timestamp()
    session["signed_in_at"] = now
    session["last_seen"] = now
    user.last_signed_in_at_utc = utc_now()
    audit.record("sign_in", user, "Signed in", actor=user, method=method)


def _renew_session(user: User) -> None:
    """After the person's token changed (password change), keep this one session alive.

    The session is rebuilt from scratch under the new token; the 12-hour cap still counts
    from the original sign-in.
    """
    signed_in_at = session.get("signed_in_at", utc_now().timestamp())
    session.clear()
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = signed_in_at
    session["last_seen"] = utc_now().timestamp()


SESSIONS_REVOKED = "agencies.sessions_revoked"


def when_sessions_revoked(app: Any, hook: Callable[[User], object]) -> None:
    """Called by the app factory: ``hook(user)`` runs whenever a person's sessions are revoked
    for their security (signing out everywhere, a password changed or reset, a second factor
    reset, deactivation), to end what higher layers keep for them (the calendar feed address)."""
    app.extensions.setdefault(SESSIONS_REVOKED, []).append(hook)


def revoke_sessions(user: User) -> None:
    """End every session of the person and everything that stands in for one."""
    user.end_all_sessions()
    for hook in current_app.extensions.get(SESSIONS_REVOKED, []):
        hook(user)


def sign_out_everywhere(user: User) -> None:
    """The person's own "sign out everywhere": every session, and the calendar feed address."""
    revoke_sessions(user)
    audit.record("sign_out.everywhere", user, "Signed out everywhere", actor=user)
    logout_user()
    session.clear()


def sign_out(user: User) -> None:
    """End this and every other session of the person (server-side: the token changes)."""
    user.end_all_sessions()
    audit.record("sign_out", user, "Signed out", actor=user)
    logout_user()
    session.clear()


# --- the second step -----------------------------------------------------------------------


def begin_second_step(user: User, next_url: str) -> bool:
    """The password was right and a second step is required: start the half-signed-in state.

    Returns True when the person has no confirmed authenticator yet and must set one up.
    An unconfirmed secret is kept across attempts, so an app scanned last time still works.
    """
    needs_set_up = not user.has_two_factor
    if needs_set_up and not user.totp_secret:
        user.totp_secret = two_factor.new_secret()
        user.totp_last_used_step = None
    audit.record(
        "sign_in.password_accepted",
        user,
        "Password accepted; second step pending",
        actor=user,
        second_step="set_up" if needs_set_up else "code",
    )
    two_factor.begin_pending(user, next_url)
    return needs_set_up


def _second_step_failed(user: User, reason: str) -> None:
    audit.record("sign_in.second_step_failed", user, "Wrong second-step code", actor=user, reason=reason)


def confirm_two_factor_set_up(user: User, code: str) -> list[str] | None:
    """Confirm the new authenticator with a code from it; then issue recovery codes.

    Returns the recovery codes in plain text (to show once) or None if the code is wrong.
    """
    if user.has_two_factor or not two_factor.accept_code(user, code):
        _second_step_failed(user, "set-up code")
        return None
    user.totp_confirmed_at_utc = utc_now()
    codes = _replace_recovery_codes(user)
    audit.record("two_factor.set_up", user, "Set up two-step sign-in", actor=user)
    return codes


def verify_code(user: User, code: str) -> bool:
    if user.has_two_factor and two_factor.accept_code(user, code):
        return True
    _second_step_failed(user, "authenticator code")
    return False


def use_recovery_code(user: User, code: str) -> bool:
    """Accept an unused recovery code of this person, once.

    One conditional UPDATE marks it used only if it was not already: of several requests
    carrying the same code at once, exactly one wins.
    """
    used = 0
    if user.has_two_factor and two_factor.looks_like_recovery_code(code):
        result = db.session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == two_factor.hash_recovery_code(code),
                RecoveryCode.used_at_utc.is_(None),
            )
            .values(used_at_utc=utc_now())
            .execution_options(synchronize_session=False)
        )
        used = cast(CursorResult[Any], result).rowcount
    if not used:
        _second_step_failed(user, "recovery code")
        return False
    audit.record(
        "two_factor.recovery_code_used",
        user,
        "Signed in with a recovery code",
        actor=user,
        remaining=unused_recovery_codes(user),
    )
    return True


def unused_recovery_codes(user: User) -> int:
    return (
        db.session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at_utc.is_(None)
            )
        )
        or 0
    )


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = two_factor.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.hash_recovery_code(c)) for c in codes)
    return codes


def regenerate_recovery_codes(user: User, password: str) -> list[str] | None:
    """New recovery codes (the old ones stop working) after the person proves their password."""
    if not user.has_two_factor or not verify_password(user.password_hash, password):
        audit.record("two_factor.recovery_codes_refused", user, "Wrong password for new recovery codes", actor=user)
        return None
    codes = _replace_recovery_codes(user)
    audit.record("two_factor.recovery_codes_replaced", user, "Replaced recovery codes", actor=user)
    return codes


def reset_two_factor(person: User) -> None:
    """An admin clears the person's authenticator: they set one up again at next sign-in.

    Their sessions end too, since whoever holds them may be the reason for the reset.
    """
    person.totp_secret = None
    person.totp_confirmed_at_utc = None
    person.totp_last_used_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == person.id))
    revoke_sessions(person)
    audit.record("two_factor.reset", person, f"Reset two-step sign-in for {person.full_name}", email=person.email)


# --- the person's own password --------------------------------------------------------------


def change_password(user: User, current: str, new: str) -> dict[str, list[str]]:
    """Change the signed-in person's password; problems by field name, empty when done.

    Every other session of the person ends; this one carries on under the new token.
    """
    if not verify_password(user.password_hash, current):
        audit.record("password.change_failed", user, "Wrong current password", actor=user)
        return {"current_password": ["Your current password is not right"]}
    problems = password_problems(new, email=user.email, full_name=user.full_name)
    if not problems and verify_password(user.password_hash, new):
        problems = ["Your new password must be different from your current one"]
    if problems:
        return {"password": problems}
    user.password_hash = hash_password(new)
    user.password_changed_at_utc = utc_now()
    revoke_sessions(user)
    audit.record("password.changed", user, "Changed their password", actor=user)
    _renew_session(user)
    return {}


# --- password links ----------------------------------------------------------------------


def issue_password_link(user: User, purpose: PasswordLinkPurpose) -> str:
    """Create a single-use link, email it through the outbox, and return its URL."""
    token = secrets.token_urlsafe(32)
    valid_for: timedelta = current_app.config[
        "FIRST_SIGN_IN_VALID_FOR" if purpose == PasswordLinkPurpose.FIRST_SIGN_IN else "PASSWORD_RESET_VALID_FOR"
    ]
    # Any older unused link stops working: only the newest one is valid.
    for old in db.session.scalars(
        select(PasswordLink).where(PasswordLink.user_id == user.id, PasswordLink.used_at_utc.is_(None))
    ):
        old.used_at_utc = utc_now()
    link = PasswordLink(
        user_id=user.id,
        purpose=purpose,
        token_hash=PasswordLink.hash_token(token),
        expires_at_utc=utc_now() + valid_for,
    )
    db.session.add(link)
    url = portal_url(url_for("auth.set_password", token=token))
    subject = (
        "Set your password for Learning panels"
        if purpose == PasswordLinkPurpose.FIRST_SIGN_IN
        else "Reset your Learning panels password"
    )
    queue_email(
        to=user.email,
        recipient=user,
        subject=subject,
        template="password_link",
        context={"link": url, "purpose": purpose.value, "expires_at": link.expires_at_utc},
        concerning=user,
    )
    audit.record(f"password_link.{purpose.value}", user, f"Password link sent to {user.full_name}", email=user.email)
    return url


def find_password_link(token: str) -> PasswordLink | None:
    link = db.session.scalar(select(PasswordLink).where(PasswordLink.token_hash == PasswordLink.hash_token(token)))
    if link is None or not link.usable or not link.user.active:
        return None
    return link


def set_password(link: PasswordLink, password: str) -> User | None:
    """Set the password through a one-off link; None if the link was used meanwhile.

    The link is spent by one conditional UPDATE, so of two requests with the same link at once
    exactly one sets a password.
    """
    spent = db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at_utc.is_(None))
        .values(used_at_utc=utc_now())
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], spent).rowcount:
        return None
    user = link.user
    user.password_hash = hash_password(password)
    user.password_changed_at_utc = utc_now()
    revoke_sessions(user)
    audit.record("password.set", user, "Password set through a one-off link", actor=user)
    return user


def request_password_reset(email: str) -> None:
    """Send a reset link if the address belongs to an active person. Says nothing either way."""
    user = find_user_by_email(email)
    if user is not None and user.active:
        issue_password_link(user, PasswordLinkPurpose.RESET)
    else:
        audit.record(
            "password_reset.unknown",
            summary="Reset asked for an unknown or inactive address",
            actor_email=normalise_email(email)[:320],
        )


# --- organisations -----------------------------------------------------------------------


def _name_taken(name: str, exclude_id: int | None = None) -> bool:
    query = select(Organisation.id).where(func.lower(Organisation.name) == func.lower(name))
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    return db.session.scalar(query) is not None


def create_organisation(name: str, kind: OrganisationKind | str, contact_email: str | None = None) -> Organisation:
    if _name_taken(name):
        raise DuplicateError("An organisation with this name already exists")
    organisation = Organisation(name=name, kind=OrganisationKind(kind), contact_email=contact_email or None)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", organisation, f"Added organisation {name}", kind=str(kind))
    return organisation


def update_organisation(organisation: Organisation, *, name: str, kind: str, contact_email: str | None) -> None:
    if _name_taken(name, exclude_id=organisation.id):
        raise DuplicateError("An organisation with this name already exists")
    before = {"name": organisation.name, "kind": organisation.kind.value, "contact_email": organisation.contact_email}
    organisation.name = name
    organisation.kind = OrganisationKind(kind)
    organisation.contact_email = contact_email or None
    after = {"name": name, "kind": kind, "contact_email": contact_email or None}
    audit.record("organisation.updated", organisation, f"Changed organisation {name}", before=before, after=after)


def set_senior_contact(organisation: Organisation, name: str, email: str) -> None:
    """The senior contact overdue actions are escalated to (both empty: none)."""
    before = (organisation.senior_contact_name, organisation.senior_contact_email)
    organisation.senior_contact_name = name.strip() or None
    organisation.senior_contact_email = normalise_email(email) if email.strip() else None
    after = (organisation.senior_contact_name, organisation.senior_contact_email)
    if before != after:
        audit.record(
            "organisation.senior_contact",
            organisation,
            f"Senior contact of {organisation.name} changed",
            before={"name": before[0], "email": before[1]},
            after={"name": after[0], "email": after[1]},
        )


# --- people ------------------------------------------------------------------------------


def _email_taken(email: str, exclude_id: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.email) == normalise_email(email))
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query) is not None


def create_person(
    *,
    full_name: str,
    email: str,
    organisation: Organisation,
    role: Role | str,
    job_title: str | None = None,
    send_invitation: bool = True,
) -> User:
    if _email_taken(email):
        raise DuplicateError("Someone with this email address already has an account")
    role = Role(role)
    _check_role_fits(role, organisation)
    person = User(
        full_name=full_name,
        email=normalise_email(email),
        organisation=organisation,
        role=role,
        job_title=job_title or None,
    )
    db.session.add(person)
    db.session.flush()
    audit.record(
        "person.created",
        person,
        f"Added {person.full_name}",
        email=person.email,
        role=role.value,
        organisation=organisation.name,
    )
    if send_invitation:
        issue_password_link(person, PasswordLinkPurpose.FIRST_SIGN_IN)
    return person


class RoleError(ValueError):
    """The role does not fit the organisation."""


def _check_role_fits(role: Role, organisation: Organisation) -> None:
    if role in (Role.ADMIN, Role.INSPECTOR) and not organisation.is_inspectorate:
        raise RoleError("Only people in the Inspectorate can be admins or inspectors")
    if role == Role.AGENCY_MEMBER and organisation.is_inspectorate:
        raise RoleError("People in the Inspectorate must be inspectors or admins")


def update_person(
    person: User, *, full_name: str, email: str, organisation: Organisation, role: Role | str, job_title: str | None
) -> None:
    if _email_taken(email, exclude_id=person.id):
        raise DuplicateError("Someone with this email address already has an account")
    role = Role(role)
    _check_role_fits(role, organisation)
    before = {"email": person.email, "role": person.role.value, "organisation": person.organisation.name}
    moved = person.organisation_id != organisation.id or person.role != role
    person.full_name = full_name
    person.email = normalise_email(email)
    person.organisation = organisation
    person.role = role
    person.job_title = job_title or None
    if moved:
        # What the person may see changed: their open sessions must not keep the old view.
        person.end_all_sessions()
    after = {"email": person.email, "role": role.value, "organisation": organisation.name}
    audit.record(
        "person.updated", person, f"Changed {person.full_name}", email=person.email, before=before, after=after
    )


def deactivate_person(person: User) -> None:
    person.active = False
    revoke_sessions(person)
    audit.record("person.deactivated", person, f"Deactivated {person.full_name}", email=person.email)


def reactivate_person(person: User) -> None:
    person.active = True
    audit.record("person.reactivated", person, f"Reactivated {person.full_name}", email=person.email)


def agency_recipients(organisation: Organisation) -> list[tuple[str, User | None]]:
    """Each active member of the organisation, then its shared mailbox if set: one email each."""
    people = db.session.scalars(
        select(User)
        .where(User.organisation_id == organisation.id, User.active.is_(True), User.role == Role.AGENCY_MEMBER)
        .order_by(User.id)
    ).all()
    recipients: list[tuple[str, User | None]] = [(person.email, person) for person in people]
    addresses = {person.email.lower() for person in people}
    if organisation.contact_email and organisation.contact_email.lower() not in addresses:
        recipients.append((organisation.contact_email, None))
    return recipients
