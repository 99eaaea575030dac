"""The QA assessment as a task list, on a phone-sized screen (320 px): the inspector opens the
task list, saves part of standard 1 (In progress) and comes back to find it kept, finishes it
(Completed) and goes on standard by standard; the check page, opened before the end, says what
is missing and links to the page that fixes it; the composite builds up; then the inspector
checks the answers, changes one and marks the assessment as complete."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from agencies.models import OrganisationKind, Role
from extensions import db
from reviews.models import AssessmentStage, Review
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import (
    SMALL_SCREEN,
    answer_standard,
    check_fits,
    check_page,
    follow,
    sign_in,
    submit,
)
from tests.factories.reviews import assign, make_review

pytestmark = pytest.mark.e2e

RATINGS = {1: "Good (2)", 2: "Requires improvement (1)", 3: "Good (2)", 4: "Outstanding (3)"}  # 8 of 12: Good


def _row(page: Page, name: str) -> Locator:
    return page.locator(".govuk-task-list__item", has_text=name)


def _first_prompt(page: Page) -> Locator:
    return page.get_by_role("group", name=re.compile(r"^a\) ")).first


def _land(page: Page, title: str) -> None:
    check_page(page, title)
    check_fits(page)


def test_an_inspector_rates_a_review_section_by_section_on_a_phone(open_page) -> None:
    region = make_organisation(OrganisationKind.PROBATION_REGION, "North West Probation Region")
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    review = make_review(region=region, reference="SFO-2024-0777")
    assessment = assign(review, inspector)
    standards = {s.number: s for s in assessment.standards_version.standards}
    db.session.commit()
    reference = review.reference
    tasks_title = f"QA assessment of {reference}"

    def standard_title(number: int) -> str:
        return f"{standards[number].heading} ({reference})"

    page: Page = open_page()
    page.set_viewport_size(SMALL_SCREEN)
    sign_in(page, inspector.email)
    page.goto(f"/reviews/{review.id}")
    _land(page, reference)
    follow(page, page.get_by_role("button", name="Continue the assessment"), tasks_title)
    check_fits(page)
    main = page.get_by_role("main")
    expect(main).to_contain_text("You have completed 0 of 4 sections")
    for number in standards:
        expect(_row(page, f"Standard {number}:")).to_contain_text("Not started")
    expect(_row(page, "Check your answers and complete")).to_contain_text("Cannot start yet")
    expect(_row(page, "Check your answers and complete").get_by_role("link")).to_have_count(0)
    expect(main).to_contain_text("Not yet known: no standard is rated yet")

    # --- standard 1, part saved: In progress, and what was saved is there on coming back ---------------------
    follow(page, page.get_by_role("link", name=standards[1].heading), standard_title(1))
    check_fits(page)
    note = f"Note on {standards[1].prompts[0].label} (optional)"
    _first_prompt(page).get_by_label("Partly", exact=True).check()
    page.get_by_label(note, exact=True).fill("The risk assessment is described, not analysed.")
    submit(page, "Save and return to the task list", title=tasks_title)
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"{standards[1].heading} saved")
    expect(_row(page, "Standard 1:")).to_contain_text("In progress")
    expect(_row(page, "Standard 1:")).to_contain_text(f"1 of {len(standards[1].prompts)} prompts answered")

    follow(page, page.get_by_role("link", name=standards[1].heading), standard_title(1))
    expect(_first_prompt(page).get_by_label("Partly", exact=True)).to_be_checked()
    expect(page.get_by_label(note, exact=True)).to_have_value("The risk assessment is described, not analysed.")
    answer_standard(page, 1, RATINGS[1], "Standard 1: the key decisions are analysed well.", answer="Yes")
    _first_prompt(page).get_by_label("Partly", exact=True).check()
    submit(page, "Save and continue", title=standard_title(2))
    check_fits(page)

    # --- standard 2, then the task list: 1 and 2 completed, the composite not yet known -----------------------
    answer_standard(page, 2, RATINGS[2], "Standard 2: the judgements need sharper evidence.", answer="Not applicable")
    submit(page, "Save and return to the task list", title=tasks_title)
    check_fits(page)
    expect(main).to_contain_text("You have completed 2 of 4 sections")
    expect(_row(page, "Standard 1:")).to_contain_text("Completed")
    expect(_row(page, "Standard 2:")).to_contain_text("Completed")
    expect(_row(page, "Standard 3:")).to_contain_text("Not started")
    expect(main).to_contain_text("Not yet known (3 so far, from 2 of 4 standards rated)")

    # --- the check page, opened early, says what is missing and links to the page to fix it -------------------
    page.goto(f"/reviews/{review.id}/assessment/check")
    _land(page, f"Check your answers ({reference})")
    page.get_by_role("button", name="Mark as complete", exact=True).click()
    missing = [
        f"Select a rating for standard 3, {standards[3].title}",
        f"Enter feedback explaining the rating for standard 4, {standards[4].title}",
    ]
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary).to_be_visible()
    for message in missing:
        expect(summary.get_by_role("link", name=message, exact=True)).to_be_visible()
    check_page(page, f"Check your answers ({reference})", error=True)
    check_fits(page)
    follow(page, summary.get_by_role("link", name=missing[0], exact=True), standard_title(3))
    assert page.url.endswith(f"#rating_{standards[3].id}")

    # --- standards 3 and 4 with "Save and continue"; the last goes back to the task list ---------------------
    answer_standard(page, 3, RATINGS[3], "Standard 3: the action plan is specific.")
    submit(page, "Save and continue", title=standard_title(4))
    answer_standard(page, 4, RATINGS[4], "Standard 4: the family's voice is heard throughout.")
    submit(page, "Save and continue", title=tasks_title)
    check_fits(page)
    expect(main).to_contain_text("You have completed 4 of 4 sections")
    expect(main).to_contain_text("8 out of 12")
    expect(main.locator(".govuk-tag", has_text="Good").first).to_be_visible()
    expect(_row(page, "Check your answers and complete")).to_contain_text("Not started")

    # --- the summary (optional) has its own page ---------------------------------------------------------------
    follow(page, page.get_by_role("link", name="Summary of the judgements"), f"Summary of the judgements ({reference})")
    check_fits(page)
    page.get_by_label("Summary of the judgements (optional)").fill("A sound review with one gap.")
    submit(page, "Save and return to the task list", title=tasks_title)
    expect(_row(page, "Summary of the judgements")).to_contain_text("Completed")

    # --- check the answers, change one, and complete ------------------------------------------------------------
    follow(page, page.get_by_role("link", name="Check your answers and complete"), f"Check your answers ({reference})")
    check_fits(page)
    expect(main).to_contain_text("The risk assessment is described, not analysed.")
    expect(main).to_contain_text("Standard 2: the judgements need sharper evidence.")
    prompt = standards[2].prompts[0]
    follow(page, page.get_by_role("link", name=f"Change the answer to {prompt.label}"), standard_title(2))
    assert page.url.endswith(f"#answer_{prompt.id}")
    _first_prompt(page).get_by_label("Yes", exact=True).check()
    submit(page, "Save and return to the task list", title=tasks_title)
    follow(page, page.get_by_role("link", name="Check your answers and complete"), f"Check your answers ({reference})")
    submit(page, "Mark as complete", title=f"QA report on {reference}")
    check_fits(page)
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Assessment complete")

    saved = db.session.scalar(db.select(Review).where(Review.id == review.id)).assessment
    db.session.refresh(saved)
    assert saved.stage == AssessmentStage.COMPLETE
    assert saved.scores == [2, 1, 2, 3] and saved.composite == 8
    assert saved.summary == "A sound review with one gap."
    assert saved.answer_for(prompt).answer.value == "yes"
