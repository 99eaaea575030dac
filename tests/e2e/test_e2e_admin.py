"""An admin adds an organisation and a person to it, meeting the error states on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agencies.models import Organisation, OrganisationKind, Role, User
from core.audit import AuditEvent
from extensions import db
from tests.conftest import make_user
from tests.e2e.harness import check_page, expect_error_summary, follow, open_from_menu, sign_in, submit

pytestmark = pytest.mark.e2e


def test_admin_adds_an_organisation_and_a_person(page: Page) -> None:
    make_user(Role.ADMIN, email="admin@inspectorate.example", full_name="Ada Admin")
    sign_in(page, "admin@inspectorate.example")

    # The organisation: empty first, then a half-fixed form keeps what was typed.
    open_from_menu(page, "Organisations")
    follow(page, page.get_by_role("button", name="Add an organisation"), "Add an organisation")
    submit(
        page,
        "Save organisation",
        "Enter the organisation's name",
        "Select the kind of organisation",
        title="Add an organisation",
    )

    page.get_by_label("Name", exact=True).fill("Eastshire Police")
    page.get_by_label("Shared contact email address (optional)").fill("not an email")
    submit(
        page,
        "Save organisation",
        "Select the kind of organisation",
        "Enter an email address in the correct format, like team@example.org",
        title="Add an organisation",
    )
    expect(page.get_by_label("Name", exact=True)).to_have_value("Eastshire Police")

    page.get_by_role("group", name="Kind of organisation").get_by_label("Police", exact=True).check()
    page.get_by_label("Shared contact email address (optional)").fill("mash@eastshire.police.example")
    submit(page, "Save organisation", title="Organisations")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Eastshire Police added")
    expect(page.get_by_role("row", name="Eastshire Police")).to_contain_text("mash@eastshire.police.example")

    # The person: empty, then filled in.
    open_from_menu(page, "People")
    follow(page, page.get_by_role("button", name="Add a person"), "Add a person")
    submit(
        page, "Save person", "Enter the person's full name", "Enter the person's email address", title="Add a person"
    )

    page.get_by_label("Full name").fill("Priya <script>alert(1)</script> Shah")
    page.get_by_label("Email address").fill("priya.shah@eastshire.police.example")
    page.get_by_label("Job title (optional)").fill("Detective Sergeant, public protection")
    submit(page, "Save person", "Select an organisation", title="Add a person")
    expect(page.get_by_label("Full name")).to_have_value("Priya <script>alert(1)</script> Shah")
    expect(page.get_by_label("Job title (optional)")).to_have_value("Detective Sergeant, public protection")

    page.get_by_label("Organisation").select_option(label="Eastshire Police")
    page.get_by_role("group", name="Role").get_by_label("Agency member").check()
    # Hostile text is shown as text, not run (a script would fail the journey as a page error).
    submit(page, "Save person", title="Priya <script>alert(1)</script> Shah")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("We have emailed them a link")
    details = page.get_by_role("main")
    expect(details).to_contain_text("priya.shah@eastshire.police.example")
    expect(details).to_contain_text("Eastshire Police")
    expect(details).to_contain_text("Agency member")

    person = db.session.scalar(db.select(User).where(User.email == "priya.shah@eastshire.police.example"))
    assert person is not None and person.role == Role.AGENCY_MEMBER
    assert person.organisation.name == "Eastshire Police"
    assert person.organisation.kind == OrganisationKind.POLICE
    assert db.session.scalar(db.select(Organisation).where(Organisation.name == "Eastshire Police")) is not None

    # Both changes are in the audit trail, newest first, with who made them.
    open_from_menu(page, "Audit trail")
    table = page.get_by_role("table", name="Audit events, newest first")
    expect(table.get_by_role("row").nth(1)).to_contain_text("password_link.first_sign_in")
    # People are named by name (the person column adds the email address, the trail's own record).
    expect(table.get_by_role("row", name="person.created")).to_contain_text(
        "Added Priya <script>alert(1)</script> Shah"
    )
    expect(table.get_by_role("row", name="organisation.created")).to_contain_text("(admin@inspectorate.example)")
    actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "organisation.created" in actions and "person.created" in actions


def test_an_admin_page_refuses_an_inspector(page: Page) -> None:
    make_user(Role.INSPECTOR, email="inspector@inspectorate.example")
    sign_in(page, "inspector@inspectorate.example")
    page.goto("/admin/people")
    check_page(page, "You do not have permission to see this page")
    # Someone else's object by id does not even seem to exist.
    page.goto("/admin/people/999999")
    check_page(page, "Page not found")


def test_a_bad_audit_filter_is_an_error_state(page: Page) -> None:
    make_user(Role.ADMIN, email="admin@inspectorate.example")
    sign_in(page, "admin@inspectorate.example")
    page.goto("/admin/audit")
    check_page(page, "Audit trail")
    page.get_by_label("From (YYYY-MM-DD)").fill("yesterday")
    page.get_by_role("button", name="Filter").click()
    expect_error_summary(page, "Enter the 'from' date in the format 2026-04-01", title="Audit trail")
    expect(page.get_by_label("From (YYYY-MM-DD)")).to_have_value("yesterday")


def test_admin_is_alerted_to_delayed_email_and_retries_every_failed_message(page: Page) -> None:
    from datetime import timedelta

    from core.formatting import utc_now
    from notifications.models import MessageStatus, OutboxMessage
    from tests.factories.notifications import queue_notice

    make_user(Role.ADMIN, email="admin@inspectorate.example", full_name="Ada Admin")
    waiting = queue_notice("waiting@police.example", commit=False)
    waiting.created_at_utc = utc_now() - timedelta(hours=3)  # queued during an SMTP outage
    for n in range(2):
        failed = queue_notice(f"failed{n}@police.example", commit=False)
        failed.status = MessageStatus.FAILED
        failed.attempts = 30
    db.session.commit()

    sign_in(page, "admin@inspectorate.example")
    banner = page.get_by_role("region", name="Important")
    expect(banner).to_contain_text("Email is delayed: the oldest message waiting to be sent was queued 3 hours ago")

    open_from_menu(page, "Messages")
    expect(page.get_by_text("2 messages have failed")).to_be_visible()
    submit(page, "Retry all failed", title="Messages")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("2 failed messages will be sent again")
    db.session.expire_all()
    statuses = db.session.scalars(db.select(OutboxMessage.status)).all()
    assert sorted(statuses) == [MessageStatus.QUEUED] * 3
