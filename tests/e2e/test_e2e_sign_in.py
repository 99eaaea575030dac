"""Signing in and out in a real browser, for each kind of person, and a wrong password."""

from __future__ import annotations

import re

import pytest
from flask import current_app
from playwright.sync_api import Page, expect

from agencies.models import OrganisationKind, Role, User
from portal.navigation import NAVIGATION
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import check_page, expect_error_summary, service_navigation, sign_in, sign_out

pytestmark = pytest.mark.e2e

ADMIN_ONLY = ["People", "Organisations", "Audit trail"]


def expected_navigation(user: User) -> list[str]:
    """The menu the design gives this person, among the pages that exist so far."""
    return [text for text, endpoint, check in NAVIGATION if endpoint in current_app.view_functions and check(user)]


def _person(role: Role) -> User:
    if role == Role.AGENCY_MEMBER:
        organisation = make_organisation(OrganisationKind.POLICE, "Northshire Police")
        return make_user(role, organisation, email="officer@police.example", full_name="Dana Officer")
    return make_user(role, email=f"{role.value}@inspectorate.example", full_name=f"Sam {role.label}")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INSPECTOR, Role.AGENCY_MEMBER], ids=lambda r: r.value)
def test_each_role_signs_in_sees_its_menu_and_signs_out(page: Page, role: Role) -> None:
    person = _person(role)
    expected = expected_navigation(person)

    sign_in(page, person.email)

    account = page.get_by_role("navigation", name="Account navigation")
    expect(account).to_contain_text(f"{person.full_name}, {person.organisation.name}")
    assert service_navigation(page) == expected
    if role == Role.ADMIN:
        assert set(ADMIN_ONLY) <= set(expected)
    else:
        assert not set(ADMIN_ONLY) & set(service_navigation(page))
    # Every page in the menu opens and passes the page checks.
    for text in expected:
        page.get_by_role("navigation", name="Menu").get_by_role("link", name=text, exact=True).click()
        check_page(page)
        expect(
            page.get_by_role("navigation", name="Menu").get_by_role("link", name=text, exact=True)
        ).to_have_attribute("aria-current", re.compile("page|true"))

    sign_out(page)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
    assert service_navigation(page) == []
    # Signed out means signed out: an admin page sends the browser back to sign in.
    page.goto("/admin/people")
    check_page(page, "Sign in")
    expect(page.get_by_text("Sign in to continue")).to_be_visible()


def test_a_wrong_password_shows_an_error_and_keeps_the_email(page: Page) -> None:
    make_user(Role.INSPECTOR, email="inspector@inspectorate.example")

    page.goto("/login")
    check_page(page, "Sign in")
    page.get_by_role("button", name="Sign in").click()
    expect_error_summary(page, "Enter your email address", "Enter your password", title="Sign in")

    page.get_by_label("Email address").fill("inspector@inspectorate.example")
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect_error_summary(page, "Enter a correct email address and password", title="Sign in")
    expect(page.get_by_label("Email address")).to_have_value("inspector@inspectorate.example")
    # The password is never sent back to the browser.
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)

    # Following the error link puts the cursor in the field it is about.
    page.get_by_role("link", name="Enter a correct email address and password").click()
    expect(page.get_by_label("Email address")).to_be_focused()


def test_a_deactivated_person_cannot_sign_in(page: Page) -> None:
    make_user(Role.AGENCY_MEMBER, email="left@police.example", active=False)

    page.goto("/login")
    page.get_by_label("Email address").fill("left@police.example")
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect_error_summary(page, "Enter a correct email address and password", title="Sign in")
