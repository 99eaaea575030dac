"""Two-step sign-in in a real browser: set up an authenticator from the page's own key, keep
the recovery codes, sign in again with a code and with a recovery code, change the password."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from agencies.models import Role
from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import check_page, follow, sign_out, submit

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "violet orchard summit"  # nosec B105 - test-only


@pytest.fixture
def two_steps_required(app: Flask) -> Iterator[None]:
    app.config["REQUIRE_TWO_FACTOR"] = True
    yield
    app.config["REQUIRE_TWO_FACTOR"] = False


def enter_password(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    check_page(page, "Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def fresh_code(totp: pyotp.TOTP, used: set[str]) -> str:
    """A code the portal has not seen: now, or (as a phone a little ahead would show) the next
    30-second step's, since the portal accepts each step once and allows one step of drift."""
    for steps_ahead in (0, 1):
        code = totp.at(time.time() + steps_ahead * totp.interval)
        if code not in used:
            used.add(code)
            return code
    raise AssertionError("no unused code in the window")


def test_set_up_sign_in_with_a_code_and_a_recovery_code(page: Page, two_steps_required) -> None:
    person = make_user(Role.INSPECTOR, email="twostep@inspectorate.example", full_name="Tam Twostep")
    enter_password(page, person.email, TEST_PASSWORD)
    check_page(page, "Set up two-step sign-in")
    # Nothing is open yet: the password alone has not signed anyone in.
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#secret-key").inner_text().replace(" ", "")
    totp, used = pyotp.TOTP(secret), set()

    page.get_by_label("Code from your authenticator app").fill("12345")
    submit(
        page,
        "Continue",
        "The code is not right. Enter the code your authenticator app shows now",
        title="Set up two-step sign-in",
    )
    page.get_by_label("Code from your authenticator app").fill(fresh_code(totp, used))
    submit(page, "Continue", title="Save your recovery codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    follow(page, page.get_by_role("button", name="I have saved my recovery codes"))
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()

    follow(page, page.get_by_role("link", name="Your account"), "Your account")
    expect(page.get_by_text("10 recovery codes left")).to_be_visible()
    sign_out(page)

    # Next time: a code from the app.
    enter_password(page, person.email, TEST_PASSWORD)
    check_page(page, "Enter the code from your authenticator app")
    page.get_by_label("Code from your authenticator app").fill(fresh_code(totp, used))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    sign_out(page)

    # Without the phone: a recovery code, once.
    enter_password(page, person.email, TEST_PASSWORD)
    follow(page, page.get_by_role("link", name="I cannot use my authenticator app"), "Enter a recovery code")
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You have 9 left")).to_be_visible()
    check_page(page)
    sign_out(page)
    enter_password(page, person.email, TEST_PASSWORD)
    follow(page, page.get_by_role("link", name="I cannot use my authenticator app"), "Enter a recovery code")
    page.get_by_label("Recovery code").fill(codes[0])
    submit(page, "Continue", "The recovery code is not right or has already been used", title="Enter a recovery code")


def test_change_password_from_your_account(page: Page) -> None:
    person = make_user(Role.AGENCY_MEMBER, email="changer@police.example", full_name="Cam Changer")
    enter_password(page, person.email, TEST_PASSWORD)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    follow(page, page.get_by_role("link", name="Your account"), "Your account")
    follow(page, page.get_by_role("link", name=re.compile("Change")), "Change your password")
    page.get_by_label("Current password", exact=True).fill("not my password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    submit(page, "Change password", "Your current password is not right", title="Change your password")
    page.get_by_label("Current password", exact=True).fill(TEST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password", exact=True).fill(NEW_PASSWORD)
    submit(page, "Change password", title="Your account")
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    sign_out(page)
    enter_password(page, person.email, NEW_PASSWORD)
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()


def test_a_wrong_code_shows_the_error_summary(page: Page, two_steps_required) -> None:
    person = make_user(Role.ADMIN, email="wrongcode@inspectorate.example")
    enter_password(page, person.email, TEST_PASSWORD)
    page.get_by_label("Code from your authenticator app").fill("")
    submit(page, "Continue", "Enter the code from your authenticator app", title="Set up two-step sign-in")
