"""Security headers on every response, the CSP nonce, session lifetime limits, and the
input that no form may ever receive."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import Flask, Response, abort, current_app, flash, g, request, session
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from core import held_forms
from core.formatting import utc_now

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    nonce: str = g.csp_nonce
    return nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def accepts_body() -> bool:
    """True when the request's route exists and takes its method: only then may a body be read
    (and then only up to ``MAX_CONTENT_LENGTH`` or the route's upload allowance)."""
    rule = request.url_rule
    return (
        request.method in BODY_METHODS
        and request.routing_exception is None
        and rule is not None
        and request.method in (rule.methods or ())
    )


def _refuse_nul_characters() -> None:
    """A NUL is never part of real input, and PostgreSQL refuses it in text (a 500 otherwise)."""
    if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
        abort(400)
    if accepts_body() and any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
        abort(400)


LAST_SEEN_PRECISION_SECONDS = 60


def _enforce_session_limits() -> None:
    """End a session idle for longer than the idle limit, or older than the absolute cap.

    The cookie's own lifetime already enforces the idle limit in the browser; checking the
    time inside the signed session too means a copied or replayed cookie gets no longer.
    """
    if not current_user.is_authenticated:
        return
    now = utc_now()
    signed_in_at = session.get("signed_in_at")
    last_seen = session.get("last_seen", signed_in_at)
    idle_limit = current_app.config["PERMANENT_SESSION_LIFETIME"]
    absolute_limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    if (
        not isinstance(signed_in_at, (int, float))
        or not isinstance(last_seen, (int, float))
        or now - datetime.fromtimestamp(signed_in_at, UTC) > absolute_limit
        or now - datetime.fromtimestamp(last_seen, UTC) > idle_limit
    ):
        # A form sent just after the limit is held for the person to find after signing in.
        held_forms.hold_posted_form(current_user.id)
        logout_user()
        session.clear()
        flash("For your security, we signed you out. Sign in again to continue.", "info")
        return
    # Re-signing the cookie on every request costs time and bytes; a minute's precision is
    # plenty for an idle limit measured in tens of minutes.
    if now.timestamp() - last_seen >= LAST_SEEN_PRECISION_SECONDS:
        session["last_seen"] = now.timestamp()


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if current_app.config.get("HSTS"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    # Pages and downloads may hold case data: never keep them in a shared or browser cache.
    if request.endpoint not in {"frontend_asset", "vendor_script", "static"}:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def trust_proxies(app: Flask) -> None:
    """Believe ``X-Forwarded-For`` and ``X-Forwarded-Proto`` from exactly ``TRUSTED_PROXIES``
    proxies (werkzeug's ProxyFix), read per request so a test can change it. The client address
    the throttles and the audit trail see is then the real one, not the proxy's; a client's own
    made-up header is ignored, since only the last ``TRUSTED_PROXIES`` entries are believed."""
    inner = app.wsgi_app

    def with_trusted_proxies(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        count = int(app.config.get("TRUSTED_PROXIES", 0))
        if count > 0:
            return ProxyFix(inner, x_for=count, x_proto=count)(environ, start_response)
        return inner(environ, start_response)

    app.wsgi_app = with_trusted_proxies  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    from core import audit
    from core.audit import commit_kept_records

    audit.init_app(app)

    app.before_request(_refuse_nul_characters)
    app.before_request(_enforce_session_limits)
    app.after_request(commit_kept_records)
    app.after_request(_set_headers)
    app.add_template_global(csp_nonce, "csp_nonce")
