"""Hostile values are a 4xx or a form's own error, never a 5xx, on SQLite and PostgreSQL: huge,
negative and zero numbers, dates far in the past or future, unicode, overlong text and NUL bytes,
in every field of every form (one at a time, the rest as the page filled them, so each value
reaches as deep as the form lets it) and every query parameter the views read, as an inspector.
Typed dates outside the plausible window (``core.forms.DateWindow``) get a GOV.UK error."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import User
from core.formatting import london_today
from core.forms import LIFE_DATES, WORK_DATES
from extensions import db
from panels.models import Panel
from reviews.models import Review
from tests.conftest import ROOT, sign_in_as
from tests.factories.panels import panel_world
from tests.factories.reviews import make_review
from tests.factories.security import routes, seed_demo

HOSTILE_TEXT = [
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999",
    "-99999999999999999999",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "31/12/9999",
    "ünïcödé 🙂 \u202e \ufeff 中文",
    "x" * 100_000,
    "a\x00b",
]
# A GOV.UK date is three boxes posted under one name.
HOSTILE_DATES = [
    ["31", "12", "9999"],
    ["1", "1", "0001"],
    ["0", "0", "0"],
    ["-1", "-1", "-1"],
    ["99999999999999999999", "99999999999999999999", "99999999999999999999"],
    ["29", "2", "2100"],
    ["1", "1", "1899"],
    ["31", "12", str(london_today().year + 11)],
]
# Names the forms' own pages do not show but the views read.
SKIP_FIELDS = {"csrf_token", "form_token"}


class _FormReader(HTMLParser):
    """The fields of the page's forms, with the values the page filled in (what a browser sends)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a or name not in self.values:
                    self.values[name] = [a.get("value", "on")] if a.get("type") == "radio" else []
                if "checked" in a and a.get("type") == "checkbox":
                    self.values[name] = [*self.values.get(name, []), a.get("value", "on")]
            else:
                self.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
            self.values[name] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.values[self._select] = [value]
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            if not self.values[self._select] and self._select_first is not None:
                self.values[self._select] = [self._select_first]
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] = [self.values[self._textarea][0] + data]


def form_values(page: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(page)
    return {name: values for name, values in reader.values.items() if name not in SKIP_FIELDS}


def client_as(app: Flask, user: User) -> FlaskClient:
    # Some posts end the person's own sessions: start afresh each time.
    db.session.rollback()
    db.session.refresh(user)
    return sign_in_as(app.test_client(), user)


def server_errors(client: FlaskClient, method: str, url: str, **kwargs: object) -> list[str]:
    response = client.open(url, method=method, **kwargs)
    sent = kwargs.get("data", kwargs.get("query_string", ""))
    return [f"{method} {url} {sent!s:.160}: {response.status_code}"] if response.status_code >= 500 else []


def _is_date(values: list[str]) -> bool:
    return len(values) == 3


def test_every_form_field_of_every_post_route_takes_the_catalogue(app: Flask) -> None:
    people = seed_demo()
    inspector = people["inspector"]
    # A draft panel that can still be edited: the newest, so the walk's highest panel id reaches
    # the forms of a panel that is not over.
    day = london_today() + timedelta(days=30)
    draft = {
        "title": "A panel to edit",
        "date": [str(day.day), str(day.month), str(day.year)],
        "start_time": "10am",
        "end_time": "11am",
        "place": "Room 1",
        "convener_role": "chair",
    }
    assert client_as(app, inspector).post("/panels/new", data=draft).status_code == 302
    problems: list[str] = []
    for route in routes(app, "POST"):
        baseline: dict[str, list[str]] = {}
        if "GET" in (route.rule.methods or set()):
            page = client_as(app, inspector).get(route.url)
            if page.status_code == 200:
                baseline = form_values(page.get_data(as_text=True))
        client = client_as(app, inspector)
        problems += server_errors(client, "POST", route.url, data=dict(baseline))
        for name, values in baseline.items():
            catalogue = HOSTILE_DATES if _is_date(values) else [[value] for value in HOSTILE_TEXT]
            for hostile in catalogue:
                problems += server_errors(client, "POST", route.url, data={**baseline, name: hostile})
    # Whatever the forms accepted must not break a page later (a panel dated 9999 was saved, then
    # its calendar file failed): every page and download, once more.
    client = client_as(app, inspector)
    for route in routes(app, "GET", include_files=False):
        problems += server_errors(client, "GET", route.url)
    print("\n".join(problems))
    assert problems == []


# The query parameters the views read: every ``request.args.get("name")``/``getlist`` in the app.
# Read from request.args directly, by a helper given the args, or as an id (core.ids.id_arg, id_args).
_ARG = re.compile(r"""(?:args\.get(?:list)?\(|_arg\(args, |\bid_args?\()\s*["']([a-z_]+)["']""")
APP_PACKAGES = ["agencies", "cases", "core", "learning", "notifications", "panels", "portal", "reviews"]


def query_parameters() -> list[str]:
    # Read by a variable name (the audit filter's dates) or by a filter class from the whole mapping.
    names = {"year", "page", "status", "q", "sort", "direction", "owner", "theme", "level", "region", "category"}
    names |= {"from", "to", "start", "end"}
    for package in APP_PACKAGES:
        for path in Path(ROOT, package).rglob("*.py"):
            names.update(_ARG.findall(path.read_text()))
    names.discard("next")  # sign-in's own redirect, tested with the sessions
    names.discard("page")  # page numbers have their own tests (ids and pages in URLs, issue 12)
    return sorted(names)


def test_every_query_parameter_of_every_get_route_takes_the_catalogue(app: Flask) -> None:
    people = seed_demo()
    client = client_as(app, people["inspector"])
    names = query_parameters()
    assert {"year", "point", "item", "from", "to"} <= set(names)
    problems: list[str] = []
    for route in routes(app, "GET"):
        if route.endpoint.startswith(("auth.", "security.")):
            continue
        for value in HOSTILE_TEXT:
            problems += server_errors(client, "GET", route.url, query_string=dict.fromkeys(names, value))
        for day in HOSTILE_DATES:  # the filters' GOV.UK dates, three boxes each
            problems += server_errors(client, "GET", route.url, query_string={"start": day, "end": day})
    print("\n".join(problems))
    assert problems == []


# --- the values the issue found --------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", ".pdf", ".csv"])
@pytest.mark.parametrize("year", ["0", "-1", "1", "9999", "99999999999999999999", "2024x", ""])
def test_a_year_that_is_not_on_offer_is_a_404(client_for, year: str, suffix: str) -> None:
    from agencies.models import Role
    from tests.conftest import make_user

    client = client_for(make_user(Role.INSPECTOR))
    response = client.get(f"/learning/annual-summary{suffix}?year={year}")
    assert response.status_code == 404


def test_a_review_dated_0001_already_stored_offers_no_year_before_the_window(client_for) -> None:
    from agencies.models import Role
    from tests.conftest import make_user

    review = make_review(received_on=date(2024, 5, 1))
    db.session.flush()
    db.session.execute(db.update(Review).where(Review.id == review.id).values(received_on=date(1, 1, 1)))
    db.session.commit()
    client = client_for(make_user(Role.INSPECTOR))
    page = client.get("/learning/annual-summary")
    assert page.status_code == 200
    assert 'value="1998"' not in page.get_data(as_text=True) and 'value="1999"' in page.get_data(as_text=True)
    assert client.get("/learning/annual-summary.pdf?year=0").status_code == 404
    assert client.get("/learning/annual-summary.pdf?year=2000").status_code == 200


def test_a_panel_dated_31_12_9999_is_refused_with_a_govuk_error(app: Flask) -> None:
    world = panel_world(schedule=True)
    client = sign_in_as(app.test_client(), world.inspector)
    before = db.session.query(Panel).count()
    data = {
        "title": "Far future panel",
        "date": ["31", "12", "9999"],
        "start_time": "10am",
        "end_time": "11am",
        "place": "Room 3",
        "video_link": "",
        "convener_role": "chair",
    }
    response = client.post("/panels/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert f"must be between 1 January 2000 and 31 December {london_today().year + 10}" in page
    assert 'value="9999"' in page  # what was typed is kept
    assert db.session.query(Panel).count() == before


def test_a_review_received_01_01_0001_is_refused_on_the_form_and_in_an_import(client_for, app: Flask) -> None:
    from agencies.models import Role
    from tests.conftest import make_user
    from tests.integration.test_reviews_import import _csv, _preview

    client = client_for(make_user(Role.INSPECTOR))
    response = client.post("/reviews/new", data={"received_on": ["1", "1", "0001"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Date received must be between 1 January 2000" in page
    assert db.session.query(Review).count() == 0

    # The CSV import reads its dates by the same rule.
    _id, preview = _preview(client, _csv("SFO-2024-0100,North West Probation Region,Murder,01/01/0001,,,,A,,,,,,"))
    assert "Date received must be between 1 January 2000" in preview or "must be between 1 January 2000" in preview


# --- the window itself, property-based -------------------------------------------------------------


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(day=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_the_window_takes_exactly_its_dates(day: date) -> None:
    today = date(2026, 6, 1)
    inside_work = date(2000, 1, 1) <= day <= date(2036, 12, 31)
    assert (WORK_DATES.problem(day, "Date", today) is None) == inside_work
    inside_life = date(1900, 1, 1) <= day <= date(2026, 12, 31)
    assert (LIFE_DATES.problem(day, "Date", today) is None) == inside_life
