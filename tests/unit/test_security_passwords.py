"""ASVS 6.2 / NCSC password rules: 12 characters or more, 64 and beyond accepted, no
composition rules, a shipped deny-list, no expiry; argon2id with strong parameters."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from argon2 import Type, extract_parameters

from agencies import passwords
from agencies.passwords import MAX_LENGTH, MIN_LENGTH, common_passwords, hash_password, password_problems


def test_twelve_characters_is_the_minimum() -> None:
    assert MIN_LENGTH == 12
    assert password_problems("fjord quilts") == []  # exactly 12
    assert password_problems("fjord quilt") == ["Password must be 12 characters or more"]


@pytest.mark.parametrize("length", [64, 100, 128, MAX_LENGTH])
def test_long_passwords_are_accepted_whole(length: int) -> None:
    phrase = ("an unusually long passphrase about herons " * 7)[:length]
    assert password_problems(phrase) == []
    # ... and not cut short: a password differing only at the end does not verify.
    hashed = hash_password(phrase)
    assert passwords.verify_password(hashed, phrase)
    assert not passwords.verify_password(hashed, phrase[:-1] + ("x" if phrase[-1] != "x" else "y"))


@pytest.mark.parametrize(
    "password",
    ["all lower case words", "ALL UPPER CASE WORDS", "123498765432109876", "spaces   and   more", "ünïcödé wörds ok"],
)
def test_no_composition_rules(password: str) -> None:
    assert password_problems(password) == []


def test_the_deny_list_ships_with_the_project_and_holds_thousands() -> None:
    folder = Path(passwords.__file__).parent
    assert (folder / "common_passwords.txt").is_file()
    with gzip.open(folder / "common_passwords_20k.txt.gz", "rt", encoding="utf-8") as extended:
        assert len(extended.read().splitlines()) > 19_000
    assert len(common_passwords()) > 19_000
    assert {"password", "qwerty", "iloveyou", "liverpool"} <= common_passwords()


@pytest.mark.parametrize(
    "password", ["iloveyou12345", "Sunshine2024!!", "football1234567", "manchesterunited", "1qaz2wsx3edc4rfv"]
)
def test_common_passwords_and_their_decorated_forms_are_refused(password: str) -> None:
    assert password_problems(password) == ["Password is too easy to guess. Try three random words together"]


def test_passwords_never_expire(client) -> None:
    from datetime import timedelta

    from core.formatting import utc_now
    from tests.conftest import TEST_PASSWORD, make_user

    make_user(email="decade@test.example", password_changed_at_utc=utc_now() - timedelta(days=3650))
    response = client.post("/login", data={"email": "decade@test.example", "password": TEST_PASSWORD})
    # Straight in: no "your password has expired" detour (NCSC: no forced expiry).
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_hashes_are_argon2id_with_at_least_owasp_parameters() -> None:
    parameters = extract_parameters(hash_password("marble-kestrel-lagoon"))
    assert parameters.type == Type.ID
    # OWASP's minimum for argon2id is m=19 MiB, t=2, p=1; RFC 9106's second choice is m=64 MiB, t=3.
    assert parameters.memory_cost >= 19 * 1024
    assert parameters.time_cost >= 2
    assert parameters.salt_len >= 16
