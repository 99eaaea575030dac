"""Four years of history imported as the Inspectorate's analysts would (one CSV a year, built
here, through the import page), then every published figure read back from the annual
summary's page, CSV and PDF alike.

The published figures: 64, 86, 87 and 90 reviews assured in 2021/22 to 2024/25; in 2024/25
53% Requires improvement, 46% Good and 1% Outstanding; in 2023/24 46% Good and 52% Requires
improvement; 77% of reviews given an extension.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
import time_machine
from pypdf import PdfReader

from extensions import db
from reviews.models import Assessment, AssessmentStage, Assurance, Review, ReviewStatus
from tests.conftest import make_user
from tests.factories.reviews import make_region

NOW = datetime(2025, 6, 15, 11, 0, tzinfo=UTC)

# Overall ratings come from the four standard scores (composite 0 to 12, banded).
SCORES = {
    "Outstanding": ("Outstanding", "Outstanding", "Outstanding", "Good"),  # 11
    "Good": ("Good", "Good", "Good", "Requires improvement"),  # 7
    "Requires improvement": ("Requires improvement", "Requires improvement", "Good", "Requires improvement"),  # 5
    "Inadequate": ("Inadequate", "Inadequate", "Requires improvement", "Requires improvement"),  # 2
}
# Reviews assured each year, by overall rating, and how many of the year's reviews (those
# assured and ten left to HMPPS) were given an extension before reaching the Inspectorate.
YEARS = {
    2021: ({"Good": 22, "Requires improvement": 38, "Inadequate": 4}, 60),
    2022: ({"Good": 35, "Requires improvement": 48, "Inadequate": 3}, 70),
    2023: ({"Good": 40, "Requires improvement": 45, "Inadequate": 2}, 74),
    2024: ({"Outstanding": 1, "Good": 41, "Requires improvement": 48}, 77),
}
REGIONS = ["North West Probation Region", "Wales Probation Region", "London Probation Region"]
HEADER = [
    "reference",
    "region",
    "offence_category",
    "received_on",
    "summary",
    "hmpps_notified_on",
    "due_to_inspectorate_on",
    "probation_extension",
    "probation_extension_days",
    "assurance",
    "standard_1_rating",
    "standard_2_rating",
    "standard_3_rating",
    "standard_4_rating",
    "standard_1_feedback",
    "standard_2_feedback",
    "standard_3_feedback",
    "standard_4_feedback",
    "assessor_name",
    "qa_assessed_on",
    "qa_issued_on",
    "qa_extended_to",
    "qa_extension_reason",
]


def year_csv(start_year: int) -> str:
    """A year's spreadsheet: the reviews assured (with their QA history), then ten left to HMPPS
    (the assurance column blank: never sampled, so HMPPS's)."""
    ratings, extended = YEARS[start_year]
    overall = [label for label, count in ratings.items() for _ in range(count)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for index in range(len(overall) + 10):
        received = date(start_year, 4, 2) + timedelta(days=3 * index)
        # Unique across the files: a year's rows run into the next calendar year.
        reference = f"SFO-{received.year}-{start_year % 10}{index + 1:03d}"
        notified = received - timedelta(days=90)
        given = index < extended
        row = {
            "reference": reference,
            "region": REGIONS[index % 3],
            "offence_category": "Murder" if index % 2 else "Rape",
            "received_on": received.strftime("%d/%m/%Y"),
            "summary": f"History of {start_year}, review {index + 1}",
            "hmpps_notified_on": notified.isoformat(),
            "due_to_inspectorate_on": (notified + timedelta(days=84)).isoformat(),
            "probation_extension": "Yes" if given else "No",
            "probation_extension_days": str(10 + 5 * (index % 7)) if given else "",
        }
        if index < len(overall):
            # Every tenth report needed more time: its deadline was extended and it was issued within it.
            late = index % 10 == 9
            row.update(
                zip(
                    ["standard_1_rating", "standard_2_rating", "standard_3_rating", "standard_4_rating"],
                    SCORES[overall[index]],
                    strict=True,
                )
            )
            row.update(
                {
                    "standard_1_feedback": "The review describes what happened rather than why.",
                    "assessor_name": "A former inspector",
                    "qa_assessed_on": (received + timedelta(days=10)).isoformat(),
                    "qa_issued_on": (received + timedelta(days=40 if late else 14)).isoformat(),
                    "qa_extended_to": (received + timedelta(days=45)).isoformat() if late else "",
                    "qa_extension_reason": "The region asked to meet before the report was final." if late else "",
                }
            )
        writer.writerow([row.get(name, "") for name in HEADER])
    return buffer.getvalue()


def import_file(client, text: str, name: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post(
        "/reviews/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    location = response.headers["Location"]
    preview = client.get(location).get_data(as_text=True)
    assert "Problem</strong>" not in preview, preview
    confirmed = client.post(location + "/confirm")
    assert confirmed.status_code == 302
    return preview


def words(html: str) -> str:
    """The page's text as a reader meets it: tags dropped, spaces collapsed."""
    main = html.split("<main", 1)[1]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


@pytest.fixture
def history(client_for) -> Iterator[dict[str, object]]:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        for name in REGIONS:
            make_region(name)
        analyst = make_user("inspector", email="analyst@inspectorate.test")
        client = client_for(analyst)
        previews = {year: import_file(client, year_csv(year), f"{year}.csv") for year in YEARS}
        db.session.expire_all()
        yield {"client": client, "previews": previews, "analyst": analyst}


def test_four_years_of_history_import_faithfully(history) -> None:  # type: ignore[no-untyped-def]
    assert "Import 74 reviews" in history["previews"][2021]  # type: ignore[index]
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 64 + 86 + 87 + 90 + 40
    # Nothing imported as issued waits for a sample or shows as overdue.
    statuses = dict(db.session.execute(db.select(Review.status, db.func.count()).group_by(Review.status)).all())
    assert statuses == {ReviewStatus.ISSUED: 327, ReviewStatus.HMPPS: 40}
    with time_machine.travel(NOW, tick=False):
        dashboard = words(history["client"].get("/reviews/dashboard").get_data(as_text=True))  # type: ignore[attr-defined]
    assert "Overdue 0 See all overdue Due this week 0" in dashboard
    assert "Awaiting a sample draw 0" in dashboard
    assert "No QA reports are overdue." in dashboard

    late = db.session.scalar(db.select(Review).where(Review.reference == "SFO-2024-4010"))
    assert late.received_on == date(2024, 4, 29)
    assessment = late.assessment
    assert assessment.imported and assessment.stage == AssessmentStage.ISSUED
    assert assessment.assessor is None and assessment.assessor_display_name == "A former inspector"
    assert (assessment.assessed_on, assessment.issued_on) == (date(2024, 5, 9), date(2024, 6, 8))
    assert assessment.ratings[0].feedback == "The review describes what happened rather than why."
    assert [e.reason for e in late.extensions] == ["The region asked to meet before the report was final."]
    assert late.issued_on_time is True and late.due_on != late.target_due_on
    assert late.probation_extension is True and late.probation_extension_days == 10 + 5 * (9 % 7)
    hmpps = db.session.scalar(db.select(Review).where(Review.summary == "History of 2024, review 91"))
    assert hmpps.assurance == Assurance.HMPPS and hmpps.assessment is None


def _csv_figures(client, year: int) -> dict[tuple[str, str, str, str], tuple[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/learning/annual-summary.csv?year={year}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in rows[1:]}


def _pdf_words(client, year: int) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/learning/annual-summary.pdf?year={year}")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_published_figures_read_the_same_on_the_page_the_csv_and_the_pdf(history) -> None:  # type: ignore[no-untyped-def]
    client = history["client"]
    with time_machine.travel(NOW, tick=False):
        page_2024 = words(client.get("/learning/annual-summary?year=2024").get_data(as_text=True))  # type: ignore[attr-defined]
        page_2023 = words(client.get("/learning/annual-summary?year=2023").get_data(as_text=True))  # type: ignore[attr-defined]
        csv_2024 = _csv_figures(client, 2024)
        csv_2023 = _csv_figures(client, 2023)
        pdf_2024 = _pdf_words(client, 2024)
        pdf_2023 = _pdf_words(client, 2023)

    # 2024/25: 90 assured, 53% Requires improvement, 46% Good, 1% Outstanding.
    overall_2024 = "Outstanding 1 1% Good 41 46% Requires improvement 48 53% Inadequate 0 0% Total rated 90"
    assert overall_2024 in page_2024
    assert overall_2024 in pdf_2024
    year = "2024 to 2025"
    assert csv_2024[(year, "Reviews", "All", "Assured (QA reports issued)")] == ("90", "")
    assert csv_2024[(year, "Overall rating", "All", "Outstanding")] == ("1", "1")
    assert csv_2024[(year, "Overall rating", "All", "Good")] == ("41", "46")
    assert csv_2024[(year, "Overall rating", "All", "Requires improvement")] == ("48", "53")

    # 2023/24: 87 assured, 46% Good, 52% Requires improvement.
    overall_2023 = "Outstanding 0 0% Good 40 46% Requires improvement 45 52% Inadequate 2 2% Total rated 87"
    assert overall_2023 in page_2023
    assert overall_2023 in pdf_2023
    year = "2023 to 2024"
    assert csv_2023[(year, "Overall rating", "All", "Good")] == ("40", "46")
    assert csv_2023[(year, "Overall rating", "All", "Requires improvement")] == ("45", "52")

    # Every year on record: 64, 86, 87, 90 assured, the same in each form.
    for label, assured in (("2021 to 2022", 64), ("2022 to 2023", 86), ("2023 to 2024", 87), ("2024 to 2025", 90)):
        assert csv_2024[(label, "Every year on record", "All", "Assured (QA reports issued)")] == (str(assured), "")
        received = assured + 10
        assert re.search(rf"{label} {received} {assured} \d+% \d+% \d+%", page_2024), label
        assert re.search(rf"{label} {received} {assured} \d+% \d+% \d+%", pdf_2024), label

    # 77% of the year's reviews were given an extension before reaching the Inspectorate.
    extension = csv_2024[("2024 to 2025", "Extensions given to probation", "All regions", "Given an extension")]
    assert extension == ("77", "77")
    assert "All regions 100 100 77 (77%)" in page_2024
    assert "All regions 100 100 77 (77%)" in pdf_2024

    # Each standard's share rated Good or better, with its change from the previous year.
    standard_1 = csv_2024[
        ("2024 to 2025", "Standard rated Good or better", "Standard 1: Analysis of practice", "Good or better")
    ]
    assert standard_1 == ("42", "47")  # 1 Outstanding + 41 Good of 90
    previous = csv_2024[
        ("2023 to 2024", "Standard rated Good or better", "Standard 1: Analysis of practice", "Good or better")
    ]
    assert previous == ("40", "46")
    assert "Standard 1: Analysis of practice 42 (47%) 40 (46%) +1 percentage point" in page_2024
    assert "Standard 1: Analysis of practice 42 (47%) 40 (46%) +1 percentage point" in pdf_2024
    # Every share rounded on its own, and said so under the tables.
    assert "may not add up to 100%" in page_2024 and "may not add up to 100%" in pdf_2024

    # Timeliness: the tenth reports came within their extended deadlines.
    assert csv_2024[("2024 to 2025", "Timeliness", "QA reports issued", "Within an agreed extension")] == ("9", "10")


def test_a_published_year_refuses_a_re_import_that_would_move_its_figures(history, client_for) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import make_user as make

    with time_machine.travel(NOW, tick=False):
        admin = make("admin", email="admin@inspectorate.test")
        admin_client = client_for(admin)
        page = admin_client.get("/reviews/reporting-years").get_data(as_text=True)
        assert "April 2023 to March 2024" in page and "Mark as published" in page
        assert admin_client.post("/reviews/reporting-years/2023/publish").status_code == 302
        assert admin_client.post("/reviews/reporting-years/2025/publish").status_code == 302  # not ended: refused
        page = words(admin_client.get("/reviews/reporting-years").get_data(as_text=True))
        assert "is published: its figures can no longer change" in page
        assert "April 2023 to March 2024 97 87 Published on 15 June 2025" in page
        assert "April 2025 to March 2026 0 0 Year in progress" in page
        summary = words(admin_client.get("/learning/annual-summary?year=2023").get_data(as_text=True))
        assert "These figures were published on 15 June 2025" in summary

        text = year_csv(2023).replace(",Good,Good,Good,Requires improvement,", ",Good,Good,Good,Good,", 1)
        response = history["client"].post(  # type: ignore[attr-defined]
            "/reviews/import",
            data={"file": (io.BytesIO(text.encode()), "again.csv")},
            content_type="multipart/form-data",
        )
        preview = words(history["client"].get(response.headers["Location"]).get_data(as_text=True))  # type: ignore[attr-defined]
    assert "The figures for 2023 to 2024 are published, so the standard 4 rating of SFO-2023-" in preview
    assert "There is nothing new to import from this file." in preview
    assert db.session.scalar(db.select(db.func.count(Assessment.id))) == 327
