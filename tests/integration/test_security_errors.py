"""ASVS 16.5: generic GOV.UK error pages; no traceback, SQL or exception text reaches a
browser in any configuration but development with the debugger on."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from agencies import access
from tests.factories.security import production_app

SECRET_DETAIL = "SELECT password_hash FROM users WHERE email = 'admin@inspectorate.example'"


def add_failing_routes(app: Flask) -> None:
    @app.get("/_test/explode")
    def explode():
        raise RuntimeError(SECRET_DETAIL)

    @app.get("/_test/database")
    def database():
        raise OperationalError(SECRET_DETAIL, {"email": "admin@inspectorate.example"}, Exception("connection refused"))

    for view in (explode, database):
        access.public(view)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Flask:
    app = production_app(monkeypatch)
    add_failing_routes(app)
    return app


def assert_generic_500(page: str) -> None:
    assert "Sorry, there is a problem with the service" in page
    for leak in (
        "Traceback",
        "SELECT",
        "password_hash",
        "RuntimeError",
        "OperationalError",
        "connection refused",
        "admin@inspectorate.example",
        'File "',
    ):
        assert leak not in page


@pytest.mark.parametrize("path", ["/_test/explode", "/_test/database"])
def test_production_shows_a_generic_page_for_any_failure(production: Flask, path: str) -> None:
    assert production.debug is False and production.config["SHOW_TRACEBACKS"] is False
    response = production.test_client().get(path, base_url="https://portal.example")
    assert response.status_code == 500
    assert_generic_500(response.get_data(as_text=True))
    assert "Sorry, there is a problem with the service – Learning panels" in response.get_data(as_text=True)


@pytest.mark.parametrize("config_name", ["test", "development"])
def test_other_configurations_without_the_debugger_show_the_generic_page(db_url: str, config_name: str) -> None:
    from portal.app import create_app

    app = create_app(config_name, SQLALCHEMY_DATABASE_URI=db_url, DEBUG=False, TESTING=False)
    add_failing_routes(app)
    for path in ("/_test/explode", "/_test/database"):
        response = app.test_client().get(path)
        assert response.status_code == 500
        assert_generic_500(response.get_data(as_text=True))


def test_only_development_with_the_debugger_lets_the_traceback_through(db_url: str) -> None:
    from portal.app import create_app

    app = create_app("development", SQLALCHEMY_DATABASE_URI=db_url, DEBUG=True)
    add_failing_routes(app)
    app.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(RuntimeError, match="SELECT"):
        app.test_client().get("/_test/explode")


def test_when_the_error_page_itself_fails_the_answer_is_still_generic(
    production: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.errors

    def broken_render(*_args, **_kwargs):
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr(core.errors, "render_template", broken_render)
    response = production.test_client().get("/_test/explode", base_url="https://portal.example")
    assert response.status_code == 500
    assert_generic_500(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/no/such/page", 404, "Page not found"),
        ("/logout", 405, "There is a problem with your request"),
    ],
)
def test_http_errors_use_govuk_pages_in_production(production: Flask, path: str, status: int, title: str) -> None:
    response = production.test_client().get(path, base_url="https://portal.example")
    page = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"<title>{title} – Learning panels</title>" in page and "govuk-heading-l" in page
    assert "Werkzeug" not in page and "werkzeug" not in page
