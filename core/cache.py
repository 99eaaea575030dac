"""Whole pages, kept per person while nothing they show can have changed.

The busiest pages (dashboard, register, a review, a case, the action tracker, the annual
summary, people, the audit trail) are views decorated with ``@cached_page``: after the access
check, a repeat view of the same page by the same person is answered from memory, and
neither the page's queries nor its templates run.

What keeps this safe:

- **The data generation.** One row counts changes: every flush that writes anything other
  than a read-audit row adds one to it, in the same transaction (so readers see the new
  count exactly when they can see the new data), as does any bulk UPDATE or DELETE run
  through the session. The key includes the count, so any change anywhere invalidates every
  page: coarse, but never stale. Reads are audited without invalidating anything, except
  those a page shows (``count_reads_as_changes``).
- **The key** also holds the path with its query string, the person's id (what a page shows
  depends on who looks) and today's London date (overdue, this week).
- **Nothing per-response is stored.** The request's CSRF token and CSP nonce are cut out of
  a page before it is kept, and each response gets its own put back. A response carrying a
  flashed message, or anything but a plain 200 HTML page, is never kept.
- The access check runs on every request, before the cache is looked at.
- The cache is per process and bounded (size and age), so a restart or a few minutes clear
  anything a raw SQL change outside the session could have missed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from flask import current_app, g, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Integer, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.audit import READ_PREFIX, AuditEvent
from extensions import Base, db

GENERATION_ROW = 1


class DataGeneration(Base):
    """A single row counting committed changes to the portal's data."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


# Read audits that some page shows (how often a QA report was read): these count as changes.
_READS_SHOWN: set[str] = set()


def count_reads_as_changes(*actions: str) -> None:
    """Register read-audit actions that a cached page shows, so recording one invalidates it."""
    _READS_SHOWN.update(actions)


def _changes_data(obj: object) -> bool:
    if isinstance(obj, DataGeneration):
        return False
    if isinstance(obj, AuditEvent):
        action = obj.action or ""
        return not action.startswith(READ_PREFIX) or action in _READS_SHOWN
    return True


def _bump(session: Session) -> None:
    if session.info.get("data_generation_bumped"):
        return
    session.info["data_generation_bumped"] = True
    connection = session.connection()
    bumped = connection.execute(
        update(DataGeneration).where(DataGeneration.id == GENERATION_ROW).values(value=DataGeneration.value + 1)
    )
    if bumped.rowcount == 0:  # a database made without the migrations' row
        connection.execute(insert(DataGeneration).values(id=GENERATION_ROW, value=1))


@event.listens_for(Session, "after_flush")
def _count_flushed_changes(session: Session, _context: object) -> None:
    if any(_changes_data(obj) for obj in (*session.new, *session.dirty, *session.deleted)):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _count_bulk_changes(state: Any) -> None:
    if (state.is_update or state.is_delete) and DataGeneration.__table__ not in _tables(state.statement):
        _bump(state.session)


def _tables(statement: Any) -> set[Any]:
    table = getattr(statement, "table", None)
    return {table} if table is not None else set()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_bump(session: Session) -> None:
    session.info.pop("data_generation_bumped", None)


def data_generation() -> int:
    """The count of changes, read once per request."""
    if "data_generation" not in g:
        g.data_generation = (
            db.session.scalar(select(DataGeneration.value).where(DataGeneration.id == GENERATION_ROW)) or 0
        )
    generation: int = g.data_generation
    return generation


def page_cache_key(*extra: object) -> str:
    """This page, for this person, today, at this data generation (and ``extra``)."""
    from core.formatting import london_today

    user_id = current_user.id if current_user.is_authenticated else "-"
    return "|".join(
        (request.full_path, str(user_id), london_today().isoformat(), str(data_generation()), *map(str, extra))
    )


class PageCache:
    """A bounded, thread-safe, per-process store of rendered pages."""

    def __init__(self, size: int, seconds: int) -> None:
        self._entries: TTLCache[str, str] = TTLCache(maxsize=size, ttl=seconds)
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, page: str) -> None:
        with self._lock:
            self._entries[key] = page

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


# Per-response values are stored as holes and filled in for each response. NUL never comes
# from people's input (core/security.py refuses it), so a hole cannot be forged.
CSRF_HOLE = "\x00csrf-token\x00"
NONCE_HOLE = "\x00csp-nonce\x00"


def _csrf_field() -> str:
    name: str = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return name


def _with_holes(page: str) -> str:
    """The page with this response's CSRF token and CSP nonce (if made) cut out."""
    for value, hole in ((g.get(_csrf_field()), CSRF_HOLE), (g.get("csp_nonce"), NONCE_HOLE)):
        if value:
            page = page.replace(value, hole)
    return page


def _filled(page: str) -> str:
    """A kept page with this response's own CSRF token and CSP nonce (the header's) put back."""
    from core.security import csp_nonce

    if CSRF_HOLE in page:
        page = page.replace(CSRF_HOLE, generate_csrf())
    if NONCE_HOLE in page:
        page = page.replace(NONCE_HOLE, csp_nonce())
    return page


def cached_page(view: Callable[..., Any] | None = None, *, vary: Callable[[], object] | None = None) -> Any:
    """Answer a repeat GET of this page by the same person from the page cache.

    Put it below the access decorator, so the access check always runs first. ``vary`` adds
    to the key something the page shows that is not counted as a change (the audit trail's
    newest read, say).
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            cache: PageCache | None = current_app.extensions.get("page_cache")
            if cache is None or request.method != "GET" or session.get("_flashes"):
                return view(*args, **kwargs)
            key = page_cache_key(*((vary(),) if vary else ()))
            stored = cache.get(key)
            if stored is not None:
                return _filled(stored)
            response = make_response(view(*args, **kwargs))
            if (
                response.status_code == 200
                and response.mimetype == "text/html"
                and not response.is_streamed
                and not session.get("_flashes")
            ):
                cache.put(key, _with_holes(response.get_data(as_text=True)))
            return response

        return wrapper

    return decorator(view) if view is not None else decorator


def _forget_generation() -> None:
    # ``g`` can outlive a request (an app context pushed around several, as in tests): read
    # the generation afresh for each one.
    g.pop("data_generation", None)


def init_app(app: Any) -> None:
    app.before_request(_forget_generation)
    if app.config.get("PAGE_CACHE_SIZE", 0) > 0:
        app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_SIZE"], app.config["PAGE_CACHE_SECONDS"])
