"""Forgotten password: ask for a link, follow it from the email, set a password, sign in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Role
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import make_user
from tests.e2e.harness import check_page, expect_error_summary

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "lantern meadow quarry"  # nosec B105 - test-only


def _link_in_email(to: str) -> str:
    db.session.rollback()  # see what the server committed
    message = db.session.scalar(
        db.select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    )
    assert message is not None, f"no email queued for {to}"
    match = re.search(r"https?://[^/\s]+(/password/set/\S+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def test_a_person_resets_a_forgotten_password(page: Page) -> None:
    make_user(Role.AGENCY_MEMBER, email="nurse@health.example", full_name="Nia Nurse")

    page.goto("/login")
    check_page(page, "Sign in")
    page.get_by_role("link", name="I have forgotten my password").click()
    check_page(page, "Reset your password")

    page.get_by_role("button", name="Send reset link").click()
    expect_error_summary(page, "Enter your email address", title="Reset your password")
    page.get_by_label("Email address").fill("nurse@health")
    page.get_by_role("button", name="Send reset link").click()
    expect_error_summary(
        page, "Enter an email address in the correct format, like name@example.com", title="Reset your password"
    )

    page.get_by_label("Email address").fill("nurse@health.example")
    page.get_by_role("button", name="Send reset link").click()
    check_page(page, "Check your email")
    expect(page.get_by_role("main")).to_contain_text("If nurse@health.example belongs to an account")

    link = _link_in_email("nurse@health.example")
    page.goto(link)
    check_page(page, "Set your password")
    page.get_by_role("button", name="Save password").click()
    expect_error_summary(page, "Enter a new password", "Confirm your new password", title="Set your password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD + "s")
    page.get_by_role("button", name="Save password").click()
    expect_error_summary(page, "Passwords do not match", title="Set your password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()

    check_page(page, "Sign in")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your password has been saved")
    page.get_by_label("Email address").fill("nurse@health.example")
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account navigation")).to_contain_text("Nia Nurse")
    check_page(page)

    # The link worked once.
    page.goto(link)
    check_page(page, "This link has expired")


def test_a_used_or_made_up_link_says_so(page: Page) -> None:
    page.goto("/password/set/not-a-real-token")
    check_page(page, "This link has expired")
    page.get_by_role("link", name="Ask for a new link").click()
    check_page(page, "Reset your password")
