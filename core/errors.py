"""GOV.UK-style error pages. No traceback or SQL reaches a browser outside development."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, g, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core import held_forms
from core.db import is_conflict
from extensions import db

log = logging.getLogger(__name__)

PAGES = {
    400: ("errors/400.html", "There is a problem with your request"),
    403: ("errors/403.html", "You do not have permission to see this page"),
    404: ("errors/404.html", "Page not found"),
    405: ("errors/400.html", "There is a problem with your request"),
    409: ("errors/409.html", "Someone else changed this at the same time"),
    413: ("errors/413.html", "What you sent is too large"),
    429: ("errors/429.html", "Too many attempts"),
    500: ("errors/500.html", "Sorry, there is a problem with the service"),
}

# Used only when the error page itself cannot be rendered (the database is down, say):
# still generic, still nothing about the failure.
_PLAIN_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} – Learning panels</title></head>'
    "<body><h1>{title}</h1><p>Try again later.</p></body></html>"
)


def render_error(status: int, template: str | None = None, title: str | None = None) -> tuple[str, int] | Response:
    default_template, default_title = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    template, title = template or default_template, title or default_title
    try:
        return render_template(template, title=title, status=status), status
    except Exception:  # the page must never fail worse than the error it reports
        log.exception("Could not render the %s error page", status)
        db.session.rollback()
        return Response(_PLAIN_PAGE.format(title=title), status=status, mimetype="text/html")


# Never shown back on the conflict page: the form's machinery and anything secret.
_NOT_TYPED = ("csrf_token", "version", "form_token", "password", "code", "submit")


def _typed() -> list[tuple[str, str]]:
    """What the person entered, so a save refused by a clash loses nothing they typed."""
    typed: list[tuple[str, str]] = []
    for name, values in request.form.lists():
        if any(word in name.lower() for word in _NOT_TYPED):
            continue
        value = "\n".join(v for v in values if v.strip())
        if value.strip():
            typed.append((name.replace("_", " ").replace("-", " ").capitalize(), value))
    return typed


def _current_version() -> str:
    """The page that shows the thing as it now is: the form's own page (a GET shows the current
    version), else the page the person came from, else the start page."""
    rule = request.url_rule
    if rule is not None and rule.methods and "GET" in rule.methods:
        return request.path
    referrer = urlsplit(request.referrer or "")
    if referrer.path and (not referrer.netloc or referrer.netloc == request.host):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("portal.home")


def render_conflict() -> ResponseReturnValue:
    """A save that met someone else's change made at the same moment: a message, what was typed
    and a link to the current version; 409, never a 500."""
    db.session.rollback()
    try:
        title = PAGES[409][1]
        return render_template(
            "errors/409.html", title=title, status=409, typed=_typed(), current_version=_current_version()
        ), 409
    except Exception:
        log.exception("Could not render the conflict page")
        db.session.rollback()
        return render_error(409)


def init_app(app: Flask) -> None:
    @app.errorhandler(StaleDataError)
    def stale_error(_error: StaleDataError) -> ResponseReturnValue:
        log.info("A save met a concurrent change on %s %s", request.method, request.path)
        return render_conflict()

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> ResponseReturnValue:
        if is_conflict(error):
            log.info("A save met a concurrent change on %s %s: %s", request.method, request.path, error.orig)
            return render_conflict()
        return unexpected_error(error)

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> ResponseReturnValue:
        # Sent after the browser dropped the session: hold the text for whoever was signed in.
        if not current_user.is_authenticated:
            g.form_held = held_forms.hold_posted_form(held_forms.person_from_cookie(request)) is not None
        return render_error(400, "errors/csrf.html", "Your session timed out")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code in (301, 302, 303, 307, 308):
            return error
        response = render_error(error.code or 500)
        if error.code == 405 and isinstance(response, tuple):
            # A 405 must say which methods the URL does take (RFC 9110).
            allowed = error.get_headers().copy() if hasattr(error, "get_headers") else []
            allow = next((value for name, value in allowed if name.lower() == "allow"), None)
            if allow:
                return response[0], response[1], {"Allow": allow}
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        # Only a developer's own machine (debug on) shows the interactive traceback.
        if app.config.get("SHOW_TRACEBACKS") and app.debug:
            raise error
        log.exception("Unhandled error")
        db.session.rollback()
        return render_error(500)
