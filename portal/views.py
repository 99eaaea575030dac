"""The home page (each person's to-do list, put together from the domains') and the health check."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from agencies import access
from agencies.models import User
from cases import todo as case_todo
from core.formatting import london_today, utc_now
from core.todo import ToDo
from extensions import db
from learning import todo as learning_todo
from notifications.health import outbox_backlog
from panels import todo as panel_todo
from reviews import permissions as review_permissions
from reviews import todo as review_todo

portal_bp = Blueprint("portal", __name__)


@portal_bp.get("/")
@access.public
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    return render_template("portal/home.html", sections=to_do_sections(access.current_person()))


@dataclass(frozen=True)
class Section:
    """One heading of the home page: what to do, or in plain words that there is nothing."""

    heading: str
    items: list[ToDo]
    nothing: str
    more: tuple[str, str] | None = None  # (link text, href) to the page that lists everything


def to_do_sections(user: User) -> list[Section]:
    """Each person's to-do list, in the order they would do it. Every domain answers with one
    query (``*/todo.py``), so the page costs the same whatever the number of rows."""
    today, now = london_today(), utc_now()
    sections: list[Section] = []
    if access.is_inspector(user):
        sections.append(
            Section(
                "Quality assurance",
                review_todo.inspector_qa_to_do(today, user),
                "No QA work is waiting: nothing is overdue, due this week, awaiting an assessor or ready to issue.",
                more=("Open the QA dashboard", url_for("reviews.dashboard")),
            )
        )
        sections.append(
            Section(
                "Cases waiting on agencies",
                case_todo.cases_waiting_on_agencies(today),
                "Nothing to do: every agency asked about an open case has sent its return.",
                more=("See all multi-agency cases", url_for("cases.list_cases")),
            )
        )
        sections.append(
            Section(
                "Panels to prepare",
                panel_todo.panels_to_prepare(now),
                "Nothing to do: no panel is in draft, coming up or waiting for its outcome.",
                more=("See all panels", url_for("panels.list_panels")),
            )
        )
    if review_permissions.is_probation_member(user):
        sections.append(
            Section(
                "New QA reports",
                review_todo.region_unread_reports(user),
                f"Nothing to do: nobody at {user.organisation.name} has a new QA report to read.",
                more=("See all QA reports", url_for("reviews.list_my_reports")),
            )
        )
    if access.is_agency_member(user):
        sections.append(
            Section(
                "Requests for information",
                case_todo.agency_requests_to_do(user, today),
                f"Nothing to do: {user.organisation.name} has no request awaiting its involvement or return.",
                more=("See all requests", url_for("cases.list_cases")),
            )
        )
    invitations = panel_todo.panels_awaiting_reply(user, now)
    if invitations or access.is_agency_member(user):
        sections.append(
            Section("Panels awaiting your reply", invitations, "Nothing to do: you have answered every invitation.")
        )
    if access.is_inspector(user) or access.is_agency_member(user):
        owner = "" if access.is_inspector(user) else f" owned by {user.organisation.name}"
        sections.append(
            Section(
                "Actions due",
                learning_todo.actions_due(user, today),
                f"Nothing to do: no open action{owner} is overdue or due in the next four weeks.",
                more=("See all actions", url_for("learning.list_actions")),
            )
        )
    return sections


@portal_bp.post("/session/keep-alive")
@access.allow(access.signed_in)
def keep_session_alive() -> ResponseReturnValue:
    """ "Stay signed in" in the timeout warning: the request itself renews the idle limit (the
    session's last-seen time), so there is nothing more to do. CSRF-protected like any POST."""
    session["last_seen"] = utc_now().timestamp()
    return "", 204


@portal_bp.get("/healthz")
@access.public
def health() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
        backlog = outbox_backlog()
    except Exception:  # any failure to answer means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    if backlog.delayed:
        # Still 200: the portal serves pages; a monitor reads the detail and alerts someone.
        minutes = int(backlog.waiting_for.total_seconds() // 60)
        return jsonify(status="warning", database="ok", outbox="delayed", oldest_queued_minutes=minutes)
    return jsonify(status="ok", database="ok", outbox="ok")


@portal_bp.get("/accessibility")
@access.public
def accessibility() -> ResponseReturnValue:
    return render_template("portal/accessibility.html")


@portal_bp.get("/privacy")
@access.public
def privacy() -> ResponseReturnValue:
    return render_template("portal/privacy.html")


# --- addresses that moved -------------------------------------------------------------------
# Cases and returns lived under /panels/ until the cases package got its own home. Emails already
# sent link there, so the old addresses redirect permanently; the new page checks access as usual.


@portal_bp.get("/panels/cases", defaults={"rest": ""})
@portal_bp.get("/panels/cases/<path:rest>")
@access.public
def redirect_old_case_address(rest: str) -> ResponseReturnValue:
    return _moved("/cases/" + rest)


@portal_bp.get("/panels/returns/<path:rest>")
@access.public
def redirect_old_return_address(rest: str) -> ResponseReturnValue:
    return _moved("/cases/returns/" + rest)


def _moved(path: str) -> ResponseReturnValue:
    query = request.query_string.decode("latin-1")
    return redirect(path + (f"?{query}" if query else ""), code=301)
