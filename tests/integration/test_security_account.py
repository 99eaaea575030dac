"""Your account: everyone signed in sees their own details, changes their password (current
+ new) and replaces their recovery codes; nobody reaches anyone else's through it."""

from __future__ import annotations

import re

import pyotp
import pytest
from flask import Flask

from agencies import two_factor
from agencies.models import OrganisationKind, RecoveryCode, Role, User
from agencies.passwords import verify_password
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from tests.conftest import TEST_PASSWORD, make_organisation, make_user

NEW_PASSWORD = "violet orchard summit"  # nosec B105 - test-only


def people() -> dict[str, User]:
    probation = make_organisation(OrganisationKind.PROBATION_REGION, "Test Probation Region")
    health = make_organisation(OrganisationKind.HEALTH, "Test Health Trust")
    return {
        "admin": make_user(Role.ADMIN),
        "inspector": make_user(Role.INSPECTOR),
        "police": make_user(Role.AGENCY_MEMBER),
        "health": make_user(Role.AGENCY_MEMBER, organisation=health),
        "probation": make_user(Role.AGENCY_MEMBER, organisation=probation),
    }


@pytest.mark.parametrize("who", ["admin", "inspector", "police", "health", "probation"])
def test_everyone_sees_their_own_account_from_the_header(client_for, who: str) -> None:
    everyone = people()
    me = everyone[who]
    client = client_for(me)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert re.search(r'<header.*<a class="[^"]*" href="/account"[^>]*>Your account</a>.*</header>', home, re.S)
    page = client.get("/account").get_data(as_text=True)
    assert "<title>Your account – Learning panels</title>" in page
    assert me.email in page and me.organisation.name in page
    # Only their own: nobody else's address appears.
    assert not any(other.email in page for name, other in everyone.items() if name != who)


@pytest.mark.parametrize("path", ["/account", "/account/password", "/account/recovery-codes"])
def test_anonymous_people_are_sent_to_sign_in(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post(path, data={"current_password": TEST_PASSWORD}).status_code in (302, 405)


def test_changing_the_password(client_for) -> None:
    user = make_user(email="changer@test.example")
    client = client_for(user)
    page = client.get("/account/password").get_data(as_text=True)
    for label in ("Current password", "New password", "Confirm new password"):
        assert label in page
    response = client.post(
        "/account/password", data={"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD) and not verify_password(user.password_hash, TEST_PASSWORD)
    assert user.password_changed_at_utc is not None
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "password.changed"))
    assert event.actor_id == user.id
    assert NEW_PASSWORD not in str(event.details) and TEST_PASSWORD not in str(event.details)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"current_password": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
            "Your current password is not right",
        ),
        (
            {"current_password": TEST_PASSWORD, "password": "password1234", "confirm": "password1234"},
            "Password is too easy to guess",
        ),
        (
            {"current_password": TEST_PASSWORD, "password": "short", "confirm": "short"},
            "Password must be 12 characters or more",
        ),
        (
            {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
            "Passwords do not match",
        ),
        (
            {"current_password": TEST_PASSWORD, "password": TEST_PASSWORD, "confirm": TEST_PASSWORD},
            "must be different from your current one",
        ),
        ({"current_password": "", "password": "", "confirm": ""}, "Enter your current password"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(client_for, data: dict[str, str], message: str) -> None:
    user = make_user(email="refused@test.example")
    before = (user.password_hash, user.session_token)
    response = client_for(user).post("/account/password", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and message in page and "<title>Error: Change your password" in page
    # Passwords are never echoed back into the form.
    assert not any(f'value="{value}"' in page for value in data.values() if value)
    db.session.refresh(user)
    assert (user.password_hash, user.session_token) == before


def test_guessing_the_current_password_is_throttled(client_for) -> None:
    user = make_user(email="hijacked@test.example")
    client = client_for(user)
    for number in range(5):
        client.post(
            "/account/password",
            data={"current_password": f"guess {number} at it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
    response = client.post(
        "/account/password", data={"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 429
    db.session.refresh(user)
    assert verify_password(user.password_hash, TEST_PASSWORD)


def test_posted_fields_other_than_the_forms_are_ignored(client_for) -> None:
    user = make_user(email="sneaky@test.example")
    other = make_organisation(OrganisationKind.INSPECTORATE, "Somewhere Else")
    client_for(user).post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "role": "admin",
            "organisation_id": str(other.id),
            "email": "boss@test.example",
            "active": "0",
            "totp_secret": "JBSWY3DPEHPK3PXP",
        },
    )
    db.session.refresh(user)
    assert user.role == Role.AGENCY_MEMBER and user.organisation_id != other.id
    assert user.email == "sneaky@test.example" and user.active and user.totp_secret is None


def test_replacing_recovery_codes_needs_the_password_and_retires_the_old_ones(app: Flask, client_for) -> None:
    user = make_user(email="codes@test.example")
    user.totp_secret, user.totp_confirmed_at_utc = pyotp.random_base32(), utc_now()
    old = two_factor.new_recovery_codes(2)
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.hash_recovery_code(c)) for c in old)
    db.session.commit()
    client = client_for(user)
    assert "2 recovery codes left" in client.get("/account").get_data(as_text=True)

    refused = client.post("/account/recovery-codes", data={"current_password": "wrong password here"})
    assert refused.status_code == 200 and "Your password is not right" in refused.get_data(as_text=True)
    page = client.post("/account/recovery-codes", data={"current_password": TEST_PASSWORD}).get_data(as_text=True)
    new = re.findall(r"<code>([a-z2-7-]{29})</code>", page)
    assert len(new) == 10 and "Your previous recovery codes no longer work" in page
    stored = set(db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert stored == {two_factor.hash_recovery_code(c) for c in new}
    assert {"two_factor.recovery_codes_refused", "two_factor.recovery_codes_replaced"} <= set(
        db.session.scalars(db.select(AuditEvent.action))
    )


def test_without_an_authenticator_there_are_no_recovery_codes_to_replace(client_for) -> None:
    client = client_for(make_user(email="nocodes@test.example"))
    assert client.get("/account/recovery-codes").headers["Location"] == "/account"
    assert client.post("/account/recovery-codes", data={"current_password": TEST_PASSWORD}).status_code == 302
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0
