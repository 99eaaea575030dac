"""Sign-in through the real form: right, wrong, throttled, deactivated, CSRF, sessions."""

from __future__ import annotations

import re

from flask import Flask

from agencies.models import Role, User
from core.audit import AuditEvent
from extensions import db
from tests.conftest import TEST_PASSWORD, make_user


def sign_in(client, email: str, password: str = TEST_PASSWORD, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_sign_in_page_has_the_labelled_fields_and_button(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<label class="govuk-label" for="email">' in page and "Email address" in page
    assert re.search(r'<label class="govuk-label" for="password">\s*Password', page)
    assert re.search(r"<button[^>]*>\s*Sign in\s*</button>", page)
    assert "<title>Sign in – Learning panels</title>" in page


def test_right_password_signs_in_and_is_audited(client) -> None:
    user = make_user(Role.INSPECTOR, email="right@test.example")
    response = sign_in(client, "Right@Test.Example ")
    assert response.status_code == 302
    home = client.get("/", follow_redirects=True)
    assert user.full_name in home.get_data(as_text=True)
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "sign_in")).actor_id == user.id


def test_wrong_password_gives_a_govuk_error_and_is_audited(client) -> None:
    make_user(email="wrong@test.example")
    response = sign_in(client, "wrong@test.example", "not the right password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "Enter a correct email address and password" in page
    assert "<title>Error: Sign in – Learning panels</title>" in page
    # The email typed is kept; the password is not echoed back.
    assert 'value="wrong@test.example"' in page and "not the right password" not in page
    failed = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "sign_in.failed"))
    assert failed.actor_email == "wrong@test.example"
    assert "password" not in str(failed.details).lower()


def test_unknown_and_known_addresses_get_the_same_answer(client) -> None:
    make_user(email="known@test.example")
    known = sign_in(client, "known@test.example", "not the right password").get_data(as_text=True)
    unknown = sign_in(client, "nobody@test.example", "not the right password").get_data(as_text=True)
    strip = lambda page: re.sub(r'value="[^"]*"|nonce="[^"]*"', "", page)  # noqa: E731
    assert strip(known).replace("known", "X") == strip(unknown).replace("nobody", "X")


def test_deactivated_person_cannot_sign_in(client) -> None:
    make_user(email="gone@test.example", active=False)
    response = sign_in(client, "gone@test.example")
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert client.get("/admin/people").status_code == 302


def test_failed_sign_ins_are_throttled_per_account(client) -> None:
    make_user(email="target@test.example")
    for _ in range(5):
        assert sign_in(client, "target@test.example", "guess number one!").status_code == 200
    throttled = sign_in(client, "target@test.example", TEST_PASSWORD)
    assert throttled.status_code == 429
    assert "Too many attempts" in throttled.get_data(as_text=True)
    # Another account from the same address is not locked out by this one.
    make_user(email="other@test.example")
    assert sign_in(client, "other@test.example").status_code == 302


def test_failed_sign_ins_are_throttled_per_address(client) -> None:
    for number in range(20):
        sign_in(client, f"spray{number}@test.example", "guess number one!")
    assert sign_in(client, "spray99@test.example", "guess number one!").status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_throttle(app: Flask) -> None:
    make_user(email="often@test.example")
    for _ in range(8):
        client = app.test_client()
        assert sign_in(client, "often@test.example").status_code == 302


def test_csrf_token_is_required(app: Flask) -> None:
    make_user(email="csrf@test.example")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        response = sign_in(client, "csrf@test.example")
        assert response.status_code == 400
        assert "Your session timed out" in response.get_data(as_text=True)
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        ok = client.post("/login", data={"email": "csrf@test.example", "password": TEST_PASSWORD, "csrf_token": token})
        assert ok.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_sign_in_starts_a_new_session(client) -> None:
    make_user(email="fixation@test.example")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, "fixation@test.example")
    with client.session_transaction() as session:
        assert "planted" not in session


def test_sign_out_ends_every_session_of_that_person(app: Flask) -> None:
    user = make_user(Role.ADMIN, email="twice@test.example")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "twice@test.example")
    sign_in(phone, "twice@test.example")
    assert phone.get("/admin/people").status_code == 200
    assert laptop.post("/logout").status_code == 302
    # The phone's cookie is still there, but the session it names is gone.
    assert phone.get("/admin/people").status_code == 302
    assert db.session.get(User, user.id).session_token not in ("",)


def test_sign_out_is_not_possible_with_get(client) -> None:
    assert client.get("/logout").status_code == 405


def test_sessions_expire_after_the_absolute_limit(client) -> None:
    make_user(Role.ADMIN, email="long@test.example")
    sign_in(client, "long@test.example")
    with client.session_transaction() as session:
        session["signed_in_at"] -= 13 * 60 * 60
    assert client.get("/admin/people").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client) -> None:
    make_user(email="redirect@test.example")
    response = client.post(
        "/login?next=//evil.example/phish", data={"email": "redirect@test.example", "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/admin/people", data={"email": "redirect@test.example", "password": TEST_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/people"


def test_outdated_password_hashes_are_upgraded_at_sign_in(client) -> None:
    from argon2 import PasswordHasher

    user = make_user(email="upgrade@test.example")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(TEST_PASSWORD)
    db.session.commit()
    assert sign_in(client, "upgrade@test.example").status_code == 302
    db.session.refresh(user)
    assert "m=8," not in user.password_hash and user.password_hash.startswith("$argon2id$")
