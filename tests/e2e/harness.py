"""The browser-journey harness: what every journey calls on every page it visits.

Journeys read the page the way a person does (labels, roles, visible text) and, on every
page they land on, call ``check_page``: one h1, a GOV.UK-pattern title that no other kind
of page uses, a skip link to ``#main-content`` and zero axe violations. After a failed
submit they call ``expect_error_summary``, which also proves the summary took the focus.

The fixtures that give journeys a live server and a browser page are in ``conftest.py``;
these are plain functions so that journeys can import them::

    from tests.e2e.harness import check_page, expect_error_summary, sign_in, sign_out, tab_to

At the end are the steps more than one journey takes (flag a case, fill in a return, convene
a panel, reply, compile learning, record and progress an action): the journey of each part
proves its error states around them, and the whole-service journey strings them together.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

from axe_playwright_python.sync_playwright import Axe
from flask import current_app
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader
from werkzeug.exceptions import HTTPException

from tests.conftest import TEST_PASSWORD

SERVICE = "Learning panels"
TITLE_PATTERN = re.compile(rf"^(?P<error>Error: )?(?P<name>.+) – {SERVICE}$")

_axe = Axe()
# axe's defaults (WCAG 2.0/2.1 A and AA, best practice) plus WCAG 2.2's target size, which
# axe leaves off unless asked.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}

# Violations excused on every page: none. Pass allowances=[(axe rule, CSS selector)] to
# axe_violations for a deliberate, documented exception.
LAYOUT_ALLOWANCES: list[tuple[str, str]] = []

_INSIDE = "([target, within]) => { const el = document.querySelector(target); return !!(el && el.closest(within)); }"


def _allowed(page: Page, violation: dict, allowances: list[tuple[str, str]]) -> bool:
    for rule, within in allowances:
        if violation["id"] != rule:
            continue
        targets = [node["target"][-1] for node in violation["nodes"]]
        if all(isinstance(t, str) and page.evaluate(_INSIDE, [t, within]) for t in targets):
            return True
    return False


def axe_violations(page: Page, *, allowances: list[tuple[str, str]] | None = None) -> list[dict]:
    """Every axe-core violation on the page as it is now, less the layout allowances."""
    results = _axe.run(page, options=AXE_OPTIONS)
    allowances = LAYOUT_ALLOWANCES if allowances is None else allowances
    return [v for v in results.response["violations"] if not _allowed(page, v, allowances)]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  [{violation['helpUrl']}]")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    at {target}: {node['html'][:160]}")
            for check in node.get("any", []) + node.get("all", []) + node.get("none", []):
                lines.append(f"      * {check['message']}")
    return "\n".join(lines)


def check_accessibility(page: Page) -> None:
    """Fail with a readable list if axe finds anything on the page."""
    violations = axe_violations(page)
    assert not violations, f"axe found {len(violations)} violation(s) on {page.url}:\n{describe_violations(violations)}"


@dataclass
class TitleRegistry:
    """Which kind of page (Flask endpoint, or an error status) has used which title.

    Two different kinds of page must never share a title: a person using a screen reader or
    browser history tells pages apart by it. One kind of page may have several titles (an
    object's name, an error state).
    """

    kind_by_title: dict[str, str] = field(default_factory=dict)

    def claim(self, title: str, kind: str) -> None:
        owner = self.kind_by_title.setdefault(title, kind)
        assert owner == kind, f"title {title!r} is used by two kinds of page: {owner} and {kind}"


TITLES = TitleRegistry()


def page_kind(page: Page) -> str:
    """The Flask endpoint behind the page's URL, or 'error <status>' for an error page."""
    status = getattr(page, "last_document_status", 200)
    if status >= 400:
        return f"error {status}"
    path = re.sub(r"^[a-z]+://[^/]+", "", page.url).split("#")[0].split("?")[0] or "/"
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return f"path {path}"
    return str(endpoint)


def check_page(page: Page, title: str | None = None, *, error: bool = False) -> None:
    """The checks every page gets: title, one h1, skip link, axe.

    ``title`` is the page name without the service suffix ("People"); ``error`` says whether
    the page is showing a failed form ("Error: " prefix expected).
    """
    page.wait_for_load_state()
    full_title = page.title()
    match = TITLE_PATTERN.match(full_title)
    assert match, f"title {full_title!r} on {page.url} is not in the pattern 'Page name – {SERVICE}'"
    if title is not None:
        assert match["name"] == title, f"expected the title {title!r}, got {match['name']!r} on {page.url}"
    assert bool(match["error"]) == error, (
        f"title {full_title!r} on {page.url} {'lacks' if error else 'has'} the 'Error: ' prefix"
    )
    TITLES.claim(match["name"], page_kind(page))

    headings = page.get_by_role("heading", level=1)
    assert headings.count() == 1, f"{page.url} has {headings.count()} h1 headings: {headings.all_inner_texts()}"

    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.count() == 1, f"{page.url} has no skip link"
    assert skip.get_attribute("href") == "#main-content"
    main = page.get_by_role("main")
    assert main.count() == 1 and main.get_attribute("id") == "main-content", f"{page.url}: no <main id=main-content>"

    check_accessibility(page)


SMALL_SCREEN = {"width": 320, "height": 720}

# The elements wider than the window, for the failure message: what pushes the page sideways.
_TOO_WIDE = """() => {
  const limit = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    const scroller = el.parentElement && el.parentElement.closest(".app-table-container");
    const spills = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible";
    if ((box.right > limit + 1 || (spills && box.left + el.scrollWidth > limit + 1)) && !scroller) {
      const text = (el.textContent || "").trim().slice(0, 40);
      found.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=${Math.round(box.right)} "${text}"`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, width: limit, found: found.slice(0, 8)};
}"""


def check_fits(page: Page) -> None:
    """No sideways scrolling of the page at its width (a wide table scrolls in its own region)."""
    measure = page.evaluate(_TOO_WIDE)
    assert measure["scroll"] <= measure["width"], (
        f"{page.url} scrolls sideways at {measure['width']} px ({measure['scroll']} px wide): {measure['found']}"
    )


def expect_error_summary(page: Page, *messages: str, title: str | None = None) -> Locator:
    """After a failed submit: the error summary lists ``messages`` as links and has the focus."""
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary).to_be_visible()
    for message in messages:
        expect(summary.get_by_role("link", name=message, exact=True)).to_be_visible()
    # GOV.UK Frontend moves focus to the summary's wrapper (role=alert sits just inside it), so
    # a screen reader announces the errors and the next Tab reaches the first link.
    focused = page.locator(":focus")
    expect(focused.get_by_role("heading", name="There is a problem")).to_be_visible()
    check_page(page, title, error=True)
    return summary


def open_from_menu(page: Page, text: str, title: str | None = None) -> None:
    """Follow a link in the service navigation ("Menu") and check the page it opens."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=text, exact=True).click()
    check_page(page, title or text)


def follow(page: Page, target: Locator, title: str | None = None) -> None:
    """Click a link or button that opens another page, then check that page."""
    target.click()
    check_page(page, title)


def submit(page: Page, button: str, *errors: str, title: str | None = None) -> None:
    """Press the form's button; with ``errors``, expect exactly that failed state, else a checked page."""
    page.get_by_role("button", name=button, exact=True).click()
    if errors:
        expect_error_summary(page, *errors, title=title)
    else:
        check_page(page, title)


def sign_in(page: Page, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the sign-in page, checking the page on the way, and wait to land."""
    page.goto("/login")
    check_page(page, "Sign in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
    check_page(page)


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You have signed out")).to_be_visible()
    check_page(page, "Sign in")


def service_navigation(page: Page) -> list[str]:
    """The link texts in the service navigation ("Menu"), or [] when there is none."""
    menu = page.get_by_role("navigation", name="Menu")
    if menu.count() == 0:
        return []
    return [text.strip() for text in menu.get_by_role("link").all_inner_texts()]


def is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, *, key: str = "Tab", limit: int = 60) -> int:
    """Press Tab (or ``key``, e.g. "Shift+Tab") until ``target`` has the focus; no mouse.

    Returns how many presses it took, and fails if the target is never reached, which is
    what happens to a keyboard user when something is not focusable or the order is broken.
    """
    expect(target).to_have_count(1)
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if is_focused(target):
            return presses
    raise AssertionError(f"{limit} presses of {key} never reached {target} on {page.url}")


def press_and_wait(page: Page, key: str = "Enter") -> None:
    """Press a key that should load a new page (follow a link, submit a form) and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


# --- steps more than one journey takes ------------------------------------------------------
#
# Each step starts on the page its docstring names and ends on a checked page. The journey
# that proves a screen's error states does those checks around the steps, not inside them.


def fill_date(page: Page, legend: str, day: date, *, within: Page | Locator | None = None) -> None:
    """Type a date into the day, month and year boxes of the group ``legend``."""
    group = (within or page).get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def download(page: Page, link: str) -> bytes:
    """Follow a download link on the page and return what the browser saved.

    A PDF the background renderer has not written yet first shows its "being prepared" page,
    which refreshes itself until the file downloads; the person is left on that page (its
    back link returns to where they were).
    """
    start = page.url
    with page.expect_download(timeout=60_000) as saved:
        page.get_by_role("link", name=link, exact=True).click()
    data = saved.value.path().read_bytes()
    if page.url != start:
        expect(page.get_by_role("heading", level=1)).to_contain_text("is being prepared")
    return data


def pdf_text(data: bytes) -> str:
    """The text of a PDF, every run of whitespace made one space."""
    assert data.startswith(b"%PDF"), f"not a PDF: {data[:20]!r}"
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


# Multi-agency cases and agency returns (signed in as the inspector, then as each agency).


def start_flagging(page: Page, reference: str) -> None:
    """From anywhere, signed in as an inspector: to the form that flags ``reference``."""
    open_from_menu(page, "Cases", "Multi-agency cases")
    follow(
        page,
        page.get_by_role("button", name="Flag a review as a multi-agency case"),
        "Which review is a multi-agency case?",
    )
    page.get_by_label("Which review is a multi-agency case?").fill(reference.lower())
    submit(page, "Continue", title=f"Flag {reference} as a multi-agency case")


def flag_case(
    page: Page, reference: str, agencies: list[str], *, person_name: str = "Jordan Example", reply_by: date, born: date
) -> None:
    """On the flag form: ask ``agencies`` about the case, and land on the case's page."""
    group = page.get_by_role("group", name="Agencies to ask")
    for agency in agencies:
        group.get_by_label(agency).check()
    page.get_by_label("Why this is a multi-agency case").fill("Police attended the address twice.")
    fill_date(page, "Reply by", reply_by)
    page.get_by_label("Full name of the person on probation").fill(person_name)
    fill_date(page, "Date of birth", born)
    page.get_by_label("Other identifiers (optional)").fill("PNC 12/345678A")
    page.get_by_label("Summary for partner agencies").fill("A man on licence offended against his partner.")
    submit(page, "Flag case and notify agencies", title=f"Case {reference}")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("We have emailed the agencies")
    for agency in agencies:
        expect(page.get_by_role("row", name=agency)).to_contain_text("Notified")


def open_request(page: Page, reference: str) -> None:
    """Signed in as an agency member: the request about ``reference`` from the Cases menu."""
    open_from_menu(page, "Cases", "Requests for information")
    follow(page, page.get_by_role("link", name=reference), f"Request about {reference}")


def fill_return_author(page: Page, name: str, role: str, *, records: str, secured_on: date) -> None:
    """On the return form: who wrote it (not involved in the case) and the records reviewed."""
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Your role").fill(role)
    page.get_by_role("group", name="Were you involved in the case?").get_by_label("No").check()
    page.get_by_label("Records reviewed").fill(records)
    fill_date(page, "Date the records were secured", secured_on)


def fill_contact(page: Page, number: int, day: date, what: str, why: str | None = None) -> None:
    """On the return form: row ``number`` of the chronology."""
    row = page.get_by_role("group", name=f"Contact {number}")
    fill_date(page, "Date", day, within=row)
    row.get_by_label("What happened").fill(what)
    if why is not None:
        row.get_by_label("Why it is significant (optional)").fill(why)


def fill_learning_point(page: Page, number: int, text: str, *, theme: str, level: str = "Local") -> None:
    point = page.get_by_role("group", name=f"Learning point {number}")
    point.get_by_label("Learning point").fill(text)
    point.get_by_label("Theme").select_option(label=theme)
    point.get_by_label("Level").select_option(label=level)


# Panels (the inspector convenes; each invitee replies).


def fill_panel_details(page: Page, title: str, day: date, *, place: str = "Room 3, County Hall") -> None:
    """On "Create a panel": the details, saved as a draft; lands on the panel's page."""
    page.get_by_label("Title").fill(title)
    fill_date(page, "Date of the panel", day)
    page.get_by_label("Start time").fill("10am")
    page.get_by_label("End time").fill("12:30pm")
    page.get_by_label("Place").fill(place)
    submit(page, "Create draft panel", title=title)
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Draft panel created")


def add_to_agenda(page: Page, panel: str, case_label: str, *, at: str = "10:15am") -> None:
    """On the panel's page: put the case (its label in the list, "REF – category") on the agenda."""
    follow(page, page.get_by_role("button", name="Add a case to the agenda"), "Add a case to the agenda")
    page.get_by_label("Case").select_option(label=case_label)
    page.get_by_label("Time (optional)").fill(at)
    submit(page, "Add to agenda", title=panel)
    reference = case_label.split(" – ")[0]
    expect(page.get_by_role("table", name="Cases on the agenda, in order")).to_contain_text(reference)


def invite_person(page: Page, panel: str, person: str, role: str = "Member") -> None:
    """On the panel's page: invite ``person`` ("Name – Organisation") in ``role``."""
    invite_people(page, panel, [person], role)


def invite_people(page: Page, panel: str, people: list[str], role: str = "Member") -> None:
    """On the panel's page: invite ``people`` ("Name – Organisation") in one step, all in ``role``."""
    follow(page, page.get_by_role("button", name="Invite people"), "Invite people")
    chosen = page.get_by_role("group", name="People to invite")
    for person in people:
        chosen.get_by_label(person, exact=True).check()
    page.get_by_role("group", name="Role").get_by_label(role).check()
    submit(page, "Invite", title=panel)


def send_invitations(page: Page, panel: str, invitees: list[str], *, emailed: int) -> None:
    """On the panel's page: check who will be invited ("Name, Organisation (role)") and send."""
    follow(page, page.get_by_role("button", name="Send the invitations"), "Send the invitations")
    for invitee in invitees:
        expect(page.get_by_role("main")).to_contain_text(invitee)
    submit(page, "Send invitations", title=panel)
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"We have emailed {emailed} people")


def open_panel(page: Page, panel: str) -> None:
    open_from_menu(page, "Panels")
    follow(page, page.get_by_role("link", name=panel), panel)


def send_reply(page: Page, panel: str, answer: str, confirmation: str) -> None:
    """On "Reply to the invitation": choose ``answer``, send, and see ``confirmation``."""
    page.get_by_label(answer).check()
    submit(page, "Send reply", title=panel)
    expect(page.get_by_role("alert", name="Success")).to_contain_text(confirmation)


# Shared learning and actions.


def compile_learning(page: Page, reference: str, point: str, learning: str) -> None:
    """Signed in as an inspector: make the agency's ``point`` on the case shared ``learning``."""
    open_from_menu(page, "Actions")
    follow(
        page,
        page.get_by_role("link", name="Compile learning and record actions from a case"),
        "Shared learning by case",
    )
    follow(page, page.get_by_role("link", name=reference), f"Shared learning for case {reference}")
    page.get_by_label(point, exact=False).check()
    follow(page, page.get_by_role("button", name="Compile the selected points"), "Compile learning")
    expect(page.get_by_label("The learning")).to_have_value(point)
    page.get_by_label("The learning").fill(learning)
    submit(page, "Save learning", title=f"Shared learning for case {reference}")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Learning saved")


def fill_action(page: Page, title: str, *, owner: str, due_on: date, change: str, evidence: str) -> None:
    """On "Record an action": the fields every action needs (theme and level come from the learning)."""
    page.get_by_label("Short title").fill(title)
    page.get_by_label("What will change").fill(change)
    page.get_by_label("Owner").select_option(label=owner)
    fill_date(page, "Due date", due_on)
    page.get_by_label("How progress and outcomes will be evidenced").fill(evidence)


def post_progress(page: Page, action: str, status: str, progress: str, evidence: str | None = None) -> None:
    """On the action's page (titled ``action``, "ACT-0001: Title"): post an update with ``status``."""
    reference = action.split(":")[0]
    follow(page, page.get_by_role("button", name="Post a progress update"), f"Post progress on action {reference}")
    page.get_by_label(status, exact=True).check()
    page.get_by_label("Progress", exact=True).fill(progress)
    if evidence is not None:
        page.get_by_label("Evidence of progress or outcomes").fill(evidence)
    submit(page, "Post update", title=action)


def take_step(page: Page, action: str, step: str, button: str, *, fill: dict[str, str] | None = None) -> None:
    """On the action's page (titled ``action``): open the step ``step`` ("Accept the action",
    "Sign off the action"), fill the labelled boxes in ``fill``, press ``button``; back on the action."""
    reference = action.split(":")[0]
    follow(page, page.get_by_role("button", name=step, exact=True), f"{step}: action {reference}")
    for label, text in (fill or {}).items():
        page.get_by_label(label, exact=True).fill(text)
    submit(page, button, title=action)


def answer_standard(page: Page, number: int, rating: str, feedback: str, *, answer: str = "Yes") -> None:
    """On standard ``number``'s page of the QA assessment: answer every prompt, rate and explain it."""
    prompts = page.get_by_role("group", name=re.compile(r"^[a-z]{1,2}\) "))
    for index in range(prompts.count()):
        prompts.nth(index).get_by_label(answer, exact=True).check()
    page.get_by_role("group", name=re.compile(rf"^Rating for standard {number}: ")).get_by_label(rating).check()
    page.get_by_label(f"Feedback on standard {number}", exact=True).fill(feedback)
