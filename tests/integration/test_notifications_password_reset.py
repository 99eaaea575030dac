"""Password reset and first sign-in links, end to end: requested in the portal, delivered by the
worker to a real SMTP server, read back from the received email, and used."""

from __future__ import annotations

import re

from agencies.models import Role, User
from extensions import db
from notifications.models import OutboxMessage
from notifications.worker import send_all_due
from tests.conftest import make_user
from tests.smtp import SmtpServer

NEW_PASSWORD = "violet orchard summit"  # nosec B105 - test-only


def _links(text: str) -> list[str]:
    return re.findall(r"http://portal\.test(/password/set/[A-Za-z0-9_-]+)", text)


def test_a_requested_reset_arrives_by_email_and_its_link_sets_the_password(
    client,
    smtp_server: SmtpServer,  # noqa: F811
) -> None:
    user = make_user(email="forgetful@police.example", full_name="Fran Forgetful")

    client.post("/password/forgot", data={"email": "forgetful@police.example"})
    assert smtp_server.received == []  # nothing is sent inside the request
    assert send_all_due().sent == 1

    [received] = smtp_server.received
    message = received.message
    assert received.rcpt_tos == ("forgetful@police.example",)
    assert message["Subject"] == "Reset your Learning panels password"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Dear Fran Forgetful," in text
    [path] = _links(text)
    assert _links(html) == [path]  # both versions carry the same link
    # Delivered, the token is scrubbed from the stored copy: the database keeps only its hash.
    stored = db.session.scalar(db.select(OutboxMessage))
    token = path.rsplit("/", 1)[1]
    assert token not in stored.body_text and token not in stored.body_html
    assert "/password/set/[hidden" in stored.body_text

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    signed_in = client.post("/login", data={"email": "forgetful@police.example", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert db.session.get(User, user.id).password_changed_at_utc is not None
    assert client.get(path).status_code == 404  # the link works once


def test_a_new_persons_first_sign_in_link_arrives_and_works(app, client_for, smtp_server: SmtpServer) -> None:  # noqa: F811
    admin = make_user(Role.ADMIN, email="admin@inspectorate.example")
    organisation_id = admin.organisation_id
    response = client_for(admin).post(
        "/admin/people/new",
        data={
            "full_name": "Nell Newcomer",
            "email": "nell@inspectorate.example",
            "organisation_id": organisation_id,
            "role": Role.INSPECTOR.value,
            "job_title": "Inspector",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    send_all_due()

    [received] = smtp_server.received
    assert received.rcpt_tos == ("nell@inspectorate.example",)
    assert received.message["Subject"] == "Set your password for Learning panels"
    [path] = _links(received.message.get_body(preferencelist=("plain",)).get_content())
    anonymous = app.test_client()
    assert anonymous.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    signed_in = anonymous.post("/login", data={"email": "nell@inspectorate.example", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
