"""Choosing what an action answers, in a real browser: with the script, choosing a standard swaps
the prompt select's options (and its hint) to that standard's prompts without loading the page
again, and the no-script "Show this standard's prompts" step is gone; the owners list the
case's agencies first. Every page is checked by axe, and at 320 px wide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Role
from extensions import db
from learning.models import ActionRecord
from tests.conftest import make_user
from tests.e2e.harness import SMALL_SCREEN, check_fits, check_page, fill_action, sign_in, submit
from tests.factories.cases import today
from tests.factories.learning import learning_case

pytestmark = pytest.mark.e2e


def _prompt_texts(page: Page) -> list[str]:
    return page.get_by_label("Prompt, where one applies").locator("option").all_inner_texts()


def test_choosing_a_standard_offers_its_prompts_without_reloading(page: Page) -> None:
    case, police, childrens, _officer = learning_case()
    standards = case.review.assessment.standards_version.standards
    first, third = standards[0], standards[2]
    first_prompts = [f"Standard 1, {p.label}: " for p in first.prompts]
    third_prompt = third.prompts[1]
    headings = (first.heading, third.heading)
    police_name, childrens_name = police.name, childrens.name
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    title = f"Record an action for case {case.reference}"
    url = f"/learning/cases/{case.id}/actions/new"
    db.session.commit()

    sign_in(page, inspector.email)
    page.goto(url)
    check_page(page, title)
    owners = page.get_by_label("Owner")
    expect(owners.locator("optgroup").first).to_have_attribute("label", "This case's agencies")
    expect(owners.locator("optgroup").first.locator("option")).to_have_text([childrens_name, police_name])
    expect(page.get_by_role("button", name="Show this standard's prompts")).to_have_count(0)
    assert _prompt_texts(page) == ["No prompt"]
    prompt = page.get_by_label("Prompt, where one applies")
    expect(prompt).to_have_accessible_description("Choose a standard first: a prompt belongs to a standard.")

    # Choosing a standard narrows the prompts in place: the page is not loaded again.
    page.evaluate("window.notReloaded = true")
    standard = page.get_by_label("QA standard whose rating this action addresses")
    standard.select_option(value=str(first.id))
    expect(prompt.locator("option")).to_have_count(len(first_prompts) + 1)
    texts = _prompt_texts(page)
    assert texts[0] == "No prompt"
    assert all(text.startswith(start) for text, start in zip(texts[1:], first_prompts, strict=True))
    expect(prompt).to_have_accessible_description(f"Only the prompts of {headings[0]}.")
    assert page.evaluate("window.notReloaded") is True
    check_page(page, title)

    standard.select_option(value=str(third.id))
    expect(prompt).to_have_accessible_description(f"Only the prompts of {headings[1]}.")
    assert all(text == "No prompt" or text.startswith("Standard 3, ") for text in _prompt_texts(page))
    assert page.evaluate("window.notReloaded") is True
    page.set_viewport_size(SMALL_SCREEN)
    check_fits(page)

    fill_action(
        page,
        "Grade risk only after linking incidents",
        owner=police_name,
        due_on=today() + timedelta(days=45),
        change="Risk is graded after the earlier incidents are linked.",
        evidence="A dip sample of 20 gradings.",
    )
    page.get_by_label("Theme").select_option(label="Domestic abuse")
    page.get_by_label("Local", exact=True).check()
    prompt.select_option(value=str(third_prompt.id))
    submit(page, "Save action", title="ACT-0001: Grade risk only after linking incidents")
    db.session.expire_all()
    action = db.session.scalar(db.select(ActionRecord))
    assert action is not None and (action.standard_id, action.prompt_id) == (third.id, third_prompt.id)
