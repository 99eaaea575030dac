"""Helpers for the security tests: seeded people per role, every route of the URL map with
its ids filled from real rows, and snapshots of the database to prove nothing changed.

The route walkers discover routes from ``app.url_map``, so routes that other capabilities
add later are covered without touching these tests.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from agencies.models import User
from core.audit import READ_PREFIX, REFUSED_ACTION, AuditEvent
from extensions import Base, db

DEMO_PASSWORD = "harbour meadow lantern copper"  # nosec B105 - test-only

# The demo people the walkers act as (agencies/seed.py DEMO_ACCOUNTS).
DEMO_PEOPLE = {
    "admin": "admin@inspectorate.example",
    "inspector": "inspector@inspectorate.example",
    "police": "police@police.example",
    "health": "health@health.example",
    "childrens": "childrens@council.example",
    "probation": "probation@probation.example",
    "outsider": "police2@otherpolice.example",
}

# Routes that serve committed files, not application data.
FILE_ENDPOINTS = {"static", "frontend_asset", "vendor_script"}

# URL arguments whose table the naming rule cannot guess.
ARGUMENT_TABLES = {"user_id": "users", "person_id": "users"}


def seed_demo() -> dict[str, User]:
    """The demo organisations, people and every capability's demo data; people by role."""
    from portal.seeding import seed_demo_data

    seed_demo_data(DEMO_PASSWORD)
    db.session.commit()
    people = {u.email: u for u in db.session.scalars(select(User))}
    return {role: people[email] for role, email in DEMO_PEOPLE.items()}


# --- the URL map ----------------------------------------------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def table_for_argument(argument: str) -> str | None:
    """The table a ``<thing_id>`` argument refers to: ``panel_id`` -> panels, ``case_id`` ->
    the model called ``Case`` or a table named ``cases``/``*_cases``."""
    if argument in ARGUMENT_TABLES:
        return ARGUMENT_TABLES[argument]
    base = argument.removesuffix("_id")
    tables = db.metadata.tables
    plural = (
        base[:-1] + "ies" if base.endswith("y") else base + ("es" if base.endswith(("s", "x", "ch", "sh")) else "s")
    )
    for candidate in (plural, base):
        if candidate in tables:
            return candidate
    for mapper in Base.registry.mappers:
        if _snake(mapper.class_.__name__) == base:
            return mapper.local_table.name
    suffixed = [name for name in tables if name.endswith("_" + plural)]
    return suffixed[0] if len(suffixed) == 1 else None


def candidate_ids(argument: str, limit: int = 2) -> list[int]:
    """The lowest and highest ids of the argument's table (or 1 if it is unknown or empty)."""
    table_name = table_for_argument(argument)
    if table_name is None:
        return [1]
    table = db.metadata.tables[table_name]
    id_column = table.c.get("id")
    if id_column is None:
        return [1]
    low, high = db.session.execute(select(func.min(id_column), func.max(id_column))).one()
    ids = sorted({i for i in (low, high) if i is not None})[:limit]
    return ids or [1]


@dataclass(frozen=True)
class Route:
    rule: Rule
    url: str

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint


def _value_for(rule: Rule, argument: str, chosen: dict[str, int]) -> Any:
    if argument in chosen:
        return chosen[argument]
    converter = rule._converters.get(argument)
    if isinstance(converter, NumberConverter):
        return 1
    kind = type(converter).__name__ if converter else ""
    if kind == "UUIDConverter":
        return "00000000-0000-0000-0000-000000000000"
    if kind == "AnyConverter":
        return sorted(converter.items)[0]
    return "x"


def routes(app: Flask, method: str, *, include_files: bool = False) -> Iterator[Route]:
    """Every rule that answers ``method``, once per candidate id of its first id argument."""
    adapter = app.url_map.bind("portal.test")
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method not in (rule.methods or set()):
            continue
        if rule.endpoint in FILE_ENDPOINTS and not include_files:
            continue
        id_arguments = sorted(a for a in rule.arguments if a == "id" or a.endswith("_id"))
        variants: list[dict[str, int]] = [{}]
        if id_arguments:
            first, *others = id_arguments
            fixed = {name: candidate_ids(name, limit=1)[0] for name in others}
            variants = [{first: value, **fixed} for value in candidate_ids(first)]
        for chosen in variants:
            values = {name: _value_for(rule, name, chosen) for name in rule.arguments}
            yield Route(rule, adapter.build(rule.endpoint, values, method=method))


# --- what the database holds ----------------------------------------------------------------


def row_counts() -> dict[str, int]:
    """Rows in every table, in one statement (the walkers call this around every request)."""
    db.session.expire_all()
    names = list(db.metadata.tables)
    counts = db.session.execute(
        select(*(select(func.count()).select_from(db.metadata.tables[name]).scalar_subquery() for name in names))
    ).one()
    return dict(zip(names, counts, strict=True))


# Tables that are not domain state: the audit trail (checked by action: reads and refusals may be
# written by any request) and the page cache's change counter.
# The audit trail is checked by action; a download may ask the background renderer for its file,
# a cached copy rather than data (the one write a GET makes besides read audits; core/renders.py).
NOT_DOMAIN_TABLES = {"audit_events", "rendered_documents"}


def domain_snapshot() -> dict[str, str]:
    """A digest of every row of every domain table. Row counts miss an UPDATE; this does not."""
    db.session.expire_all()
    digests = {}
    for name, table in db.metadata.tables.items():
        if name in NOT_DOMAIN_TABLES:
            continue
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        digests[name] = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(name for name in before if after[name] != before[name])


def audit_actions_since(last_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > last_id).order_by(AuditEvent.id)))


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def is_read_or_refusal(action: str) -> bool:
    return action.startswith(READ_PREFIX) or action == REFUSED_ACTION


def changes(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in before if after[name] != before[name]}


# --- two-step sign-in -------------------------------------------------------------------------


def current_code(secret: str, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30-second steps later)."""
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + steps_ahead * totp.interval)


@pytest.fixture
def required(app: Flask) -> Iterator[None]:
    """Two-step sign-in switched on for one test (import it into the test module)."""
    app.config["REQUIRE_TWO_FACTOR"] = True
    yield
    app.config["REQUIRE_TWO_FACTOR"] = False


def sign_in_with_password(client: FlaskClient, email: str, password: str, **kwargs: Any):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


# --- requests at once ---------------------------------------------------------------------------


def at_once(count: int, attempt: Callable[[int], int]) -> list[int]:
    """Run ``attempt(n)`` for n in range(count), each in its own thread, all released together."""
    start = threading.Barrier(count)
    statuses: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        try:
            start.wait()
            status = attempt(n)
            with lock:
                statuses.append(status)
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return statuses


# --- production ---------------------------------------------------------------------------------


def production_app(monkeypatch: Any) -> Flask:
    """The app as production builds it: real-looking settings, nothing reached until used."""
    from portal.app import create_app

    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db.internal/portal")
    monkeypatch.setenv("MAIL_SERVER", "smtp.internal")
    monkeypatch.setenv("ANTIVIRUS_COMMAND", "clamdscan --no-summary -")
    monkeypatch.setenv("PANEL_ORGANIZER_EMAIL", "learning-panels@justiceinspectorates.example")
    for name in ("DEMO_PASSWORD", "DEMO_TOTP_SECRET", "ALLOW_DEMO_ACCOUNTS", "REQUIRE_TWO_FACTOR"):
        monkeypatch.delenv(name, raising=False)
    return create_app("production")
