"""What someone typed into a form they sent after their session had ended, held for a short
time so that, once they sign in again, the form opens with their text in it.

- Held server-side (table ``held_forms``), never in the URL, for that same person only: the
  person is known from their session (signed out for idleness on this very request) or, if
  the browser has already dropped the session cookie, from a signed "last person" cookie set
  while they were signed in. Held for ``HELD_FORM_MINUTES`` (30), then ignored and purged.
- Nothing else happens to what was sent: it is not saved, so a form that was never going to
  be accepted (a stale edit, a locked return) is refused as usual when sent again.
- On the form's page (a GET of the same address by the same person), ``PortalForm`` reads the
  held text in place of the record's own values, once per sign-in; the page says so.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask, Request, Response, current_app, g, request, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import JSON, ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import MultiDict

from core.db import UTCDateTime
from core.formatting import utc_now
from extensions import Base, db

HELD_FORM_MINUTES = 30
PERSON_COOKIE = "portal-last-person"
PERSON_COOKIE_DAYS = 1
# Never held: the sign-in and password forms (their fields are secrets) and files.
NOT_HELD_PREFIXES = ("/login", "/logout", "/password", "/account", "/two-step", "/session")
SECRET_FIELDS = {"csrf_token", "password", "new_password", "current_password", "code"}
RESTORED = "held_forms_restored"


class HeldForm(Base):
    __tablename__ = "held_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    fields: Mapped[list[list[str]]] = mapped_column(JSON, nullable=False)
    held_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utc_now)
    expires_at_utc: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="held-form-person")


def _cookie_name() -> str:
    # Production's cookies are __Host- prefixed (Secure, whole site, this host only).
    secure = str(current_app.config.get("SESSION_COOKIE_NAME", "")).startswith("__Host-")
    return f"__Host-{PERSON_COOKIE}" if secure else PERSON_COOKIE


def person_from_cookie(req: Request) -> int | None:
    """The person last signed in on this browser, from the signed cookie, or None."""
    value = req.cookies.get(_cookie_name())
    if not value:
        return None
    try:
        user_id = _serializer().loads(value, max_age=PERSON_COOKIE_DAYS * 86400)
    except BadSignature:
        return None
    return user_id if isinstance(user_id, int) else None


def hold_posted_form(user_id: int | None) -> HeldForm | None:
    """Hold what this POST carried for ``user_id``, if it is a form worth holding. The row is
    committed with the response (like a read audit), whatever the response is."""
    if user_id is None or request.method != "POST" or request.path.startswith(NOT_HELD_PREFIXES):
        return None
    fields = [[key, value] for key, value in request.form.items(multi=True) if key not in SECRET_FIELDS]
    if not any(value.strip() for _key, value in fields):
        return None
    now = utc_now()
    # One held form per person and address; anything of theirs past its time goes too.
    db.session.execute(
        delete(HeldForm).where(
            HeldForm.user_id == user_id, (HeldForm.path == request.path) | (HeldForm.expires_at_utc <= now)
        )
    )
    held = HeldForm(
        user_id=user_id,
        path=request.path,
        fields=fields,
        held_at_utc=now,
        expires_at_utc=now + timedelta(minutes=HELD_FORM_MINUTES),
    )
    db.session.add(held)
    g.audit_rows_to_keep = True  # committed with the response (core.audit.commit_kept_records)
    return held


def latest_held_path(user_id: int) -> str | None:
    """Where the person's most recent held form was typed, if it is still held."""
    return db.session.scalar(
        select(HeldForm.path)
        .where(HeldForm.user_id == user_id, HeldForm.expires_at_utc > utc_now())
        .order_by(HeldForm.id.desc())
        .limit(1)
    )


def held_formdata() -> MultiDict[str, str] | None:
    """For a form's page: the text the signed-in person typed here before being signed out,
    once per sign-in (a GET never changes the table; the session remembers it was shown)."""
    if request.method != "GET" or not current_user.is_authenticated:
        return None
    if "held_form" in g:
        return g.held_form  # type: ignore[no-any-return]
    held = db.session.scalar(
        select(HeldForm)
        .where(
            HeldForm.user_id == current_user.id,
            HeldForm.path == request.path,
            HeldForm.expires_at_utc > utc_now(),
        )
        .order_by(HeldForm.id.desc())
        .limit(1)
    )
    restored: list[int] = list(session.get(RESTORED) or [])
    if held is None or held.id in restored:
        g.held_form = None
        return None
    session[RESTORED] = [*restored, held.id][-20:]
    g.held_form = MultiDict([(key, value) for key, value in held.fields])
    return g.held_form  # type: ignore[no-any-return]


def _remember_person(response: Response) -> Response:
    """While someone is signed in, the browser keeps a signed note of who (no other data)."""
    if current_user.is_authenticated and person_from_cookie(request) != current_user.id:
        response.set_cookie(
            _cookie_name(),
            _serializer().dumps(current_user.id),
            max_age=PERSON_COOKIE_DAYS * 86400,
            httponly=True,
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            samesite="Lax",
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_remember_person)
