"""The admin "Messages" pages: who may see them, filters, pagination, the message page, retry."""

from __future__ import annotations

import re

import pytest

from agencies.models import OrganisationKind, PasswordLinkPurpose, Role, User
from agencies.operations import issue_password_link
from core.audit import AuditEvent
from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from tests.conftest import make_organisation, make_user
from tests.factories.notifications import invite_attachment, queue_notice


def _people() -> dict[str, User | None]:
    police = make_organisation(OrganisationKind.POLICE, "Northshire Police")
    health = make_organisation(OrganisationKind.HEALTH, "Northshire NHS Foundation Trust")
    probation = make_organisation(OrganisationKind.PROBATION_REGION, "North West Probation Region")
    return {
        "admin": make_user(Role.ADMIN, email="admin@inspectorate.example"),
        "inspector": make_user(Role.INSPECTOR, email="inspector@inspectorate.example"),
        "recipient's agency": make_user(Role.AGENCY_MEMBER, police, email="police@police.example"),
        "another agency": make_user(Role.AGENCY_MEMBER, health, email="health@health.example"),
        "probation": make_user(Role.AGENCY_MEMBER, probation, email="probation@probation.example"),
        "anonymous": None,
    }


def _failed_message(to: str = "police@police.example", **fields: object) -> OutboxMessage:
    message = queue_notice(to, subject="Findings requested for SFO-2026-0001", commit=False)
    message.status = MessageStatus.FAILED
    message.attempts = 8
    message.last_error = "SMTP server replied 550 5.1.1 No such user"
    for name, value in fields.items():
        setattr(message, name, value)
    db.session.commit()
    return message


# (who, list, show, retry): what each person gets. Non-admins get 404 for a message by id:
# to them the outbox does not exist.
MATRIX = [
    ("admin", 200, 200, 302),
    ("inspector", 403, 404, 404),
    ("recipient's agency", 403, 404, 404),
    ("another agency", 403, 404, 404),
    ("probation", 403, 404, 404),
]


@pytest.mark.parametrize(("who", "list_status", "show_status", "retry_status"), MATRIX)
def test_only_admins_reach_the_outbox(app, client_for, who, list_status, show_status, retry_status) -> None:
    people = _people()
    message = _failed_message()
    client = client_for(people[who])
    assert client.get("/admin/messages").status_code == list_status
    assert client.get(f"/admin/messages/{message.id}").status_code == show_status
    assert client.post(f"/admin/messages/{message.id}/retry").status_code == retry_status
    db.session.expire_all()
    expected = MessageStatus.QUEUED if who == "admin" else MessageStatus.FAILED
    assert db.session.get(OutboxMessage, message.id).status == expected


def test_anonymous_people_are_sent_to_sign_in(app) -> None:
    message = _failed_message()
    client = app.test_client()
    for response in (
        client.get("/admin/messages"),
        client.get(f"/admin/messages/{message.id}"),
        client.post(f"/admin/messages/{message.id}/retry"),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.FAILED


def test_a_message_that_does_not_exist_is_not_found(client_for, admin) -> None:
    client = client_for(admin)
    assert client.get("/admin/messages/999999").status_code == 404
    assert client.post("/admin/messages/999999/retry").status_code == 404


def test_the_list_filters_by_status_and_recipient(client_for, admin) -> None:
    queue_notice("waiting@police.example", subject="Still queued")
    sent = queue_notice("done@health.example", subject="Already sent", commit=False)
    sent.status = MessageStatus.SENT
    db.session.commit()
    _failed_message("broken@council.example")
    client = client_for(admin)

    everything = client.get("/admin/messages").get_data(as_text=True)
    assert "<title>Messages – Learning panels</title>" in everything
    assert all(a in everything for a in ("waiting@police.example", "done@health.example", "broken@council.example"))
    assert "All (3)" in everything and "Failed (1)" in everything
    assert "1 message has failed" in everything

    failed = client.get("/admin/messages?status=failed").get_data(as_text=True)
    assert "broken@council.example" in failed and "waiting@police.example" not in failed

    by_address = client.get("/admin/messages?to=HEALTH.example").get_data(as_text=True)
    assert "done@health.example" in by_address and "broken@council.example" not in by_address

    # LIKE wildcards typed in the box are matched literally.
    assert "No messages match" in client.get("/admin/messages?to=%25").get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "status=<script>alert(1)</script>",
        "to=" + "x" * 5000,
        "to=%0d%0aSet-Cookie:x",
        "page=-3",
        "page=abc",
        "status=failed&page=99",
    ],
)
def test_hostile_list_input_is_harmless(client_for, admin, query) -> None:
    _failed_message()
    response = client_for(admin).get(f"/admin/messages?{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_the_list_is_paginated_and_its_query_count_does_not_grow(client_for, admin, count_queries) -> None:
    client = client_for(admin)
    for n in range(3):
        queue_notice(f"few{n}@police.example", attachments=(invite_attachment(),), commit=False)
    db.session.commit()
    client.get("/admin/messages")  # warm caches
    with count_queries() as few:
        client.get("/admin/messages")
    for n in range(30):
        queue_notice(f"many{n}@police.example", attachments=(invite_attachment(),), commit=False)
    db.session.commit()
    with count_queries() as many:
        first = client.get("/admin/messages").get_data(as_text=True)
    assert many.count == few.count
    assert first.count("/admin/messages/") >= 25
    second = client.get("/admin/messages?page=2").get_data(as_text=True)
    assert "few0@police.example" in second and "Showing 26 to 33 of 33" in second


def test_the_message_page_shows_headers_body_attachments_and_error(client_for, admin) -> None:
    person = make_user(email="police@police.example", full_name="Pat Constable")
    message = queue_notice(
        "police@police.example",
        subject="Panel on 15 April <b>bold</b>",
        paragraphs=("First paragraph.", "Second <script>x()</script> paragraph."),
        recipient=person,
        attachments=(invite_attachment(),),
        commit=False,
    )
    message.status = MessageStatus.FAILED
    message.attempts = 8
    message.last_error = "SMTP server replied 451 4.3.0 Try again <later>"
    db.session.commit()

    page = client_for(admin).get(f"/admin/messages/{message.id}").get_data(as_text=True)

    assert "<title>Message" in page
    assert "police@police.example" in page and "Pat Constable" in page
    assert "learning-panels@inspectorate.example" in page  # From
    assert "Panel on 15 April &lt;b&gt;bold&lt;/b&gt;" in page
    assert "invite.ics" in page and "text/calendar; method=REQUEST" in page
    assert "First paragraph." in page and "Second &lt;script&gt;x()&lt;/script&gt; paragraph." in page
    assert "451 4.3.0 Try again &lt;later&gt;" in page
    assert "Retry sending" in page
    assert len(re.findall(r"<h1\b", page)) == 1


def test_a_sent_message_has_no_retry_and_a_forced_retry_is_refused(client_for, admin) -> None:
    message = queue_notice("done@police.example", commit=False)
    message.status = MessageStatus.SENT
    db.session.commit()
    client = client_for(admin)
    assert "Retry" not in client.get(f"/admin/messages/{message.id}").get_data(as_text=True)
    response = client.post(f"/admin/messages/{message.id}/retry", follow_redirects=True)
    assert "cannot be retried" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.SENT
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "email.retried")) is None


def test_retry_queues_the_message_afresh_audits_it_and_uses_the_persons_current_address(client_for, admin) -> None:
    person = make_user(email="typo@police.exmaple")
    message = _failed_message("typo@police.exmaple", recipient_id=person.id)
    person.email = "fixed@police.example"  # the admin corrected the address after the failure
    db.session.commit()

    response = client_for(admin).post(f"/admin/messages/{message.id}/retry", follow_redirects=True)

    assert "will be sent again" in response.get_data(as_text=True)
    db.session.expire_all()
    retried = db.session.get(OutboxMessage, message.id)
    assert retried.status == MessageStatus.QUEUED and retried.attempts == 0
    assert retried.to_address == "fixed@police.example"
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "email.retried"))
    assert event.actor_id == admin.id
    assert event.details["previous_address"] == "typo@police.exmaple"
    assert event.details["previous_attempts"] == 8


def test_retry_needs_a_csrf_token(app, client_for, admin) -> None:
    message = _failed_message()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = client_for(admin)
        assert client.post(f"/admin/messages/{message.id}/retry").status_code == 400
        page = client.get(f"/admin/messages/{message.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        value = token.group(1) or token.group(2)
        assert client.post(f"/admin/messages/{message.id}/retry", data={"csrf_token": value}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.QUEUED


def test_messages_is_in_the_admins_navigation(client_for, admin, inspector) -> None:
    assert 'href="/admin/messages"' in client_for(admin).get("/admin/messages").get_data(as_text=True)
    assert 'href="/admin/messages"' not in client_for(inspector).get("/").get_data(as_text=True)


def test_an_admin_cannot_read_someone_elses_password_link(app, client_for, admin) -> None:
    person = make_user(email="victim@police.example")
    with app.test_request_context():
        url = issue_password_link(person, PasswordLinkPurpose.RESET)
    db.session.commit()
    token = url.rsplit("/", 1)[1]
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.to_address == "victim@police.example"))
    assert token in message.body_text

    page = client_for(admin).get(f"/admin/messages/{message.id}").get_data(as_text=True)

    assert token not in page
    assert "/password/set/[hidden: only the recipient can use this link]" in page


# --- after an outage: retry all failed, and the alert when email is delayed ------------------


@pytest.mark.parametrize(("who", "status"), [("admin", 302), ("inspector", 403), ("recipient's agency", 403)])
def test_only_admins_can_retry_all_failed(client_for, who, status) -> None:
    people = _people()
    message = _failed_message()
    assert client_for(people[who]).post("/admin/messages/retry-failed").status_code == status
    db.session.expire_all()
    expected = MessageStatus.QUEUED if who == "admin" else MessageStatus.FAILED
    assert db.session.get(OutboxMessage, message.id).status == expected


def test_retry_all_failed_queues_every_failed_message_afresh_and_audits_each(client_for, admin) -> None:
    failed = [_failed_message(f"person{n}@police.example") for n in range(3)]
    sent = queue_notice("done@police.example", commit=False)
    sent.status = MessageStatus.SENT
    db.session.commit()
    client = client_for(admin)
    assert "Retry all failed" in client.get("/admin/messages").get_data(as_text=True)

    page = client.post("/admin/messages/retry-failed", follow_redirects=True).get_data(as_text=True)

    assert "3 failed messages will be sent again" in page
    assert "Retry all failed" not in page  # nothing failed any more
    db.session.expire_all()
    for message in failed:
        retried = db.session.get(OutboxMessage, message.id)
        assert retried.status == MessageStatus.QUEUED and retried.attempts == 0
    assert db.session.get(OutboxMessage, sent.id).status == MessageStatus.SENT
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "email.retried")).all()
    assert len(events) == 3
    assert all(event.actor_id == admin.id and event.details["all_failed"] is True for event in events)


def test_retry_all_failed_needs_a_csrf_token(app, client_for, admin) -> None:
    message = _failed_message()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = client_for(admin)
        assert client.post("/admin/messages/retry-failed").status_code == 400
        page = client.get("/admin/messages").get_data(as_text=True)
        form = page[page.index('action="/admin/messages/retry-failed"') :]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        value = token.group(1) or token.group(2)
        assert client.post("/admin/messages/retry-failed", data={"csrf_token": value}).status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == MessageStatus.QUEUED


def test_admins_are_alerted_when_the_oldest_queued_message_has_waited_too_long(app, client_for, admin, inspector):
    from datetime import timedelta

    import time_machine

    from core.formatting import utc_now

    queue_notice("waiting@police.example")
    banner = "Email is delayed"
    assert banner not in client_for(admin).get("/admin/people").get_data(as_text=True)
    assert app.test_client().get("/healthz").get_json()["outbox"] == "ok"

    with time_machine.travel(utc_now() + timedelta(minutes=app.config["OUTBOX_ALERT_AFTER_MINUTES"] + 5)):
        page = client_for(admin).get("/admin/people").get_data(as_text=True)
        assert banner in page and "queued 65 minutes ago" in page
        assert 'href="/admin/messages?status=queued"' in page
        # Only admins: the outbox is theirs to look after.
        assert banner not in client_for(inspector).get("/", follow_redirects=True).get_data(as_text=True)
        health = app.test_client().get("/healthz")
        assert health.status_code == 200
        assert health.get_json() == {
            "status": "warning",
            "database": "ok",
            "outbox": "delayed",
            "oldest_queued_minutes": 65,
        }
