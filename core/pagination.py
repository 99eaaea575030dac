"""Pagination for list pages: every list is paged, so a page's cost never grows with the table."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_sqlalchemy.pagination import Pagination

from extensions import db

PER_PAGE = 25


def paginate(query: Any, per_page: int = PER_PAGE) -> Pagination:
    return db.paginate(query, page=request.args.get("page", 1, type=int), per_page=per_page, max_per_page=100,
                       error_out=False)


def govuk_pagination(page: Pagination) -> dict[str, Any] | None:
    """Params for the govukPagination macro, keeping the other query arguments."""
    if page.pages <= 1:
        return None
    args = {k: v for k, v in request.args.items() if k != "page"}

    def link(number: int) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **args, page=number)

    items: list[dict[str, Any]] = []
    for number in page.iter_pages(left_edge=1, left_current=1, right_current=2, right_edge=1):
        if number is None:
            items.append({"ellipsis": True})
        else:
            items.append({"number": number, "href": link(number), "current": number == page.page})
    params: dict[str, Any] = {"items": items}
    if page.has_prev:
        params["previous"] = {"href": link(page.prev_num)}
    if page.has_next:
        params["next"] = {"href": link(page.next_num)}
    return params
