"""Each kind of person signs in to their to-do list and reaches each thing on it in one click."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.harness import SMALL_SCREEN, check_fits, check_page, follow, sign_in
from tests.factories import learning as learning_factories
from tests.factories.cases import today
from tests.factories.panels import panel_world

pytestmark = pytest.mark.e2e


def _todo_links(page: Page, heading: str) -> list[str]:
    section = page.locator("section", has=page.get_by_role("heading", level=2, name=heading, exact=True))
    return [text.strip() for text in section.get_by_role("listitem").get_by_role("link").all_inner_texts()]


def _small(open_page) -> Page:
    """A phone's browser: every page it shows is checked for sideways scrolling too."""
    page: Page = open_page()
    page.set_viewport_size(SMALL_SCREEN)
    return page


def _home(page: Page) -> None:
    # On a small screen the menu sits behind its "Menu" button.
    menu = page.get_by_role("button", name="Menu")
    if menu.count() and menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
        menu.click()
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Home", exact=True).click()
    check_page(page, "Your work")
    check_fits(page)


def _visit_each(page: Page, heading: str, titles: dict[str, str]) -> None:
    """Follow every to-do link under ``heading`` from the home page, checking where it lands."""
    links = _todo_links(page, heading)
    assert links, f"nothing listed under {heading!r}"
    for text in links:
        follow(page, page.get_by_role("link", name=text, exact=True), titles.get(text))
        check_fits(page)
        _home(page)


def test_each_person_lands_on_their_work(open_page) -> None:
    world = panel_world()
    learning_factories.make_action(world.health_org, title="Share discharge plans", due_on=today())
    reference = world.case.reference

    # --- a health trust: requests, a panel to answer, an action due; no QA reports anywhere ---------------
    health = _small(open_page)
    sign_in(health, world.health.email)
    check_page(health, "Your work")
    check_fits(health)
    expect(health.get_by_role("link", name=f"Confirm whether you were involved in {reference}")).to_be_visible()
    expect(health.get_by_role("navigation", name="Menu").get_by_role("link", name="QA reports")).to_have_count(0)
    _visit_each(health, "Requests for information", {})
    follow(
        health,
        health.get_by_role("link", name=f"Reply to the invitation to {world.panel.title}"),
        "Reply to the invitation",
    )
    check_fits(health)
    _home(health)
    _visit_each(health, "Actions due", {})

    # --- the police have sent their return: nothing to do, said plainly -----------------------------------
    police = _small(open_page)
    sign_in(police, world.police_colleague.email)
    check_page(police, "Your work")
    check_fits(police)
    expect(police.get_by_role("main")).to_contain_text(
        "Nothing to do: Northshire Police has no request awaiting its involvement or return."
    )

    # --- the probation region: the new QA report, then no longer new --------------------------------------
    region = _small(open_page)
    sign_in(region, world.probation.email)
    check_page(region, "Your work")
    check_fits(region)
    follow(region, region.get_by_role("link", name=f"Read the QA report on {reference}"), f"QA report on {reference}")
    check_fits(region)
    _home(region)
    expect(region.get_by_role("main")).to_contain_text("Nothing to do: nobody at North West Probation Region")

    # --- the inspector: QA work, cases waiting on agencies, panels to prepare, actions -------------------
    inspector = _small(open_page)
    sign_in(inspector, world.inspector.email)
    check_page(inspector, "Your work")
    check_fits(inspector)
    follow(inspector, inspector.get_by_role("link", name="Open the QA dashboard"), "Dashboard")
    check_fits(inspector)
    _home(inspector)
    _visit_each(inspector, "Cases waiting on agencies", {})
    _visit_each(inspector, "Panels to prepare", {})
    _visit_each(inspector, "Actions due", {})
