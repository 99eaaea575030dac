"""Hostile numbers: an id or page number past what the database holds is a 404 or the last page,
never a 500 (PostgreSQL's INTEGER overflows past 2**31 - 1, SQLite's past 2**63 - 1).

Every route with an ``<int:…>`` argument is tried with out-of-range ids, and every GET route with
out-of-range numbers in the query-string arguments that take ids or page numbers. Run on
SQLite and, with ``TEST_DATABASE_URL``, on PostgreSQL.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing.converters import NumberConverter

from core import pagination
from core.ids import MAX_ID
from extensions import db
from reviews.models import Review
from tests.conftest import sign_in_as
from tests.factories.reviews import make_review
from tests.factories.security import FILE_ENDPOINTS, _value_for, candidate_ids, routes, seed_demo

HOSTILE_IDS = [MAX_ID + 1, 2**63, 99999999999999999999999]
HOSTILE_TEXT = ["99999999999999999999", "2147483648", "-1"]
# Query-string arguments that carry an id or a page number somewhere in the portal.
NUMBER_ARGUMENTS = [
    "page",
    "panel",
    "owner",
    "theme",
    "item",
    "standard",
    "point",
    "organisation",
    "agency",
    "region",
    "category",
    "year",
]


def int_arguments(rule) -> list[str]:
    return sorted(name for name, converter in rule._converters.items() if isinstance(converter, NumberConverter))


def test_every_int_argument_in_the_url_map_is_bounded(app: Flask) -> None:
    unbounded = [
        f"{rule.rule} <{name}>"
        for rule in app.url_map.iter_rules()
        for name in int_arguments(rule)
        if rule._converters[name].max is None or rule._converters[name].max > MAX_ID
    ]
    assert unbounded == []


@pytest.mark.parametrize("who", ["admin", "police"])
def test_out_of_range_ids_in_any_route_are_a_404(app: Flask, who: str) -> None:
    people = seed_demo()
    client = sign_in_as(app.test_client(), people[who])
    adapter = app.url_map.bind("portal.test")
    problems = []
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in FILE_ENDPOINTS:
            continue
        method = "GET" if "GET" in (rule.methods or set()) else "POST"
        real = {
            name: candidate_ids(name, limit=1)[0] if name.endswith("_id") else _value_for(rule, name, {})
            for name in rule.arguments
        }
        for name in int_arguments(rule):
            for hostile in HOSTILE_IDS:
                url = adapter.build(rule.endpoint, {**real, name: hostile}, method=method)
                status = client.open(url, method=method).status_code
                checked += 1
                # 405 when another rule has the same path for other methods (werkzeug matches
                # the path before the converters): refused before any view runs.
                if status not in (404, 405):
                    problems.append(f"{method} {url}: {status}")
            url = adapter.build(rule.endpoint, {**real, name: MAX_ID}, method=method)
            status = client.open(url, method=method).status_code
            if status >= 500:
                problems.append(f"{method} {url}: {status}")
    assert checked > 50  # the walk reached the portal's routes
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("who", ["admin", "police"])
def test_out_of_range_numbers_in_query_strings_never_fail(app: Flask, who: str) -> None:
    people = seed_demo()
    client = sign_in_as(app.test_client(), people[who])
    problems = []
    for route in routes(app, "GET"):
        if route.url.endswith(".pdf"):
            continue  # PDFs are rendered in the background; their pages take no numbers
        # Each view reads only its own arguments, so one request per value tries them all.
        for value in HOSTILE_TEXT:
            query = "&".join(f"{name}={value}" for name in NUMBER_ARGUMENTS)
            url = f"{route.url}{'&' if '?' in route.url else '?'}{query}"
            status = client.get(url).status_code
            if status >= 500:
                problems.append(f"GET {url}: {status}")
    assert problems == [], "\n".join(problems)


def test_a_page_past_the_end_shows_the_last_page(app: Flask, client_for, inspector) -> None:
    for number in range(7):
        make_review(reference=f"SFO-2024-{number + 1:04d}", commit=False)
    db.session.commit()
    with app.test_request_context("/reviews/?page=99999999999999999999"):
        page = pagination.paginate(db.select(Review).order_by(Review.reference), per_page=3)
        assert page.page == 3
        assert [r.reference for r in page.items] == ["SFO-2024-0007"]
        assert page.total_text == "7"
    response = client_for(inspector).get("/reviews/?page=99999999999999999999")
    assert response.status_code == 200
    assert "SFO-2024-0007" in response.get_data(as_text=True)
