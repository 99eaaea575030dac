"""The annual summary: a page, a PDF and a CSV for a reporting year (April to March)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from wtforms import SelectChoice

from agencies import access
from core.cache import cached_page
from core.downloads import send_download
from core.formatting import govuk_date, london_today, utc_now
from core.pdf import render_pdf
from learning import permissions as can
from learning.rules import ReportingYear
from learning.summary import figures as figures_for
from learning.summary.charts import FULL_WIDTH, Bar, StackedRow, bar_chart, stacked_bar_chart
from learning.summary.figures import SUMMARY_CSV_COLUMNS, AnnualSummary, GroupRow, available_years, summary_csv_rows
from learning.summary.forms import SummaryYearForm
from learning.tracker import csv_text
from reviews.rating import RATINGS_HIGH_TO_LOW

summary_bp = Blueprint("summary", __name__, url_prefix="/learning")

# The most rows a chart draws; the table beside it always has every row.
THEMES_CHARTED = 10

PDF_CSS = """
.app-chart { width: 100%; max-width: 160mm; }
.app-summary-section { break-inside: avoid-page; }
.govuk-grid-row { display: block; }
"""


def _chosen_year(years: list[ReportingYear], today: date) -> tuple[ReportingYear, SummaryYearForm]:
    """The year in ``?year=``, or this reporting year; a year not on offer is an error on the form."""
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
    return current, form


def _summary_for_request() -> tuple[AnnualSummary, SummaryYearForm]:
    today = london_today(utc_now())
    year, form = _chosen_year(available_years(today), today)
    return figures_for.annual_summary(year, today), form


@summary_bp.get("/annual-summary")
@access.allow(can.may_view_summary)
@cached_page
def annual_summary() -> ResponseReturnValue:
    summary, form = _summary_for_request()
    return render_template(
        "learning/summary/page.html",
        summary=summary,
        figures=summary.current,
        charts=summary_charts(summary),
        form=form if form.errors else None,
        year_form=form,
        years_args={"year": summary.year.start_year},
    )


@summary_bp.get("/annual-summary.pdf")
@access.allow(can.may_view_summary)
def download_summary_pdf() -> ResponseReturnValue:
    summary, _form = _summary_for_request()
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
    )
    return send_download(
        pdf, f"annual-summary-{summary.year.start_year}-{summary.year.start_year + 1}.pdf", "application/pdf"
    )


@summary_bp.get("/annual-summary.csv")
@access.allow(can.may_view_summary)
def download_summary_csv() -> ResponseReturnValue:
    summary, _form = _summary_for_request()
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
        return [
            StackedRow(group.name, [group.ratings.counts[r] for r in RATINGS_HIGH_TO_LOW])
            for group in groups
            if group.ratings.total
        ]

    themes = figures.themes[:THEMES_CHARTED]
    return {
        "overall": bar_chart(
            "chart-overall",
            title=f"Overall ratings of the reviews assured, {year}",
            description=", ".join(f"{s.label}: {s.count} ({s.percent}%)" for s in figures.overall.shares)
            or "No reviews were assured.",
            bars=[Bar(s.label, s.count, f"{s.count} ({s.percent}%)") for s in figures.overall.shares],
        ),
        "standards": stacked_bar_chart(
            "chart-standards",
            title=f"Ratings by standard, {year}",
            description="; ".join(
                f"{row.heading}: " + ", ".join(f"{s.label} {s.percent}%" for s in row.ratings.shares)
                for row in figures.standards
            )
            or "No standards were rated.",
            series=ratings,
            rows=[
                StackedRow(row.heading, [row.ratings.counts[r] for r in RATINGS_HIGH_TO_LOW])
                for row in figures.standards
            ],
        ),
        "regions": stacked_bar_chart(
            "chart-regions",
            title=f"Overall ratings by probation region, {year}",
            description="The share of each overall rating among the reviews assured in each region that had any. "
            "The table gives the numbers.",
            series=ratings,
            rows=rating_rows(figures.regions),
            width=FULL_WIDTH,
        ),
        "categories": stacked_bar_chart(
            "chart-categories",
            title=f"Overall ratings by offence category, {year}",
            description="The share of each overall rating among the reviews assured in each offence category that "
            "had any. The table gives the numbers.",
            series=ratings,
            rows=rating_rows(figures.categories),
            width=FULL_WIDTH,
        ),
        "timeliness": bar_chart(
            "chart-timeliness",
            title=f"Timeliness of QA reports, {year}",
            description=", ".join(f"{s.label}: {s.count} ({s.percent}%)" for s in figures.timeliness.shares),
            bars=[Bar(s.label, s.count, f"{s.count} ({s.percent}%)") for s in figures.timeliness.shares],
        ),
        "themes": bar_chart(
            "chart-themes",
            title=f"Learning themes by frequency, {year}",
            description=", ".join(f"{row.name}: {row.total}" for row in themes) or "No learning was recorded.",
            bars=[Bar(row.name, row.total) for row in themes],
        ),
        "actions": bar_chart(
            "chart-actions",
            title=f"Actions agreed by status, {year}",
            description=", ".join(f"{s.label}: {s.count}" for s in figures.actions.by_status),
            bars=[Bar(s.label, s.count, f"{s.count} ({s.percent}%)") for s in figures.actions.by_status],
        ),
    }
