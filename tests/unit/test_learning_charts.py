"""The SVG charts parse as XML, name and describe themselves for assistive technology, write
their numbers as text, use no inline styles (the CSP forbids them) and escape what they are given."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from learning.summary.charts import Bar, Series, StackedRow, bar_chart, line_chart, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def _no_style_attributes(root: ET.Element) -> bool:
    return all("style" not in element.attrib for element in root.iter())


def test_a_bar_chart_is_an_image_with_a_title_a_description_and_its_numbers_in_text() -> None:
    root = _parse(
        bar_chart(
            "overall",
            title="Overall ratings",
            description="Good: 41 (46%)",
            bars=[
                Bar("Good", 41, "41 (46%)"),
                Bar("Requires improvement", 48, "48 (53%)"),
                Bar("Inadequate", 1, "1 (1%)"),
            ],
        )
    )
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "overall-title overall-desc"
    assert root.find(f"{SVG}title").text == "Overall ratings"
    assert root.find(f"{SVG}desc").text == "Good: 41 (46%)"
    assert ["Good", "41 (46%)", "Requires improvement", "48 (53%)", "Inadequate", "1 (1%)"] == _texts(root)
    assert _no_style_attributes(root)


def test_bar_lengths_are_in_proportion_to_the_values() -> None:
    root = _parse(bar_chart("c", title="t", description="d", bars=[Bar("a", 10), Bar("b", 5), Bar("c", 0)]))
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == 2 * widths[1]
    assert widths[2] == 0


def test_a_stacked_chart_labels_each_wide_part_with_its_own_rounded_percentage() -> None:
    root = _parse(
        stacked_bar_chart(
            "standards",
            title="Ratings by standard",
            description="…",
            series=["Outstanding", "Good", "Requires improvement", "Inadequate"],
            rows=[StackedRow("Standard 1", [0, 41, 48, 1]), StackedRow("Standard 2", [0, 0, 0, 0])],
        )
    )
    texts = _texts(root)
    assert texts[:4] == ["Outstanding", "Good", "Requires improvement", "Inadequate"]  # the legend
    assert "46%" in texts and "53%" in texts
    assert "1%" not in texts  # too narrow to label: the table beside the chart has it
    assert "None" in texts  # the row with no figures says so
    # Each series has its own pattern, so colour is never the only difference.
    patterns = list(root.iter(f"{SVG}pattern"))
    assert len(patterns) == 4
    assert len({ET.tostring(p)[ET.tostring(p).index(b">") :] for p in patterns}) == 4
    assert _no_style_attributes(root)


def test_text_is_escaped_and_ids_are_made_safe() -> None:
    markup = str(
        bar_chart(
            'x" onload="alert(1)', title="<script>alert(1)</script>", description="a & b", bars=[Bar("<b>Theme</b>", 3)]
        )
    )
    assert "<script>" not in markup and "<b>" not in markup
    root = _parse(markup)
    assert "onload" not in root.attrib
    assert root.find(f"{SVG}title").text == "<script>alert(1)</script>"
    assert "<b>Theme</b>" in _texts(root)


def test_empty_charts_say_there_are_no_figures() -> None:
    assert "No figures" in _texts(_parse(bar_chart("e", title="t", description="d", bars=[])))
    assert "No figures" in _texts(_parse(stacked_bar_chart("e", title="t", description="d", series=["a"], rows=[])))


def test_a_line_chart_draws_each_series_with_its_own_marker_and_dash_and_writes_every_value() -> None:
    root = _parse(
        line_chart(
            "trend",
            title="Shares by year",
            description="…",
            points=["2021 to 2022", "2022 to 2023", "2023 to 2024"],
            series=[Series("Rated Good or better", [40, None, 46]), Series("Given an extension", [70, 75, 77])],
        )
    )
    texts = _texts(root)
    assert texts[:2] == ["Rated Good or better", "Given an extension"]
    assert {"40%", "46%", "70%", "75%", "77%"} <= set(texts)
    assert "2022 to 2023" in texts
    # A missing value breaks the line: the first series has no segment of two points.
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1 and lines[0].get("stroke-dasharray") == "8 4"
    assert len(list(root.iter(f"{SVG}circle"))) == 3  # the first series' markers (and its legend)
    assert _no_style_attributes(root)
    assert "No figures" in _texts(_parse(line_chart("e", title="t", description="d", points=[], series=[])))
