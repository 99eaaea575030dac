"""Fixtures: one migrated database per run (SQLite file, or PostgreSQL when TEST_DATABASE_URL
is set), emptied after every test; clients signed in as each kind of person.

The schema always comes from the migrations, never from ``create_all``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text

from agencies import throttle
from agencies.models import Organisation, OrganisationKind, Role, User
from extensions import db
from tests.smtp import smtp_server  # noqa: F401  (a real SMTP server on loopback, for any test that asks)

TEST_PASSWORD = "correct horse battery staple"  # nosec B105 - test-only


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``<name>_gw0`` …),
    made here, so workers never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not worker or not url.startswith("postgresql"):
        return
    base, _, name = url.rpartition("/")
    own = f"{name}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own}).scalar() is None:
            connection.execute(text(f'CREATE DATABASE "{own}"'))
    engine.dispose()
    os.environ["TEST_DATABASE_URL"] = f"{base}/{own}"


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def reset_postgres_schema(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        reset_postgres_schema(url)
    return url


@pytest.fixture(scope="session")
def app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    from portal.app import create_app

    instance = tmp_path_factory.mktemp("instance")
    os.environ["INSTANCE_PATH"] = str(instance)
    application = create_app("test", SQLALCHEMY_DATABASE_URI=db_url, MAIL_CATCHER_DIR=str(instance / "mail"))
    with application.app_context():
        upgrade()
    # Tests hold an app context open, and Flask reuses it for test-client requests, so
    # per-request caches on ``g`` (the signed-in user, the CSP nonce) must be dropped first.
    application.before_request_funcs.setdefault(None, []).insert(0, _forget_request_state)
    yield application


def _forget_request_state() -> None:
    from flask import g

    for name in ("_login_user", "csp_nonce", "loaded_objects", "held_form", "form_held"):
        g.pop(name, None)


def _empty_database() -> None:
    db.session.rollback()
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _app_context(app: Flask) -> Iterator[None]:
    """Each test runs in an app context over an empty database holding the reference data."""
    from portal.seeding import seed_reference_data

    with app.app_context():
        throttle.reset()
        seed_reference_data()
        db.session.commit()
        yield
        db.session.remove()
        _empty_database()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


_counter = itertools.count(1)


def make_organisation(kind: OrganisationKind | str = OrganisationKind.POLICE, name: str | None = None) -> Organisation:
    kind = OrganisationKind(kind)
    organisation = Organisation(name=name or f"{kind.label} {next(_counter)}", kind=kind)
    db.session.add(organisation)
    db.session.flush()
    return organisation


_HASH_CACHE: dict[str, str] = {}


def make_user(
    role: Role | str = Role.AGENCY_MEMBER,
    organisation: Organisation | None = None,
    *,
    email: str | None = None,
    password: str = TEST_PASSWORD,
    active: bool = True,
    **fields: Any,
) -> User:
    from agencies.passwords import hash_password

    role = Role(role)
    if organisation is None:
        kind = OrganisationKind.POLICE if role == Role.AGENCY_MEMBER else OrganisationKind.INSPECTORATE
        organisation = _shared_organisation(kind)
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = hash_password(password)
    user = User(
        email=email or f"person{next(_counter)}@example.org",
        full_name=fields.pop("full_name", f"Person {next(_counter)}"),
        organisation=organisation,
        role=role,
        password_hash=_HASH_CACHE[password],
        active=active,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def _shared_organisation(kind: OrganisationKind) -> Organisation:
    name = "HM Inspectorate of Probation" if kind == OrganisationKind.INSPECTORATE else f"Test {kind.label}"
    existing = db.session.scalar(db.select(Organisation).where(Organisation.name == name))
    return existing or make_organisation(kind, name)


def sign_in_as(client: FlaskClient, user: User) -> FlaskClient:
    """Put the person's session in the client's cookie, as a successful sign-in would."""
    from core.formatting import utc_now

    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.session_token
        session["_fresh"] = True
        session["signed_in_at"] = utc_now().timestamp()
    return client


@pytest.fixture
def inspector() -> User:
    return make_user(Role.INSPECTOR, email="inspector@test.example")


@pytest.fixture
def admin() -> User:
    return make_user(Role.ADMIN, email="admin@test.example")


@pytest.fixture
def agency_member() -> User:
    return make_user(Role.AGENCY_MEMBER, email="member@police.test")


@pytest.fixture
def client_for(app: Flask):
    """``client_for(user)`` gives a fresh test client signed in as that person."""

    def _client_for(user: User) -> FlaskClient:
        return sign_in_as(app.test_client(), user)

    return _client_for


class QueryCounter:
    """Counts SQL statements run while active (used to catch N+1 queries)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """``with count_queries() as counter:`` counts statements run inside the block."""
    from contextlib import contextmanager

    @contextmanager
    def _count() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return _count


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    where = f"PostgreSQL ({url.split('@')[-1]})" if url.startswith("postgresql") else "SQLite (temporary file)"
    return f"database: {where}"


ROOT = Path(__file__).resolve().parent.parent
