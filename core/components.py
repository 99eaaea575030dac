"""Python renderings of the GOV.UK components the busiest pages repeat in loops.

govuk-frontend-jinja's macros are faithful but slow when called hundreds of times per page:
each table cell goes through several nested macro calls. These functions take the same
parameters as the macros and produce the same markup (tests/unit/test_components.py renders
both and compares them), in a fraction of the time. Templates call them as ``govuk_table``
``govuk_tag`` and ``govuk_service_navigation`` (on every signed-in page); the other
components stay with the macros.
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
    """The ``govukTable`` component, inside its own scrolling region: a table wider than a
    small screen scrolls within the region (named by the caption, reachable by keyboard), never
    the whole page."""
    label = escape(params.get("caption") or "Table")
    return Markup(  # nosec B704 - the label is escaped and the table is built by govuk_table_only
        f'<div class="app-table-container" role="region" aria-label="{label}" tabindex="0">'
        f"{govuk_table_only(params)}</div>"
    )


def govuk_table_only(params: Mapping[str, Any]) -> Markup:
    """The ``govukTable`` component exactly as GOV.UK Frontend's macro writes it."""
    out = [
        f'<table class="{escape(_classes("govuk-table", params.get("classes")))}"'
        f"{_attributes(params.get('attributes'))}>"
    ]
    if params.get("caption"):
        out.append(
            f'<caption class="{escape(_classes("govuk-table__caption", params.get("captionClasses")))}">'
            f"{escape(params['caption'])}</caption>"
        )
    if params.get("head"):
        out.append('<thead class="govuk-table__head"><tr class="govuk-table__row">')
        for item in params["head"]:
            format_class = f"govuk-table__header--{item['format']}" if item.get("format") else None
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
                format_class = f"govuk-table__cell--{cell['format']}" if cell.get("format") else None
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


def govuk_service_navigation(params: Mapping[str, Any]) -> Markup:
    """The ``govukServiceNavigation`` component (without its slots, which this service does not use)."""
    menu_button_text = params.get("menuButtonText") or "Menu"
    navigation_id = params.get("navigationId") or "navigation"
    items = [item for item in params.get("navigation") or () if item]
    out = ['<div class="govuk-width-container"><div class="govuk-service-navigation__container">']
    if params.get("serviceName"):
        name = escape(params["serviceName"])
        out.append(
            '<span class="govuk-service-navigation__service-name">'
            + (
                f'<a href="{escape(params["serviceUrl"])}" class="govuk-service-navigation__link">{name}</a>'
                if params.get("serviceUrl")
                else f'<span class="govuk-service-navigation__text">{name}</span>'
            )
            + "</span>"
        )
    if items:
        wrapper_classes = _classes("govuk-service-navigation__wrapper", params.get("navigationClasses"))
        out.append(
            f'<nav aria-label="{escape(params.get("navigationLabel") or menu_button_text)}" '
            f'class="{escape(wrapper_classes)}">'
        )
        collapse = params.get("collapseNavigationOnMobile")
        if collapse if collapse is not None else len(items) > 1:
            label = params.get("menuButtonLabel")
            aria_label = f' aria-label="{escape(label)}"' if label and label != menu_button_text else ""
            out.append(
                f'<button type="button" class="govuk-service-navigation__toggle '
                f'govuk-js-service-navigation-toggle" aria-controls="{escape(navigation_id)}"{aria_label} '
                f'hidden aria-hidden="true">{escape(menu_button_text)}</button>'
            )
        out.append(f'<ul class="govuk-service-navigation__list" id="{escape(navigation_id)}">')
        for item in items:
            marked = item.get("active") or item.get("current")
            content = _content(item)
            if marked:
                content = Markup(f'<strong class="govuk-service-navigation__active-fallback">{content}</strong>')  # nosec B704
            current = f' aria-current="{"page" if item.get("current") else "true"}"' if marked else ""
            classes = _classes(
                "govuk-service-navigation__item", "govuk-service-navigation__item--active" if marked else None
            )
            out.append(f'<li class="{classes}">')
            if item.get("href"):
                out.append(
                    f'<a class="govuk-service-navigation__link" href="{escape(item["href"])}"{current}'
                    f"{_attributes(item.get('attributes'))}>{content}</a>"
                )
            elif item.get("html") or item.get("text"):
                out.append(f'<span class="govuk-service-navigation__text"{current}>{content}</span>')
            out.append("</li>")
        out.append("</ul></nav>")
    out.append("</div></div>")
    common = (
        f'class="{escape(_classes("govuk-service-navigation", params.get("classes")))}" '
        f'data-module="govuk-service-navigation"{_attributes(params.get("attributes"))}'
    )
    inner = "".join(out)
    if params.get("serviceName"):
        label = escape(params.get("ariaLabel") or "Service information")
        return Markup(f'<section aria-label="{label}" {common}>{inner}</section>')  # nosec B704
    return Markup(f"<div {common}>{inner}</div>")  # nosec B704 - every value above is escaped


def init_app(app: Any) -> None:
    app.add_template_global(govuk_table, "govuk_table")
    app.add_template_global(govuk_tag, "govuk_tag")
    app.add_template_global(govuk_service_navigation, "govuk_service_navigation")
