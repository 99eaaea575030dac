"""The inspector convenes a panel for a multi-agency case; a police member accepts it and
downloads the calendar invite and the panel pack."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from agencies.models import OrganisationKind, Role
from core.formatting import utc_now
from extensions import db
from panels.panel_models import Panel, PanelStatus, Reply
from panels.panel_rules import london_date
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import check_page, follow, open_from_menu, sign_in, sign_out, submit
from tests.factories.cases import invitation_of, make_case, write_return

pytestmark = pytest.mark.e2e


def test_inspector_schedules_a_panel_and_an_agency_accepts_and_downloads_invite_and_pack(open_page) -> None:  # type: ignore[no-untyped-def]
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    police_org = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    police = make_user(Role.AGENCY_MEMBER, police_org, email="police@police.example", full_name="Priya Constable")
    case = make_case([police_org], by=inspector)
    write_return(invitation_of(case, police_org).agency_return, police, submit=True)
    reference = case.reference
    day = london_date(utc_now()) + timedelta(days=30)

    page: Page = open_page()
    sign_in(page, "inspector@inspectorate.example")
    open_from_menu(page, "Panels")
    follow(page, page.get_by_role("button", name="Create a panel"), "Create a panel")
    submit(page, "Create draft panel", "Enter a title", "Enter the date of the panel", "Enter the start time",
           "Enter the end time", "Enter a place or a video link", title="Create a panel")

    page.get_by_label("Title").fill("Northshire learning panel")
    date_group = page.get_by_role("group", name="Date of the panel")
    date_group.get_by_label("Day").fill(str(day.day))
    date_group.get_by_label("Month").fill(str(day.month))
    date_group.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Start time").fill("10am")
    page.get_by_label("End time").fill("12:30pm")
    page.get_by_label("Place").fill("Room 3, County Hall")
    submit(page, "Create draft panel", title="Northshire learning panel")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Draft panel created")

    follow(page, page.get_by_role("button", name="Add a case to the agenda"), "Add a case to the agenda")
    page.get_by_label("Case").select_option(label=f"{reference} – {case.offence_category.name}")
    page.get_by_label("Time (optional)").fill("10:15am")
    submit(page, "Add to agenda", title="Northshire learning panel")
    expect(page.get_by_role("table", name="Cases on the agenda, in order")).to_contain_text(reference)

    follow(page, page.get_by_role("button", name="Invite a person"), "Invite a person")
    page.get_by_label("Person").select_option(label="Priya Constable – Northshire Police")
    page.get_by_role("group", name="Role").get_by_label("Member").check()
    submit(page, "Invite", title="Northshire learning panel")

    follow(page, page.get_by_role("button", name="Send the invitations"), "Send the invitations")
    expect(page.get_by_role("main")).to_contain_text("Priya Constable, Northshire Police (member)")
    submit(page, "Send invitations", title="Northshire learning panel")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("We have emailed 2 people")
    sign_out(page)

    police_page: Page = open_page()
    sign_in(police_page, "police@police.example")
    open_from_menu(police_page, "Panels")
    follow(police_page, police_page.get_by_role("link", name="Northshire learning panel"), "Northshire learning panel")
    follow(police_page, police_page.get_by_role("button", name="Reply to the invitation"), "Reply to the invitation")
    submit(police_page, "Send reply", "Select whether you will attend", title="Reply to the invitation")
    police_page.get_by_label("Yes, I will attend").check()
    submit(police_page, "Send reply", title="Northshire learning panel")
    expect(police_page.get_by_role("alert", name="Success")).to_contain_text("Reply sent: accepted")

    with police_page.expect_download() as invite_download:
        police_page.get_by_role("link", name="Download the calendar invite (.ics)").click()
    cal = Calendar.from_ical(invite_download.value.path().read_bytes())
    [vevent] = cal.walk("VEVENT")
    assert cal["METHOD"] == "REQUEST"
    partstats = {str(a).removeprefix("mailto:"): a.params["PARTSTAT"] for a in vevent["ATTENDEE"]}
    assert partstats["police@police.example"] == "ACCEPTED"

    with police_page.expect_download() as pack_download:
        police_page.get_by_role("link", name="Download the panel pack (PDF)").click()
    reader = PdfReader(io.BytesIO(pack_download.value.path().read_bytes()))
    text = " ".join(" ".join(page_.extract_text().split()) for page_ in reader.pages)
    assert "Prepared for Priya Constable, Northshire Police" in text and reference in text

    follow(police_page, police_page.get_by_role("link", name="Subscribe to all your panels in your calendar app"),
           "Your calendar feed")
    police_page.get_by_role("button", name="Make a feed address").click()
    check_page(police_page, "Your calendar feed")
    address = police_page.get_by_label("Your feed address").input_value()
    assert address.endswith(".ics") and "/panels/feed/" in address

    db.session.expire_all()
    panel = db.session.scalar(db.select(Panel))
    assert panel.status == PanelStatus.SCHEDULED
    assert panel.attendee_for(police.id).reply == Reply.ACCEPTED
