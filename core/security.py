"""Security headers on every response, the CSP nonce, and session lifetime limits."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user, logout_user

from core.formatting import utc_now


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


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


def _enforce_absolute_session_limit() -> None:
    """Idle expiry is the cookie's lifetime; this adds the 12-hour cap from sign-in."""
    if not current_user.is_authenticated:
        return
    signed_in_at = session.get("signed_in_at")
    limit = current_app.config["SESSION_ABSOLUTE_LIFETIME"]
    if signed_in_at is None or utc_now() - datetime.fromtimestamp(signed_in_at, timezone.utc) > limit:
        logout_user()
        session.clear()


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
    if not (request.endpoint in {"frontend_asset", "vendor_script", "static"}):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def init_app(app: Flask) -> None:
    app.before_request(_enforce_absolute_session_limit)
    app.after_request(_set_headers)
    app.add_template_global(csp_nonce, "csp_nonce")
