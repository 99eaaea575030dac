"""The home page (which sends each person to their starting point) and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from agencies import access
from extensions import db
from notifications.health import outbox_backlog

portal_bp = Blueprint("portal", __name__)


@portal_bp.get("/")
@access.public
def home() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    if access.is_inspector(current_user) and "reviews.dashboard" in current_app.view_functions:
        return redirect(url_for("reviews.dashboard"))
    return render_template("portal/home.html")


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
