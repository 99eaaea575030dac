"""The annual summary: a page, a PDF and a CSV for a reporting year (April to March)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from wtforms import SelectChoice

from agencies import access
from core.downloads import send_download
from core.formatting import govuk_date, london_today, utc_now
from core.pdf import render_pdf
from core.tabular import csv_text
from learning import permissions as can
from learning.rules import LOW_BASE, LOW_BASE_NOTE, ROUNDING_NOTE, ReportingYear
from learning.summary import figures as figures_for
from learning.summary.charts import FULL_WIDTH, Bar, Series, StackedRow, bar_chart, line_chart, stacked_bar_chart
from learning.summary.figures import SUMMARY_CSV_COLUMNS, AnnualSummary, GroupRow, available_years, summary_csv_rows
from learning.summary.forms import SummaryYearForm
from reviews.rating import RATINGS_HIGH_TO_LOW

summary_bp = Blueprint("summary", __name__, url_prefix="/learning")

# The most rows a chart draws; the table beside it always has every row.
THEMES_CHARTED = 10

PDF_CSS = """
.app-chart { width: 100%; max-width: 160mm; }
.app-summary-section { break-inside: avoid-page; }
.govuk-grid-row { display: block; }
"""


def _chosen_year(years: list[ReportingYear], today: date) -> tuple[ReportingYear | None, SummaryYearForm]:
    """The year in ``?year=``, or this reporting year when none is asked for.

    A year that is not on offer (unknown, out of range, nonsense) is None with the error on the
    form: the page, the PDF and the CSV then answer 404, never with another year's figures.
    """
    form = SummaryYearForm(request.args)
    form.year.choices = [SelectChoice(year.start_year, year.label) for year in years]
    current = ReportingYear.containing(today)
    if "year" not in request.args:
        form.year.data = current.start_year
        return current, form
    if form.validate():
        return ReportingYear(form.year.data), form
    form.year.errors = ["Choose a reporting year from the list"]
    form.year.data = current.start_year
    return None, form


def _summary_for_request() -> tuple[AnnualSummary | None, SummaryYearForm]:
    today = london_today(utc_now())
    year, form = _chosen_year(available_years(today), today)
    return (figures_for.annual_summary(year, today) if year is not None else None), form


NOTES = {"rounding": ROUNDING_NOTE, "low_base": LOW_BASE_NOTE, "low_base_limit": LOW_BASE}


@summary_bp.get("/annual-summary")
@access.allow(can.may_view_summary)
def annual_summary() -> ResponseReturnValue:
    summary, form = _summary_for_request()
    if summary is None:
        # The page's own error (the picker, with the message) under a 404: no figures at all.
        return render_template("learning/summary/year_error.html", form=form, year_form=form), 404
    return render_template(
        "learning/summary/page.html",
        summary=summary,
        figures=summary.current,
        charts=summary_charts(summary),
        notes=NOTES,
        year_form=form,
        years_args={"year": summary.year.start_year},
    )


@summary_bp.get("/annual-summary.pdf")
@access.allow(can.may_view_summary)
def download_summary_pdf() -> ResponseReturnValue:
    summary, _form = _summary_for_request()
    if summary is None:
        abort(404)
    today = london_today(utc_now())
    pdf = render_pdf(
        # Aggregate figures with no case in them: OFFICIAL, not OFFICIAL-SENSITIVE.
        "learning/summary/pdf.html",
        title=f"Annual summary {summary.year.label}",
        marking="OFFICIAL",
        stamp=f"Produced on {govuk_date(today)}",
        stylesheets=[PDF_CSS],
        summary=summary,
        figures=summary.current,
        charts=summary_charts(summary),
        notes=NOTES,
    )
    return send_download(
        pdf, f"annual-summary-{summary.year.start_year}-{summary.year.start_year + 1}.pdf", "application/pdf"
    )


@summary_bp.get("/annual-summary.csv")
@access.allow(can.may_view_summary)
def download_summary_csv() -> ResponseReturnValue:
    summary, _form = _summary_for_request()
    if summary is None:
        abort(404)
    return send_download(
        csv_text(SUMMARY_CSV_COLUMNS, summary_csv_rows(summary)),
        f"annual-summary-{summary.year.start_year}-{summary.year.start_year + 1}.csv",
        "text/csv",
    )


def summary_charts(summary: AnnualSummary) -> dict[str, Markup]:
    """The summary's charts, each for a table of the same numbers on the page."""
    figures = summary.current
    year = summary.year.label
    ratings = [rating.label for rating in RATINGS_HIGH_TO_LOW]

    def rating_rows(groups: Iterable[GroupRow]) -> list[StackedRow]:
        # Groups with fewer than LOW_BASE ratings are left out: their shares are not published.
        return [
            StackedRow(group.name, [group.ratings.counts[r] for r in RATINGS_HIGH_TO_LOW])
            for group in groups
            if group.ratings.total >= LOW_BASE
        ]

    def described(shares: Any) -> str:
        return ", ".join(f"{s.label}: {s.text}" for s in shares)

    themes = figures.themes[:THEMES_CHARTED]
    return {
        "overall": bar_chart(
            "chart-overall",
            title=f"Overall ratings of the reviews assured, {year}",
            description=described(figures.overall.shares) if figures.overall.total else "No reviews were assured.",
            bars=[Bar(s.label, s.count, s.text) for s in figures.overall.shares],
        ),
        "standards": stacked_bar_chart(
            "chart-standards",
            title=f"Ratings by standard, {year}",
            description="; ".join(
                f"{row.heading}: " + ", ".join(f"{s.label} {s.percent_text}" for s in row.ratings.shares)
                for row in figures.standards
            )
            or "No standards were rated.",
            series=ratings,
            rows=[
                StackedRow(row.heading, [row.ratings.counts[r] for r in RATINGS_HIGH_TO_LOW])
                for row in figures.standards
                if row.ratings.total >= LOW_BASE
            ],
        ),
        "regions": stacked_bar_chart(
            "chart-regions",
            title=f"Overall ratings by probation region, {year}",
            description="The share of each overall rating among the reviews assured in each region with "
            f"{LOW_BASE} or more. The table gives the numbers of every region.",
            series=ratings,
            rows=rating_rows(figures.regions),
            width=FULL_WIDTH,
        ),
        "categories": stacked_bar_chart(
            "chart-categories",
            title=f"Overall ratings by offence category, {year}",
            description="The share of each overall rating among the reviews assured in each offence category "
            f"with {LOW_BASE} or more. The table gives the numbers of every category.",
            series=ratings,
            rows=rating_rows(figures.categories),
            width=FULL_WIDTH,
        ),
        "timeliness": bar_chart(
            "chart-timeliness",
            title=f"Timeliness of QA reports, {year}",
            description=described(figures.timeliness.shares),
            bars=[Bar(s.label, s.count, s.text) for s in figures.timeliness.shares],
        ),
        "themes": bar_chart(
            "chart-themes",
            title=f"Learning themes by frequency, {year}",
            description=", ".join(f"{row.name}: {row.total}" for row in themes) or "No learning was recorded.",
            bars=[Bar(row.name, row.total) for row in themes],
        ),
        "actions": bar_chart(
            "chart-actions",
            title=f"Actions recorded by status, {year}",
            description=", ".join(f"{s.label}: {s.count}" for s in figures.actions.by_status),
            bars=[Bar(s.label, s.count, s.text) for s in figures.actions.by_status],
        ),
        "extensions": bar_chart(
            "chart-extensions",
            title=f"Lengths of the extensions given to probation, {year}",
            description=described(figures.extensions.all.length_bands)
            if figures.extensions.all.lengths
            else "No extension lengths were recorded.",
            bars=[Bar(s.label, s.count, s.text) for s in figures.extensions.all.length_bands],
        ),
        "trend_assured": bar_chart(
            "chart-trend-assured",
            title="Reviews assured in each year on record",
            description=", ".join(f"{row.year.short_label}: {row.assured}" for row in summary.trend)
            or "No years on record.",
            bars=[Bar(row.year.short_label, row.assured) for row in summary.trend],
        ),
        "trend_shares": line_chart(
            "chart-trend-shares",
            title="Shares in each year on record",
            description="; ".join(
                f"{row.year.short_label}: rated Good or better {row.good_or_better.percent_text}, issued within 15 "
                f"working days {row.within_target.percent_text}, given an extension {row.extension.percent_text}"
                for row in summary.trend
            )
            or "No years on record.",
            points=[row.year.short_label for row in summary.trend],
            series=[
                Series("Rated Good or better", [row.good_or_better.percent for row in summary.trend]),
                Series("Issued within 15 working days", [row.within_target.percent for row in summary.trend]),
                Series("Given an extension", [row.extension.percent for row in summary.trend]),
            ],
        ),
    }
