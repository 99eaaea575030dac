"""Password rules (NCSC: length over complexity, no common passwords) and hashing (argon2id)."""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The deny-list shipped with the portal: a curated list of passwords people choose for
    work systems, plus the 20,000 most common passwords from breaches (the list Django ships,
    compiled by Royce Williams; BSD licence). ASVS 6.2.4 asks for at least the top 3,000."""
    folder = Path(__file__).parent
    curated = (folder / "common_passwords.txt").read_text(encoding="utf-8").splitlines()
    with gzip.open(folder / "common_passwords_20k.txt.gz", "rt", encoding="utf-8") as extended:
        breached = extended.read().splitlines()
    return frozenset(
        line.strip().lower() for line in (*curated, *breached) if line.strip() and not line.startswith("#")
    )


def _core(password: str) -> str:
    """The password with digits and symbols stripped from both ends: 'Password123!' -> 'password'."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def _is_monotonous(password: str) -> bool:
    if len(set(password)) <= 2:
        return True
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    return steps in ({1}, {-1})


def password_problems(password: str, *, email: str = "", full_name: str = "") -> list[str]:
    """Plain-English reasons the password is refused; empty when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return [f"Password must be {MIN_LENGTH} characters or more"]
    if len(password) > MAX_LENGTH:
        return [f"Password must be {MAX_LENGTH} characters or fewer"]
    lowered = password.lower()
    banned = common_passwords()
    if lowered in banned or _core(password) in banned or _is_monotonous(password):
        return ["Password is too easy to guess. Try three random words together"]
    personal = [part for part in re.split(r"[\s@._-]+", f"{email} {full_name}".lower()) if len(part) >= 4]
    if any(part in lowered and len(lowered) - len(part) < 6 for part in personal):
        return ["Password must not be based on your name or email address"]
    return []


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check so unknown accounts do not answer faster.
        _burn_time(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters; upgraded at the next sign-in."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


_DUMMY_HASH = _hasher.hash("a dummy password to compare against")


def _burn_time(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        pass
