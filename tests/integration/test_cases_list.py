"""The case list: paginated, and its cost does not grow with the number of rows shown."""

from __future__ import annotations

from agencies.models import OrganisationKind, Role
from extensions import db
from tests.conftest import make_organisation, make_user
from tests.factories.cases import invitation_of, make_case, write_return


def _statements_for(client, url: str, count_queries) -> int:
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_inspectorate_list_does_not_grow_queries_with_rows(client_for, inspector, count_queries) -> None:
    agencies = [make_organisation(OrganisationKind.POLICE, f"Force {n}") for n in range(3)]
    officer = make_user(Role.AGENCY_MEMBER, agencies[0])
    client = client_for(inspector)
    make_case(agencies)
    client.get("/cases")  # warm-up: per-process caches
    few = _statements_for(client, "/cases", count_queries)
    for _ in range(6):
        case = make_case(agencies)
        write_return(invitation_of(case, agencies[0]).agency_return, officer, submit=True)
    many = _statements_for(client, "/cases", count_queries)
    assert many == few
    page = client.get("/cases").get_data(as_text=True)
    assert "1 of 3 submitted" in page and "0 of 3 submitted" in page


def test_the_agency_list_does_not_grow_queries_with_rows(client_for, count_queries) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    officer = make_user(Role.AGENCY_MEMBER, police)
    client = client_for(officer)
    make_case([police])
    client.get("/cases")
    few = _statements_for(client, "/cases", count_queries)
    for _ in range(6):
        make_case([police])
    many = _statements_for(client, "/cases", count_queries)
    assert many == few


def test_the_list_is_paginated_and_filtered(client_for, inspector) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    cases = [make_case([police]) for _ in range(27)]
    from cases.operations import close_case
    from tests.factories.cases import today

    close_case(cases[0], today(), inspector)
    db.session.commit()
    client = client_for(inspector)
    first = client.get("/cases").get_data(as_text=True)
    assert "Showing 1 to 25 of 26" in first and cases[0].reference not in first
    second = client.get("/cases?page=2").get_data(as_text=True)
    assert "Showing 26 to 26 of 26" in second
    closed = client.get("/cases?status=closed").get_data(as_text=True)
    assert cases[0].reference in closed and cases[1].reference not in closed
    everything = client.get("/cases?status=all&page=2").get_data(as_text=True)
    assert "of 27" in everything
    # Hostile query strings get the default view, not an error.
    assert client.get("/cases?status=<script>&page=abc").status_code == 200
