"""Python renderings of the GOV.UK components the busiest pages repeat in loops.

govuk-frontend-jinja's macros are faithful but slow when called hundreds of times per page:
each table cell goes through several nested macro calls. These functions take the same
parameters as the macros and produce the same markup (tests/unit/test_components.py renders
both and compares them), in a fraction of the time. Templates call them as ``govuk_table``
and ``govuk_tag``; the other components stay with the macros.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape


def _attributes(attributes: Any) -> str:
    """The ``govukAttributes`` macro: ``name="value"`` pairs, or a ready-made string."""
    if not attributes:
        return ""
    if isinstance(attributes, str):
        return str(attributes)
    html = []
    for name, value in attributes.items():
        options = value if isinstance(value, Mapping) else {"value": value, "optional": False}
        value = options.get("value")
        if isinstance(value, bool) and not options.get("optional"):
            value = str(value).lower()
        if options.get("optional") is True:
            if value is True:
                html.append(f" {escape(name)}")
                continue
            if value is None or value is False:
                continue
        html.append(f' {escape(name)}="{escape(value)}"')
    return "".join(html)


def _content(item: Mapping[str, Any]) -> Markup:
    """``html`` as given (it is trusted markup), else ``text`` escaped."""
    if item.get("html"):
        return Markup(item["html"])  # nosec B704 - the template author's markup, as in the macro
    return escape(item.get("text", ""))


def _classes(base: str, *extra: str | None) -> str:
    return " ".join([base, *(c for c in extra if c)])


def _spans(item: Mapping[str, Any]) -> str:
    spans = "".join(f' {name}="{escape(item[name])}"' for name in ("colspan", "rowspan") if item.get(name))
    return spans + _attributes(item.get("attributes"))


def govuk_table(params: Mapping[str, Any]) -> Markup:
    """The ``govukTable`` component."""
    out = [f'<table class="{escape(_classes("govuk-table", params.get("classes")))}"'
           f'{_attributes(params.get("attributes"))}>']
    if params.get("caption"):
        out.append(f'<caption class="{escape(_classes("govuk-table__caption", params.get("captionClasses")))}">'
                   f'{escape(params["caption"])}</caption>')
    if params.get("head"):
        out.append('<thead class="govuk-table__head"><tr class="govuk-table__row">')
        for item in params["head"]:
            format_class = f'govuk-table__header--{item["format"]}' if item.get("format") else None
            classes = _classes("govuk-table__header", format_class, item.get("classes"))
            out.append(f'<th scope="col" class="{escape(classes)}"{_spans(item)}>{_content(item)}</th>')
        out.append("</tr></thead>")
    out.append('<tbody class="govuk-table__body">')
    first_cell_is_header = params.get("firstCellIsHeader")
    for row in _rows(params.get("rows")):
        out.append('<tr class="govuk-table__row">')
        for number, cell in enumerate(row):
            if number == 0 and first_cell_is_header:
                classes = _classes("govuk-table__header", cell.get("classes"))
                out.append(f'<th scope="row" class="{escape(classes)}"{_spans(cell)}>{_content(cell)}</th>')
            else:
                format_class = f'govuk-table__cell--{cell["format"]}' if cell.get("format") else None
                classes = _classes("govuk-table__cell", format_class, cell.get("classes"))
                out.append(f'<td class="{escape(classes)}"{_spans(cell)}>{_content(cell)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return Markup("".join(out))  # nosec B704 - every value above is escaped or trusted markup


def _rows(rows: Iterable[Any] | None) -> Iterable[list[Mapping[str, Any]]]:
    return (row for row in rows or () if row)


def govuk_tag(params: Mapping[str, Any]) -> Markup:
    """The ``govukTag`` component."""
    classes = _classes("govuk-tag", params.get("classes"))
    content = Markup(str(params["html"]).strip()) if params.get("html") else escape(params.get("text", ""))  # nosec B704
    return Markup(f'<strong class="{escape(classes)}"{_attributes(params.get("attributes"))}>{content}</strong>')  # nosec B704


def init_app(app: Any) -> None:
    app.add_template_global(govuk_table, "govuk_table")
    app.add_template_global(govuk_tag, "govuk_tag")
