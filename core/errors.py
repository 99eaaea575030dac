"""GOV.UK-style error pages. No traceback or SQL reaches a browser outside development."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from extensions import db

log = logging.getLogger(__name__)

PAGES = {
    400: ("errors/400.html", "There is a problem with your request"),
    403: ("errors/403.html", "You do not have permission to see this page"),
    404: ("errors/404.html", "Page not found"),
    405: ("errors/400.html", "There is a problem with your request"),
    413: ("errors/400.html", "The file is too big"),
    429: ("errors/429.html", "Too many attempts"),
    500: ("errors/500.html", "Sorry, there is a problem with the service"),
}


def render_error(status: int):  # type: ignore[no-untyped-def]
    template, title = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    return render_template(template, title=title, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):  # type: ignore[no-untyped-def]
        return render_template("errors/csrf.html", title="Your session timed out"), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        if error.code in (301, 302, 303, 307, 308):
            return error
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # type: ignore[no-untyped-def]
        if app.config.get("SHOW_TRACEBACKS") and app.debug:
            raise error
        log.exception("Unhandled error")
        db.session.rollback()
        return render_error(500)
