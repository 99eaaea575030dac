"""Flagging a review, notifying the agencies, editing, inviting, withdrawing and closing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from agencies.models import Organisation, OrganisationKind, Role
from cases.models import MultiAgencyCase
from core.audit import AuditEvent
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import make_organisation, make_user
from tests.factories.cases import PERSON_NAME, PNC, invitation_of, make_case, make_review, offence_category, today


def tags(page: str) -> list[str]:
    """The text of every GOV.UK tag on a page, in order."""
    return re.findall(r'class="govuk-tag[^"]*">\s*([^<]+?)\s*<', page)


def _date(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _flag_data(organisations: list[Organisation], **overrides) -> dict:
    data = {
        "organisation_ids": [str(o.id) for o in organisations],
        "reason": "Police and health both knew him.",
        "reply_by": _date(today() + timedelta(days=15)),
        "person_name": "Alex Example",
        "date_of_birth": ["12", "4", "1988"],
        "other_identifiers": "PNC 11/222222B",
        "supervision_started_on": _date(today() - timedelta(days=200)),
        "supervision_ended_on": ["", "", ""],
        "offence_on": _date(today() - timedelta(days=60)),
        "offence_category_id": str(offence_category().id),
        "partner_summary": "What the agencies need to know.",
        "submit": "y",
    }
    data.update(overrides)
    return data


@pytest.fixture
def agencies() -> dict[str, Organisation]:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    police.contact_email = "mash@northshire.police.example"
    health = make_organisation(OrganisationKind.HEALTH, "Northshire NHS Trust")
    db.session.commit()
    return {"police": police, "health": health}


def test_inspector_flags_a_review_and_each_agency_is_emailed_without_identifiers(
    client_for, inspector, agencies
) -> None:
    officers = [make_user(Role.AGENCY_MEMBER, agencies["police"], email=f"officer{n}@police.example") for n in (1, 2)]
    make_user(Role.AGENCY_MEMBER, agencies["police"], email="gone@police.example", active=False)
    nurse = make_user(Role.AGENCY_MEMBER, agencies["health"], email="nurse@health.example")
    review = make_review("SFO-2026-0123")
    db.session.commit()

    response = client_for(inspector).post(
        f"/cases/reviews/{review.id}/flag", data=_flag_data([agencies["police"], agencies["health"]])
    )
    assert response.status_code == 302
    case = db.session.scalar(db.select(MultiAgencyCase).where(MultiAgencyCase.review_id == review.id))
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert case.person_name == "Alex Example" and case.flagged_by == inspector
    assert {i.organisation.name for i in case.invitations} == {"Northshire Police", "Northshire NHS Trust"}

    messages = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.to_address)).all()
    # One email each: two active officers, the police mailbox and the nurse; never the deactivated officer.
    assert sorted(m.to_address for m in messages) == sorted(
        [officers[0].email, officers[1].email, "mash@northshire.police.example", nurse.email]
    )
    for message in messages:
        assert message.subject.startswith("OFFICIAL-SENSITIVE: ")
        assert "SFO-2026-0123" in message.subject
        assert f"http://portal.test/cases/{case.id}" in message.body_text
        for secret in ("Alex Example", "PNC 11/222222B", "1988"):
            assert secret not in message.body_text and secret not in message.body_html
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "case.flagged")).object_id == str(case.id)
    assert "Nobody could be emailed" not in client_for(inspector).get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert len(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "case.agency_invited")).all()) == 2


def test_the_inspector_is_warned_when_an_agency_has_nobody_to_email(client_for, inspector) -> None:
    empty = make_organisation(OrganisationKind.HOUSING, "Northshire Housing")
    review = make_review()
    db.session.commit()
    client = client_for(inspector)
    response = client.post(f"/cases/reviews/{review.id}/flag", data=_flag_data([empty]))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nobody could be emailed at Northshire Housing" in page


def test_flagging_errors_keep_everything_typed(client_for, inspector, agencies) -> None:
    review = make_review()
    db.session.commit()
    data = _flag_data(
        [],
        reason="<script>alert(1)</script>",
        date_of_birth=["31", "2", ""],
        reply_by=_date(today() - timedelta(days=1)),
        partner_summary="",
    )
    data.pop("organisation_ids")
    response = client_for(inspector).post(f"/cases/reviews/{review.id}/flag", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count("govuk-error-summary") >= 1 and "<title>Error: " in page
    assert "Select at least one agency to ask" in page
    assert "Date of birth must include a year" in page
    assert "The reply-by date must be in the future" in page
    assert "Enter a summary for the partner agencies" in page
    # What was typed comes back, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert 'value="Alex Example"' in page and 'value="31"' in page
    assert db.session.scalar(db.select(MultiAgencyCase.id)) is None


def test_an_inspector_adds_a_missing_organisation_without_losing_the_form(client_for, inspector, agencies) -> None:
    review = make_review()
    db.session.commit()
    client = client_for(inspector)
    data = _flag_data(
        [agencies["police"]],
        reason="Typed before adding",
        add_organisation="y",
        new_organisation_name="Northshire Youth Justice Service",
        new_organisation_kind="youth_justice",
        new_organisation_email="yjs@northshire.example",
    )
    data.pop("submit")
    page = client.post(f"/cases/reviews/{review.id}/flag", data=data).get_data(as_text=True)
    added = db.session.scalar(db.select(Organisation).where(Organisation.name == "Northshire Youth Justice Service"))
    assert added is not None and added.kind == OrganisationKind.YOUTH_JUSTICE
    assert added.contact_email == "yjs@northshire.example"
    assert "Typed before adding" in page and 'value="Alex Example"' in page
    # Both the police (ticked before) and the new organisation (ticked for them) are ticked.
    assert f'value="{added.id}" checked' in page and f'value="{agencies["police"].id}" checked' in page
    assert "govuk-error-summary" not in page
    assert db.session.scalar(db.select(MultiAgencyCase.id)) is None  # nothing flagged yet

    # An incomplete organisation is refused on its own, with the rest of the form kept.
    data.update(new_organisation_name="", new_organisation_kind="")
    page = client.post(f"/cases/reviews/{review.id}/flag", data=data).get_data(as_text=True)
    assert "Enter the name of the organisation to add" in page and "Select the kind of organisation" in page
    assert "Typed before adding" in page


def test_a_review_is_flagged_only_once(client_for, inspector, agencies) -> None:
    case = make_case([agencies["police"]])
    response = client_for(inspector).get(f"/cases/reviews/{case.review_id}/flag")
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{case.id}"


def test_finding_a_review_by_reference(client_for, inspector) -> None:
    review = make_review("SFO-2026-0777")
    db.session.commit()
    client = client_for(inspector)
    response = client.post("/cases/new", data={"reference": " sfo-2026-0777 "})
    assert response.headers["Location"] == f"/cases/reviews/{review.id}/flag"
    page = client.post("/cases/new", data={"reference": "SFO-2026-9999"}).get_data(as_text=True)
    assert "No review has this reference" in page and 'value="SFO-2026-9999"' in page


def test_identifier_views_are_audited_every_time(client_for, inspector, agencies) -> None:
    case = make_case([agencies["police"]])
    officer = make_user(Role.AGENCY_MEMBER, agencies["police"])
    for person in (inspector, officer, officer):
        page = client_for(person).get(f"/cases/{case.id}/identifiers").get_data(as_text=True)
        assert PERSON_NAME in page and PNC in page
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == "read.case_identifiers").order_by(AuditEvent.id)
    ).all()
    assert [e.actor_id for e in events] == [inspector.id, officer.id, officer.id]
    assert all(e.object_type == "MultiAgencyCase" and e.object_id == str(case.id) for e in events)
    # The audit trail never holds the identifiers themselves.
    assert all(PERSON_NAME not in e.summary and PERSON_NAME not in str(e.details) for e in events)
    # The case page itself does not show them.
    case_page = client_for(officer).get(f"/cases/{case.id}").get_data(as_text=True)
    assert PERSON_NAME not in case_page and PNC not in case_page


def test_the_case_page_shows_each_agencys_status(client_for, inspector, agencies) -> None:
    case = make_case([agencies["police"], agencies["health"]])
    officer = make_user(Role.AGENCY_MEMBER, agencies["police"])
    page = client_for(inspector).get(f"/cases/{case.id}").get_data(as_text=True)
    assert tags(page).count("Notified") == 2
    client_for(officer).get(f"/cases/{case.id}")  # the police open the request
    db.session.expire_all()
    assert invitation_of(case, agencies["police"]).first_opened_at_utc is not None
    page = client_for(inspector).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Opened" in tags(page) and "Notified" in tags(page)
    # An inspector looking does not count as the agency opening it.
    assert invitation_of(case, agencies["health"]).first_opened_at_utc is None


def test_the_opened_receipt_is_the_first_read_audit_and_changes_no_case_data(client_for, agencies) -> None:
    case = make_case([agencies["police"]])
    invitation = invitation_of(case, agencies["police"])
    updated, officer = invitation.updated_at_utc, make_user(Role.AGENCY_MEMBER, agencies["police"])
    client = client_for(officer)
    client.get(f"/cases/{case.id}")
    client.get(f"/cases/{case.id}")  # looking again is no new receipt
    db.session.expire_all()
    receipts = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "read.case_request",
            AuditEvent.object_type == "CaseInvitation",
            AuditEvent.object_id == str(invitation.id),
        )
    ).all()
    assert len(receipts) == 1 and receipts[0].actor_id == officer.id
    invitation = invitation_of(case, agencies["police"])
    assert invitation.first_opened_at_utc == receipts[0].occurred_at_utc
    assert invitation.updated_at_utc == updated  # the invitation row itself is untouched


def test_editing_the_case_is_versioned_and_a_stale_save_keeps_the_typed_text(client_for, inspector, agencies) -> None:
    case = make_case([agencies["police"]])
    version = case.version
    colleague = make_user(Role.INSPECTOR)
    data = _flag_data([], version=str(version))
    data.pop("organisation_ids")
    client_for(colleague).post(f"/cases/{case.id}/edit", data={**data, "reason": "Colleague's reason"})
    db.session.expire_all()
    assert case.reason == "Colleague's reason" and case.version == version + 1

    page = (
        client_for(inspector)
        .post(f"/cases/{case.id}/edit", data={**data, "reason": "My stale reason"})
        .get_data(as_text=True)
    )
    assert "Someone else changed this record" in page and "<title>Error: " in page
    assert "My stale reason" in page  # what I typed is still in the form
    assert "Colleague&#39;s reason" in page or "Colleague's reason" in page  # and theirs is shown
    db.session.expire_all()
    assert case.reason == "Colleague's reason"
    # Saving again, having seen their version, goes through.
    assert f'value="{version + 1}"' in page
    client_for(inspector).post(
        f"/cases/{case.id}/edit", data={**data, "reason": "My considered reason", "version": str(version + 1)}
    )
    db.session.expire_all()
    assert case.reason == "My considered reason"


def test_a_new_reply_by_date_is_emailed_and_rearms_reminders(client_for, inspector, agencies) -> None:
    make_user(Role.AGENCY_MEMBER, agencies["police"], email="officer@police.example")
    case = make_case([agencies["police"]])
    invitation = invitation_of(case, agencies["police"])
    from core.formatting import utc_now

    invitation.due_soon_reminder_sent_at_utc = utc_now()
    db.session.commit()
    before = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))
    data = _flag_data([], version=str(case.version), reply_by=_date(today() + timedelta(days=40)))
    data.pop("organisation_ids")
    client_for(inspector).post(f"/cases/{case.id}/edit", data=data)
    db.session.expire_all()
    assert case.reply_by == today() + timedelta(days=40)
    assert invitation.due_soon_reminder_sent_at_utc is None
    new = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id).offset(before)).all()
    assert {m.to_address for m in new} == {"officer@police.example", "mash@northshire.police.example"}
    assert all("New reply-by date" in m.subject for m in new)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "case.updated"))
    assert "reply_by" in event.details["fields"] and "person_name" not in event.details["before"]


def test_inviting_more_agencies_and_withdrawing_then_reinviting(client_for, inspector, agencies) -> None:
    case = make_case([agencies["police"]])
    client = client_for(inspector)
    page = client.get(f"/cases/{case.id}/invite").get_data(as_text=True)
    assert "Northshire NHS Trust" in page and f'value="{agencies["police"].id}"' not in page
    client.post(f"/cases/{case.id}/invite", data={"organisation_ids": [str(agencies["health"].id)], "submit": "y"})
    db.session.expire_all()
    health = invitation_of(case, agencies["health"])
    assert health.is_active and health.agency_return is not None

    response = client.post(f"/cases/invitations/{health.id}/withdraw", data={"reason": "Not involved after all"})
    assert response.status_code == 302
    db.session.expire_all()
    assert not health.is_active and health.withdrawal_reason == "Not involved after all"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "case.invitation_withdrawn"))
    assert event.details["reason"] == "Not involved after all"
    # A withdrawal with no reason is refused.
    police = invitation_of(case, agencies["police"])
    page = client.post(f"/cases/invitations/{police.id}/withdraw", data={"reason": " "}).get_data(as_text=True)
    assert "Enter why you are withdrawing the request" in page

    return_id = health.agency_return.id
    client.post(f"/cases/{case.id}/invite", data={"organisation_ids": [str(agencies["health"].id)], "submit": "y"})
    db.session.expire_all()
    assert health.is_active and health.agency_return.id == return_id  # they get their return back


def test_closing_and_reopening_a_case(client_for, inspector, agencies) -> None:
    case = make_case([agencies["police"]])
    client = client_for(inspector)
    page = client.post(f"/cases/{case.id}/close", data={"closed_on": _date(today() + timedelta(days=3))}).get_data(
        as_text=True
    )
    assert "The date the case closed must be today or in the past" in page
    client.post(f"/cases/{case.id}/close", data={"closed_on": _date(today())})
    db.session.expire_all()
    assert case.closed_on == today()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "will be erased on" in page and "Closed" in page
    client.post(f"/cases/{case.id}/reopen")
    db.session.expire_all()
    assert case.closed_on is None
    actions = set(db.session.scalars(db.select(AuditEvent.action)))
    assert {"case.closed", "case.reopened"} <= actions
