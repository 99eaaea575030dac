"""The timeout warning: before the idle limit, a dialog a screen reader announces offers to stay
signed in; keyboard alone operates it, and axe finds nothing on it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from agencies.models import OrganisationKind, Role
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import check_accessibility, check_page, is_focused, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def short_sessions(app: Flask):
    """A 30-second idle limit with the warning 25 seconds before it: the dialog opens after 5."""
    before = app.config["PERMANENT_SESSION_LIFETIME"], app.config["SESSION_WARNING_SECONDS"]
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=30)
    app.config["SESSION_WARNING_SECONDS"] = 25
    yield
    app.config["PERMANENT_SESSION_LIFETIME"], app.config["SESSION_WARNING_SECONDS"] = before


def test_the_warning_opens_and_the_keyboard_keeps_the_person_signed_in(page: Page, short_sessions) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    person = make_user(Role.AGENCY_MEMBER, police, email="officer@police.example")
    sign_in(page, person.email)
    check_page(page, "Your work")

    dialog = page.get_by_role("dialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog).to_contain_text("we will sign you out in")
    check_accessibility(page)
    # The dialog has the focus (showModal), on its first button.
    stay = dialog.get_by_role("button", name="Stay signed in")
    assert is_focused(stay)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    page.reload()
    check_page(page, "Your work")
    expect(page.get_by_role("button", name="Sign out").first).to_be_visible()

    # Escape also means "stay signed in"; the session is renewed each time.
    expect(dialog).to_be_visible(timeout=15_000)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.reload()
    check_page(page, "Your work")
