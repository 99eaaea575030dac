"""One journey across the whole service, in a real browser, each person in their own browser:

the inspector flags a review as a multi-agency case for the police, health and children's
services; each agency confirms its involvement and submits its return; the inspector
convenes a panel with the case on its agenda and invites one person from each agency; each
replies and downloads their calendar invite and their panel pack; the inspector turns the
police's learning point into shared learning and an action the police own; the police
accept it and complete it with evidence; the inspector signs it off; and the annual summary
counts the signed-off action.

Each screen's error states are proved by the journey of its own part (cases, panels,
learning); this one proves the parts join up, through the steps in ``harness``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from agencies.models import OrganisationKind, Role
from cases.models import AgencyReturn, MultiAgencyCase, ReturnStatus
from extensions import db
from learning.models import ActionRecord, ActionStatus
from learning.rules import ReportingYear
from panels.models import Panel, PanelStatus
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import (
    add_to_agenda,
    check_page,
    compile_learning,
    download,
    fill_action,
    fill_contact,
    fill_date,
    fill_learning_point,
    fill_panel_details,
    fill_return_author,
    flag_case,
    follow,
    invite_person,
    open_from_menu,
    open_panel,
    open_request,
    pdf_text,
    post_progress,
    send_invitations,
    send_reply,
    sign_in,
    start_flagging,
    submit,
    take_step,
)
from tests.factories.cases import make_review, today

pytestmark = pytest.mark.e2e

PANEL = "Northshire learning panel"
ACTION = "ACT-0001: Link repeat domestic incidents"


@dataclass
class Agency:
    organisation: str
    kind: OrganisationKind
    email: str
    person: str
    role: str
    learning_point: str
    reply: str  # the label of the answer they give the panel invitation
    partstat: str  # what the answer becomes in their calendar invite

    @property
    def invitee(self) -> str:
        return f"{self.person} – {self.organisation}"


AGENCIES = [
    Agency(
        "Northshire Police",
        OrganisationKind.POLICE,
        "police@police.example",
        "Priya Constable",
        "Detective Sergeant",
        "Repeat incidents at one address were never linked.",
        "Yes, I will attend",
        "ACCEPTED",
    ),
    Agency(
        "Northshire NHS Foundation Trust",
        OrganisationKind.HEALTH,
        "health@health.example",
        "Hamid Nurse",
        "Named Nurse for Safeguarding",
        "The GP did not hear of the domestic incidents.",
        "Maybe (tentative)",
        "TENTATIVE",
    ),
    Agency(
        "Northshire Children's Services",
        OrganisationKind.CHILDRENS_SERVICES,
        "childrens@council.example",
        "Chloe Worker",
        "Team Manager",
        "The referral about the children was closed without a visit.",
        "Yes, I will attend",
        "ACCEPTED",
    ),
]


def submit_agency_return(page: Page, reference: str, agency: Agency) -> None:
    """Signed in as the agency: confirm involvement, write the return with one contact and one
    learning point, check it and submit it."""
    open_request(page, reference)
    follow(page, page.get_by_role("button", name="Confirm your involvement"), "Was your agency involved?")
    page.get_by_label("Involved", exact=True).check()
    fill_date(page, "Contact started", today() - timedelta(days=300))
    page.get_by_label("Nature of your agency's involvement").fill(f"{agency.organisation} knew the family.")
    submit(page, "Save and continue", title=f"Your return on {reference}")

    fill_return_author(page, agency.person, agency.role, records="Case records", secured_on=today() - timedelta(days=1))
    fill_contact(page, 1, today() - timedelta(days=200), f"{agency.organisation} saw the person.")
    page.get_by_label("What went well").fill("Staff knew the history.")
    fill_learning_point(page, 1, agency.learning_point, theme="Information sharing", level="Multi-agency")
    submit(page, "Save and check before submitting", title="Check your return before you submit it")
    submit(page, "Submit return", title=f"{agency.organisation}'s return on {reference}")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your return has been submitted")


def test_flag_returns_panel_learning_completed_action_and_summary(open_page) -> None:
    make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    for agency in AGENCIES:
        organisation = make_organisation(agency.kind, agency.organisation)
        make_user(Role.AGENCY_MEMBER, organisation, email=agency.email, full_name=agency.person)
    reference = make_review("SFO-2026-0951").reference
    db.session.commit()
    police = AGENCIES[0]

    # --- the inspector flags the review for three agencies -----------------------------------------------
    inspector: Page = open_page()
    sign_in(inspector, "inspector@inspectorate.example")
    start_flagging(inspector, reference)
    flag_case(
        inspector,
        reference,
        [a.organisation for a in AGENCIES],
        reply_by=today() + timedelta(days=14),
        born=today().replace(year=1988),
    )
    case = db.session.scalar(db.select(MultiAgencyCase))
    case_label = f"{reference} – {case.offence_category.name}"

    # --- each agency, in its own browser, submits its return ------------------------------------------------
    pages: dict[str, Page] = {}
    for agency in AGENCIES:
        pages[agency.email] = open_page()
        sign_in(pages[agency.email], agency.email)
        submit_agency_return(pages[agency.email], reference, agency)
    inspector.reload()
    check_page(inspector, f"Case {reference}")
    for agency in AGENCIES:
        expect(inspector.get_by_role("row", name=agency.organisation)).to_contain_text("Submitted")
    assert [r.status for r in db.session.scalars(db.select(AgencyReturn))] == [ReturnStatus.SUBMITTED] * 3

    # --- the inspector convenes the panel and invites one person from each agency ---------------------------
    open_from_menu(inspector, "Panels")
    follow(inspector, inspector.get_by_role("button", name="Create a panel"), "Create a panel")
    fill_panel_details(inspector, PANEL, today() + timedelta(days=21))
    add_to_agenda(inspector, PANEL, case_label)
    for agency in AGENCIES:
        invite_person(inspector, PANEL, agency.invitee)
    send_invitations(inspector, PANEL, [f"{a.person}, {a.organisation} (member)" for a in AGENCIES], emailed=4)
    panel = db.session.scalar(db.select(Panel))
    assert panel.status == PanelStatus.SCHEDULED

    # --- each invitee replies and downloads the invite and their own panel pack -----------------------------
    for agency in AGENCIES:
        page = pages[agency.email]
        open_panel(page, PANEL)
        follow(page, page.get_by_role("button", name="Reply to the invitation"), "Reply to the invitation")
        send_reply(page, PANEL, agency.reply, f"Reply sent: {agency.partstat.lower()}")

        invite = Calendar.from_ical(download(page, "Download the calendar invite (.ics)"))
        assert invite["METHOD"] == "REQUEST"
        [event] = invite.walk("VEVENT")
        assert str(event["UID"]) == panel.uid
        replies = {str(a).removeprefix("mailto:"): a.params["PARTSTAT"] for a in event["ATTENDEE"]}
        assert replies[agency.email] == agency.partstat

        pack = pdf_text(download(page, "Download the panel pack (PDF)"))
        assert f"Prepared for {agency.person}, {agency.organisation}" in pack and reference in pack

    # --- the inspector records shared learning and an action the police own ------------------------------------
    compile_learning(
        inspector,
        reference,
        police.learning_point,
        "Repeat incidents at one address must be linked before risk is graded.",
    )
    follow(
        inspector,
        inspector.get_by_role("link", name="Record an action for learning 1"),
        f"Record an action for case {reference}",
    )
    fill_action(
        inspector,
        "Link repeat domestic incidents",
        owner=police.organisation,
        due_on=today() + timedelta(days=60),
        change="The control room checks earlier incidents.",
        evidence="A dip sample of 30 incidents.",
    )
    submit(inspector, "Save action", title=ACTION)
    expect(inspector.get_by_role("main")).to_contain_text(PANEL)  # agreed at the panel the case is on

    # --- the police complete the action with evidence --------------------------------------------------------------
    police_page = pages[police.email]
    open_from_menu(police_page, "Actions")
    follow(police_page, police_page.get_by_role("link", name="Link repeat domestic incidents"), ACTION)
    take_step(police_page, ACTION, "Accept the action", "Accept the action")
    post_progress(
        police_page,
        ACTION,
        "Complete: send it to the Inspectorate for sign-off",
        "Control room staff are trained.",
        evidence="Dip sample: 30 of 30 incidents linked.",
    )
    expect(police_page.get_by_role("main")).to_contain_text("Dip sample: 30 of 30 incidents linked.")
    # --- the inspector signs it off -------------------------------------------------------------------------------
    inspector.goto(police_page.url)
    check_page(inspector, ACTION)
    take_step(inspector, ACTION, "Sign off the action", "Sign it off")
    db.session.expire_all()
    action = db.session.scalar(db.select(ActionRecord))
    assert action.status == ActionStatus.SIGNED_OFF and action.owner.name == police.organisation

    # --- the annual summary counts the case, the returns and the completed action ------------------------------------
    open_from_menu(inspector, "Annual summary", f"Annual summary {ReportingYear.containing(today()).label}")
    actions = inspector.get_by_role("region", name="Actions", exact=True)
    # One action accepted: a base under five, so its share is flagged rather than shown as 100%.
    expect(actions).to_contain_text(
        "1 recorded; 1 accepted by their owners; 1 signed off as complete (completion rate [low] of those accepted)"
    )
    # Columns: proposed, change proposed, accepted, in progress, awaiting sign-off, signed off, declined, all.
    by_status = actions.get_by_role("table", name="Actions by level and status")
    for level in ("Multi-agency", "All levels"):
        expect(by_status.get_by_role("row", name=f"{level} 0 0 0 0 0 1 0 1", exact=True)).to_have_count(1)
    work = inspector.get_by_role("region", name="Multi-agency work")
    expect(work.get_by_role("row", name="Cases flagged for multi-agency learning 1", exact=True)).to_have_count(1)
    expect(work.get_by_role("row", name="Returns submitted 3", exact=True)).to_have_count(1)
