"""The inspector convenes a panel for a multi-agency case; a police member accepts it and
downloads the calendar invite and the panel pack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from playwright.sync_api import Page

from agencies.models import OrganisationKind, Role
from core.formatting import utc_now
from extensions import db
from panels.models import Panel, PanelStatus, Reply
from panels.rules import london_date
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import (
    add_to_agenda,
    check_page,
    download,
    fill_panel_details,
    follow,
    invite_person,
    open_from_menu,
    open_panel,
    pdf_text,
    send_invitations,
    send_reply,
    sign_in,
    sign_out,
    submit,
)
from tests.factories.cases import invitation_of, make_case, write_return

pytestmark = pytest.mark.e2e


def test_inspector_schedules_a_panel_and_an_agency_accepts_and_downloads_invite_and_pack(open_page) -> None:
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
    submit(
        page,
        "Create draft panel",
        "Enter a title",
        "Enter the date of the panel",
        "Enter the start time",
        "Enter the end time",
        "Enter a place or a video link",
        title="Create a panel",
    )

    fill_panel_details(page, "Northshire learning panel", day)
    add_to_agenda(page, "Northshire learning panel", f"{reference} – {case.offence_category.name}")
    invite_person(page, "Northshire learning panel", "Priya Constable – Northshire Police")
    send_invitations(page, "Northshire learning panel", ["Priya Constable, Northshire Police (member)"], emailed=2)
    sign_out(page)

    police_page: Page = open_page()
    sign_in(police_page, "police@police.example")
    open_panel(police_page, "Northshire learning panel")
    follow(police_page, police_page.get_by_role("button", name="Reply to the invitation"), "Reply to the invitation")
    submit(police_page, "Send reply", "Select whether you will attend", title="Reply to the invitation")
    send_reply(police_page, "Northshire learning panel", "Yes, I will attend", "Reply sent: accepted")

    cal = Calendar.from_ical(download(police_page, "Download the calendar invite (.ics)"))
    [vevent] = cal.walk("VEVENT")
    assert cal["METHOD"] == "REQUEST"
    partstats = {str(a).removeprefix("mailto:"): a.params["PARTSTAT"] for a in vevent["ATTENDEE"]}
    assert partstats["police@police.example"] == "ACCEPTED"

    text = pdf_text(download(police_page, "Download the panel pack (PDF)"))
    assert "Prepared for Priya Constable, Northshire Police" in text and reference in text
    # The first download waited on the "being prepared" page, which links back to the panel.
    follow(police_page, police_page.get_by_role("link", name="Back to the panel"), "Northshire learning panel")

    follow(
        police_page,
        police_page.get_by_role("link", name="Subscribe to all your panels in your calendar app"),
        "Your calendar feed",
    )
    police_page.get_by_role("button", name="Make a feed address").click()
    check_page(police_page, "Your calendar feed")
    address = police_page.get_by_label("Your feed address").input_value()
    assert address.endswith(".ics") and "/panels/feed/" in address
    # Refreshing repeats the GET: the address is not shown again and not replaced.
    police_page.reload()
    check_page(police_page, "Your calendar feed")
    assert police_page.get_by_label("Your feed address").count() == 0
    # A new address is a confirmed step of its own.
    follow(
        police_page,
        police_page.get_by_role("button", name="Make a new feed address"),
        "Make a new calendar feed address",
    )
    follow(police_page, police_page.get_by_role("link", name="Keep the address I have"), "Your calendar feed")

    db.session.expire_all()
    panel = db.session.scalar(db.select(Panel))
    assert panel.status == PanelStatus.SCHEDULED
    assert panel.attendee_for(police.id).reply == Reply.ACCEPTED
