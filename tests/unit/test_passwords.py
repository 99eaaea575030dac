import pytest

from agencies.passwords import hash_password, needs_rehash, password_problems, verify_password


@pytest.mark.parametrize(
    "password",
    ["marble-kestrel-lagoon", "three random words together", "x" * 11 + "Yz!", "A" * 3 + "quite long phrase here"],
)
def test_long_uncommon_passwords_are_accepted(password: str) -> None:
    assert password_problems(password) == []


def test_length_over_complexity() -> None:
    assert password_problems("Ab1!Ab1!Ab1") == ["Password must be 12 characters or more"]
    # No composition rules: lower case letters and spaces alone are fine.
    assert password_problems("purple elephant umbrella") == []


def test_at_least_64_characters_accepted_and_a_ceiling_exists() -> None:
    assert password_problems("a correct horse battery staple " * 3) == []
    assert password_problems("z" * 300 + "abc") == ["Password must be 256 characters or fewer"]


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password1234!",
        "qwertyuiop12",
        "123456789012",
        "aaaaaaaaaaaaaaa",
        "abcdefghijklm",
        "!!Liverpool1234",
        "learningpanels123",
    ],
)
def test_common_and_predictable_passwords_are_refused(password: str) -> None:
    assert password_problems(password) == ["Password is too easy to guess. Try three random words together"]


def test_password_based_on_the_persons_email_is_refused() -> None:
    problems = password_problems("priyaconstable1", email="priyaconstable@police.example", full_name="Priya Constable")
    assert problems == ["Password must not be based on your name or email address"]


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password("marble-kestrel-lagoon")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "marble-kestrel-lagoon")
    assert not verify_password(hashed, "marble-kestrel-lagoons")
    assert not verify_password(None, "anything at all")
    assert not verify_password("not-a-hash", "anything at all")


def test_weaker_hashes_are_flagged_for_upgrade() -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("marble-kestrel-lagoon")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("marble-kestrel-lagoon"))
