"""Pagination for list pages: every list is paged, so a page's cost never grows with the table."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from flask_sqlalchemy.pagination import SelectPagination

from core.ids import MAX_ID
from extensions import db

PER_PAGE = 25
MAX_PER_PAGE = 100
# Counting every matching row would make a list's cost grow with years of records. Lists
# count at most this many rows past the start of the page shown, and say "more than" beyond
# that: the cost depends on how deep a person pages, never on the size of the table.
COUNT_AHEAD = 1_000


def count_up_to(query: Any, limit: int) -> int:
    """How many rows ``query`` matches, counting no further than ``limit + 1``."""
    # Only a constant per row: the database need not read the rows themselves.
    rows = query.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
    capped = rows.order_by(None).limit(limit + 1).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped)) or 0


class ListPage(SelectPagination):
    """A page of a list; ``total_text`` says how many match ("more than 1,025" past the count)."""

    total_text: str = ""


def requested_page(per_page: int) -> int:
    """The ``page`` asked for, from 1 to the last a database offset can reach (nonsense is 1)."""
    number = request.args.get("page", 1, type=int)
    return min(max(number, 1), MAX_ID // per_page)


def paginate(query: Any, per_page: int = PER_PAGE) -> ListPage:
    """A page of ``query`` (what ``db.paginate`` gives, with ``total_text``). A page past the
    end (``?page=99999999999999999999``) shows the last page."""
    per_page = min(per_page, MAX_PER_PAGE)
    number = requested_page(per_page)
    offset = (number - 1) * per_page
    count = count_up_to(query, offset + COUNT_AHEAD)
    if number > 1 and count <= offset:
        # Past the end: the count is exact here, so the last page is known.
        number = max(1, math.ceil(count / per_page))
    page = ListPage(
        select=query,
        session=db.session(),
        page=number,
        per_page=per_page,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
        count=False,
    )
    limit = (number - 1) * per_page + COUNT_AHEAD
    page.total = min(count, limit)
    page.total_text = f"more than {limit:,}" if count > limit else f"{count:,}"
    return page


def govuk_pagination(page: ListPage) -> dict[str, Any] | None:
    """Params for the govukPagination macro, keeping the other query arguments."""
    endpoint = request.endpoint
    if page.pages <= 1 or endpoint is None:
        return None
    args = {k: v for k, v in request.args.items() if k != "page"}

    def link(number: int) -> str:
        values: dict[str, Any] = {**(request.view_args or {}), **args, "page": number}
        return url_for(endpoint, **values)

    items: list[dict[str, Any]] = []
    for number in page.iter_pages(left_edge=1, left_current=1, right_current=2, right_edge=1):
        if number is None:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": link(number), "current": number == page.page})
    params: dict[str, Any] = {"items": items}
    if (previous := page.prev_num) is not None:
        params["previous"] = {"href": link(previous)}
    if (following := page.next_num) is not None:
        params["next"] = {"href": link(following)}
    return params
