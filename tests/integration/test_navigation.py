"""Menus fit the person: every item someone is shown opens for them, and every page they are
not shown would refuse them. The menu asks the same checks the pages' guards ask."""

from __future__ import annotations

import re

import pytest
from flask import current_app, url_for

from agencies.models import OrganisationKind, Role, User
from portal.navigation import NAVIGATION
from tests.conftest import make_organisation, make_user, sign_in_as

PEOPLE = {
    "admin": (Role.ADMIN, None),
    "inspector": (Role.INSPECTOR, None),
    "police": (Role.AGENCY_MEMBER, OrganisationKind.POLICE),
    "health": (Role.AGENCY_MEMBER, OrganisationKind.HEALTH),
    "childrens services": (Role.AGENCY_MEMBER, OrganisationKind.CHILDRENS_SERVICES),
    "probation region": (Role.AGENCY_MEMBER, OrganisationKind.PROBATION_REGION),
}


def _person(name: str) -> User:
    role, kind = PEOPLE[name]
    return make_user(role, make_organisation(kind) if kind else None)


def _menu(page: str) -> list[str]:
    nav = page.partition('data-module="govuk-service-navigation"')[2].partition("</nav>")[0]
    return [re.sub(r"<[^>]+>|\s+", " ", link).strip() for link in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]


@pytest.mark.parametrize("name", PEOPLE)
def test_every_menu_item_opens_and_no_page_left_out_would(client_for, name: str) -> None:
    client = client_for(_person(name))
    shown = _menu(client.get("/").get_data(as_text=True))
    assert shown[0] == "Home"
    for text, endpoint, _check in NAVIGATION:
        with current_app.test_request_context():
            path = url_for(endpoint)
        response = client.get(path)
        if text in shown:
            assert response.status_code == 200, (name, text)
            assert "not a probation region" not in response.get_data(as_text=True)
        else:
            assert response.status_code in (403, 404), (name, text, response.status_code)


@pytest.mark.parametrize("name", ["police", "health", "childrens services"])
def test_partner_agencies_have_no_qa_reports_item(client_for, name: str) -> None:
    assert "QA reports" not in _menu(client_for(_person(name)).get("/").get_data(as_text=True))


def test_a_probation_region_has_the_qa_reports_item(client_for) -> None:
    assert "QA reports" in _menu(client_for(_person("probation region")).get("/").get_data(as_text=True))


def _active(page: str) -> list[str]:
    return re.findall(r'govuk-service-navigation__item--active">\s*<a[^>]*>\s*<strong[^>]*>([^<]+)<', page)


def test_home_is_active_on_the_home_page_alone(client_for) -> None:
    client = client_for(_person("inspector"))
    assert _active(client.get("/").get_data(as_text=True)) == ["Home"]
    assert _active(client.get("/cases/").get_data(as_text=True)) == ["Cases"]
    assert _active(client.get("/reviews/dashboard").get_data(as_text=True)) == ["Dashboard"]


def test_staying_signed_in_renews_the_session_and_needs_a_session(client, client_for) -> None:
    assert client.post("/session/keep-alive").status_code == 302  # signed out: to sign in
    signed_in = client_for(_person("police"))
    assert signed_in.post("/session/keep-alive").status_code == 204
    page = signed_in.get("/").get_data(as_text=True)
    assert 'id="timeout-warning"' in page and 'data-keep-alive-url="/session/keep-alive"' in page
    assert 'id="timeout-warning"' not in client.get("/login").get_data(as_text=True)


def test_a_form_posted_after_the_session_ended_offers_to_sign_in_again(app, inspector) -> None:
    # A browser that was signed in (it holds the signed note of who) and has lost its session.
    client = sign_in_as(app.test_client(), inspector)
    client.get("/")
    client.delete_cookie("session")
    before = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/panels/new", data={"title": "Typed before the timeout"})
        # A browser that never signed in is sent to sign in, its body unread (issue 12).
        stranger = app.test_client().post("/panels/new", data={"title": "Never signed in"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = before
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your session timed out" in page
    assert 'href="/login?next=/panels/new"' in page and "Go to your work" in page
    assert stranger.status_code == 302 and "/login" in stranger.location
