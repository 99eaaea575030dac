"""Sign out everywhere: from Your account, which says the calendar feed address stops working too."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Role
from tests.conftest import TEST_PASSWORD, make_user
from tests.e2e.harness import check_page

pytestmark = pytest.mark.e2e


def test_a_person_makes_a_feed_then_signs_out_everywhere(page: Page) -> None:
    make_user(Role.AGENCY_MEMBER, email="careful@police.example", full_name="Cass Careful")
    page.goto("/login")
    page.get_by_label("Email address").fill("careful@police.example")
    page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Account navigation")).to_contain_text("Cass Careful")

    page.goto("/panels/calendar-feed")
    check_page(page, "Your calendar feed")
    expect(page.get_by_role("main")).to_contain_text("stops working when you sign out everywhere")
    page.get_by_role("button", name="Make a feed address").click()
    check_page(page, "Your calendar feed")
    feed = page.get_by_label("Your feed address").input_value()

    page.goto("/account")
    check_page(page, "Your account")
    expect(page.get_by_role("main")).to_contain_text("stops your calendar feed address working")
    page.get_by_role("button", name="Sign out everywhere").click()
    check_page(page, "Sign in")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your calendar feed address no longer works")

    response = page.request.get(urlparse(feed).path)
    assert response.status == 404
