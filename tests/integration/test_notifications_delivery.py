"""The worker against a real SMTP server (aiosmtpd on loopback): delivery, refusals, outages,
back-off, the retry limit, leases, and what a message may and may not carry."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from datetime import timedelta

import pytest
import time_machine

from agencies.models import PasswordLinkPurpose, Role
from agencies.operations import issue_password_link
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from notifications.models import MessageStatus, OutboxMessage
from notifications.outbox import queue_email
from notifications.retry_policy import RetryPolicy
from notifications.worker import run_worker, send_all_due, send_due
from tests.conftest import make_user
from tests.factories.notifications import CALENDAR_INVITE, invite_attachment, queue_notice
from tests.smtp import SmtpServer


def _message(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None
    return message


def _audit_actions(message_id: int) -> list[str]:
    return list(
        db.session.scalars(
            db.select(AuditEvent.action)
            .where(AuditEvent.object_type == "OutboxMessage", AuditEvent.object_id == str(message_id))
            .order_by(AuditEvent.id)
        )
    )


def test_a_message_is_delivered_with_its_headers_bodies_and_attachment(app, smtp_server: SmtpServer) -> None:  # noqa: F811
    person = make_user(email="ann@police.example", full_name="Ann Example")
    queued = queue_notice(
        "ann@police.example",
        subject="Panel on 15 April",
        paragraphs=("You are invited to a learning panel.",),
        recipient=person,
        attachments=(invite_attachment(),),
    )

    result = send_all_due()

    assert result.sent == 1
    [received] = smtp_server.received
    assert received.rcpt_tos == ("ann@police.example",)
    message = received.message
    assert message["To"] == "ann@police.example"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Subject"] == "Panel on 15 April"
    assert message["Auto-Submitted"] == "auto-generated"
    stored = _message(queued.id)
    assert message["Message-ID"] == stored.message_id_header
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Dear Ann Example," in text and "You are invited to a learning panel." in text
    assert "http://portal.test/" in text
    assert "<p" in html and "You are invited to a learning panel." in html and 'href="http://portal.test/"' in html
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert "text/calendar; method=REQUEST" in attachment["Content-Type"].replace('"', "")
    assert attachment.get_payload(decode=True) == CALENDAR_INVITE

    assert stored.status == MessageStatus.SENT
    assert stored.attempts == 1 and stored.sent_at_utc is not None
    assert stored.claimed_until_utc is None and stored.claimed_by is None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "email.sent"))
    assert event is not None and event.object_id == str(queued.id)
    assert event.actor_id is None and event.actor_email is None  # shown as "System"


def test_each_recipient_gets_a_message_of_their_own(smtp_server: SmtpServer) -> None:  # noqa: F811
    for address in ("one@police.example", "two@health.example", "three@council.example"):
        queue_notice(address, commit=False)
    db.session.commit()

    send_all_due()

    received = smtp_server.received
    assert sorted(r.rcpt_tos for r in received) == [
        ("one@police.example",),
        ("three@council.example",),
        ("two@health.example",),
    ]
    for item in received:
        # The To: header names that recipient alone: no agency sees another's address.
        assert item.message["To"] == item.rcpt_tos[0]
        assert item.message["Cc"] is None


def test_a_shared_address_list_is_refused_when_queued() -> None:
    shared_lists = ("a@police.example, b@health.example", "a@police.example;b@health.example")
    for bad in (*shared_lists, "Ann <a@police.example>", ""):
        with pytest.raises(ValueError):
            queue_notice(bad, commit=False)
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_non_ascii_text_arrives_intact(smtp_server: SmtpServer) -> None:  # noqa: F811
    queue_notice(
        "zoe@police.example", subject="Réunion – panel’s agenda", paragraphs=("Siân Ó Briain’s review — “ready”.",)
    )
    send_all_due()
    [received] = smtp_server.received
    assert received.message["Subject"] == "Réunion – panel’s agenda"
    assert "Siân Ó Briain’s review — “ready”." in received.message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize(
    "refuse",
    [
        lambda server: server.refuse_data("451 4.3.0 Mailbox temporarily unavailable"),
        lambda server: server.refuse_data("550 5.7.1 Message rejected"),
        lambda server: server.refuse_recipients("550 5.1.1 No such user here"),
    ],
    ids=["451-at-data", "550-at-data", "550-at-rcpt"],
)
def test_a_refusal_leaves_the_message_queued_with_the_error_and_a_later_run_delivers_it(
    smtp_server: SmtpServer,
    refuse,  # noqa: F811
) -> None:
    refuse(smtp_server)
    queued = queue_notice("bob@police.example")
    before = utc_now()

    result = send_all_due()

    assert result.retrying == 1 and result.sent == 0
    message = _message(queued.id)
    assert message.status == MessageStatus.QUEUED
    assert message.attempts == 1
    assert message.last_error and ("451" in message.last_error or "550" in message.last_error)
    assert message.next_attempt_at_utc >= before + timedelta(minutes=1)
    assert message.claimed_until_utc is None
    assert smtp_server.received == []

    # Not due yet: an immediate second run does not try again.
    smtp_server.accept()
    assert send_all_due().claimed == 0
    assert _message(queued.id).attempts == 1

    with time_machine.travel(utc_now() + timedelta(minutes=1, seconds=5)):
        assert send_all_due().sent == 1
    [received] = smtp_server.received
    assert received.rcpt_tos == ("bob@police.example",)
    message = _message(queued.id)
    assert message.status == MessageStatus.SENT and message.attempts == 2
    assert _audit_actions(queued.id) == ["email.attempt_failed", "email.sent"]


def test_a_stopped_server_leaves_every_message_queued_and_they_go_once_it_is_back(
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    first = queue_notice("carol@police.example")
    second = queue_notice("dan@health.example")
    smtp_server.stop()

    result = send_all_due()

    assert result.retrying == 2
    for queued in (first, second):
        message = _message(queued.id)
        assert message.status == MessageStatus.QUEUED and message.attempts == 1
        assert "connect" in (message.last_error or "").lower()
        assert message.next_attempt_at_utc > utc_now()

    smtp_server.start()
    with time_machine.travel(utc_now() + timedelta(minutes=2)):
        assert send_all_due().sent == 2
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == ["carol@police.example", "dan@health.example"]


def test_back_off_doubles_and_after_the_limit_the_message_is_failed_and_shown_to_admins(
    app,
    smtp_server: SmtpServer,
    client_for,  # noqa: F811
) -> None:
    smtp_server.refuse_data("451 4.3.0 Try again later")
    queued = queue_notice("erin@police.example", subject="Your agency's return is due")
    policy = RetryPolicy.from_config(app.config)
    waits = []
    moment = utc_now()
    for attempt in range(1, policy.max_attempts + 1):
        with time_machine.travel(moment, tick=False):
            send_all_due()
        message = _message(queued.id)
        assert message.attempts == attempt
        if attempt < policy.max_attempts:
            assert message.status == MessageStatus.QUEUED
            waits.append(message.next_attempt_at_utc - moment)
            moment = message.next_attempt_at_utc
    assert waits[:4] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
    assert max(waits) == policy.longest_delay
    message = _message(queued.id)
    assert message.status == MessageStatus.FAILED
    assert "451" in (message.last_error or "")
    assert _audit_actions(queued.id)[-1] == "email.failed"

    # Never picked up again on its own.
    smtp_server.accept()
    with time_machine.travel(moment + timedelta(days=7)):
        assert send_all_due().claimed == 0

    admin = client_for(make_user(Role.ADMIN, email="admin@inspectorate.example"))
    listing = admin.get("/admin/messages?status=failed").get_data(as_text=True)
    assert "Your agency&#39;s return is due" in listing and "erin@police.example" in listing
    page = admin.get(f"/admin/messages/{queued.id}").get_data(as_text=True)
    assert "451 4.3.0 Try again later" in page and "Retry sending" in page

    assert admin.post(f"/admin/messages/{queued.id}/retry").status_code == 302
    assert send_all_due().sent == 1
    assert smtp_server.received[0].rcpt_tos == ("erin@police.example",)
    assert _message(queued.id).status == MessageStatus.SENT
    assert _audit_actions(queued.id)[-2:] == ["email.retried", "email.sent"]


def test_a_rolled_back_transaction_leaves_no_outbox_row_and_sends_nothing(app, smtp_server: SmtpServer) -> None:  # noqa: F811
    person = make_user(email="frank@police.example")

    # The change and its emails reach the database in one transaction...
    with app.test_request_context():
        issue_password_link(person, PasswordLinkPurpose.RESET)
    queue_notice("frank@police.example", commit=False)
    db.session.flush()
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 2
    # ...and when the change fails, the emails go with it.
    db.session.rollback()

    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0
    assert send_all_due().claimed == 0
    assert smtp_server.received == []


def test_cr_lf_in_a_subject_cannot_add_a_header(smtp_server: SmtpServer) -> None:  # noqa: F811
    queue_notice("gina@police.example", subject="Hello\r\nBcc: victim@evil.example\r\nX-Injected: yes")
    # A row written without queue_email is made safe at sending time too.
    raw = OutboxMessage(
        to_address="hal@police.example",
        subject="Hi\nBcc: other@evil.example",
        body_text="t",
        body_html="<p>h</p>",
        template="notice",
    )
    db.session.add(raw)
    db.session.commit()

    send_all_due()

    received = sorted(smtp_server.received, key=lambda r: r.rcpt_tos)
    assert [r.rcpt_tos for r in received] == [("gina@police.example",), ("hal@police.example",)]
    for item in received:
        headers = [name.lower() for name in item.message.keys()]
        assert "bcc" not in headers and "x-injected" not in headers
        assert headers.count("subject") == 1
        # The raw bytes hold no line that starts a smuggled header.
        assert b"\nBcc:" not in item.data and b"\nX-Injected:" not in item.data
    assert received[0].message["Subject"] == "Hello Bcc: victim@evil.example X-Injected: yes"


def test_a_case_email_carries_the_security_marking(smtp_server: SmtpServer) -> None:  # noqa: F811
    queue_notice("ian@police.example", subject="Case SFO-2026-0001: findings requested", about_a_case=True)
    send_all_due()
    message = smtp_server.received[0].message
    assert message["Subject"] == "OFFICIAL-SENSITIVE: Case SFO-2026-0001: findings requested"
    assert message.get_body(preferencelist=("plain",)).get_content().splitlines()[0] == "OFFICIAL-SENSITIVE"
    assert "OFFICIAL-SENSITIVE" in message.get_body(preferencelist=("html",)).get_content()


def test_a_message_for_a_deactivated_person_is_not_sent_and_says_why(smtp_server: SmtpServer) -> None:  # noqa: F811
    person = make_user(email="jo@police.example")
    queued = queue_notice("jo@police.example", recipient=person)
    person.active = False
    db.session.commit()

    result = send_all_due()

    assert result.cancelled == 1 and result.sent == 0
    assert smtp_server.received == []
    message = _message(queued.id)
    assert message.status == MessageStatus.CANCELLED
    assert "deactivated" in (message.last_error or "")
    assert _audit_actions(queued.id) == ["email.cancelled"]


def test_a_message_claimed_by_another_worker_waits_for_its_lease_to_run_out(smtp_server: SmtpServer) -> None:  # noqa: F811
    queued = queue_notice("kim@police.example")
    message = _message(queued.id)
    message.claimed_by = "crashed-worker"
    message.claimed_until_utc = utc_now() + timedelta(minutes=5)
    db.session.commit()

    assert send_all_due().claimed == 0
    assert smtp_server.received == []

    with time_machine.travel(utc_now() + timedelta(minutes=5, seconds=1)):
        assert send_all_due().sent == 1
    assert len(smtp_server.received) == 1


def test_a_retry_reuses_the_message_id(smtp_server: SmtpServer) -> None:  # noqa: F811
    smtp_server.refuse_data("451 4.3.0 Later")
    queued = queue_notice("lee@police.example")
    send_all_due()
    first_id = _message(queued.id).message_id_header
    assert first_id
    smtp_server.accept()
    with time_machine.travel(utc_now() + timedelta(minutes=2)):
        send_all_due()
    assert smtp_server.received[0].message["Message-ID"] == first_id


def test_a_worker_told_to_stop_gives_its_claims_back(smtp_server: SmtpServer) -> None:  # noqa: F811
    queued = [queue_notice(f"m{n}@police.example", commit=False) for n in range(3)]
    db.session.commit()

    result = send_due(should_stop=lambda: True)

    assert result.released == 3 and result.sent == 0
    for item in queued:
        message = _message(item.id)
        assert message.status == MessageStatus.QUEUED and message.attempts == 0
        assert message.claimed_until_utc is None and message.claimed_by is None
    assert send_all_due().sent == 3


def test_the_mail_catcher_keeps_each_message_as_an_eml_file(app, tmp_path) -> None:
    saved = app.config["MAIL_SERVER"], app.config["MAIL_CATCHER_DIR"]
    app.config.update(MAIL_SERVER="", MAIL_CATCHER_DIR=str(tmp_path / "mail"))
    try:
        queued = queue_notice("nia@police.example", subject="Caught", attachments=(invite_attachment(),))
        result = send_all_due()
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_CATCHER_DIR"] = saved

    assert result.sent == 1
    [path] = list((tmp_path / "mail").glob("*.eml"))
    assert path.name.endswith(f"-message-{queued.id}.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "nia@police.example" and message["Subject"] == "Caught"
    assert "Something happened" in message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_param("method") == "REQUEST"
    assert not list((tmp_path / "mail").glob("*.part"))
    assert _message(queued.id).status == MessageStatus.SENT


def test_queue_email_is_only_added_to_the_callers_transaction() -> None:
    message = queue_email(
        to="olu@police.example",
        subject="s",
        template="notice",
        context={"paragraphs": ["p"]},
    )
    assert message in db.session.new
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


def test_a_row_that_cannot_be_built_counts_as_a_failed_attempt_and_the_rest_still_go(smtp_server: SmtpServer) -> None:  # noqa: F811
    # Written without queue_email, so nothing refused the shared list when it was queued.
    broken = OutboxMessage(
        to_address="a@police.example, b@health.example",
        subject="Shared",
        body_text="t",
        body_html="<p>h</p>",
        template="notice",
    )
    db.session.add(broken)
    db.session.commit()
    fine = queue_notice("fine@police.example")

    result = send_all_due()

    assert result.sent == 1 and result.retrying == 1
    assert [r.rcpt_tos for r in smtp_server.received] == [("fine@police.example",)]
    message = _message(broken.id)
    assert message.status == MessageStatus.QUEUED and message.attempts == 1
    assert "Not a single email address" in (message.last_error or "")
    assert _message(fine.id).status == MessageStatus.SENT


def test_the_running_worker_delivers_what_is_queued_while_it_runs_and_stops_when_asked(
    app,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    stop = threading.Event()
    reports = []

    def work() -> None:
        with app.app_context():
            run_worker(stop, poll_seconds=0.05, report=reports.append)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        queue_notice("first@police.example")
        smtp_server.wait_for(1, timeout=10)
        queue_notice("second@police.example")
        smtp_server.wait_for(2, timeout=10)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert sum(report.sent for report in reports) == 2


def test_a_server_that_never_answers_times_out_instead_of_hanging_the_worker(app) -> None:
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # connections are queued but nothing ever replies
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=0.5)
    try:
        queued = queue_notice("quiet@police.example")
        began = time.monotonic()
        result = send_all_due()
        took = time.monotonic() - began
    finally:
        app.config.update(saved)
        silent.close()
    assert result.retrying == 1
    assert took < 10
    message = _message(queued.id)
    assert message.status == MessageStatus.QUEUED
    assert message.last_error == "The SMTP server did not answer in time"
