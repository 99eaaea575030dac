"""Ids from URLs and query strings, bounded to what the database's integer columns hold.

An id past the range of an ``INTEGER`` column (PostgreSQL's is 32-bit; SQLite overflows past
64 bits) cannot name a row: such a number in a URL is a 404, and in a query string it is
ignored, before any SQL runs. ``init_app`` makes ``<int:…>`` in every route use the bounded
converter; views read ids from the query string with ``id_arg``/``id_args``.
"""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

# The largest value of an INTEGER column on PostgreSQL (and well inside SQLite's range).
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` accepting only 0 to ``MAX_ID``: a longer number does not match the route (404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int | None = None) -> None:  # noqa: A002
        bound = MAX_ID if max is None or max > MAX_ID else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound)


def database_id(raw: str) -> int:
    """An id a query string holds, or ValueError when it could not name a row."""
    text = raw.strip()
    if not text.isdigit() or len(text) > len(str(MAX_ID)):
        raise ValueError(raw)
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise ValueError(raw)
    return value


def optional_id(raw: object) -> int | None:
    """``raw`` (a form field's text) as an id a row could have, else None."""
    try:
        return database_id(str(raw or ""))
    except ValueError:
        return None


def id_arg(name: str) -> int | None:
    """The id in query argument ``name``, or None when absent or not an id a row could have."""
    value: int | None = request.args.get(name, type=database_id)
    return value


def id_args(name: str) -> list[int]:
    """Every id given as ``name`` (``?point=1&point=2``), leaving out any that could not be one."""
    values: list[int] = request.args.getlist(name, type=database_id)
    return values


def init_app(app: Flask) -> None:
    """Every ``<int:…>`` route argument is a bounded id (call before blueprints are registered)."""
    app.url_map.converters["int"] = DatabaseIdConverter
