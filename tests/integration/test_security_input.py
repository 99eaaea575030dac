"""ASVS 1-2: hostile input. Every POST route in the URL map, as admin, inspector and agency
member, gets script, template syntax, CR/LF, very long and odd unicode text in every field its
form shows (and in the usual field names besides): never a 5xx, never reflected unescaped.
CR/LF can never add an email header.

Property-based (hypothesis) on top of a fixed sweep; both are bounded in examples and time.
"""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.models import User
from extensions import db
from tests.conftest import sign_in_as
from tests.factories.security import Route, routes, seed_demo

SCRIPT = "<script>alert('xss-probe')</script>"
TEMPLATE = "{{7*'7'}}{% print 7*'7' %}"
TEMPLATE_RESULT = "7777777"
CRLF = "line one\r\nBcc: attacker@evil.example\r\n\r\nbody"
HOSTILE = [
    SCRIPT + TEMPLATE + CRLF,
    "x" * 100_000,
    "ünïcödé 🙂 \u202egnp.exe \u200b 中文 עברית \U0001f4a9 \ufeff",
    '\' OR 1=1; DROP TABLE users; -- ../../etc/passwd =HYPERLINK("http://evil.example")',
    "   ",
    "-1",
    "99999999999999999999999",
    "2026-02-30",
]
# Names posted to every route besides those its form shows: the usual field names, so that
# POST-only routes (buttons) and fields hidden by state are exercised too.
COMMON_FIELDS = [
    "name",
    "email",
    "full_name",
    "title",
    "summary",
    "notes",
    "reference",
    "code",
    "password",
    "confirm",
    "current_password",
    "q",
    "reason",
    "comment",
    "date",
    "version",
    "next",
]
ROLES = ["admin", "inspector", "police"]
# Posting these ends the client's own session; the client is renewed for every request anyway.
_FIELD = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', re.I)


def client_as(app: Flask, user: User) -> FlaskClient:
    # Some posts end the person's own sessions (reset, password change): start afresh each time.
    db.session.refresh(user)
    return sign_in_as(app.test_client(), user)


def form_fields(app: Flask, user: User, route: Route) -> list[str]:
    names: set[str] = set()
    if "GET" in (route.rule.methods or set()):
        page = client_as(app, user).get(route.url).get_data(as_text=True)
        names = {name for name in _FIELD.findall(page) if name != "csrf_token"}
    return sorted(names | set(COMMON_FIELDS))


def post_and_check(app: Flask, user: User, route: Route, data: dict[str, str]) -> list[str]:
    response = client_as(app, user).post(route.url, data=data)
    body = response.get_data(as_text=True)
    problems = []
    if response.status_code >= 500:
        problems.append(f"{route.url}: {response.status_code}")
    if SCRIPT in body:
        problems.append(f"{route.url}: script reflected unescaped")
    if TEMPLATE_RESULT in body and not any(TEMPLATE_RESULT in value for value in data.values()):
        problems.append(f"{route.url}: template syntax was evaluated")
    for name, value in response.headers.items():
        if "attacker@evil.example" in value or "\n" in value or "\r" in value:
            problems.append(f"{route.url}: input reached the {name} header")
    return problems


@pytest.mark.parametrize("who", ROLES)
def test_every_post_route_survives_the_hostile_classics(app: Flask, who: str) -> None:
    people = seed_demo()
    user = people[who]
    problems = []
    for route in routes(app, "POST"):
        fields = form_fields(app, user, route)
        for payload in HOSTILE:
            problems += post_and_check(app, user, route, dict.fromkeys(fields, payload))
    assert problems == []


hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=400),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40).map(
        lambda s: s + SCRIPT
    ),
)


@pytest.mark.parametrize("who", ROLES)
def test_every_post_route_survives_random_text(app: Flask, who: str) -> None:
    people = seed_demo()
    user = people[who]
    post_routes = list(routes(app, "POST"))
    fields = {route.url: form_fields(app, user, route) for route in post_routes}

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def post_random(data: st.DataObject) -> None:
        route = data.draw(st.sampled_from(post_routes), label="route")
        names = fields[route.url]
        values = data.draw(st.lists(hostile_text, min_size=len(names), max_size=len(names)), label="values")
        problems = post_and_check(app, user, route, dict(zip(names, values, strict=True)))
        assert problems == []

    post_random()


def test_nul_characters_are_refused_before_any_view(client_for, admin) -> None:
    client = client_for(admin)
    for response in (
        client.post("/admin/organisations/new", data={"name": "Nul\x00Trust", "kind": "health"}),
        client.get("/admin/people?q=a%00b"),
        client.get("/password/set/abc%00def"),
    ):
        assert response.status_code == 400
        assert "There is a problem with your request" in response.get_data(as_text=True)


def test_cr_lf_in_email_input_never_adds_a_header(app: Flask) -> None:
    from flask_mail import Message

    from notifications.outbox import queue_email

    user = seed_demo()["police"]
    email = {
        "template": "password_link",
        "recipient": user,
        "context": {"link": "http://portal.test/x", "purpose": "reset", "expires_at": None},
    }
    # An address with a line break in it is refused, or flattened: never a second header.
    try:
        row = queue_email(to="police@police.example\r\nBcc: attacker@evil.example", subject="Hello", **email)
    except ValueError:
        pass
    else:
        assert "\r" not in row.to_address and "\n" not in row.to_address
    db.session.rollback()

    row = queue_email(
        to="police@police.example", subject="Case update\r\nBcc: attacker@evil.example\nX-Injected: yes", **email
    )
    db.session.flush()
    assert "\r" not in row.subject and "\n" not in row.subject
    message = Message(
        subject=row.subject, recipients=[row.to_address], body=row.body_text, sender="portal@inspectorate.example"
    )
    parsed = message_from_bytes(message.as_bytes(), policy=email_policy)
    assert parsed["Bcc"] is None and parsed["X-Injected"] is None
    assert parsed["To"] == "police@police.example"
    assert parsed["Subject"].startswith("Case update")
