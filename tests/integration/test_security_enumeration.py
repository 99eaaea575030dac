"""ASVS 6.3.8: sign-in and password reset answer the same way, in the same shape, whether or
not an address has an account (and whether or not that account is active or uses two steps)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.formatting import utc_now
from extensions import db
from notifications.models import OutboxMessage
from tests.conftest import make_user


def normalised(page: str, address: str) -> str:
    """The page with what legitimately differs removed: the nonce, the CSRF token, the address typed."""
    page = re.sub(r'nonce="[^"]*"|name="csrf_token" type="hidden" value="[^"]*"', "", page)
    return page.replace(address, "ADDRESS")


@pytest.fixture
def accounts() -> dict[str, str]:
    make_user(email="active@test.example")
    make_user(email="inactive@test.example", active=False)
    two_step = make_user(email="twostep@test.example")
    two_step.totp_secret, two_step.totp_confirmed_at_utc = pyotp.random_base32(), utc_now()
    db.session.commit()
    return {
        "active": "active@test.example",
        "inactive": "inactive@test.example",
        "two-step": "twostep@test.example",
        "unknown": "nobody@test.example",
    }


@pytest.fixture(params=[False, True], ids=["password only", "two steps required"])
def two_steps(request: pytest.FixtureRequest, app: Flask) -> Iterator[bool]:
    app.config["REQUIRE_TWO_FACTOR"] = request.param
    yield request.param
    app.config["REQUIRE_TWO_FACTOR"] = False


def answer(client: FlaskClient, path: str, data: dict[str, str]) -> tuple[int, dict[str, str], str]:
    response = client.post(path, data=data)
    headers = {
        k: v
        for k, v in response.headers.items()
        if k not in ("Content-Security-Policy", "Set-Cookie", "Content-Length")
    }
    return response.status_code, headers, normalised(response.get_data(as_text=True), data["email"])


def test_wrong_passwords_get_one_answer_for_every_kind_of_address(app: Flask, accounts, two_steps) -> None:
    answers = {
        kind: answer(app.test_client(), "/login", {"email": email, "password": "not the right password"})
        for kind, email in accounts.items()
    }
    first = answers["unknown"]
    assert first[0] == 200
    for kind, other in answers.items():
        assert other == first, f"the answer for a {kind} address differs"


def test_a_deactivated_account_with_its_right_password_looks_like_a_wrong_password(app: Flask, accounts) -> None:
    from tests.conftest import TEST_PASSWORD

    deactivated = answer(app.test_client(), "/login", {"email": accounts["inactive"], "password": TEST_PASSWORD})
    unknown = answer(app.test_client(), "/login", {"email": accounts["unknown"], "password": TEST_PASSWORD})
    assert deactivated == unknown


def test_password_reset_gives_one_answer_for_every_kind_of_address(app: Flask, accounts) -> None:
    answers = {
        kind: answer(app.test_client(), "/password/forgot", {"email": email}) for kind, email in accounts.items()
    }
    first = answers["unknown"]
    assert first[0] == 200 and "Check your email" in first[2]
    for kind, other in answers.items():
        assert other == first, f"the answer for a {kind} address differs"
    # Only the active accounts get an email.
    sent = set(db.session.scalars(db.select(OutboxMessage.to_address)))
    assert sent == {accounts["active"], accounts["two-step"]}


def test_unknown_addresses_cost_as_much_hashing_as_known_ones(app: Flask, accounts) -> None:
    """Timing: an unknown address still runs a full argon2 verification (no fast path)."""

    def median_time(email: str) -> float:
        times = []
        for _ in range(5):
            client = app.test_client()
            start = time.perf_counter()
            client.post("/login", data={"email": email, "password": "not the right password"})
            times.append(time.perf_counter() - start)
        return sorted(times)[2]

    known, unknown = median_time(accounts["active"]), median_time(accounts["unknown"])
    # Both are dominated by one argon2id verification; a skipped hash would be several times faster.
    assert unknown > known * 0.3
