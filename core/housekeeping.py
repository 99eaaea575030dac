"""Rows that only matter for a while, deleted once their time is past (a worker sweep,
``REMINDER_JOBS``): held form text (``HELD_FORM_MINUTES``) and the one-time tokens of create
forms (``FORM_TOKENS_KEEP_DAYS``: long enough for any tab left open to be sent again and
recognised; after that a resend is a new form)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.engine import CursorResult

from core.held_forms import HeldForm
from core.submissions import FormSubmission
from extensions import db

DEFAULT_FORM_TOKENS_KEEP_DAYS = 30


def prune_expired(now: datetime) -> int:
    """Delete held forms past their time and form tokens older than the setting; the count."""
    keep_days = int(current_app.config.get("FORM_TOKENS_KEEP_DAYS", DEFAULT_FORM_TOKENS_KEEP_DAYS))
    held = db.session.execute(delete(HeldForm).where(HeldForm.expires_at_utc <= now))
    tokens = db.session.execute(
        delete(FormSubmission).where(FormSubmission.sent_at_utc < now - timedelta(days=keep_days))
    )
    return int(cast(CursorResult[Any], held).rowcount) + int(cast(CursorResult[Any], tokens).rowcount)
