"""The home page (which sends each person to their starting point) and the health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from agencies import access
from extensions import db

core_bp = Blueprint("core", __name__)


@core_bp.get("/")
@access.public
def home():  # type: ignore[no-untyped-def]
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in"))
    if access.is_inspector(current_user) and "reviews.dashboard" in current_app.view_functions:
        return redirect(url_for("reviews.dashboard"))
    return render_template("core/home.html")


@core_bp.get("/healthz")
@access.public
def health():  # type: ignore[no-untyped-def]
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to answer means unhealthy
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")


@core_bp.get("/accessibility")
@access.public
def accessibility():  # type: ignore[no-untyped-def]
    return render_template("core/accessibility.html")


@core_bp.get("/privacy")
@access.public
def privacy():  # type: ignore[no-untyped-def]
    return render_template("core/privacy.html")
