"""ASVS 6.4-6.6: two-step sign-in with TOTP, recovery codes, throttling and the admin reset."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from agencies import two_factor
from agencies.models import RecoveryCode, Role, User
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from tests.conftest import TEST_PASSWORD, make_user
from tests.factories.security import current_code, sign_in_with_password


@pytest.fixture
def required(app: Flask) -> Iterator[None]:
    app.config["REQUIRE_TWO_FACTOR"] = True
    yield
    app.config["REQUIRE_TWO_FACTOR"] = False


def with_authenticator(user: User) -> str:
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at_utc = utc_now()
    db.session.commit()
    return user.totp_secret


def actions() -> list[str]:
    return list(db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)))


def is_signed_in(client: FlaskClient) -> bool:
    return client.get("/account").status_code == 200


def test_without_the_setting_a_password_alone_signs_in(client: FlaskClient) -> None:
    make_user(email="plain@test.example")
    response = sign_in_with_password(client, "plain@test.example", TEST_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert is_signed_in(client)


def test_production_always_requires_the_second_step() -> None:
    from config import DevelopmentConfig, ProductionConfig, TestConfig

    assert ProductionConfig.REQUIRE_TWO_FACTOR is True
    assert TestConfig.REQUIRE_TWO_FACTOR is False
    assert isinstance(DevelopmentConfig.REQUIRE_TWO_FACTOR, bool)


def test_first_sign_in_sets_up_an_authenticator_then_shows_recovery_codes_once(client: FlaskClient, required) -> None:
    user = make_user(Role.INSPECTOR, email="first@test.example")
    response = sign_in_with_password(client, "first@test.example", TEST_PASSWORD)
    assert response.headers["Location"] == "/login/set-up-two-step"
    # Half-signed-in: the password alone opens nothing.
    assert not is_signed_in(client)

    page = client.get("/login/set-up-two-step").get_data(as_text=True)
    assert "<title>Set up two-step sign-in – Learning panels</title>" in page
    db.session.refresh(user)
    secret = user.totp_secret
    assert secret and user.totp_confirmed_at_utc is None
    # The QR code is an inline SVG (data: URI, no outside service) and the key is in text.
    qr = re.search(r'<img src="(data:image/svg\+xml[^"]+)" alt="QR code[^"]*"', page)
    assert qr is not None and "<svg" in unquote(qr.group(1))
    assert re.search(rf'id="secret-key">\s*{two_factor.grouped(secret)}\s*</p>', page)
    assert "https://" not in qr.group(1)
    # The otpauth URI the QR code carries names the portal and the person and holds the secret.
    uri = urlparse(two_factor.provisioning_uri(user, secret))
    assert uri.scheme == "otpauth" and parse_qs(uri.query)["secret"] == [secret]
    assert parse_qs(uri.query)["issuer"] == ["Learning panels"]

    wrong = client.post(
        "/login/set-up-two-step", data={"code": "000000" if current_code(secret) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "The code is not right" in wrong.get_data(as_text=True)
    assert not is_signed_in(client)

    done = client.post("/login/set-up-two-step", data={"code": current_code(secret)})
    codes_page = done.get_data(as_text=True)
    assert done.status_code == 200 and "Save your recovery codes" in codes_page
    codes = re.findall(r"<code>([a-z2-7-]{29})</code>", codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert is_signed_in(client)
    db.session.refresh(user)
    assert user.totp_confirmed_at_utc is not None
    # Stored hashed only: no plain code anywhere in the table.
    stored = list(db.session.scalars(db.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert {two_factor.hash_recovery_code(c) for c in codes} == set(stored)
    # Shown once: nothing brings them back.
    assert not any(code in client.get("/account").get_data(as_text=True) for code in codes)
    assert {"sign_in.password_accepted", "sign_in.second_step_failed", "two_factor.set_up", "sign_in"} <= set(actions())


def test_later_sign_ins_ask_for_a_code(client: FlaskClient, required) -> None:
    user = make_user(Role.ADMIN, email="code@test.example")
    secret = with_authenticator(user)
    response = client.post("/login?next=/admin/people", data={"email": "code@test.example", "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/login/code"
    assert client.get("/admin/people").status_code == 302
    page = client.get("/login/code").get_data(as_text=True)
    assert "Enter the code from your authenticator app" in page
    done = client.post("/login/code", data={"code": current_code(secret)})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/people"
    assert client.get("/admin/people").status_code == 200
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "sign_in"))
    assert event.actor_id == user.id and event.details["method"] == "password and authenticator code"


def test_a_code_works_once(app: Flask, required) -> None:
    user = make_user(email="replay@test.example")
    secret = with_authenticator(user)
    code = current_code(secret)
    first, second = app.test_client(), app.test_client()
    sign_in_with_password(first, "replay@test.example", TEST_PASSWORD)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    sign_in_with_password(second, "replay@test.example", TEST_PASSWORD)
    replayed = second.post("/login/code", data={"code": code})
    assert replayed.status_code == 200 and not is_signed_in(second)


def test_codes_from_the_next_step_are_accepted_for_clock_drift(client: FlaskClient, required) -> None:
    user = make_user(email="drift@test.example")
    secret = with_authenticator(user)
    sign_in_with_password(client, "drift@test.example", TEST_PASSWORD)
    assert client.post("/login/code", data={"code": current_code(secret, steps_ahead=1)}).status_code == 302
    # Three steps (90 seconds) out is too far.
    other = make_user(email="far@test.example")
    far_secret = with_authenticator(other)
    client.post("/logout")
    sign_in_with_password(client, "far@test.example", TEST_PASSWORD)
    assert client.post("/login/code", data={"code": current_code(far_secret, steps_ahead=3)}).status_code == 200


def test_a_recovery_code_signs_in_once(app: Flask, required) -> None:
    user = make_user(email="recover@test.example")
    with_authenticator(user)
    codes = two_factor.new_recovery_codes(3)
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=two_factor.hash_recovery_code(c)) for c in codes)
    db.session.commit()

    client = app.test_client()
    sign_in_with_password(client, "recover@test.example", TEST_PASSWORD)
    assert "I cannot use my authenticator app" in client.get("/login/code").get_data(as_text=True)
    # Typed with capitals and spaces: still the code.
    typed = codes[0].upper().replace("-", " ")
    response = client.post("/login/recovery-code", data={"code": typed}, follow_redirects=True)
    assert "You have 2 left" in response.get_data(as_text=True)
    assert is_signed_in(client)

    again = app.test_client()
    sign_in_with_password(again, "recover@test.example", TEST_PASSWORD)
    reused = again.post("/login/recovery-code", data={"code": codes[0]})
    assert reused.status_code == 200 and "already been used" in reused.get_data(as_text=True)
    assert not is_signed_in(again)
    assert "two_factor.recovery_code_used" in actions()


def test_another_persons_recovery_code_does_not_work(client: FlaskClient, required) -> None:
    mine, theirs = make_user(email="mine@test.example"), make_user(email="theirs@test.example")
    with_authenticator(mine)
    with_authenticator(theirs)
    code = two_factor.new_recovery_codes(1)[0]
    db.session.add(RecoveryCode(user_id=theirs.id, code_hash=two_factor.hash_recovery_code(code)))
    db.session.commit()
    sign_in_with_password(client, "mine@test.example", TEST_PASSWORD)
    assert client.post("/login/recovery-code", data={"code": code}).status_code == 200
    assert not is_signed_in(client)


def test_five_wrong_codes_then_throttled_and_audited(app: Flask, required) -> None:
    user = make_user(email="guess@test.example")
    secret = with_authenticator(user)
    client = app.test_client()
    sign_in_with_password(client, "guess@test.example", TEST_PASSWORD)
    right = current_code(secret)
    wrong = [f"{n:06d}" for n in range(100000, 100020) if f"{n:06d}" != right][:5]
    for code in wrong[:3]:
        assert client.post("/login/code", data={"code": code}).status_code == 200
    for code in wrong[3:5]:  # recovery codes share the same five guesses
        assert client.post("/login/recovery-code", data={"code": code}).status_code == 200
    throttled = client.post("/login/code", data={"code": current_code(secret)})
    assert throttled.status_code == 429 and "Too many attempts" in throttled.get_data(as_text=True)
    assert not is_signed_in(client)
    # Starting again with the password does not buy fresh guesses.
    fresh = app.test_client()
    sign_in_with_password(fresh, "guess@test.example", TEST_PASSWORD)
    assert fresh.post("/login/code", data={"code": current_code(secret)}).status_code == 429
    assert actions().count("sign_in.second_step_failed") == 5
    assert "sign_in.throttled" in actions()


def test_successful_sign_ins_through_both_steps_are_not_counted(app: Flask, required) -> None:
    user = make_user(email="daily@test.example")
    secret = with_authenticator(user)
    for _ in range(7):
        client = app.test_client()
        assert sign_in_with_password(client, "daily@test.example", TEST_PASSWORD).status_code == 302
        # A fresh code each time (the replay guard would refuse a repeat), as tomorrow's would be.
        user.totp_last_used_step = None
        db.session.commit()
        assert client.post("/login/code", data={"code": current_code(secret)}).status_code == 302
    # ... and failures still are.
    client = app.test_client()
    for _ in range(5):
        assert sign_in_with_password(client, "daily@test.example", "not the password at all").status_code == 200
    assert sign_in_with_password(client, "daily@test.example", TEST_PASSWORD).status_code == 429


def test_the_half_signed_in_state_expires(app: Flask, client: FlaskClient, required) -> None:
    user = make_user(email="slow@test.example")
    secret = with_authenticator(user)
    sign_in_with_password(client, "slow@test.example", TEST_PASSWORD)
    with client.session_transaction() as session:
        record = dict(session[two_factor.PENDING_KEY], expires_at=time.time() - 1)
        session[two_factor.PENDING_KEY] = record
    response = client.post("/login/code", data={"code": current_code(secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not is_signed_in(client)


def test_a_tampered_or_missing_half_signed_in_state_leads_back_to_sign_in(client: FlaskClient, required) -> None:
    for path in ("/login/code", "/login/set-up-two-step", "/login/recovery-code"):
        assert client.get(path).headers["Location"] == "/login"
    with client.session_transaction() as session:
        session[two_factor.PENDING_KEY] = {"user_id": "1 OR 1=1", "token": None, "expires_at": "later"}
    assert client.get("/login/code").headers["Location"] == "/login"


def test_ending_sessions_also_ends_a_half_finished_sign_in(client: FlaskClient, required) -> None:
    user = make_user(email="ended@test.example")
    secret = with_authenticator(user)
    sign_in_with_password(client, "ended@test.example", TEST_PASSWORD)
    user.end_all_sessions()
    db.session.commit()
    assert client.post("/login/code", data={"code": current_code(secret)}).headers["Location"] == "/login"
    assert not is_signed_in(client)


def test_admin_resets_a_persons_second_factor(app: Flask, client_for, required) -> None:
    admin = make_user(Role.ADMIN, email="boss@test.example")
    person = make_user(email="lostphone@test.example")
    with_authenticator(person)
    db.session.add(RecoveryCode(user_id=person.id, code_hash="f" * 64))
    db.session.commit()
    their_session = client_for(person)
    assert is_signed_in(their_session)

    page = client_for(admin).get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Reset two-step sign-in" in page
    response = client_for(admin).post(f"/admin/people/{person.id}/reset-two-step")
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.totp_secret is None and person.totp_confirmed_at_utc is None
    assert db.session.scalar(db.select(db.func.count(RecoveryCode.id))) == 0
    assert not is_signed_in(their_session)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "two_factor.reset"))
    assert event.actor_id == admin.id and event.object_id == str(person.id)
    # Next sign-in sets up a new authenticator.
    fresh = app.test_client()
    assert (
        sign_in_with_password(fresh, "lostphone@test.example", TEST_PASSWORD).headers["Location"]
        == "/login/set-up-two-step"
    )


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.AGENCY_MEMBER])
def test_only_admins_reset_second_factors(client_for, role: Role) -> None:
    person = make_user(email="keep@test.example")
    with_authenticator(person)
    # The person finder is admin-only, so to anyone else the person does not exist.
    assert client_for(make_user(role)).post(f"/admin/people/{person.id}/reset-two-step").status_code == 404
    db.session.refresh(person)
    assert person.has_two_factor


def test_admin_reset_of_an_unknown_person_is_404(client_for) -> None:
    assert client_for(make_user(Role.ADMIN)).post("/admin/people/999999/reset-two-step").status_code == 404


def test_demo_accounts_get_the_demo_totp_secret(app: Flask, monkeypatch: pytest.MonkeyPatch, required) -> None:
    from agencies.seed import seed_demo_organisations_and_people

    secret = pyotp.random_base32()
    monkeypatch.setenv("DEMO_TOTP_SECRET", secret.lower())
    seed_demo_organisations_and_people("demo password for the tests")
    db.session.commit()
    confirmed = db.session.scalars(db.select(User).where(User.totp_secret == secret.upper())).all()
    assert len(confirmed) == 7 and all(u.totp_confirmed_at_utc for u in confirmed)
    assert seed_demo_organisations_and_people("demo password for the tests") == []  # idempotent
    for email in ("admin@inspectorate.example", "police2@otherpolice.example"):
        client = app.test_client()
        assert sign_in_with_password(client, email, "demo password for the tests").headers["Location"] == "/login/code"
        assert client.post("/login/code", data={"code": current_code(secret)}).status_code == 302
        assert is_signed_in(client)


@pytest.mark.parametrize("bad", ["not base32!", "ABC"])
def test_a_malformed_demo_totp_secret_is_refused(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    from agencies.seed import demo_totp_secret

    monkeypatch.setenv("DEMO_TOTP_SECRET", bad)
    with pytest.raises(ValueError, match="DEMO_TOTP_SECRET"):
        demo_totp_secret()
