"""ASVS 8: authorisation. No GET changes any domain table (not a row added, removed or updated:
only read audits are written); a refused request (403/404) changes nothing but the
access.refused audit row; posted fields a form does not declare are never read.

The walkers take every route from the URL map with ids of real demo objects, so routes that
capabilities add later are covered as they land.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask

from core.audit import REFUSED_ACTION
from tests.conftest import ROOT, sign_in_as
from tests.factories.security import (
    audit_actions_since,
    changed_tables,
    changes,
    domain_snapshot,
    is_read_or_refusal,
    last_audit_id,
    routes,
    row_counts,
    seed_demo,
)

ROLES = ["anonymous", "admin", "inspector", "police", "probation", "outsider"]

# What a hostile POST carries besides the form's own fields: attempts to pick the owner,
# the role, the organisation or the state of the object.
HOSTILE_EXTRAS = {
    "id": "1",
    "organisation_id": "1",
    "owner_organisation_id": "1",
    "user_id": "1",
    "role": "admin",
    "active": "1",
    "status": "submitted",
    "version": "1",
    "submit": "Save",
}


@pytest.mark.parametrize("who", ROLES)
def test_no_get_route_changes_anything(app: Flask, who: str) -> None:
    people = seed_demo()
    client = app.test_client()
    if who != "anonymous":
        sign_in_as(client, people[who])
    problems = []
    for route in routes(app, "GET"):
        before, last = domain_snapshot(), last_audit_id()
        client.get(route.url)
        written = [a for a in audit_actions_since(last) if not is_read_or_refusal(a)]
        changed = changed_tables(before, domain_snapshot())
        if written or changed:
            problems.append(f"GET {route.url} as {who}: tables changed {changed}, audit {written}")
    assert problems == []


def test_the_snapshot_sees_an_update_that_row_counts_miss(app: Flask) -> None:
    from extensions import db

    people = seed_demo()
    counts, before = row_counts(), domain_snapshot()
    people["police"].job_title = "Detective Sergeant (changed)"
    db.session.commit()
    assert changes(counts, row_counts()) == {}
    assert changed_tables(before, domain_snapshot()) == ["users"]


@pytest.mark.parametrize("who", ["anonymous", "inspector", "police", "probation", "outsider"])
def test_refused_posts_change_nothing_but_the_refusal_record(app: Flask, who: str) -> None:
    people = seed_demo()
    client = app.test_client()
    if who != "anonymous":
        sign_in_as(client, people[who])
    refused = 0
    problems = []
    for route in routes(app, "POST"):
        before, last = domain_snapshot(), last_audit_id()
        response = client.post(route.url, data=HOSTILE_EXTRAS)
        if response.status_code not in (403, 404) and not (
            who == "anonymous" and response.status_code == 302 and "/login" in response.headers.get("Location", "")
        ):
            continue
        refused += 1
        actions = audit_actions_since(last)
        changed = changed_tables(before, domain_snapshot())
        if changed or any(a != REFUSED_ACTION for a in actions):
            problems.append(f"POST {route.url} as {who} ({response.status_code}): tables {changed}, audit {actions}")
    assert problems == []
    assert refused > 0


def test_refusals_are_audited_with_who_and_where(app: Flask) -> None:
    from core.audit import AuditEvent
    from extensions import db

    people = seed_demo()
    client = sign_in_as(app.test_client(), people["outsider"])
    assert client.post(f"/admin/people/{people['admin'].id}/deactivate").status_code == 404
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == REFUSED_ACTION))
    assert event.actor_id == people["outsider"].id and event.details["status"] == 404
    assert event.ip_address == "127.0.0.1" and event.occurred_at_utc.tzinfo is not None
    db.session.refresh(people["admin"])
    assert people["admin"].active


# --- mass assignment --------------------------------------------------------------------------

SOURCE_PACKAGES = ["agencies", "core", "reviews", "panels", "learning", "notifications"]


def _spreads_request_data(tree: ast.AST) -> list[int]:
    """Lines that pass the raw request body or query into a call wholesale (``**request.form``,
    ``request.form.to_dict()``, ``populate_obj``): the ways a posted field no form declares
    could reach a model."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg is None:
            target = ast.unparse(node.value)
            if target.startswith(
                ("request.form", "request.values", "request.args", "request.json", "request.get_json")
            ):
                lines.append(node.lineno)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            text = ast.unparse(node.func)
            if text in ("request.form.to_dict", "request.values.to_dict", "request.args.to_dict") or (
                node.func.attr == "populate_obj"
            ):
                lines.append(node.lineno)
    return sorted(lines)


def test_no_code_copies_posted_fields_wholesale() -> None:
    problems = []
    for package in SOURCE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for line in _spreads_request_data(ast.parse(path.read_text(encoding="utf-8"))):
                problems.append(f"{path.relative_to(ROOT)}:{line}")
    assert problems == []


def test_the_scan_catches_wholesale_copies() -> None:
    sample = "def view():\n    Thing(**request.form)\n    form.populate_obj(thing)\n    x = request.form.to_dict()\n"
    assert _spreads_request_data(ast.parse(sample)) == [2, 3, 4]


def test_portal_forms_read_only_declared_fields(app: Flask) -> None:
    from wtforms import StringField

    from core.forms import PortalForm

    class NameForm(PortalForm):
        name = StringField()

    with app.test_request_context(method="POST", data={"name": " Ada ", "role": "admin", "organisation_id": "2"}):
        form = NameForm()
        assert form.data == {"name": "Ada", "csrf_token": None} or set(form.data) <= {"name", "csrf_token"}
        assert "role" not in form.data and "organisation_id" not in form.data


def test_the_project_has_a_readable_source_tree() -> None:
    # Guards the scan above against silently scanning nothing.
    assert sum(1 for package in SOURCE_PACKAGES for _ in (ROOT / package).rglob("*.py")) > 20
    assert Path(ROOT / "agencies" / "views.py").is_file()
