"""The app factory: settings, extensions, templates, every package's blueprints and commands.

The one module that may import every package (see the layers in pyproject.toml)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, send_from_directory
from flask.typing import ResponseReturnValue
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from agencies import access, throttle
from agencies.admin import admin_bp, outbox_alert
from agencies.operations import when_sessions_revoked
from agencies.views import auth_bp
from cases.chronology.views import chronology_bp
from cases.commands import cases_cli
from cases.documents.views import documents_bp
from cases.permissions import use_panel_sharing
from cases.returns.views import returns_bp
from cases.views import cases_bp
from config import BASE_DIR, INSTANCE_DIR, ConfigurationError, config_for
from core import components, errors, files, formatting, held_forms, ids, renders, security
from core.pagination import govuk_pagination
from extensions import csrf, db, login_manager, mail, migrate
from learning.reminders import learning_cli
from learning.summary.views import summary_bp
from learning.views import learning_bp
from notifications.cli import notifications_cli
from panels.minutes import PANEL_MINUTES_DOCUMENT
from panels.operations import revoke_feed_with_sessions
from panels.pack_document import PANEL_PACK_DOCUMENT
from panels.permissions import attends_panel_with_case
from panels.reminders import panels_cli
from panels.views import panels_bp
from portal import commands
from portal.navigation import feedback_url, navigation_items
from portal.views import portal_bp
from reviews.report_document import QA_REPORT_DOCUMENT
from reviews.views import reviews_bp

BLUEPRINTS = (
    portal_bp,
    auth_bp,
    admin_bp,
    reviews_bp,
    cases_bp,
    returns_bp,
    chronology_bp,
    documents_bp,
    panels_bp,
    learning_bp,
    summary_bp,
)
COMMANDS = (notifications_cli, cases_cli, panels_cli, learning_cli)
# PDFs the background renderer writes (core/renders.py); downloads read the stored files.
DOCUMENT_KINDS = (PANEL_PACK_DOCUMENT, PANEL_MINUTES_DOCUMENT, QA_REPORT_DOCUMENT)

ASSET_DIRS = {
    # URL prefix -> folder; GOV.UK Frontend's compiled CSS expects /assets/images etc.
    "govuk": BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk",
    "moj": BASE_DIR / "node_modules" / "@ministryofjustice" / "frontend" / "moj",
}


def create_app(config_name: str | None = None, **overrides: object) -> Flask:
    config = config_for(config_name)
    config.validate()
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(config)
    if config.ENV_NAME != "test":
        # Read at start-up, not import, so a process sees the environment it was given.
        for key, env in (("SECRET_KEY", "SECRET_KEY"), ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL")):
            if os.environ.get(env):
                app.config[key] = os.environ[env]
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    _configure_templates(app)
    _configure_extensions(app)
    ids.init_app(app)  # before any route: <int:…> is then bounded to the database's range
    _register_blueprints(app)
    renders.init_app(app, DOCUMENT_KINDS)
    _serve_frontend_assets(app)

    security.init_app(app)
    files.init_app(app)
    # First of all: no hook reads a body the route would not take (files.init_app's comes next).
    access.init_app(app)
    errors.init_app(app)
    held_forms.init_app(app)
    # The merged chronology (cases) shares every agency's rows on the panels' rule.
    use_panel_sharing(app, attends_panel_with_case)
    # Signing out everywhere, a changed or reset password (and the admin's resets) end the feed.
    when_sessions_revoked(app, revoke_feed_with_sessions)
    commands.init_app(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _configure_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(BASE_DIR / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.add_extension("jinja2.ext.do")
    formatting.init_app(app)
    components.init_app(app)
    app.add_template_global(navigation_items, "navigation_items")
    app.add_template_global(feedback_url, "feedback_url")
    app.add_template_global(govuk_pagination, "govuk_pagination")
    app.add_template_global(access.user_can, "user_can")
    app.add_template_global(outbox_alert, "outbox_alert")
    app.jinja_env.globals["access"] = access


def _configure_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    throttle.init_app(app)
    security.trust_proxies(app)

    from govuk_frontend_wtf.main import WTFormsHelpers

    WTFormsHelpers(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)


def _tune_sqlite(app: Flask) -> None:
    wal = app.config.get("SQLITE_WAL", False)

    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if wal:
            # Readers do not block the one writer: the web server and worker share the file.
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    with app.app_context():
        event.listen(db.engine, "connect", _on_connect)


def _register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for group in COMMANDS:
        app.cli.add_command(group)


def _serve_frontend_assets(app: Flask) -> None:
    """Serve GOV.UK and MoJ Frontend from node_modules: the portal works offline, no CDN."""
    govuk_assets = ASSET_DIRS["govuk"] / "assets"

    @app.get("/assets/<path:filename>")
    def frontend_asset(filename: str) -> ResponseReturnValue:
        return send_from_directory(govuk_assets, filename, max_age=60 * 60 * 24)

    @app.get("/vendor/<package>/<path:filename>")
    def vendor_script(package: str, filename: str) -> ResponseReturnValue:
        folder = ASSET_DIRS.get(package)
        if folder is None or not filename.endswith((".js", ".mjs")):
            from flask import abort

            abort(404)
        return send_from_directory(folder, filename, max_age=60 * 60 * 24)

    for view in (frontend_asset, vendor_script):
        access.public(view)

    if not (BASE_DIR / "node_modules").exists() and not app.testing:
        raise ConfigurationError("Front-end assets are missing: run `npm ci && npm run build` (make run does)")
