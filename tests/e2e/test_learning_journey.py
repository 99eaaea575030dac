"""From shared learning to an action's impact, in a real browser: the inspector compiles a
police learning point into shared learning and proposes an action to the police; the police
member accepts it, records progress and completes it with evidence (meeting the error on the
way); the inspector signs it off; on the impact review date the police answer with evidence
and the inspector records the impact; the annual summary renders, with every page checked by axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Role
from cases.themes import LearningTheme
from core.formatting import utc_now
from extensions import db
from learning.models import ActionImpact, ActionRecord, ActionStatus
from panels.models import PanelMinutesItem
from tests.conftest import make_user
from tests.e2e.harness import (
    check_page,
    compile_learning,
    fill_action,
    fill_date,
    follow,
    open_from_menu,
    post_progress,
    sign_in,
    submit,
    take_step,
)
from tests.factories.cases import today
from tests.factories.learning import learning_case, panel_for

pytestmark = pytest.mark.e2e
COMPLETE = "Complete: send it to the Inspectorate for sign-off"


def test_the_inspector_records_an_action_and_the_police_complete_it(open_page) -> None:
    case, police, _childrens, officer = learning_case()
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    reference, officer_email = case.review.reference, officer.email
    standard_heading = case.review.assessment.standards_version.standards[1].heading
    case_theme_id = case.invitation_for(police.id).agency_return.learning_points[0].theme_id
    case_theme_name = db.session.get_one(LearningTheme, case_theme_id).name
    panel = panel_for([case], starts_at=utc_now() - timedelta(days=1), title="Northshire learning panel")
    agenda_id = panel.agenda[0].id
    db.session.commit()

    # --- the panel's minutes: written, circulated for comments, approved ----------------------------
    page: Page = open_page()
    sign_in(page, inspector.email)
    open_from_menu(page, "Panels")
    follow(page, page.get_by_role("link", name="Past", exact=True), "Past panels")
    follow(page, page.get_by_role("link", name="Northshire learning panel"), "Northshire learning panel")
    follow(page, page.get_by_role("link", name="The panel's minutes"), "Minutes: Northshire learning panel")
    follow(page, page.get_by_role("button", name="Write the minutes"), "Write the minutes")
    page.get_by_label(f"Discussion (item 1, case {case.reference})").fill("The police described both call-outs.")
    page.get_by_label(f"Key findings (item 1, case {case.reference})").fill("Repeat incidents were not linked.")
    page.get_by_label(f"Learning agreed (item 1, case {case.reference})").fill(
        "Repeat incidents at one address must be linked before risk is graded."
    )
    submit(page, "Save the draft minutes", title="Minutes: Northshire learning panel")
    follow(page, page.get_by_role("button", name="Circulate the draft minutes"), "Circulate the draft minutes")
    fill_date(page, "Comments by", today() + timedelta(days=7))
    submit(page, "Circulate the draft minutes", title="Minutes: Northshire learning panel")
    follow(page, page.get_by_role("button", name="Approve the minutes"), "Approve the minutes")
    # The learning agreed becomes shared learning: not approved until it has a theme and a level.
    problem = (
        f"Choose the theme and level of the learning agreed at item 1 (case {case.reference}): edit the minutes first"
    )
    submit(page, "Approve the minutes", problem, title="Approve the minutes")
    follow(page, page.get_by_role("link", name=problem), "Write the minutes")
    page.get_by_label(f"Theme of this learning (item 1, case {case.reference})").select_option(label=case_theme_name)
    page.get_by_role("group", name=f"Level of this learning (item 1, case {case.reference})").get_by_label(
        "Local"
    ).check()
    submit(page, "Save the draft minutes", title="Minutes: Northshire learning panel")
    follow(page, page.get_by_role("button", name="Approve the minutes"), "Approve the minutes")
    submit(page, "Approve the minutes", title="Minutes: Northshire learning panel")
    expect(page.get_by_role("main")).to_contain_text("Approved by Imogen Inspector")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("1 piece of shared learning compiled")
    assert db.session.scalar(
        db.select(PanelMinutesItem.learning_agreed).where(PanelMinutesItem.agenda_item_id == agenda_id)
    )

    # --- the inspector compiles the learning and records the action ----------------------------------
    compile_learning(
        page,
        reference,
        "Repeat incidents at one address must be linked.",
        "Repeat incidents at one address must be linked before risk is graded.",
    )

    follow(
        page, page.get_by_role("link", name="Record an action for learning 1"), f"Record an action for case {reference}"
    )
    # Started from the learning: its theme and level are filled in, and it is ticked.
    expect(page.get_by_label("Theme")).to_have_value(str(case_theme_id))
    submit(
        page,
        "Save action",
        "Enter a short title for the action",
        "Enter what will change",
        "Choose the organisation that owns the action",
        "Enter the due date",
        "Enter how progress and outcomes will be evidenced",
        title=f"Record an action for case {reference}",
    )
    fill_action(
        page,
        "Link repeat domestic incidents",
        owner="Northshire Police",
        due_on=today() + timedelta(days=60),
        change="The control room checks earlier incidents at the address.",
        evidence="A dip sample of 30 incidents.",
    )
    page.get_by_label("QA standard whose rating this action addresses").select_option(
        label=f"{standard_heading}: rated Requires improvement (1)"
    )
    submit(page, "Save action", title="ACT-0001: Link repeat domestic incidents")
    expect(page.get_by_role("main")).to_contain_text(standard_heading)
    # Its learning was agreed in the minutes: the trail reaches the minutes item.
    trail = page.get_by_role("link", name="Read the minutes of Northshire learning panel, item 1 (approved)")
    expect(trail).to_be_visible()

    # --- the police member accepts it, records progress and completes it ------------------------------
    action_title = "ACT-0001: Link repeat domestic incidents"
    police_page: Page = open_page()
    sign_in(police_page, officer_email)
    open_from_menu(police_page, "Actions")
    follow(police_page, police_page.get_by_role("link", name="Link repeat domestic incidents"), action_title)
    expect(police_page.get_by_role("main")).to_contain_text("Proposed")
    take_step(police_page, action_title, "Accept the action", "Accept the action")
    post_progress(police_page, action_title, "In progress", "The control room procedure is rewritten.")

    follow(
        police_page,
        police_page.get_by_role("button", name="Post a progress update"),
        "Post progress on action ACT-0001",
    )
    police_page.get_by_label(COMPLETE, exact=True).check()
    police_page.get_by_label("Progress", exact=True).fill("All control room staff are trained.")
    submit(
        police_page,
        "Post update",
        "Enter the evidence that the action is complete",
        title="Post progress on action ACT-0001",
    )
    expect(police_page.get_by_label("Progress", exact=True)).to_have_value("All control room staff are trained.")
    police_page.get_by_label("Evidence of progress or outcomes").fill("Dip sample: 30 of 30 incidents linked.")
    submit(police_page, "Post update", title=action_title)
    expect(police_page.get_by_role("main")).to_contain_text("Dip sample: 30 of 30 incidents linked.")
    expect(police_page.get_by_role("main")).to_contain_text("Awaiting sign-off")
    expect(police_page.get_by_role("button", name="Post a progress update")).to_have_count(0)

    # --- the inspector signs it off, reviewing its impact today rather than in a year -------------------------
    page.goto(police_page.url)
    check_page(page, action_title)
    follow(
        page, page.get_by_role("button", name="Sign off the action", exact=True), "Sign off the action: action ACT-0001"
    )
    fill_date(page, "Impact review date", today())
    submit(page, "Sign it off", title=action_title)
    expect(page.get_by_role("main")).to_contain_text("Signed off")

    # --- the police say whether it made the difference; the inspector records the impact -------------------
    police_page.reload()
    check_page(police_page, action_title)
    take_step(
        police_page,
        action_title,
        "Has the action made the difference intended?",
        "Send the impact evidence",
        fill={
            "Has it made the difference intended?": "Repeat incidents are linked in every case now.",
            "Evidence": "Audit of 40 incidents in the last quarter.",
        },
    )
    page.reload()
    check_page(page, action_title)
    follow(
        page,
        page.get_by_role("button", name="Record the action's impact"),
        "Record the action's impact: action ACT-0001",
    )
    submit(
        page,
        "Record the impact",
        "Choose whether the action achieved the impact intended",
        title="Record the action's impact: action ACT-0001",
    )
    page.get_by_label("Partly achieved", exact=True).check()
    submit(page, "Record the impact", title=action_title)
    expect(page.get_by_role("main")).to_contain_text("Impact: partly achieved")
    expect(page.get_by_role("main")).to_contain_text("Repeat incidents are linked in every case now.")

    db.session.expire_all()
    action = db.session.scalar(db.select(ActionRecord))
    assert (action.owner_id, action.status, action.impact) == (police.id, ActionStatus.SIGNED_OFF, ActionImpact.PARTLY)

    # --- the annual summary ------------------------------------------------------------------------------
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Annual summary", exact=True).click()
    check_page(page)
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Actions recorded by status", exact=False)).to_be_visible()
