"""A panel pack asked for before the background renderer has written it: the person sees a
GOV.UK page saying it is being prepared, which checks again by itself (a script that asks the
server, or without JavaScript a meta refresh) until the file downloads."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect

from extensions import db
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import LiveServer
from tests.e2e.harness import check_page, open_panel, pdf_text, sign_in
from tests.factories.panels import panel_world

pytestmark = pytest.mark.e2e


def test_a_pack_not_yet_rendered_says_so_then_downloads_itself(app: Flask, portal: LiveServer, open_page) -> None:  # type: ignore[no-untyped-def]
    world = panel_world(schedule=True)
    db.session.commit()
    assert portal.renderer is not None
    portal.renderer.stop()  # the worker is busy elsewhere
    app.config["RENDER_REFRESH_SECONDS"] = 3

    page = open_page()
    sign_in(page, "police@police.example")
    open_panel(page, world.panel.title)
    page.get_by_role("link", name="Download the panel pack (PDF)").click()
    check_page(page, "Your panel pack is being prepared")
    assert page.last_document_status == 202
    expect(page.get_by_role("main")).to_contain_text("This page checks again every 3 seconds")
    expect(page.get_by_role("link", name="Back to the panel")).to_be_visible()
    # The page's script keeps asking (without reloading the page) while nothing is ready.
    with page.expect_response(lambda r: "check=1" in r.url) as asked:
        pass
    assert asked.value.json() == {"status": "queued"}

    # The worker gets to it; the page's next check starts the download and says so.
    portal.renderer.start()
    with page.expect_download(timeout=60_000) as saved:
        pass
    expect(page.get_by_role("status")).to_have_text("Your panel pack is ready and your download has started.")
    check_page(page, "Your panel pack is being prepared")
    text = pdf_text(saved.value.path().read_bytes())
    assert "Prepared for Priya Constable, Northshire Police" in text
    assert world.case.reference in text


def test_without_javascript_the_page_refreshes_itself_until_the_pack_downloads(
    app: Flask,
    portal: LiveServer,
    browser,  # type: ignore[no-untyped-def]
) -> None:
    world = panel_world(schedule=True)
    db.session.commit()
    context = browser.new_context(base_url=portal.url, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email address").fill("health@health.example")
        page.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
        page.goto(f"/panels/{world.panel.id}")
        with page.expect_download(timeout=60_000) as saved:
            page.get_by_role("link", name="Download the panel pack (PDF)").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Your panel pack is being prepared")
        text = pdf_text(saved.value.path().read_bytes())
        assert "Prepared for Hamid Nurse, Northshire NHS Foundation Trust" in text
    finally:
        context.close()
