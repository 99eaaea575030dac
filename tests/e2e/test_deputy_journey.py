"""An invitee who cannot come declines and nominates a colleague as deputy (the select appears
under "No, I cannot attend"); the panel page says so, and the deputy, now invited, sees the panel.
Every page is checked with axe, and at 320 px wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import SMALL_SCREEN, check_fits, follow, sign_in, sign_out, submit
from tests.factories.panels import panel_world

pytestmark = pytest.mark.e2e

PANEL = "Northshire learning panel"


def _open_panel(page: Page) -> None:
    """From the panels list, behind the "Menu" button on a small screen."""
    menu = page.get_by_role("button", name="Menu")
    if menu.count() and menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    follow(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Panels", exact=True), "Panels")
    follow(page, page.get_by_role("link", name=PANEL), PANEL)
    check_fits(page)


def test_an_invitee_declines_and_nominates_a_deputy_who_then_sees_the_panel(open_page) -> None:
    world = panel_world(schedule=True)
    page: Page = open_page()
    page.set_viewport_size(SMALL_SCREEN)

    sign_in(page, "police@police.example")
    _open_panel(page)
    follow(page, page.get_by_role("button", name="Reply to the invitation"), "Reply to the invitation")
    check_fits(page)
    deputy = page.get_by_label("If you cannot attend, nominate a deputy (optional)")
    deputy.select_option(label="Pat Colleague")
    # A deputy goes with a decline only; what was chosen stays on the page with the error.
    page.get_by_label("Yes, I will attend").check()
    submit(page, "Send reply", 'To nominate a deputy, choose "No, I cannot attend"', title="Reply to the invitation")
    expect(deputy).to_have_value(str(world.police_colleague.id))
    page.get_by_label("No, I cannot attend").check()
    submit(page, "Send reply", title=PANEL)
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "We have invited Pat Colleague as your deputy and told the convening inspector."
    )
    expect(page.get_by_role("main")).to_contain_text("Declined; nominated Pat Colleague as deputy")
    check_fits(page)
    sign_out(page)

    sign_in(page, "police.colleague@police.example")
    _open_panel(page)
    expect(page.get_by_role("main")).to_contain_text("Deputy for Priya Constable")
    check_fits(page)
