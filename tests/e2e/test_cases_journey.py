"""The multi-agency case journey in a real browser: the inspector flags a review for the
police, and a police member confirms involvement, writes a return with two chronology rows
and a learning point, and submits it. A second force sees nothing of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from agencies.models import OrganisationKind, Role
from cases.models import AgencyReturn, Involvement, MultiAgencyCase, ReturnStatus
from extensions import db
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import (
    check_page,
    expect_error_summary,
    fill_contact,
    fill_date,
    fill_learning_point,
    fill_return_author,
    flag_case,
    follow,
    open_from_menu,
    open_request,
    sign_in,
    sign_out,
    start_flagging,
    submit,
)
from tests.factories.cases import make_review, make_theme, today

pytestmark = pytest.mark.e2e


def test_inspector_flags_a_case_and_the_police_submit_a_return(open_page) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    make_organisation(OrganisationKind.HEALTH, "Northshire NHS Foundation Trust")
    other_force = make_organisation(OrganisationKind.POLICE, "Westvale Police")
    make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    make_user(Role.AGENCY_MEMBER, police, email="police@police.example", full_name="Priya Constable")
    make_user(Role.AGENCY_MEMBER, other_force, email="police2@otherpolice.example")
    review = make_review("SFO-2026-0901")
    make_theme("Information sharing")
    db.session.commit()
    reference = review.reference

    # --- the inspector flags the review --------------------------------------------------------
    page: Page = open_page()
    sign_in(page, "inspector@inspectorate.example")
    start_flagging(page, reference)
    submit(
        page,
        "Flag case and notify agencies",
        "Select at least one agency to ask",
        "Enter why this is a multi-agency case",
        "Enter the date the agencies should reply by",
        "Enter the person's full name",
        "Enter the person's date of birth",
        "Enter a summary for the partner agencies",
        title=f"Flag {reference} as a multi-agency case",
    )

    flag_case(
        page, reference, ["Northshire Police"], reply_by=today() + timedelta(days=14), born=today().replace(year=1990)
    )
    sign_out(page)

    # --- a second force sees nothing --------------------------------------------------------------
    outsider: Page = open_page()
    sign_in(outsider, "police2@otherpolice.example")
    open_from_menu(outsider, "Cases", "Requests for information")
    expect(outsider.get_by_role("main")).not_to_contain_text(reference)

    # --- the police confirm involvement and write their return ------------------------------------
    police_page: Page = open_page()
    sign_in(police_page, "police@police.example")
    open_request(police_page, reference)
    expect(police_page.get_by_role("main")).not_to_contain_text("Jordan Example")
    follow(
        police_page,
        police_page.get_by_role("link", name="View name, date of birth and other identifiers"),
        f"Identifying details for {reference}",
    )
    expect(police_page.get_by_role("main")).to_contain_text("Jordan Example")
    police_page.go_back()
    follow(police_page, police_page.get_by_role("button", name="Confirm your involvement"), "Was your agency involved?")

    police_page.get_by_label("Involved", exact=True).check()
    submit(
        police_page,
        "Save and continue",
        "Enter when your agency's contact started",
        "Describe the nature of your agency's involvement",
        title="Was your agency involved?",
    )
    expect(police_page.get_by_label("Involved", exact=True)).to_be_checked()
    fill_date(police_page, "Contact started", today() - timedelta(days=300))
    police_page.get_by_label("Nature of your agency's involvement").fill("Two call-outs to domestic incidents.")
    submit(police_page, "Save and continue", title=f"Your return on {reference}")

    fill_return_author(
        police_page,
        "Priya Constable",
        "Detective Sergeant",
        records="Command and control logs, crime reports",
        secured_on=today() - timedelta(days=1),
    )
    fill_contact(
        police_page, 1, today() - timedelta(days=250), "Call-out to a verbal argument.", "First known incident."
    )
    police_page.get_by_role("button", name="Add another contact").click()
    check_page(police_page, f"Your return on {reference}")
    # The first row is still as typed after the page came back with a second one.
    expect(police_page.get_by_role("group", name="Contact 1").get_by_label("What happened")).to_have_value(
        "Call-out to a verbal argument."
    )
    expect(police_page.get_by_label("Your role")).to_have_value("Detective Sergeant")
    fill_contact(police_page, 2, today() - timedelta(days=120), "Call-out after screaming was heard; DASH completed.")

    police_page.get_by_label("What went well").fill("Officers attended quickly.")
    police_page.get_by_label("Missed opportunities").fill("The incidents were not linked.")
    police_page.get_by_role("group", name="Underpinning reasons").get_by_label("Workload").check()
    fill_learning_point(
        police_page,
        1,
        "Link repeat incidents at one address before grading risk.",
        theme="Information sharing",
        level="Local",
    )
    submit(police_page, "Save and check before submitting", title="Check your return before you submit it")
    expect(police_page.get_by_role("main")).to_contain_text("Call-out after screaming was heard")

    submit(police_page, "Submit return", title=f"Northshire Police's return on {reference}")
    expect(police_page.get_by_role("alert", name="Success")).to_contain_text("Your return has been submitted")
    expect(police_page.get_by_role("main")).to_contain_text("Submitted")

    case = db.session.scalar(db.select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id))
    agency_return = db.session.scalar(
        db.select(AgencyReturn).where(AgencyReturn.invitation_id == case.invitations[0].id)
    )
    assert agency_return.status == ReturnStatus.SUBMITTED and agency_return.involvement == Involvement.INVOLVED
    assert [e.what_happened for e in agency_return.chronology] == [
        "Call-out to a verbal argument.",
        "Call-out after screaming was heard; DASH completed.",
    ]
    assert [p.theme.name for p in agency_return.learning_points] == ["Information sharing"]

    # Back with the inspector: the police have submitted.
    sign_in(page, "inspector@inspectorate.example")
    page.goto(f"/cases/{case.id}")
    check_page(page, f"Case {reference}")
    expect(page.get_by_role("row", name="Northshire Police")).to_contain_text("Submitted")


def test_an_error_on_the_return_keeps_every_row(open_page) -> None:
    from tests.factories.cases import invitation_of, make_case

    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    make_user(Role.AGENCY_MEMBER, police, email="police@police.example")
    case = make_case([police])
    agency_return = invitation_of(case, police).agency_return
    db.session.commit()

    page: Page = open_page()
    sign_in(page, "police@police.example")
    page.goto(f"/cases/returns/{agency_return.id}/edit")
    check_page(page, f"Your return on {case.reference}")
    first = page.get_by_role("group", name="Contact 1")
    first.get_by_label("What happened").fill("Kept text")
    first.get_by_role("group", name="Date").get_by_label("Day").fill("31")
    first.get_by_role("group", name="Date").get_by_label("Month").fill("2")
    first.get_by_role("group", name="Date").get_by_label("Year").fill("2025")
    page.get_by_role("button", name="Save draft").click()
    expect_error_summary(page, "Date must be a real date", title=f"Your return on {case.reference}")
    expect(page.get_by_role("group", name="Contact 1").get_by_label("What happened")).to_have_value("Kept text")
    expect(page.get_by_role("group", name="Contact 1").get_by_label("Day")).to_have_value("31")
