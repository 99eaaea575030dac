"""The QA report: HTML and PDF from one template, OFFICIAL-SENSITIVE on every page, read by the
region's people and nobody else's, every reading audited."""

from __future__ import annotations

import io

import pypdf

from agencies.models import OrganisationKind, Role
from core.audit import AuditEvent
from extensions import db
from tests.conftest import make_organisation, make_user
from tests.factories.renders import download
from tests.factories.reviews import assign, issue, make_region, make_review, rate

LONG_FEEDBACK = "\n".join(
    f"Paragraph {n}: the review sets out the decisions in the case in careful detail." * 3 for n in range(40)
)


def _issued(region_name: str = "North West Probation Region", **kwargs: object):
    review = make_review(region=make_region(region_name), **kwargs)
    assessment = rate(assign(review), [2, 1, 0, 3], feedback=LONG_FEEDBACK)
    issue(assessment)
    return review


def _pdf_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def test_the_pdf_holds_the_reference_ratings_and_marking_on_every_page(client_for, inspector) -> None:
    review = _issued()
    response = download(client_for(inspector), f"/reviews/{review.id}/qa-report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"qa-report-{review.reference}.pdf" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == f"QA report on SFO review {review.reference}"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    pages = _pdf_text(response.data)
    assert len(pages) >= 3  # long feedback runs over several pages
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {number}: marking at the top and the bottom"
        assert review.reference in text, f"page {number}"
        assert f"Page {number} of {len(pages)}" in text
    whole = "\n".join(pages)
    for words in (
        "North West Probation Region",
        "Murder",
        "Standard 1: Analysis of practice",
        "Good",
        "Requires improvement",
        "Inadequate",
        "Outstanding",
        "6 out of 12",
        "Paragraph 39",
    ):
        assert words in whole, words
    # The overall rating: 2 + 1 + 0 + 3 = 6, Requires improvement.
    assert "Overall rating" in whole
    fonts = {
        str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all("Portal-Sans" in f or "Liberation" in f or "Arial" in f for f in fonts), fonts


def test_the_html_report_shows_the_same_facts_and_the_marking(client_for, inspector) -> None:
    review = _issued()
    page = client_for(inspector).get(f"/reviews/{review.id}/qa-report").get_data(as_text=True)
    assert page.count("OFFICIAL-SENSITIVE") >= 2
    assert review.reference in page and "North West Probation Region" in page
    assert '<strong class="govuk-tag govuk-tag--yellow">Requires improvement</strong>' in page
    assert "6 out of 12" in page
    assert page.count("<h1") == 1


def test_the_regions_people_read_their_reports_and_every_reading_is_audited(client_for) -> None:
    review = _issued()
    reader = make_user(Role.AGENCY_MEMBER, review.region, email="reader@probation.example")
    client = client_for(reader)
    listing = client.get("/reviews/reports").get_data(as_text=True)
    assert review.reference in listing and "Requires improvement" in listing
    assert client.get(f"/reviews/{review.id}/qa-report").status_code == 200
    assert download(client, f"/reviews/{review.id}/qa-report.pdf").status_code == 200
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action.like("read.qa_report%"), AuditEvent.actor_id == reader.id)
    ).all()
    assert sorted(e.action for e in events) == ["read.qa_report", "read.qa_report_pdf"]
    assert all(e.object_id == str(review.id) and e.object_type == "Review" for e in events)
    # The register itself stays the Inspectorate's.
    assert client.get(f"/reviews/{review.id}").status_code == 404
    assert client.get("/reviews/").status_code == 403


def test_another_regions_probation_person_gets_404(client_for) -> None:
    review = _issued("North West Probation Region")
    wales = make_user(Role.AGENCY_MEMBER, make_region("Wales Probation Region"), email="wales@probation.example")
    client = client_for(wales)
    assert client.get(f"/reviews/{review.id}/qa-report").status_code == 404
    assert client.get(f"/reviews/{review.id}/qa-report.pdf").status_code == 404
    assert review.reference not in client.get("/reviews/reports").get_data(as_text=True)
    refused = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "access.refused", AuditEvent.actor_id == wales.id)
    )
    assert refused.details["status"] == 404


def test_a_report_not_yet_issued_is_the_inspectorates_alone(client_for, inspector) -> None:
    region = make_region("North West Probation Region")
    review = make_review(region=region)
    rate(assign(review), [2, 2, 2, 2])
    reader = make_user(Role.AGENCY_MEMBER, region, email="reader@probation.example")
    assert client_for(reader).get(f"/reviews/{review.id}/qa-report").status_code == 404
    assert review.reference not in client_for(reader).get("/reviews/reports").get_data(as_text=True)
    page = client_for(inspector).get(f"/reviews/{review.id}/qa-report").get_data(as_text=True)
    assert "This is a preview" in page and "Issue the QA report" in page


def test_other_agencies_see_no_reports(client_for) -> None:
    review = _issued()
    police = make_user(Role.AGENCY_MEMBER, make_organisation(OrganisationKind.POLICE, "Northshire Police"))
    client = client_for(police)
    assert client.get(f"/reviews/{review.id}/qa-report").status_code == 404
    # Their menu has no "QA reports", and the page is not theirs.
    assert client.get("/reviews/reports").status_code == 403
    assert "QA reports" not in client.get("/cases/").get_data(as_text=True)


def test_the_review_page_tells_the_story(client_for, inspector) -> None:
    review = _issued()
    reader = make_user(Role.AGENCY_MEMBER, review.region, email="reader@probation.example")
    client_for(reader).get(f"/reviews/{review.id}/qa-report")
    client_for(inspector).get(f"/reviews/{review.id}/qa-report")  # the Inspectorate's own reading is not counted
    page = client_for(inspector).get(f"/reviews/{review.id}").get_data(as_text=True)
    for title in ("Added to the register", "Assessor assigned", "QA completed", "QA report issued"):
        assert title in page, title
    assert "Read by the region" in page and "1 time" in page
    assert "On time" in page or "Late" in page
