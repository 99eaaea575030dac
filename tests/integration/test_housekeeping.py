"""Rows that only matter for a while are deleted by the worker's sweep once their time is past."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from agencies.models import OrganisationKind, Role
from core.formatting import utc_now
from core.held_forms import HeldForm
from core.housekeeping import prune_expired
from core.submissions import FormSubmission
from extensions import db
from notifications.reminder_jobs import run_reminder_jobs
from tests.conftest import make_organisation, make_user


def _held(user_id: int, path: str, minutes_left: int) -> None:
    now = utc_now()
    db.session.add(
        HeldForm(
            user_id=user_id,
            path=path,
            fields=[["title", "typed"]],
            held_at_utc=now - timedelta(minutes=30 - minutes_left),
            expires_at_utc=now + timedelta(minutes=minutes_left),
        )
    )


def test_expired_held_text_and_old_form_tokens_go_and_the_rest_stays(app: Flask) -> None:
    person = make_user(Role.AGENCY_MEMBER, make_organisation(OrganisationKind.POLICE, "Northshire Police"))
    _held(person.id, "/panels/1/edit", minutes_left=-1)
    _held(person.id, "/panels/2/edit", minutes_left=10)
    now = utc_now()
    db.session.add_all(
        [
            FormSubmission(token="old", user_id=person.id, sent_at_utc=now - timedelta(days=31)),
            FormSubmission(token="recent", user_id=person.id, sent_at_utc=now - timedelta(days=29)),
        ]
    )
    db.session.commit()

    assert "core.housekeeping:prune_expired" in app.config["REMINDER_JOBS"]
    assert run_reminder_jobs(now)["core.housekeeping:prune_expired"] == 2

    assert db.session.scalars(db.select(HeldForm.path)).all() == ["/panels/2/edit"]
    assert db.session.scalars(db.select(FormSubmission.token)).all() == ["recent"]
    assert prune_expired(now) == 0  # nothing twice


def test_the_token_lifetime_is_a_setting(app: Flask) -> None:
    person = make_user(Role.AGENCY_MEMBER, make_organisation(OrganisationKind.POLICE, "Northshire Police"))
    db.session.add(FormSubmission(token="week-old", user_id=person.id, sent_at_utc=utc_now() - timedelta(days=7)))
    db.session.commit()
    saved = app.config["FORM_TOKENS_KEEP_DAYS"]
    app.config["FORM_TOKENS_KEEP_DAYS"] = 5
    try:
        assert prune_expired(utc_now()) == 1
    finally:
        app.config["FORM_TOKENS_KEEP_DAYS"] = saved
