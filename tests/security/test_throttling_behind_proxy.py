"""Throttling that did not work behind the proxy: the app ignored X-Forwarded-For, so behind the
required proxy every client was 127.0.0.1 (about 20 failed sign-ins with made-up addresses
locked every user out, and the audit trail recorded 127.0.0.1 for everyone); a wrong password
for a named account locked its owner out for 15 minutes; attempts were counted only after they
were judged (a parallel burst got through); and several processes could each keep their own
counts in memory. Now exactly ``TRUSTED_PROXIES`` proxies are believed, limits are keyed on the
real address and the account, the account is slowed (not locked), attempts are counted first,
and production refuses per-process storage when more than one process serves."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits.storage import storage_from_string

from agencies import throttle
from config import ConfigurationError, ProductionConfig
from core.audit import AuditEvent
from core.formatting import utc_now
from extensions import db
from tests.conftest import TEST_PASSWORD, make_user
from tests.factories.security import at_once, current_code, required, sign_in_with_password  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PROXY = "127.0.0.1"  # the TLS proxy, on the same machine as gunicorn
REDIS = "redis://127.0.0.1:6379"


@pytest.fixture
def behind_one_proxy(app: Flask) -> Iterator[None]:
    app.config["TRUSTED_PROXIES"] = 1
    yield
    app.config["TRUSTED_PROXIES"] = 0


def from_address(client: FlaskClient, email: str, password: str, address: str, *, claimed: str = ""):  # type: ignore[no-untyped-def]
    """A sign-in as the proxy passes it on: whatever the client claimed, then the address it saw."""
    forwarded = f"{claimed}, {address}" if claimed else address
    return sign_in_with_password(
        client, email, password, headers={"X-Forwarded-For": forwarded}, environ_base={"REMOTE_ADDR": PROXY}
    )


def audit_rows(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- the real client address -----------------------------------------------------------------


def test_the_audit_trail_records_the_client_the_proxy_saw(app: Flask, client, behind_one_proxy) -> None:
    from_address(client, "someone@test.example", "wrong password!", "203.0.113.9", claimed="198.51.100.1")
    [failed] = audit_rows("sign_in.failed")
    # The client's own made-up entry is not believed: only the one the trusted proxy added.
    assert failed.ip_address == "203.0.113.9"


def test_with_no_trusted_proxy_a_forwarded_header_is_ignored(client) -> None:
    sign_in_with_password(client, "someone@test.example", "wrong password!", headers={"X-Forwarded-For": "203.0.113.9"})
    [failed] = audit_rows("sign_in.failed")
    assert failed.ip_address == "127.0.0.1"


def test_production_trusts_the_one_proxy_it_is_deployed_behind() -> None:
    assert ProductionConfig.TRUSTED_PROXIES == int(os.environ.get("TRUSTED_PROXIES", "1"))


def test_failed_sign_ins_from_one_address_lock_out_nobody_else(app: Flask, behind_one_proxy) -> None:
    make_user(email="owner@test.example")
    attacker = app.test_client()
    for number in range(25):
        from_address(
            attacker, f"made-up{number}@test.example", "guess number one!", "198.51.100.66", claimed=f"10.0.0.{number}"
        )
    assert from_address(attacker, "made-up99@test.example", "guess number one!", "198.51.100.66").status_code == 429
    assert from_address(app.test_client(), "owner@test.example", TEST_PASSWORD, "203.0.113.20").status_code == 302


# --- the account: slowed, not locked -----------------------------------------------------------


def test_wrong_passwords_from_many_addresses_slow_the_account_but_never_lock_its_owner_out(
    app: Flask, behind_one_proxy
) -> None:
    make_user(email="named@test.example")
    for number in range(8):
        from_address(app.test_client(), "named@test.example", "guess number one!", f"198.51.100.{number + 1}")
    assert len(audit_rows("sign_in.failed")) <= 6  # five, then one per delay
    owner = app.test_client()
    first = from_address(owner, "named@test.example", TEST_PASSWORD, "203.0.113.50")
    if first.status_code == 429:
        wait = int(first.headers["Retry-After"])
        assert wait <= app.config["SIGN_IN_MAX_DELAY_SECONDS"]
        assert f"Wait {wait} second" in first.get_data(as_text=True)
        time.sleep(wait + 0.2)
        first = from_address(owner, "named@test.example", TEST_PASSWORD, "203.0.113.50")
    assert first.status_code == 302


def test_five_wrong_passwords_from_one_address_lock_that_address_out_of_that_account(app: Flask) -> None:
    make_user(email="pair@test.example")
    client = app.test_client()
    for _ in range(5):
        assert sign_in_with_password(client, "pair@test.example", "guess number one!").status_code == 200
    refused = sign_in_with_password(client, "pair@test.example", TEST_PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 60


# --- counted before judged -------------------------------------------------------------------------


def test_a_parallel_burst_of_25_wrong_passwords_from_one_address_is_held_to_five(app: Flask) -> None:
    make_user(email="burst@test.example")
    statuses = at_once(
        25, lambda n: sign_in_with_password(app.test_client(), "burst@test.example", f"guess {n}!").status_code
    )
    assert sorted(statuses) == [200] * 5 + [429] * 20
    assert len(audit_rows("sign_in.failed")) == 5


def test_a_parallel_burst_of_25_wrong_passwords_from_25_addresses_is_held_to_the_limit(
    app: Flask, behind_one_proxy
) -> None:
    make_user(email="spread@test.example")
    began = time.monotonic()
    statuses = at_once(
        25,
        lambda n: (
            from_address(app.test_client(), "spread@test.example", f"guess {n}!", f"198.51.100.{n + 1}").status_code
        ),
    )
    elapsed = time.monotonic() - began
    judged = len(audit_rows("sign_in.failed"))
    assert statuses.count(200) == judged and statuses.count(429) == 25 - judged
    # Five, then one per delay, the delays doubling from a second: however slow the machine.
    assert judged <= 5 + 1 + math.log2(elapsed + 1), (judged, elapsed)


@pytest.mark.usefixtures("required")
def test_a_parallel_burst_of_25_wrong_codes_is_held_to_five(app: Flask) -> None:
    user = make_user(email="codes@test.example")
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at_utc = utc_now()
    db.session.commit()
    clients = [app.test_client() for _ in range(25)]
    for client in clients:
        assert sign_in_with_password(client, "codes@test.example", TEST_PASSWORD).status_code == 302
    right = current_code(user.totp_secret)
    wrong = [f"{n:06d}" for n in range(200000, 200040) if f"{n:06d}" != right][:25]
    statuses = at_once(25, lambda n: clients[n].post("/login/code", data={"code": wrong[n]}).status_code)
    assert sorted(statuses) == [200] * 5 + [429] * 20
    assert len(audit_rows("sign_in.second_step_failed")) == 5


# --- one store for every process ---------------------------------------------------------------


def test_production_refuses_memory_storage_when_several_processes_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db.internal/portal")
    monkeypatch.setenv("MAIL_SERVER", "smtp.internal")
    monkeypatch.setenv("ANTIVIRUS_COMMAND", "clamdscan --no-summary -")
    monkeypatch.setenv("PANEL_ORGANIZER_EMAIL", "learning-panels@justiceinspectorates.example")
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI is memory:// but 4 processes"):
        ProductionConfig.validate()
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", REDIS)
    ProductionConfig.validate()
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    ProductionConfig.validate()


def test_gunicorn_with_several_workers_refuses_memory_storage(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "RATELIMIT_STORAGE_URI": "memory://",
        "INSTANCE_PATH": str(tmp_path),
    }
    env.pop("WEB_CONCURRENCY", None)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    started = subprocess.run(  # noqa: S603 - our own server, fixed arguments
        [str(gunicorn), "--workers", "3", "--bind", "127.0.0.1:0", "wsgi:app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "RATELIMIT_STORAGE_URI is memory:// but 3 processes" in started.stderr + started.stdout


@pytest.fixture
def redis_store(app: Flask) -> Iterator[Callable[[], object]]:
    """The throttle on the real Redis, under a key prefix of this test's own; each call gives a
    new connection, as another process would have."""
    prefix = f"test-{uuid.uuid4().hex}"
    app.config["RATELIMIT_KEY_PREFIX"] = prefix
    kept = app.extensions[throttle.EXTENSION]
    stores = []

    def connect() -> object:
        store = storage_from_string(REDIS)
        stores.append(store)
        app.extensions[throttle.EXTENSION] = store
        return store

    try:
        yield connect
    finally:
        app.extensions[throttle.EXTENSION] = kept
        app.config["RATELIMIT_KEY_PREFIX"] = "portal"
        if stores:
            client = stores[0].storage  # type: ignore[attr-defined]
            for key in client.scan_iter(match=f"*{prefix}/*"):
                client.delete(key)


def test_processes_sharing_redis_share_the_counts(app: Flask, redis_store) -> None:
    make_user(email="shared@test.example")
    client = app.test_client()
    redis_store()
    for _ in range(3):
        assert sign_in_with_password(client, "shared@test.example", "guess number one!").status_code == 200
    redis_store()  # another process, its own connection: the same counts
    for _ in range(2):
        assert sign_in_with_password(client, "shared@test.example", "guess number one!").status_code == 200
    assert sign_in_with_password(client, "shared@test.example", TEST_PASSWORD).status_code == 429


def test_a_parallel_burst_against_redis_is_held_to_five(app: Flask, redis_store) -> None:
    make_user(email="redis-burst@test.example")
    redis_store()
    statuses = at_once(
        25, lambda n: sign_in_with_password(app.test_client(), "redis-burst@test.example", f"guess {n}!").status_code
    )
    assert sorted(statuses) == [200] * 5 + [429] * 20
