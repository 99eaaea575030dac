"""The Python table and tag give the same markup as govuk-frontend-jinja's macros."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from core.components import govuk_service_navigation, govuk_table, govuk_table_only, govuk_tag


class _Tree(HTMLParser):
    """Markup reduced to what a browser sees: tags, attributes (classes as a set) and text."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        attributes = {name: (frozenset(value.split()) if name == "class" else value) for name, value in attrs}
        self.items.append(("start", tag, tuple(sorted(attributes.items(), key=lambda item: item[0]))))

    def handle_endtag(self, tag):
        self.items.append(("end", tag))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", " ".join(data.split())))


def _tree(markup: str) -> list[tuple]:
    parser = _Tree()
    parser.feed(str(markup))
    return parser.items


def _macro(app, component: str, name: str, params: dict) -> str:
    template = app.jinja_env.from_string(
        f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {name} %}}{{{{ {name}(params) }}}}'
    )
    with app.test_request_context():
        return template.render(params=params)


TABLES = [
    {"rows": [[{"text": "a"}, {"text": "b"}]]},
    {
        "caption": "3 reviews <in> the register",
        "captionClasses": "govuk-table__caption--m",
        "classes": "govuk-!-font-size-16",
        "attributes": {"data-module": "sortable", "id": "t"},
        "firstCellIsHeader": True,
        "head": [
            {
                "html": Markup('<a class="govuk-link" href="/x?a=1&amp;b=2">Reference</a>'),
                "attributes": {"aria-sort": "ascending"},
            },
            {"text": "Count & total", "format": "numeric", "classes": "app-nowrap"},
            {"text": "Span", "colspan": 2},
        ],
        "rows": [
            [
                {"text": "SFO-2026-0001"},
                {"text": "5", "format": "numeric"},
                {"html": Markup("<strong>bold</strong>")},
                {"text": ""},
            ],
            [],
            [
                {"text": "<script>"},
                {"text": "1", "rowspan": 2, "attributes": {"data-x": 'y"z'}},
                {"text": "x", "classes": "c"},
                {"text": "y"},
            ],
        ],
    },
]


@pytest.mark.parametrize("params", TABLES)
def test_the_table_matches_the_macro(app, params) -> None:
    assert _tree(govuk_table_only(params)) == _tree(_macro(app, "table", "govukTable", params))
    # govuk_table puts the same table in a labelled region that scrolls on its own.
    wrapped = _tree(govuk_table(params))
    assert wrapped[1:-1] == _tree(govuk_table_only(params))


@pytest.mark.parametrize(
    "params",
    [
        {"text": "Overdue <soon>", "classes": "govuk-tag--red"},
        {"text": "Plain"},
        {"html": Markup("  <span>Open</span> "), "attributes": {"title": "t"}},
    ],
)
def test_the_tag_matches_the_macro(app, params) -> None:
    assert _tree(govuk_tag(params)) == _tree(_macro(app, "tag", "govukTag", params))


def test_text_is_escaped_and_html_is_not() -> None:
    html = govuk_table({"head": [{"text": "<b>"}], "rows": [[{"text": "<i>"}, {"html": Markup("<em>ok</em>")}]]})
    assert "&lt;b&gt;" in html and "&lt;i&gt;" in html and "<em>ok</em>" in html


@pytest.mark.parametrize(
    "params",
    [
        {
            "navigation": [
                {"text": "Dashboard", "href": "/reviews/dashboard", "active": True},
                {"text": "Cases & panels", "href": "/cases", "active": False},
            ],
            "navigationLabel": "Menu",
        },
        {
            "navigation": [{"text": "Only", "href": "/only", "current": True, "attributes": {"data-x": "1"}}],
            "serviceName": "Learning panels",
            "serviceUrl": "/",
            "classes": "app-nav",
            "menuButtonLabel": "Show menu",
        },
        {
            "navigation": [{"html": Markup("<em>Text</em>")}, None, {"text": "Two", "href": "/two"}],
            "serviceName": "Plain",
            "menuButtonText": "Pages",
            "menuButtonLabel": "Show pages",
            "navigationId": "nav-2",
            "navigationClasses": "extra",
            "collapseNavigationOnMobile": False,
        },
        {"navigation": []},
    ],
)
def test_the_service_navigation_matches_the_macro(app, params) -> None:
    expected = _macro(app, "service-navigation", "govukServiceNavigation", params)
    assert _tree(govuk_service_navigation(params)) == _tree(expected)
