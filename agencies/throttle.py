"""Throttling of sign-in and other guesses at a secret (passwords, authenticator and recovery codes).

Every attempt is **counted before it is judged** (one atomic increment in the shared store),
so a burst of requests sent at once is held to the limit as surely as one sent in turn; an
attempt that succeeds gives its counts back, so only failures add up. Counts are kept per:

- **client address** (``SIGN_IN_LIMIT_PER_ADDRESS``): the real one, as the trusted proxies say
  (``TRUSTED_PROXIES``, core/security.py), never the proxy's;
- **account and address** (``SIGN_IN_LIMIT_PER_ACCOUNT``): five wrong passwords for an account
  from one address lock that address out of that account, and no other;
- **account** from anywhere: past the same number of failures each further attempt must wait a
  delay that doubles up to ``SIGN_IN_MAX_DELAY_SECONDS``. Someone guessing from many addresses
  slows the account down; the real owner waits seconds, never a quarter of an hour.

The second step (codes) and the signed-in person's own password checks are counted per account
(the person is known), with the same limit. The store is ``RATELIMIT_STORAGE_URI``: Redis as soon
as more than one process serves the portal (production refuses ``memory://`` then). Keys hold
digests of account names and ids, never a token or an email address.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from limits import parse
from limits.storage import Storage, storage_from_string

from core import audit

EXTENSION = "throttle"


@dataclass(frozen=True)
class Refused:
    """An attempt not judged at all: which limit stopped it, and for how long (seconds)."""

    limit: str
    wait_seconds: int


@dataclass
class Attempt:
    """The counts one attempt took, given back if it succeeds."""

    taken: list[tuple[str, int]] = field(default_factory=list)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI", "memory://"))


def storage() -> Storage:
    store: Storage = current_app.extensions[EXTENSION]
    return store


def reset() -> None:
    """Forget every count (tests; an administrator restarting a memory store)."""
    storage().reset()


def _key(bucket: str, identity: str) -> str:
    digest = hashlib.sha256(f"{bucket}\x00{identity}".encode()).hexdigest()[:40]
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', 'portal')}/throttle/{bucket}/{digest}"


def client_address() -> str:
    return request.remote_addr or "unknown"


def _take(attempt: Attempt, bucket: str, identity: str, limit: str) -> tuple[int, int]:
    """Count one attempt against ``bucket``; (the count now, the limit's amount)."""
    item = parse(limit)
    key = _key(bucket, identity)
    expiry = int(item.get_expiry())
    count = int(storage().incr(key, expiry))
    attempt.taken.append((key, expiry))
    return count, item.amount


def _wait(key: str) -> int:
    return max(1, int(storage().get_expiry(key) - time.time() + 0.999))


def begin(buckets: list[tuple[str, str, str]], *, paced_account: str | None = None) -> Attempt | Refused:
    """Count this attempt in each ``(bucket, identity, limit)``, and against ``paced_account``.

    Refused (and not to be judged) if any count is past its limit, or the account must wait.
    """
    attempt = Attempt()
    for bucket, identity, limit in buckets:
        count, amount = _take(attempt, bucket, identity, limit)
        if count > amount:
            return Refused(bucket, _wait(attempt.taken[-1][0]))
    if paced_account is not None:
        limit = current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]
        count, free = _take(attempt, "account", paced_account, limit)
        if count > free:
            delay = min(2 ** (count - free - 1), int(current_app.config["SIGN_IN_MAX_DELAY_SECONDS"]))
            pace_key = _key("account-pace", paced_account)
            if int(storage().incr(pace_key, delay)) > 1:
                # Not judged, so not counted against the account: the wait stays what it was.
                key, _ = attempt.taken.pop()
                storage().incr(key, int(parse(limit).get_expiry()), amount=-1)
                return Refused("account", _wait(pace_key))
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The attempt was right: give its counts back, so only failures add up."""
    for key, expiry in attempt.taken:
        storage().incr(key, expiry, amount=-1)


def refused_response(refusal: Refused) -> Response:
    audit.record_refusal(
        f"Too many attempts at {request.path}",
        action="sign_in.throttled",
        limit=refusal.limit,
        wait_seconds=refusal.wait_seconds,
    )
    page = render_template("errors/429.html", title="Too many attempts", status=429, wait_seconds=refusal.wait_seconds)
    return Response(page, status=429, headers={"Retry-After": str(refusal.wait_seconds)})


def throttled(
    buckets: Callable[[], list[tuple[str, str, str]]],
    *,
    paced_account: Callable[[], str | None] | None = None,
    give_back_on_success: bool = True,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Count every POST to the view before it runs; a redirect means success (counts given back),
    anything else a failure. Put it below the access decorator (the route is known and allowed)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method != "POST" or not current_app.config.get("RATELIMIT_ENABLED", True):
                return view(*args, **kwargs)
            outcome = begin(buckets(), paced_account=paced_account() if paced_account else None)
            if isinstance(outcome, Refused):
                return refused_response(outcome)
            response = current_app.make_response(view(*args, **kwargs))
            if give_back_on_success and response.status_code == 302:
                succeeded(outcome)
            return response

        return wrapper

    return decorator
