"""Admin screens for organisations and people; refused to everyone else."""

from __future__ import annotations

import pytest

from agencies.models import Organisation, OrganisationKind, PasswordLink, Role, User
from core.audit import AuditEvent
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import make_organisation, make_user

ADMIN_PAGES = [
    "/admin/people",
    "/admin/people/new",
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/audit",
    "/admin/audit.csv",
]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_refuse_inspectors_and_agency_members(client_for, path: str) -> None:
    for role in (Role.INSPECTOR, Role.AGENCY_MEMBER):
        response = client_for(make_user(role)).get(path)
        assert response.status_code == 403
        assert "You do not have permission" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_anonymous_people_to_sign_in(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_adds_an_organisation(client_for, admin) -> None:
    client = client_for(admin)
    response = client.post(
        "/admin/organisations/new",
        data={"name": "Eastshire Police", "kind": "police", "contact_email": "mash@eastshire.police.example"},
    )
    assert response.status_code == 302
    organisation = db.session.scalar(db.select(Organisation).where(Organisation.name == "Eastshire Police"))
    assert organisation.kind == OrganisationKind.POLICE
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "organisation.created")).object_id == str(
        organisation.id
    )
    assert "Eastshire Police" in client.get("/admin/organisations").get_data(as_text=True)


def test_organisation_form_errors_keep_what_was_typed(client_for, admin) -> None:
    client = client_for(admin)
    page = client.post(
        "/admin/organisations/new", data={"name": "Half-typed Trust", "kind": "", "contact_email": "not an email"}
    ).get_data(as_text=True)
    assert "Select the kind of organisation" in page
    assert "Enter an email address in the correct format" in page
    assert 'value="Half-typed Trust"' in page and 'value="not an email"' in page


def test_duplicate_organisation_names_are_refused(client_for, admin) -> None:
    make_organisation(OrganisationKind.HEALTH, "Riverside NHS Trust")
    db.session.commit()
    page = client_for(admin).post("/admin/organisations/new", data={"name": "riverside nhs trust", "kind": "health"})
    assert "An organisation with this name already exists" in page.get_data(as_text=True)


def test_admin_edits_an_organisation(client_for, admin) -> None:
    organisation = make_organisation(OrganisationKind.HOUSING, "Old Name Housing")
    db.session.commit()
    client = client_for(admin)
    assert "Old Name Housing" in client.get(f"/admin/organisations/{organisation.id}").get_data(as_text=True)
    client.post(f"/admin/organisations/{organisation.id}", data={"name": "New Name Housing", "kind": "housing"})
    db.session.refresh(organisation)
    assert organisation.name == "New Name Housing"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "organisation.updated"))
    assert (
        event.details["before"]["name"] == "Old Name Housing" and event.details["after"]["name"] == "New Name Housing"
    )


def test_admin_adds_a_person_who_is_emailed_a_first_sign_in_link(client_for, admin) -> None:
    police = make_organisation(OrganisationKind.POLICE, "Southshire Police")
    db.session.commit()
    response = client_for(admin).post(
        "/admin/people/new",
        data={
            "full_name": "Sam Detective",
            "email": "Sam.Detective@Southshire.Police.Example",
            "job_title": "DS",
            "organisation_id": police.id,
            "role": "agency_member",
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(db.select(User).where(User.email == "sam.detective@southshire.police.example"))
    assert person.organisation == police and person.password_hash is None
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.recipient_id == person.id))
    assert message.subject == "Set your password for Learning panels"
    assert "/password/set/" in message.body_text
    assert db.session.scalar(db.select(PasswordLink)).purpose.value == "first_sign_in"


def test_inspector_role_needs_the_inspectorate(client_for, admin) -> None:
    police = make_organisation(OrganisationKind.POLICE)
    db.session.commit()
    page = client_for(admin).post(
        "/admin/people/new",
        data={
            "full_name": "Wrong Role",
            "email": "wrong.role@example.org",
            "organisation_id": police.id,
            "role": "inspector",
        },
    )
    assert "Only people in the Inspectorate can be admins or inspectors" in page.get_data(as_text=True)
    assert db.session.scalar(db.select(User).where(User.email == "wrong.role@example.org")) is None


def test_extra_posted_fields_are_ignored(client_for, admin) -> None:
    member = make_user(Role.AGENCY_MEMBER)
    client_for(admin).post(
        f"/admin/people/{member.id}/edit",
        data={
            "full_name": "Renamed",
            "email": member.email,
            "organisation_id": member.organisation_id,
            "role": "agency_member",
            "active": "false",
            "password_hash": "x",
            "session_token": "chosen",
        },
    )
    db.session.refresh(member)
    assert member.full_name == "Renamed" and member.active and member.session_token != "chosen"
    assert member.password_hash != "x"


def test_deactivating_a_person_ends_their_sessions(client_for, admin) -> None:
    member = make_user(Role.ADMIN, email="leaver@test.example")
    leaver = client_for(member)
    assert leaver.get("/admin/people").status_code == 200
    client_for(admin).post(f"/admin/people/{member.id}/deactivate")
    db.session.refresh(member)
    assert not member.active
    assert leaver.get("/admin/people").status_code == 302
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "person.deactivated")) is not None


def test_admin_cannot_deactivate_themselves(client_for, admin) -> None:
    client_for(admin).post(f"/admin/people/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.active


def test_admin_sends_a_password_reset_link(client_for, admin) -> None:
    member = make_user(email="reset.me@test.example")
    client_for(admin).post(f"/admin/people/{member.id}/reset-password")
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "reset.me@test.example"))
    assert message.subject == "Reset your Learning panels password"


def test_people_list_filters_and_paginates(client_for, admin) -> None:
    health = make_organisation(OrganisationKind.HEALTH, "Filter Trust")
    for number in range(30):
        make_user(organisation=health, email=f"nurse{number:02d}@trust.example", full_name=f"Nurse {number:02d}")
    client = client_for(admin)
    first = client.get(f"/admin/people?organisation={health.id}").get_data(as_text=True)
    assert "Showing 1 to 25 of 30" in first and "govuk-pagination" in first
    second = client.get(f"/admin/people?organisation={health.id}&page=2").get_data(as_text=True)
    assert "Showing 26 to 30 of 30" in second
    searched = client.get("/admin/people?q=nurse07").get_data(as_text=True)
    assert "Nurse 07" in searched and "Nurse 08" not in searched
    # The organisations list links to each one's people; a name filter finds organisations by part of their name.
    assert f"/admin/people?organisation={health.id}" in client.get("/admin/organisations").get_data(as_text=True)
    make_user(organisation=make_organisation(OrganisationKind.POLICE, "Other Force"), full_name="Officer 100%")
    by_name = client.get("/admin/people?organisation_name=filter%20TRUST").get_data(as_text=True)
    assert "Showing 1 to 25 of 30" in by_name and "Officer 100%" not in by_name
    wildcard = client.get("/admin/people?q=%25").get_data(as_text=True)
    assert "Officer 100%" in wildcard and "Nurse 10" not in wildcard  # % is a character, not a wildcard


def test_an_empty_person_form_reports_every_problem_at_once(client_for, admin) -> None:
    page = client_for(admin).post("/admin/people/new", data={"organisation_id": "0"}).get_data(as_text=True)
    for message in (
        "Enter the person&#39;s full name",
        "Enter the person&#39;s email address",
        "Select an organisation",
    ):
        assert message in page
    assert page.count("Select an organisation</a>") == 1  # once in the summary, not repeated
