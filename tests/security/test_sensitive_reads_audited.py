"""Every view of identifying or agency-sensitive data is audited.

The walk requests every GET route as the inspector (who may see everything) over the demo
data, looks in each answer for the values of the fields in ``cases.sensitive.SENSITIVE_FIELDS``,
and asserts that any answer showing one wrote a read event. The weaknesses this holds shut:
``/cases/<id>/edit`` showed the name, date of birth, PNC and address unaudited (while
``/identifiers`` audited them), and ``/learning/cases/<id>`` showed the agencies' learning
points unaudited.
"""

from __future__ import annotations

from datetime import date

from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from cases.sensitive import SENSITIVE_FIELDS, SensitiveField, Sensitivity
from core.audit import READ_PREFIX
from core.formatting import govuk_date
from extensions import db
from tests.conftest import sign_in_as
from tests.factories.security import audit_actions_since, last_audit_id, routes, seed_demo

# A fixed file, the same for everyone: the demo's chronology was typed from its example rows.
NOT_DATA = {"chronology.download_chronology_template"}
# Shorter values (a one-word answer) could match by chance on any page.
SHORTEST = 12


def fragments(field: SensitiveField) -> set[str]:
    """How the field's stored values would appear on a page: a date as GOV.UK writes it, text
    by its first line (escaped, as templates write it)."""
    found = set()
    for value in db.session.scalars(select(field.column).where(field.column.is_not(None))):
        if isinstance(value, date):
            found.add(govuk_date(value))
            continue
        line = next((part.strip() for part in str(value).splitlines() if part.strip()), "")[:60]
        if len(line) >= SHORTEST:
            found.add(str(escape(line)))
    return found


def test_the_inventory_covers_identifiers_and_agency_returns() -> None:
    names = {field.name for field in SENSITIVE_FIELDS}
    assert {
        "MultiAgencyCase.person_name",
        "MultiAgencyCase.date_of_birth",
        "MultiAgencyCase.other_identifiers",
    } <= names
    assert "ReturnLearningPoint.description" in names
    assert {field.sensitivity for field in SENSITIVE_FIELDS} == set(Sensitivity)


def test_every_page_showing_sensitive_fields_writes_a_read_event(app: Flask) -> None:
    people = seed_demo()
    values = {field.name: fragments(field) for field in SENSITIVE_FIELDS}
    # The demo data holds every kind of field, so the walk can see each one.
    assert all(values[name] for name in ("MultiAgencyCase.person_name", "ReturnLearningPoint.description")), values
    client = sign_in_as(app.test_client(), people["inspector"])
    problems = []
    showing = set()
    for route in routes(app, "GET"):
        if route.endpoint in NOT_DATA:
            continue
        since = last_audit_id()
        response = client.get(route.url)
        if response.status_code != 200 or not response.mimetype.startswith(("text/", "application/json")):
            continue
        page = response.get_data(as_text=True)
        shown = sorted(name for name, found in values.items() if any(fragment in page for fragment in found))
        if not shown:
            continue
        showing.add(route.endpoint)
        if not any(action.startswith(READ_PREFIX) for action in audit_actions_since(since)):
            problems.append(f"{route.url} shows {', '.join(shown)} without a read event")
    assert {"cases.show_identifiers", "cases.edit_case", "learning.show_case_learning"} <= showing, showing
    assert problems == [], "\n".join(problems)
