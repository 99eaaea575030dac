"""The rules a message must keep before it is queued and when it is built for sending."""

from __future__ import annotations

import email
import email.policy
import smtplib

import pytest

from agencies.admin import body_paragraphs
from notifications.delivery import OutgoingAttachment, OutgoingEmail, build_message, describe_error, new_message_id
from notifications.outbox import header_safe, normalised_content_type, single_address


@pytest.mark.parametrize("address", ["ann@police.example", "a.b+panels@nhs.example.uk", "O'Brien@council.example"])
def test_a_single_address_is_accepted(address: str) -> None:
    assert single_address(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "",
        "ann",
        "ann@",
        "@police.example",
        "ann@localhost",
        "a@police.example, b@health.example",
        "a@police.example;b@health.example",
        "Ann <ann@police.example>",
        "ann@police.example\r\nBcc: x@evil.example",
        "ann @police.example",
        "x" * 320 + "@police.example",
    ],
)
def test_anything_but_one_address_is_refused(address: str) -> None:
    with pytest.raises(ValueError):
        single_address(address)


def test_header_safe_collapses_line_breaks_and_control_characters() -> None:
    assert header_safe("Hello\r\nBcc: x@evil.example") == "Hello Bcc: x@evil.example"
    assert header_safe("\tTab\x00and\x7fdelete\n") == "Tab and delete"


@pytest.mark.parametrize(
    "content_type",
    ["text/calendar; method=REQUEST", 'text/calendar; charset="utf-8"; method=CANCEL', "application/pdf", "text/csv"],
)
def test_full_mime_types_are_kept(content_type: str) -> None:
    assert normalised_content_type(content_type) == content_type


@pytest.mark.parametrize(
    "content_type", ["", "pdf", "text/calendar\r\nBcc: x@evil.example", "a/b/c", 'text/plain; name="a/b"', "text/"]
)
def test_unusable_mime_types_are_refused(content_type: str) -> None:
    with pytest.raises(ValueError):
        normalised_content_type(content_type)


def _email(**fields: object) -> OutgoingEmail:
    values: dict = {
        "outbox_id": 1,
        "to": "ann@police.example",
        "subject": "Subject",
        "body_text": "Text",
        "body_html": "<p>HTML</p>",
        "message_id": "<1@inspectorate.example>",
    }
    values.update(fields)
    return OutgoingEmail(**values)


def test_the_built_message_has_both_bodies_the_stable_id_and_the_attachment() -> None:
    built = build_message(
        _email(attachments=(OutgoingAttachment("invite.ics", "text/calendar; method=REQUEST", b"BEGIN:VCALENDAR"),)),
        "learning-panels@inspectorate.example",
    )
    parsed = email.message_from_bytes(built.as_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == "<1@inspectorate.example>"
    assert parsed.get_body(preferencelist=("plain",)).get_content().strip() == "Text"
    assert parsed.get_body(preferencelist=("html",)).get_content().strip() == "<p>HTML</p>"
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"


def test_a_row_with_a_shared_address_list_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        build_message(_email(to="a@police.example, b@health.example"), "learning-panels@inspectorate.example")


def test_message_ids_use_the_senders_domain_and_differ() -> None:
    first = new_message_id("Learning panels <learning-panels@inspectorate.example>")
    assert first.endswith("@inspectorate.example>")
    assert first != new_message_id("learning-panels@inspectorate.example")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            smtplib.SMTPRecipientsRefused({"a@x.example": (550, b"5.1.1 No such user")}),
            "Recipient refused: a@x.example: 550 5.1.1 No such user",
        ),
        (smtplib.SMTPDataError(451, b"4.3.0 Try later"), "SMTP server replied 451 4.3.0 Try later"),
        (ConnectionRefusedError(111, "Connection refused"), "Could not connect to the SMTP server: connection refused"),
        (TimeoutError("timed out"), "The SMTP server did not answer in time"),
        (
            smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
            "The SMTP server closed the connection (Connection unexpectedly closed)",
        ),
        (
            smtplib.SMTPServerDisconnected("Connection unexpectedly closed: timed out"),
            "The SMTP server did not answer in time",
        ),
    ],
)
def test_errors_are_described_for_people(error: BaseException, expected: str) -> None:
    assert describe_error(error) == expected


def test_a_text_body_becomes_paragraphs_of_lines() -> None:
    assert body_paragraphs("Dear Ann,\r\n\r\nLine one\nLine two\n\n\n\nhttp://x\n") == [
        ["Dear Ann,"],
        ["Line one", "Line two"],
        ["http://x"],
    ]
