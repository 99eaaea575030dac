"""A whole journey with the keyboard alone: sign in, then add a person. No mouse, no clicks.

Tab moves the focus, Enter follows links and submits forms, Space presses a link styled as a
button and ticks a radio, typing fills fields and picks from a drop-down. Locators are used
only to check where the focus is, never to act.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agencies.models import OrganisationKind, Role, User
from extensions import db
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import check_page, expect_error_summary, is_focused, press_and_wait, tab_to

pytestmark = pytest.mark.e2e


def test_sign_in_and_add_a_person_with_the_keyboard_alone(page: Page) -> None:
    make_user(Role.ADMIN, email="admin@inspectorate.example", full_name="Ada Admin")
    organisation = make_organisation(OrganisationKind.HEALTH, "Eastshire Mental Health Trust")
    db.session.commit()

    page.goto("/login")
    check_page(page, "Sign in")

    # The first Tab reaches the skip link, and Enter on it moves the focus to the content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert is_focused(skip)
    expect(skip).to_be_visible()  # a skip link shows itself when it has the focus
    page.keyboard.press("Enter")
    assert is_focused(page.get_by_role("main"))

    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type("admin@inspectorate.example")
    tab_to(page, page.get_by_label("Password", exact=True))
    page.keyboard.type("correct horse battery staple")
    tab_to(page, page.get_by_role("button", name="Sign in"))
    press_and_wait(page, "Enter")
    check_page(page)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()

    tab_to(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="People"))
    press_and_wait(page, "Enter")
    check_page(page, "People")

    # "Add a person" is a link that looks like a button, so Space must press it too.
    tab_to(page, page.get_by_role("button", name="Add a person"))
    press_and_wait(page, "Space")
    check_page(page, "Add a person")

    # Submitting the empty form: the error summary takes the focus, its first link leads
    # to the field, and the person carries on typing there.
    tab_to(page, page.get_by_role("button", name="Save person"))
    press_and_wait(page, "Enter")
    summary = expect_error_summary(page, "Enter the person's full name", title="Add a person")
    page.keyboard.press("Tab")
    assert is_focused(summary.get_by_role("link", name="Enter the person's full name"))
    page.keyboard.press("Enter")
    expect(page.get_by_label("Full name")).to_be_focused()
    page.keyboard.type("Kit Keyboard")

    tab_to(page, page.get_by_label("Email address"))
    page.keyboard.type("kit.keyboard@eastshire.nhs.example")
    tab_to(page, page.get_by_label("Organisation"))
    page.keyboard.type("Eastshire")
    expect(page.get_by_label("Organisation")).to_have_value(str(organisation.id))
    agency_member = page.get_by_role("radio", name="Agency member")
    tab_to(page, agency_member)
    page.keyboard.press("Space")
    expect(agency_member).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Save person"))
    press_and_wait(page, "Enter")

    check_page(page, "Kit Keyboard")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Kit Keyboard added")
    person = db.session.scalar(db.select(User).where(User.email == "kit.keyboard@eastshire.nhs.example"))
    assert person is not None
    assert person.organisation_id == organisation.id and person.role == Role.AGENCY_MEMBER
