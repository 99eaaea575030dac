"""Accessible SVG charts, drawn on the server: pure functions from numbers to markup.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by its
``<desc>``, with its numbers written on it in text, and is always shown beside a table of
the same numbers (the table is what assistive technology and a spreadsheet read). Series
differ by pattern as well as colour, so colour is never the only cue. There are no
``style`` attributes (the portal's content security policy forbids inline styles): only
SVG presentation attributes such as ``fill`` and ``font-size``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from learning.rules import percentage

# viewBox widths: about the pixels the chart takes on a desktop page, so 16px text stays 16px.
HALF_WIDTH = 460  # beside its table, in half the page
FULL_WIDTH = 960  # above a wide table, across the page
FONT = "Arial, 'Liberation Sans', sans-serif"
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#505a5f"
BAR_COLOUR = "#1d70b8"
# Dark enough for white labels (contrast of 4.5:1 or more); each also has its own pattern.
SERIES_COLOURS = ("#00703c", "#1d70b8", "#912b88", "#d4351c", "#505a5f", "#6f4b00")
_ID = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    text: str | None = None  # what is written at the end of the bar (the value if None)


@dataclass(frozen=True)
class StackedRow:
    label: str
    values: Sequence[int]


def _safe_id(chart_id: str) -> str:
    return _ID.sub("-", chart_id) or "chart"


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _text(
    x: float, y: float, content: str, *, size: int = 16, fill: str = TEXT, anchor: str = "start", bold: bool = False
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{weight}>'
        f"{escape(content)}</text>"
    )


def bar_chart(chart_id: str, *, title: str, description: str, bars: Sequence[Bar], width: int = HALF_WIDTH) -> Markup:
    """Horizontal bars, one a row: the label above, the value written after the bar."""
    chart_id = _safe_id(chart_id)
    row_height, bar_height, top = 56, 22, 6
    height = top + row_height * max(len(bars), 1)
    longest = max((bar.value for bar in bars), default=0)
    room = width - 130  # space left for the value written after the longest bar
    parts = _open(chart_id, width, height, title, description)
    if not bars:
        parts.append(_text(0, 24, "No figures", fill=SECONDARY_TEXT))
    for index, bar in enumerate(bars):
        y = top + index * row_height
        length = room * bar.value / longest if longest else 0
        parts.append(_text(0, y + 16, bar.label))
        parts.append(f'<rect x="0" y="{y + 22}" width="{length:.1f}" height="{bar_height}" fill="{BAR_COLOUR}"/>')
        parts.append(_text(length + 8, y + 22 + 16, bar.text if bar.text is not None else str(bar.value), bold=True))
    parts.append("</svg>")
    return Markup("".join(parts))


def _patterns(chart_id: str, count: int) -> list[str]:
    """A fill per series: colour plus a pattern of its own (none, diagonal, dots, grid...)."""
    marks = (
        "",
        '<path d="M-2,2 l4,-4 M0,10 l10,-10 M8,12 l4,-4" stroke="#ffffff" stroke-width="2" stroke-opacity="0.55"/>',
        '<circle cx="5" cy="5" r="1.8" fill="#ffffff" fill-opacity="0.6"/>',
        '<path d="M0,5 h10 M5,0 v10" stroke="#ffffff" stroke-width="1.5" stroke-opacity="0.55"/>',
        '<path d="M0,0 l10,10 M10,0 l-10,10" stroke="#ffffff" stroke-width="1.5" stroke-opacity="0.55"/>',
        '<path d="M0,2.5 h10 M0,7.5 h10" stroke="#ffffff" stroke-width="1.5" stroke-opacity="0.55"/>',
    )
    defs = ["<defs>"]
    for index in range(count):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        defs.append(
            f'<pattern id="{chart_id}-series-{index}" width="10" height="10" patternUnits="userSpaceOnUse">'
            f'<rect width="10" height="10" fill="{colour}"/>{marks[index % len(marks)]}</pattern>'
        )
    defs.append("</defs>")
    return defs


def stacked_bar_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    series: Sequence[str],
    rows: Sequence[StackedRow],
    width: int = HALF_WIDTH,
) -> Markup:
    """100% stacked bars, one a row, with a legend; each part labelled with its percentage
    where it is wide enough (the table beside the chart holds every number)."""
    chart_id = _safe_id(chart_id)
    legend_rows = _legend_layout(series, width)
    legend_height = 26 * len(legend_rows) + 8
    row_height, bar_height = 60, 28
    height = legend_height + row_height * max(len(rows), 1)
    parts = _open(chart_id, width, height, title, description)
    parts += _patterns(chart_id, len(series))
    for line, entries in enumerate(legend_rows):
        for legend_x, index in entries:
            y = line * 26
            parts.append(
                f'<rect x="{legend_x}" y="{y + 2}" width="18" height="18" fill="url(#{chart_id}-series-{index})" '
                f'stroke="{TEXT}" stroke-width="1"/>'
            )
            parts.append(_text(legend_x + 24, y + 16, series[index], size=15))
    if not rows:
        parts.append(_text(0, legend_height + 24, "No figures", fill=SECONDARY_TEXT))
    for number, row in enumerate(rows):
        y = legend_height + number * row_height
        total = sum(row.values)
        parts.append(_text(0, y + 16, row.label))
        bar_y = y + 22
        if total == 0:
            parts.append(
                f'<rect x="0.5" y="{bar_y + 0.5}" width="{width - 1}" height="{bar_height - 1}" '
                f'fill="none" stroke="{SECONDARY_TEXT}" stroke-width="1" stroke-dasharray="4 3"/>'
            )
            parts.append(_text(8, bar_y + 19, "None", size=14, fill=SECONDARY_TEXT))
            continue
        x = 0.0
        for index, value in enumerate(row.values):
            if value == 0:
                continue
            pct = percentage(value, total)  # each part rounded on its own, as in the table
            part = width * value / total
            parts.append(
                f'<rect x="{x:.1f}" y="{bar_y}" width="{part:.1f}" height="{bar_height}" '
                f'fill="url(#{chart_id}-series-{index})" stroke="#ffffff" stroke-width="1"/>'
            )
            label = f"{pct}%"
            label_width = len(label) * 8.5 + 8
            if part >= label_width + 6:
                # On a plain patch of the series colour, so the pattern never runs through the figure.
                colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
                parts.append(
                    f'<rect x="{x + (part - label_width) / 2:.1f}" y="{bar_y + 4}" width="{label_width:.1f}" '
                    f'height="{bar_height - 8}" rx="3" fill="{colour}"/>'
                )
                parts.append(
                    _text(x + part / 2, bar_y + 19, label, size=14, fill="#ffffff", anchor="middle", bold=True)
                )
            x += part
    parts.append("</svg>")
    return Markup("".join(parts))


def _legend_layout(series: Sequence[str], width: int) -> list[list[tuple[int, int]]]:
    """Legend entries as lines of (x, series index), wrapping before the chart's edge."""
    lines: list[list[tuple[int, int]]] = [[]]
    x = 0
    for index, label in enumerate(series):
        entry = 24 + int(len(label) * 8.2) + 20  # swatch, text (about 8px a character at 15px), gap
        if lines[-1] and x + entry > width:
            lines.append([])
            x = 0
        lines[-1].append((x, index))
        x += entry
    return lines


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a value (a percentage) per point on the x axis, or None for a gap."""

    label: str
    values: Sequence[int | None]


# Markers and dashes that tell the lines apart without colour.
_MARKERS = ("circle", "square", "triangle", "diamond")
_DASHES = ("", "8 4", "2 4", "12 4 2 4")


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" fill="{colour}"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f},{y - 7:.1f} L{x + 7:.1f},{y + 6:.1f} L{x - 7:.1f},{y + 6:.1f} Z" fill="{colour}"/>'
    if kind == "diamond":
        corners = f"M{x:.1f},{y - 8:.1f} L{x + 8:.1f},{y:.1f} L{x:.1f},{y + 8:.1f} L{x - 8:.1f},{y:.1f} Z"
        return f'<path d="{corners}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{colour}"/>'


def line_chart(
    chart_id: str,
    *,
    title: str,
    description: str,
    points: Sequence[str],
    series: Sequence[Series],
    width: int = FULL_WIDTH,
) -> Markup:
    """Percentages (0 to 100) over the points of the x axis (years), one line a series, each
    with its own marker and dash as well as colour, and every value written beside its marker."""
    chart_id = _safe_id(chart_id)
    legend_rows = _legend_layout([s.label for s in series], width)
    legend_height = 26 * len(legend_rows) + 12
    left, right, plot_height, axis_height = 44, 24, 260, 40
    height = legend_height + plot_height + axis_height
    parts = _open(chart_id, width, height, title, description)
    for line, entries in enumerate(legend_rows):
        for left_edge, index in entries:
            middle = line * 26 + 11
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            dash = _DASHES[index % len(_DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<line x1="{left_edge}" y1="{middle}" x2="{left_edge + 18}" y2="{middle}" stroke="{colour}" '
                f'stroke-width="3"{dash_attr}/>'
            )
            parts.append(_marker(_MARKERS[index % len(_MARKERS)], left_edge + 9, middle, colour))
            parts.append(_text(left_edge + 24, middle + 5, series[index].label, size=15))
    top = legend_height
    bottom = top + plot_height

    def y_of(value: int) -> float:
        return bottom - plot_height * value / 100

    for tick in (0, 25, 50, 75, 100):
        tick_y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{tick_y:.1f}" x2="{width - right}" y2="{tick_y:.1f}" stroke="#b1b4b6" '
            'stroke-width="1"/>'
        )
        parts.append(_text(left - 6, tick_y + 5, f"{tick}%", size=13, fill=SECONDARY_TEXT, anchor="end"))
    if not points:
        parts.append(_text(left + 8, top + 24, "No figures", fill=SECONDARY_TEXT))
    step = (width - left - right) / max(len(points), 1)

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    for index, label in enumerate(points):
        parts.append(_text(x_of(index), bottom + 26, label, size=14, anchor="middle"))
    for number, line_series in enumerate(series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        dash = _DASHES[number % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        # A missing value breaks the line rather than joining across it.
        run: list[str] = []
        segments: list[list[str]] = []
        for index, value in enumerate(line_series.values):
            if value is None:
                if run:
                    segments.append(run)
                run = []
                continue
            run.append(f"{x_of(index):.1f},{y_of(value):.1f}")
        if run:
            segments.append(run)
        for segment in segments:
            if len(segment) > 1:
                line_points = " ".join(segment)
                parts.append(
                    f'<polyline points="{line_points}" fill="none" stroke="{colour}" stroke-width="3"{dash_attr}/>'
                )
        for index, value in enumerate(line_series.values):
            if value is None:
                continue
            point_x, point_y = x_of(index), y_of(value)
            parts.append(_marker(_MARKERS[number % len(_MARKERS)], point_x, point_y, colour))
            parts.append(_text(point_x + 10, point_y - 8 + 14 * number, f"{value}%", size=13, bold=True))
    parts.append("</svg>")
    return Markup("".join(parts))
