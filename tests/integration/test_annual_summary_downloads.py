"""The annual summary as a page (every section, each chart with its table), a CSV with the
documented columns, and a PDF that parses; the year chosen from a list, nonsense refused."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader

from agencies.models import OrganisationKind
from extensions import db
from learning.summary.figures import SUMMARY_CSV_COLUMNS
from tests.factories.cases import inspectorate_inspector
from tests.factories.learning import assess, make_action, make_review, organisation

SECTIONS = [
    "Reviews received, sampled and assured",
    "Overall ratings",
    "Ratings by standard",
    "By probation region",
    "By offence category",
    "Timeliness of QA reports",
    "Extensions given to probation",
    "QA themes: what reviews most often miss",
    "Multi-agency work",
    "Learning themes by frequency",
    "Actions",
    "Change from the previous year",
    "Every year on record",
]


@pytest.fixture
def year_of_data():
    with time_machine.travel(datetime(2026, 5, 15, 11, 0, tzinfo=UTC), tick=False):
        region = organisation("North West Probation Region", OrganisationKind.PROBATION_REGION)
        # Six reviews: four Good, two Requires improvement (a base of five or more, so shares show).
        for scores, received in (
            ((2, 2, 2, 1), date(2025, 5, 1)),
            ((1, 1, 1, 1), date(2025, 6, 1)),
            ((2, 2, 2, 2), date(2025, 7, 1)),
            ((2, 2, 2, 2), date(2025, 8, 1)),
            ((1, 1, 1, 1), date(2025, 9, 1)),
            ((2, 2, 2, 2), date(2025, 10, 1)),
        ):
            review = make_review(received_on=received, region=region)
            assess(review, scores, issued_on=received.replace(day=10))
        make_action(organisation("Northshire Police"), title='=HYPERLINK("http://evil.example")')
        db.session.commit()
        yield


def test_the_page_shows_every_section_with_a_table_beside_each_chart(client_for, year_of_data) -> None:
    page = client_for(inspectorate_inspector()).get("/learning/annual-summary?year=2025").get_data(as_text=True)
    assert "<title>Annual summary April 2025 to March 2026 – Learning panels</title>" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]  # not the layout's timeout dialog
    headings = re.findall(r'<h2 class="govuk-heading-m" id="[^"]+">([^<]+)</h2>', main)
    assert headings == SECTIONS
    charts = re.findall(r'<svg [^>]*role="img"', page)
    # No learning or extension lengths were recorded: those sections say so rather than draw
    # empty charts. The trend has two: reviews assured, and the shares.
    assert len(charts) == 8
    assert "No learning was recorded this year." in page
    # Each chart's section has a table, and no inline style anywhere (strict CSP).
    for section in page.split('<section class="app-summary-section"')[1:]:
        if "<svg" in section:
            assert '<table class="govuk-table' in section
    assert 'style="' not in page.split("<main")[1]
    assert "67%" in page  # 4 of 6 Good: the overall table
    assert page.count("may not add up to 100%") >= 8  # said under every table of shares
    assert 'value="2025" selected' in page


def test_the_default_year_is_this_reporting_year_and_nonsense_is_a_404(client_for, year_of_data) -> None:
    inspector = inspectorate_inspector()
    # Signed in within each travelled day, so the session is not older than the clock.
    with time_machine.travel(datetime(2026, 3, 31, 12, tzinfo=UTC), tick=False):
        client = client_for(inspector)
        assert "Annual summary: April 2025 to March 2026" in client.get("/learning/annual-summary").get_data(
            as_text=True
        )
    with time_machine.travel(datetime(2026, 4, 1, 12, tzinfo=UTC), tick=False):
        client = client_for(inspector)
        assert "Annual summary: April 2026 to March 2027" in client.get("/learning/annual-summary").get_data(
            as_text=True
        )
        for nonsense in ("1850", "abc", "<script>", "2025-26", "2010", "0", "2027", ""):
            response = client.get(f"/learning/annual-summary?year={nonsense}")
            page = response.get_data(as_text=True)
            assert response.status_code == 404, nonsense
            assert "<title>Error: Annual summary" in page
            assert "Choose a reporting year from the list" in page
            assert "<script>" not in page.split("<main")[1]
            # No year's figures at all, neither this year's nor any other.
            assert "Overall ratings" not in page and "April 2026 to March 2027</h1>" not in page


@pytest.mark.parametrize("year", ["2010", "0", "-1", "2027", "2030", "abc", "2025.0", "99999999999999999999", ""])
@pytest.mark.parametrize("download", ["annual-summary.csv", "annual-summary.pdf"])
def test_downloads_of_a_year_not_on_record_are_404_never_another_years_figures(  # type: ignore[no-untyped-def]
    client_for, year_of_data, download: str, year: str
) -> None:
    with time_machine.travel(datetime(2026, 5, 15, 12, tzinfo=UTC), tick=False):
        response = client_for(inspectorate_inspector()).get(f"/learning/{download}?year={year}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_every_year_on_record_downloads(client_for, year_of_data) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(datetime(2026, 5, 15, 12, tzinfo=UTC), tick=False):
        client = client_for(inspectorate_inspector())
        # The first review was received in May 2025: its year and this one are on offer, no others.
        for year in ("2025", "2026"):
            for path in ("annual-summary", "annual-summary.csv", "annual-summary.pdf"):
                assert client.get(f"/learning/{path}?year={year}").status_code == 200, (path, year)
            assert client.get(f"/learning/{path}?year=2024").status_code == 404


def test_the_csv_has_the_documented_columns_and_every_figure(client_for, year_of_data) -> None:
    response = client_for(inspectorate_inspector()).get("/learning/annual-summary.csv?year=2025")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="annual-summary-2025-2026.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert (
        rows[0]
        == SUMMARY_CSV_COLUMNS
        == ["Reporting year", "Section", "Breakdown", "Measure", "Count", "Percentage", "Note"]
    )
    by_key = {(r[1], r[2], r[3]): (r[4], r[5]) for r in rows[1:] if r[0] == "2025 to 2026"}
    assert by_key[("Reviews", "All", "Received")] == ("6", "")
    assert by_key[("Overall rating", "All", "Good")] == ("4", "67")
    assert by_key[("Overall rating", "All", "Requires improvement")] == ("2", "33")
    assert by_key[("Probation region", "North West Probation Region", "Assured")] == ("6", "")
    assert by_key[("Timeliness", "QA reports issued", "Within 15 working days")] == ("6", "100")
    assert by_key[("Actions", "All", "Recorded")] == ("0", "")  # the action was recorded in 2026
    assert by_key[("Actions", "All", "Accepted")] == ("0", "")
    assert by_key[("Actions", "All", "Signed off")] == ("0", "")
    assert by_key[("Actions", "All", "Impact reviewed")] == ("0", "")
    assert by_key[("Every year on record", "All", "Assured (QA reports issued)")] == ("6", "")
    sections = {r[1] for r in rows[1:]}
    assert {
        "Reviews",
        "Overall rating",
        "Standard rating",
        "Probation region",
        "Offence category",
        "Timeliness",
        "Multi-agency work",
        "Actions",
        "Change from the previous year",
        "Standard rated Good or better",
        "Extensions given to probation",
        "Every year on record",
    } <= sections


def test_the_pdf_parses_and_holds_the_figures_and_marking(client_for, year_of_data) -> None:
    response = client_for(inspectorate_inspector()).get("/learning/annual-summary.pdf?year=2025")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Annual summary: April 2025 to March 2026" in text
    for heading in SECTIONS:
        assert heading in text
    assert "OFFICIAL" in reader.pages[0].extract_text()
    assert reader.metadata.title == "Annual summary April 2025 to March 2026"
    assert len(reader.pages) >= 2


def test_the_tracker_csv_neutralises_formulas(client_for, year_of_data) -> None:
    response = client_for(inspectorate_inspector()).get("/learning/actions.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][1] == '\'=HYPERLINK("http://evil.example")'
