"""Forms that create something are sent once: a double click, a resent request or a second tab
posting the same form does not create it twice.

Each such form carries a one-time token (``SentOnce``, a hidden field filled when the form is
shown). When the view has done the work, ``first_sending`` records the token in
``form_submissions`` with the page of what was made, in the same transaction: the unique token
makes a second sending of the form (even at the same moment, on another server) find the first
one's row, so it rolls back its own work and goes to what the first one made.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import flash, redirect, request
from flask_login import current_user
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.wrappers import Response
from wtforms import Field, HiddenField
from wtforms.validators import StopValidation

from core.db import UTCDateTime, insert_unless_present
from core.formatting import utc_now
from extensions import Base, db

TOKEN_LENGTH = 64


class FormSubmission(Base):
    """A create form that has been sent, by its one-time token, and the page of what it made."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(TOKEN_LENGTH), unique=True, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    result_path: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    sent_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, nullable=False)


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def _token_as_issued(_form: object, field: Field) -> None:
    if len(str(field.data or "")) > TOKEN_LENGTH:
        raise StopValidation("This form has expired. Go back, open it again and send it once more")


class SentOnce:
    """Mixin for a form that creates something: its one-time token, as a hidden field."""

    form_token = HiddenField(default=new_form_token, validators=[_token_as_issued])


def _back_to_what_it_made(token: str, user_id: int | None) -> Response:
    earlier = db.session.scalar(select(FormSubmission).where(FormSubmission.token == token))
    flash("You had already sent this form, so nothing was added a second time. This is what it made.", "info")
    if earlier is not None and earlier.user_id == user_id and earlier.result_path:
        return redirect(earlier.result_path)
    return redirect(request.path)


def _token_and_user(form: SentOnce) -> tuple[str, int | None]:
    raw = form.form_token.raw_data
    token = str(form.form_token.data) if raw and raw[0] else ""
    return token, (current_user.id if current_user and current_user.is_authenticated else None)


def sent_before(form: SentOnce) -> Response | None:
    """Before the work: a form whose sending has already been recorded goes to what it made (for
    work that would otherwise refuse the repeat as stale). ``first_sending`` still decides."""
    token, user_id = _token_and_user(form)
    if token and db.session.scalar(select(FormSubmission.id).where(FormSubmission.token == token)) is not None:
        return _back_to_what_it_made(token, user_id)
    return None


def first_sending(form: SentOnce, result_path: str) -> Response | None:
    """Record that ``form`` has been sent and made ``result_path``; None the first time. A second
    sending of the same form rolls back its own work and is sent to what the first one made."""
    token, user_id = _token_and_user(form)
    if not token:
        # Sent without the form (a script, an old page): like an idempotency key, the token is
        # what a browser sends from the page it shows; CSRF already refuses forged posts.
        return None
    values = {"token": token, "user_id": user_id, "result_path": result_path, "sent_at_utc": utc_now()}
    if insert_unless_present(FormSubmission, values):
        return None
    db.session.rollback()
    return _back_to_what_it_made(token, user_id)
