"""The harness's own checks must be able to fail: each is shown a page that breaks its rule.
Also the layout itself: the sign-in page has no axe finding at all, with nothing excused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.harness import (
    TITLES,
    axe_violations,
    check_accessibility,
    check_page,
    describe_violations,
    expect_error_summary,
    tab_to,
)

pytestmark = pytest.mark.e2e

GOOD_PAGE = """<!DOCTYPE html><html lang="en"><head><title>{title} – Learning panels</title></head>
<body><a href="#main-content">Skip to main content</a><main id="main-content">{body}</main></body></html>"""


def test_check_accessibility_lists_each_violation_readably(page: Page) -> None:
    page.set_content(
        '<!DOCTYPE html><html><head><title>x</title></head><body><main><img src="/x.png">'
        '<input type="text"></main></body></html>'
    )
    with pytest.raises(AssertionError) as failure:
        check_accessibility(page)
    message = str(failure.value)
    assert "image-alt" in message and "label" in message and "html-has-lang" in message
    assert '<img src="/x.png">' in message  # the offending markup, so the reader can find it


def test_check_page_refuses_two_h1s(page: Page) -> None:
    page.set_content(GOOD_PAGE.format(title="Harness two headings", body="<h1>One</h1><h1>Two</h1>"))
    with pytest.raises(AssertionError, match="2 h1 headings"):
        check_page(page)


def test_check_page_refuses_a_title_outside_the_pattern(page: Page) -> None:
    page.set_content(GOOD_PAGE.format(title="Harness", body="<h1>Harness</h1>").replace(" – Learning panels", ""))
    with pytest.raises(AssertionError, match="not in the pattern"):
        check_page(page)


def test_check_page_refuses_a_page_without_a_skip_link(page: Page) -> None:
    page.set_content(
        GOOD_PAGE.format(title="Harness no skip", body="<h1>Harness</h1>").replace(
            '<a href="#main-content">Skip to main content</a>', ""
        )
    )
    with pytest.raises(AssertionError, match="no skip link"):
        check_page(page)


def test_two_kinds_of_page_may_not_share_a_title(page: Page) -> None:
    TITLES.claim("Harness shared title", "admin.list_people")
    try:
        with pytest.raises(AssertionError, match="used by two kinds of page"):
            TITLES.claim("Harness shared title", "admin.list_audit_events")
    finally:
        TITLES.kind_by_title.pop("Harness shared title")


def test_an_error_summary_that_does_not_take_focus_is_caught(page: Page) -> None:
    body = (
        '<h1>Form</h1><div class="govuk-error-summary"><div role="alert"><h2>There is a problem</h2>'
        '<ul><li><a href="#name">Enter a name</a></li></ul></div></div><label for="name">Name</label>'
        '<input id="name">'
    )
    page.set_content(GOOD_PAGE.format(title="Harness focus", body=body).replace("<title>", "<title>Error: "))
    page.set_default_timeout(1_000)
    with pytest.raises(AssertionError):
        expect_error_summary(page, "Enter a name")


def test_tab_to_fails_when_the_keyboard_cannot_reach_the_target(page: Page) -> None:
    page.set_content(
        GOOD_PAGE.format(
            title="Harness keyboard",
            body='<h1>Keys</h1><button>Reachable</button><span role="button">Mouse only</span>',
        )
    )
    assert tab_to(page, page.get_by_role("button", name="Reachable")) >= 1
    with pytest.raises(AssertionError, match="never reached"):
        tab_to(page, page.get_by_role("button", name="Mouse only"), limit=5)


def test_the_layout_has_no_axe_findings_without_allowances(page: Page) -> None:
    page.goto("/login")
    violations = axe_violations(page, allowances=[])
    assert not violations, describe_violations(violations)


def test_journeys_run_with_csrf_protection_on(page: Page) -> None:
    """A form post without the token from the page is refused, as in production."""
    page.goto("/login")
    response = page.request.post("/login", form={"email": "nobody@example.org", "password": "whatever"})
    assert response.status == 400
    assert "Your session timed out" in response.text()


def test_the_watcher_reports_script_errors_csp_refusals_and_server_errors(browser, portal) -> None:
    from tests.e2e.conftest import _watch

    context = browser.new_context(base_url=portal.url)
    try:
        page = context.new_page()
        problems: list[str] = []
        _watch(page, problems)
        # A page served with a strict policy and an inline script: the browser refuses it.
        page.route(
            "**/probe",
            lambda route: route.fulfill(
                status=200,
                content_type="text/html",
                headers={"Content-Security-Policy": "script-src 'self'"},
                body="<!DOCTYPE html><html lang=en><title>probe</title><script>document.title='ran'</script>"
                "<img src=x onerror=\"throw new Error('boom')\"></html>",
            ),
        )
        page.goto("/probe")
        # Wait for the error itself: navigating away at once can drop it before it is reported.
        with page.expect_event("pageerror"):
            page.evaluate("setTimeout(() => { throw new Error('thrown by the page') }, 0)")
        page.route("**/broken", lambda route: route.fulfill(status=503, body="down"))
        page.goto("/broken")
        page.wait_for_timeout(200)
    finally:
        context.close()
    text = "\n".join(problems)
    assert "Content Security Policy" in text
    assert "thrown by the page" in text
    assert "HTTP 503" in text
