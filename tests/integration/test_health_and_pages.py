"""Health check, error pages, security headers and the role-dependent navigation."""

from __future__ import annotations

import re

import pytest

from agencies import access
from agencies.models import Role
from tests.conftest import TEST_PASSWORD, make_user


def test_health_check_reports_the_database(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "outbox": "ok"}


def test_health_check_is_503_when_the_database_does_not_answer(tmp_path) -> None:
    from portal.app import create_app

    broken = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/nothing.sqlite3")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_not_found_page_is_govuk_style(client) -> None:
    response = client.get("/no/such/page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page not found – Learning panels" in page and "govuk-heading-l" in page


def test_server_errors_show_no_traceback(db_url: str) -> None:
    from portal.app import create_app

    app = create_app("test", SQLALCHEMY_DATABASE_URI=db_url)

    @app.get("/_test_explode")
    def _explode():
        raise RuntimeError("SELECT secret FROM somewhere")

    access.public(_explode)
    response = app.test_client().get("/_test_explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page
    assert "SELECT" not in page and "Traceback" not in page


def test_security_headers_on_every_response(client) -> None:
    for path in ("/login", "/healthz", "/no/such/page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_the_inline_script_carries_the_csp_nonce(client) -> None:
    response = client.get("/login")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.get_data(as_text=True)


def test_session_cookie_flags(client) -> None:
    make_user(email="cookie@test.example")
    response = client.post("/login", data={"email": "cookie@test.example", "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_host_prefixed() -> None:
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.HSTS is True


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        (Role.ADMIN, ["People", "Organisations", "Audit trail"], []),
        (Role.INSPECTOR, [], ["People", "Organisations", "Audit trail"]),
        (Role.AGENCY_MEMBER, [], ["People", "Organisations", "Audit trail"]),
    ],
)
def test_navigation_depends_on_role(client_for, role: Role, shown: list[str], hidden: list[str]) -> None:
    page = client_for(make_user(role)).get("/", follow_redirects=True).get_data(as_text=True)
    nav = page.partition('data-module="govuk-service-navigation"')[2].partition("</nav>")[0]
    texts = {re.sub(r"<[^>]+>|\s+", " ", link).strip() for link in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)}
    assert set(shown) <= texts
    assert not set(hidden) & texts


def test_frontend_assets_are_served_locally(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert "https://" not in page.split("<body")[0]  # no CDN in the head
    assert client.get("/vendor/govuk/govuk-frontend.min.js").status_code == 200
    assert client.get("/vendor/govuk/../../config.py").status_code == 404


def test_the_most_specific_menu_item_is_active(client_for, inspector) -> None:
    from tests.conftest import make_organisation
    from tests.factories.cases import make_case

    case = make_case([make_organisation(name="Menu Police")])
    client = client_for(inspector)
    # A case's return lives under Cases, not under Panels.
    for path in ("/cases", f"/cases/{case.id}", f"/cases/returns/{case.invitations[0].agency_return.id}"):
        page = client.get(path).get_data(as_text=True)
        active = re.findall(r'govuk-service-navigation__item--active">\s*<a[^>]*>\s*<strong[^>]*>([^<]+)<', page)
        assert active == ["Cases"], path


def test_old_case_and_return_addresses_redirect_permanently(client_for, inspector) -> None:
    client = client_for(inspector)
    for old, new in (
        ("/panels/cases", "/cases/"),
        ("/panels/cases/7?x=1", "/cases/7?x=1"),
        ("/panels/cases/7/identifiers", "/cases/7/identifiers"),
        ("/panels/returns/3/edit", "/cases/returns/3/edit"),
    ):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"] == new
