"""ASVS 3.4 / 14.3: the security headers on every response (pages, errors, downloads), for
every GET route in the URL map, as each kind of person; downloads as safe attachments."""

from __future__ import annotations

import re
from email.message import Message

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from agencies.models import Role
from tests.conftest import TEST_PASSWORD, make_user, sign_in_as
from tests.factories.security import FILE_ENDPOINTS, production_app, routes, seed_demo

PAGE_TYPES = ("text/html", "application/json")


def check_headers(response: TestResponse, *, endpoint: str | None = None, hsts: bool = False) -> list[str]:
    """Everything wrong with the response's headers (empty when all is well)."""
    headers = response.headers
    problems = []
    csp = headers.get("Content-Security-Policy", "")
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        if directive not in csp:
            problems.append(f"CSP lacks {directive}")
    if "unsafe-inline" in csp or "unsafe-eval" in csp or re.search(r"script-src[^;]*\*", csp):
        problems.append("CSP allows inline or any-origin script")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    problems += [f"{name} is {headers.get(name)!r}" for name, value in expected.items() if headers.get(name) != value]
    if endpoint not in FILE_ENDPOINTS and headers.get("Cache-Control") != "no-store":
        problems.append(f"Cache-Control is {headers.get('Cache-Control')!r}")
    if hsts and headers.get("Strict-Transport-Security") != "max-age=31536000; includeSubDomains":
        problems.append("no HSTS")
    if response.status_code == 200 and response.mimetype not in PAGE_TYPES and endpoint not in FILE_ENDPOINTS:
        problems += check_download(response)
    return problems


def check_download(response: TestResponse) -> list[str]:
    """A download: an attachment with a plain file name that names no folder."""
    disposition = response.headers.get("Content-Disposition", "")
    message = Message()
    message["Content-Disposition"] = disposition
    filename = message.get_param("filename", header="Content-Disposition")
    problems = []
    if message.get_content_disposition() != "attachment":
        problems.append(f"{response.mimetype} is not sent as an attachment ({disposition!r})")
    if not filename or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", str(filename)):
        problems.append(f"unsafe or missing file name {filename!r}")
    return problems


@pytest.mark.parametrize("who", ["anonymous", "admin", "inspector", "police"])
def test_every_get_route_sends_the_security_headers(app: Flask, who: str) -> None:
    people = seed_demo()
    client = app.test_client()
    if who != "anonymous":
        sign_in_as(client, people[who])
    problems = []
    statuses = set()
    for route in routes(app, "GET"):
        response = client.get(route.url)
        statuses.add(response.status_code)
        problems += [f"{route.url}: {p}" for p in check_headers(response, endpoint=route.endpoint)]
    assert problems == []
    assert 200 in statuses or who == "anonymous"


def test_error_responses_send_the_security_headers(app: Flask, client_for) -> None:
    member = make_user(Role.AGENCY_MEMBER)
    client = client_for(member)
    responses = {
        404: client.get("/no/such/page"),
        403: client.get("/admin/people"),
        405: client.get("/logout"),
    }
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        responses[400] = app.test_client().post("/login", data={"email": "a@b.example", "password": "x"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    make_user(email="locked@test.example")
    anonymous = app.test_client()
    for _ in range(6):
        last = anonymous.post("/login", data={"email": "locked@test.example", "password": "wrong wrong wrong"})
    responses[429] = last
    for status, response in responses.items():
        assert response.status_code == status
        assert check_headers(response) == [], status
        assert "govuk-heading-l" in response.get_data(as_text=True)
    assert "GET" not in responses[405].headers.get("Allow", "") and "POST" in responses[405].headers["Allow"]


def test_the_audit_export_is_a_safe_uncached_attachment(client_for) -> None:
    response = client_for(make_user(Role.ADMIN)).get("/admin/audit.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert check_headers(response, endpoint="admin.export_audit_events") == []
    assert response.headers["Content-Disposition"] == 'attachment; filename="audit-trail.csv"'


def test_the_checks_catch_an_inline_download(app: Flask) -> None:
    """The download rule can fail: a file served inline, or with a path in its name, is caught."""
    inline = app.response_class(b"%PDF-1.7", mimetype="application/pdf")
    assert check_download(inline)
    pathy = app.response_class(
        b"x", mimetype="text/csv", headers={"Content-Disposition": 'attachment; filename="../x.csv"'}
    )
    assert check_download(pathy)


def test_production_adds_hsts(monkeypatch: pytest.MonkeyPatch) -> None:
    production = production_app(monkeypatch)
    for path in ("/login", "/no/such/page"):
        response = production.test_client().get(path, base_url="https://portal.example")
        assert check_headers(response, hsts=True) == [], path


def test_signed_in_pages_are_never_cached(app: Flask) -> None:
    user = make_user(Role.ADMIN, email="cache@test.example")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    response = client.get("/admin/people")
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Pragma"] == "no-cache"
