"""Rendered page fragments, kept while nothing they show can have changed.

The busiest pages (dashboard, register, a review, a case, the action tracker, the annual
summary) wrap their main content in ``{% cache page_cache_key() %}...{% endcache %}`` and
pass their data to the template through ``lazy(...)``, so on a hit neither the queries nor
the rendering run.

What keeps this safe:

- **The data generation.** One row counts changes: every flush that writes anything other
  than a read-audit row adds one to it, in the same transaction (so readers see the new
  count exactly when they can see the new data), as does any bulk UPDATE or DELETE run
  through the session. The key includes the count, so any change anywhere invalidates every
  fragment: coarse, but never stale. Read audits are left out because looking at a page
  must not invalidate it.
- **The key** also holds the endpoint, the full path with its query string, the person's id
  (what a page shows depends on who looks) and today's London date (overdue, this week).
- **Nothing per-response is stored.** The request's CSRF token and CSP nonce are cut out of
  a fragment before it is kept, and each response gets its own put back.
- The cache is per process and bounded (size and age), so a restart or a few minutes clear
  anything a raw SQL change outside the session could have missed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from flask import current_app, g, has_request_context, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup
from sqlalchemy import Integer, event, insert, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.local import LocalProxy

from core.audit import READ_PREFIX, AuditEvent
from extensions import db

GENERATION_ROW = 1


class DataGeneration(db.Model):
    """A single row counting committed changes to the portal's data."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


def _changes_data(obj: object) -> bool:
    if isinstance(obj, DataGeneration):
        return False
    return not (isinstance(obj, AuditEvent) and (obj.action or "").startswith(READ_PREFIX))


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
        g.data_generation = db.session.scalar(
            db.select(DataGeneration.value).where(DataGeneration.id == GENERATION_ROW)) or 0
    return g.data_generation


def page_cache_key(*extra: object) -> str:
    """This page, for this person, today, at this data generation; ``extra`` for anything else
    the fragment shows that is not counted as a change (such as how often a report was read)."""
    from core.formatting import london_today

    user_id = current_user.get_id() if current_user.is_authenticated else "-"
    return "|".join((request.endpoint or "", request.full_path, str(user_id), london_today().isoformat(),
                     str(data_generation()), *map(str, extra)))


def lazy(load: Callable[[], Any]) -> Any:
    """A stand-in for ``load()`` that runs it only when a template first uses it (once)."""
    return LocalProxy(functools.cache(load))


def lazy_items(load: Callable[[], dict[str, Any]], *names: str) -> dict[str, Any]:
    """``lazy`` for each named item of the dict ``load()`` returns (``load`` runs at most once)."""
    once = functools.cache(load)
    return {name: LocalProxy(functools.cache(functools.partial(lambda key: once()[key], name))) for name in names}


class PageCache:
    """A bounded, thread-safe, per-process store of rendered fragments."""

    def __init__(self, size: int, seconds: int) -> None:
        self._entries: TTLCache[str, str] = TTLCache(maxsize=size, ttl=seconds)
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, fragment: str) -> None:
        with self._lock:
            self._entries[key] = fragment

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
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _with_holes(fragment: str) -> str:
    """The fragment with this response's CSRF token and CSP nonce (if made) cut out."""
    for value, hole in ((g.get(_csrf_field()), CSRF_HOLE), (g.get("csp_nonce"), NONCE_HOLE)):
        if value:
            fragment = fragment.replace(value, hole)
    return fragment


def _filled(fragment: str) -> Markup:
    from core.security import csp_nonce

    if CSRF_HOLE in fragment:
        fragment = fragment.replace(CSRF_HOLE, generate_csrf())
    if NONCE_HOLE in fragment:
        fragment = fragment.replace(NONCE_HOLE, csp_nonce())
    return Markup(fragment)  # nosec B704 - rendered by the template, holes filled with our own values


class FragmentCacheExtension(Extension):
    """``{% cache key %}...{% endcache %}``: the block's output, kept under ``key``."""

    tags = {"cache"}

    def parse(self, parser: Any) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", [key]), [], [], body).set_lineno(lineno)

    def _cached(self, key: str, caller: Callable[[], str]) -> str:
        cache: PageCache | None = current_app.extensions.get("page_cache") if has_request_context() else None
        if cache is None:
            return caller()
        stored = cache.get(key)
        if stored is not None:
            return _filled(stored)
        fragment = caller()
        cache.put(key, _with_holes(fragment))
        return fragment


def _forget_generation() -> None:
    # ``g`` can outlive a request (an app context pushed around several, as in tests): read
    # the generation afresh for each one.
    g.pop("data_generation", None)


def init_app(app: Any) -> None:
    app.before_request(_forget_generation)
    app.jinja_env.add_extension(FragmentCacheExtension)
    app.add_template_global(page_cache_key, "page_cache_key")
    if app.config.get("PAGE_CACHE_SIZE", 0) > 0:
        app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_SIZE"], app.config["PAGE_CACHE_SECONDS"])
