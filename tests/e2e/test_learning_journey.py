"""From shared learning to a completed action, in a real browser: the inspector compiles a
police learning point into shared learning and records an action for the police; the police
member records progress and completes it with evidence (meeting the error on the way); the
annual summary renders, with every page checked by axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Role
from extensions import db
from learning.models import ActionRecord, ActionStatus
from tests.conftest import make_user
from tests.e2e.harness import (
    check_page,
    compile_learning,
    fill_action,
    follow,
    open_from_menu,
    post_progress,
    sign_in,
    submit,
)
from tests.factories.cases import today
from tests.factories.learning import learning_case

pytestmark = pytest.mark.e2e


def test_the_inspector_records_an_action_and_the_police_complete_it(open_page) -> None:
    case, police, _childrens, officer = learning_case()
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    reference, officer_email = case.review.reference, officer.email
    standard_heading = case.review.assessment.standards_version.standards[1].heading
    case_theme_id = case.invitation_for(police.id).agency_return.learning_points[0].theme_id
    db.session.commit()

    # --- the inspector compiles the learning and records the action ----------------------------------
    page: Page = open_page()
    sign_in(page, inspector.email)
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

    # --- the police member records progress and completes it ---------------------------------------
    police_page: Page = open_page()
    sign_in(police_page, officer_email)
    open_from_menu(police_page, "Actions")
    follow(
        police_page,
        police_page.get_by_role("link", name="Link repeat domestic incidents"),
        "ACT-0001: Link repeat domestic incidents",
    )
    post_progress(
        police_page,
        "ACT-0001: Link repeat domestic incidents",
        "In progress",
        "The control room procedure is rewritten.",
    )

    follow(
        police_page,
        police_page.get_by_role("button", name="Post a progress update"),
        "Post progress on action ACT-0001",
    )
    police_page.get_by_label("Completed", exact=True).check()
    police_page.get_by_label("Progress", exact=True).fill("All control room staff are trained.")
    submit(
        police_page,
        "Post update",
        "Enter the evidence that the action is complete",
        title="Post progress on action ACT-0001",
    )
    expect(police_page.get_by_label("Progress", exact=True)).to_have_value("All control room staff are trained.")
    police_page.get_by_label("Evidence of progress or outcomes").fill("Dip sample: 30 of 30 incidents linked.")
    submit(police_page, "Post update", title="ACT-0001: Link repeat domestic incidents")
    expect(police_page.get_by_role("main")).to_contain_text("Dip sample: 30 of 30 incidents linked.")
    expect(police_page.get_by_role("button", name="Post a progress update")).to_have_count(0)

    db.session.expire_all()
    action = db.session.scalar(db.select(ActionRecord))
    assert (action.owner_id, action.status) == (police.id, ActionStatus.COMPLETED)

    # --- the annual summary ------------------------------------------------------------------------------
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Annual summary", exact=True).click()
    check_page(page)
    expect(page.get_by_role("heading", name="Actions", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Actions recorded by status", exact=False)).to_be_visible()
