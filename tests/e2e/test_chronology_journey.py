"""The merged chronology in a browser: three agencies submit overlapping chronologies (the
police by importing its spreadsheet, one contact marked significant), the inspector reads the
merged chronology, links the police call-out and the ambulance visit as one event, and an
attendee downloads a pack that shows one merged timeline."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from agencies.models import OrganisationKind, Role
from cases.models import AgencyReturn
from cases.returns.operations import InvolvementAnswers, save_draft, save_involvement
from extensions import db
from panels.models import AttendeeRole
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import (
    check_page,
    download,
    fill_contact,
    follow,
    open_from_menu,
    open_request,
    pdf_text,
    sign_in,
    sign_out,
    submit,
)
from tests.factories import files
from tests.factories.cases import complete_findings, invitation_of, make_case, today
from tests.factories.panels import make_panel

pytestmark = pytest.mark.e2e


def _draft_without_chronology(agency_return: AgencyReturn, person) -> None:  # type: ignore[no-untyped-def]
    """Involvement confirmed and everything but the chronology written (the journey adds it)."""
    from cases.models import Involvement

    save_involvement(
        agency_return,
        InvolvementAnswers(Involvement.INVOLVED, today() - timedelta(days=300), None, "Contact with the family."),
        agency_return.version,
        person,
    )
    db.session.flush()
    save_draft(agency_return, complete_findings(chronology=0), agency_return.version, person)
    db.session.commit()


def _submit_in_browser(page: Page, reference: str, organisation: str) -> None:
    submit(page, "Save and check before submitting", title="Check your return before you submit it")
    submit(page, "Submit return", title=f"{organisation}'s return on {reference}")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Your return has been submitted")


def test_three_agencies_submit_the_inspector_links_a_duplicate_and_the_pack_shows_one_timeline(  # type: ignore[no-untyped-def]
    open_page, tmp_path
) -> None:
    inspector = make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    organisations = {
        "police": make_organisation(OrganisationKind.POLICE, "Northshire Police"),
        "health": make_organisation(OrganisationKind.HEALTH, "Northshire NHS Trust"),
        "council": make_organisation(OrganisationKind.CHILDRENS_SERVICES, "Northshire Children's Services"),
    }
    people = {
        "police": make_user(Role.AGENCY_MEMBER, organisations["police"], email="police@police.example"),
        "health": make_user(Role.AGENCY_MEMBER, organisations["health"], email="health@health.example"),
        "council": make_user(
            Role.AGENCY_MEMBER, organisations["council"], email="childrens@council.example", full_name="Cara Council"
        ),
    }
    case = make_case(list(organisations.values()), by=inspector)
    reference = case.reference
    for name, organisation in organisations.items():
        _draft_without_chronology(invitation_of(case, organisation).agency_return, people[name])
    night = today() - timedelta(days=200)

    # --- the police import their spreadsheet and submit ----------------------------------------
    police_page: Page = open_page()
    sign_in(police_page, "police@police.example")
    open_request(police_page, reference)
    follow(police_page, police_page.get_by_role("button", name="Continue your return"), f"Your return on {reference}")
    follow(
        police_page,
        police_page.get_by_role("link", name="Import it from a CSV or Excel file"),
        "Import your chronology from a spreadsheet",
    )
    sheet = tmp_path / "police chronology.xlsx"
    sheet.write_bytes(
        files.xlsx(
            [
                ["date", "what_happened", "why_significant", "significant"],
                [night - timedelta(days=60), "Call-out to a verbal argument at the address.", "", "No"],
                [night, "Call-out after a neighbour heard screaming; DASH completed.", "Not linked", "Yes"],
            ]
        )
    )
    police_page.get_by_label("Upload a spreadsheet").set_input_files(str(sheet))
    submit(police_page, "Upload and check", title="Check your chronology before importing it")
    expect(police_page.get_by_role("table", name="Every row of the file")).to_contain_text("DASH completed")
    submit(police_page, "Add 2 contacts to my return", title=f"Your return on {reference}")
    expect(police_page.get_by_role("group", name="Contact 2").get_by_label("What happened")).to_have_value(
        "Call-out after a neighbour heard screaming; DASH completed."
    )
    _submit_in_browser(police_page, reference, "Northshire Police")

    # --- health and children's services type theirs and submit ----------------------------------
    for name, organisation, day, text in (
        ("health", "Northshire NHS Trust", night, "Ambulance crew called by police to the address."),
        ("council", "Northshire Children's Services", night + timedelta(days=180), "School referral received."),
    ):
        agency_page: Page = open_page()
        sign_in(agency_page, people[name].email)
        open_request(agency_page, reference)
        follow(
            agency_page, agency_page.get_by_role("button", name="Continue your return"), f"Your return on {reference}"
        )
        fill_contact(agency_page, 1, day, text)
        if name == "council":
            agency_page.get_by_role("group", name="Contact 1").get_by_label("This contact is significant").check()
        _submit_in_browser(agency_page, reference, organisation)
        sign_out(agency_page)

    # --- the inspector reads the merged chronology and links the duplicate ------------------------
    page: Page = open_page()
    sign_in(page, "inspector@inspectorate.example")
    open_from_menu(page, "Cases", "Multi-agency cases")
    follow(page, page.get_by_role("link", name=reference), f"Case {reference}")
    follow(page, page.get_by_role("link", name="Merged chronology"), f"Merged chronology of {reference}")
    table = page.get_by_role("table", name="Contacts in date order")
    expect(table.get_by_role("row")).to_have_count(1 + 4 + 1)  # head, four contacts, one gap
    expect(table).to_contain_text(re.compile(r"Gap: no contact from any agency for [56] months"))
    expect(table).to_contain_text("Possibly the same event as 3")
    counts = page.get_by_role("table", name="Contacts by agency")
    expect(counts.get_by_role("row", name="Northshire Police")).to_contain_text("2")

    # Filters work without JavaScript: a GET form.
    page.get_by_role("group", name="Agencies").get_by_label("Northshire NHS Trust").check()
    follow(page, page.get_by_role("button", name="Apply filters"), f"Merged chronology of {reference}")
    expect(page.get_by_role("table", name="Contacts in date order, filtered")).not_to_contain_text("School referral")
    follow(page, page.get_by_role("link", name="Clear filters"), f"Merged chronology of {reference}")

    follow(
        page,
        page.get_by_role("button", name=re.compile(r"^Link as one event\s*: contacts 2 and 3$")),
        f"Merged chronology of {reference}",
    )
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Linked as one event")
    table = page.get_by_role("table", name="Contacts in date order")
    expect(table).to_contain_text("Linked as one event")
    expect(table).not_to_contain_text("Possibly the same event")
    expect(page.get_by_role("table", name="Contacts you linked or kept apart")).to_contain_text("One event")
    sign_out(page)

    # --- an attendee downloads the pack: one merged timeline ----------------------------------------
    make_panel(inspector, cases=[case], attendees=[(people["council"], AttendeeRole.MEMBER)], schedule=True)
    council_page: Page = open_page()
    sign_in(council_page, "childrens@council.example")
    open_from_menu(council_page, "Panels")
    panel_link = council_page.get_by_role("link", name="Northshire learning panel")
    follow(council_page, panel_link, "Northshire learning panel")
    pack = pdf_text(download(council_page, "Download the panel pack (PDF)"))
    merged = pack.split("Merged chronology", 1)[1].split("Agency returns", 1)[0]
    assert "Northshire Police: Call-out after a neighbour heard screaming" in merged
    assert "Northshire NHS Trust: Ambulance crew called by police" in merged
    assert "one event, 2 accounts" in merged.lower() and "Possibly the same event" not in merged
    assert merged.index("verbal argument") < merged.index("neighbour heard") < merged.index("School referral")
    # The download waited on the "being prepared" page, which links back to the panel; there the
    # attendee now sees every agency's contacts too.
    follow(council_page, council_page.get_by_role("link", name="Back to the panel"), "Northshire learning panel")
    follow(council_page, council_page.get_by_role("link", name=f"Merged chronology of {reference}"))
    expect(council_page.get_by_role("table", name="Contacts in date order")).to_contain_text("Ambulance crew")
    check_page(council_page, f"Merged chronology of {reference}")
