"""Two-step sign-in: TOTP codes (RFC 6238, pyotp), recovery codes, and the half-signed-in state.

After a correct password, someone who must use a second step is *not* signed in: the session
holds only a short-lived ``pending`` record naming them and the session token they had. It
leads to set-up (first time) or verification, and only then does ``start_session`` sign them
in. Binding the record to the session token means anything that ends the person's sessions
(password reset, deactivation, a second-factor reset) also ends a half-finished sign-in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pyotp
import segno
from flask import current_app, session
from pyotp import utils as otp_utils
from sqlalchemy import CursorResult, or_, update
from sqlalchemy.orm.attributes import set_committed_value

from agencies.models import User
from extensions import db

ISSUER = "Learning panels"
PENDING_KEY = "pending_sign_in"
# Long enough to install an authenticator app and scan the code; short enough that a
# browser left at the code page does not keep a password-proven state for long.
DEFAULT_PENDING_FOR = timedelta(minutes=10)
# One step either side of now: phones' clocks drift, and typing a code takes time.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# 5 groups of 5 base32 characters: 125 bits, enough for a plain hash (ASVS 6.5.2).
_RECOVERY_GROUPS, _RECOVERY_GROUP_LENGTH = 5, 5
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"


def is_required() -> bool:
    """Production always; development and tests only when REQUIRE_TWO_FACTOR is set."""
    return bool(current_app.config.get("REQUIRE_TWO_FACTOR"))


# --- TOTP ---------------------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The otpauth URI as an SVG QR code in a data: URI (the CSP allows img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, dark="#0b0c0c", light="#ffffff")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(code: str | None) -> str:
    return re.sub(r"[\s-]+", "", code or "")


def matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    """The time step whose code equals ``code`` (within the window), or None."""
    code = normalise_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at if at is not None else time.time())
    found = None
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        # Compare every candidate in constant time; do not stop early.
        if otp_utils.strings_equal(code, totp.generate_otp(step)):
            found = step
    return found


def accept_code(user: User, code: str, *, secret: str | None = None) -> bool:
    """True if ``code`` is current for the person's secret and was not used before.

    Records the step so the same code (seen over a shoulder, or replayed) fails next time. The
    step is taken with one conditional UPDATE (it only ever moves forward), so when the same
    code arrives in several requests at once the database lets exactly one of them have it.
    """
    secret = secret or user.totp_secret
    if not secret:
        return False
    step = matching_step(secret, code)
    if step is None:
        return False
    taken = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_used_step.is_(None), User.totp_last_used_step < step))
        .values(totp_last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    if not cast(CursorResult[Any], taken).rowcount:
        return False
    set_committed_value(user, "totp_last_used_step", step)
    return True


# --- recovery codes -----------------------------------------------------------------------


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    return [
        "-".join(
            "".join(secrets.choice(_BASE32) for _ in range(_RECOVERY_GROUP_LENGTH)) for _ in range(_RECOVERY_GROUPS)
        )
        for _ in range(count)
    ]


def normalise_recovery_code(code: str | None) -> str:
    return normalise_code(code).lower()


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def looks_like_recovery_code(code: str | None) -> bool:
    return bool(
        re.fullmatch(f"[{_BASE32}]{{{_RECOVERY_GROUPS * _RECOVERY_GROUP_LENGTH}}}", normalise_recovery_code(code))
    )


# --- the half-signed-in state -------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    user: User
    next_url: str


def begin_pending(user: User, next_url: str) -> None:
    """Replace the session by a half-signed-in record for ``user`` (nothing else kept)."""
    pending_for: timedelta = current_app.config.get("TWO_FACTOR_PENDING_FOR", DEFAULT_PENDING_FOR)
    session.clear()
    session[PENDING_KEY] = {
        "user_id": user.id,
        "token": user.session_token,
        "expires_at": time.time() + pending_for.total_seconds(),
        "next": next_url,
    }


def pending() -> Pending | None:
    """The person half-way through signing in, if the record is fresh and still valid."""
    record = session.get(PENDING_KEY)
    if not isinstance(record, dict):
        return None
    if not isinstance(record.get("expires_at"), (int, float)) or record["expires_at"] < time.time():
        session.pop(PENDING_KEY, None)
        return None
    user = db.session.get(User, record.get("user_id")) if isinstance(record.get("user_id"), int) else None
    if user is None or not user.active or not secrets.compare_digest(str(record.get("token")), user.session_token):
        session.pop(PENDING_KEY, None)
        return None
    return Pending(user=user, next_url=str(record.get("next") or "/"))


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)
