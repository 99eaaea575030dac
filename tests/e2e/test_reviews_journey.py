"""The QA journey in a real browser: the inspector imports SFO reviews from a CSV file built
from the template (the preview shows the rows with problems; confirming imports the rest),
draws a sample, rates a sampled review against the four standards and issues its QA report.
The probation region's member reads the report and downloads its PDF; a member of another
region can do neither."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from agencies.models import OrganisationKind, Role
from core.formatting import govuk_date
from extensions import db
from notifications.models import OutboxMessage
from reviews.models import AssessmentStage, Review
from reviews.standards import current_version
from tests.conftest import make_organisation, make_user
from tests.e2e.harness import (
    answer_standard,
    check_page,
    download,
    follow,
    open_from_menu,
    pdf_text,
    sign_in,
    submit,
)
from tests.factories.cases import today

pytestmark = pytest.mark.e2e

RATINGS = {1: "Good (2)", 2: "Requires improvement (1)", 3: "Good (2)", 4: "Outstanding (3)"}  # 8 of 12: Good


def reviews_csv(template: bytes, rows: list[dict[str, str]]) -> bytes:
    """The template's columns, in its order, with ``rows`` in place of its example rows."""
    header = next(csv.reader(io.StringIO(template.decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[row.get(column, "") for column in header] for row in rows])
    return out.getvalue().encode("utf-8")


def test_import_sample_rate_issue_and_only_the_region_reads(open_page) -> None:
    make_user(Role.INSPECTOR, email="inspector@inspectorate.example", full_name="Imogen Inspector")
    north_west = make_organisation(OrganisationKind.PROBATION_REGION, "North West Probation Region")
    wales = make_organisation(OrganisationKind.PROBATION_REGION, "Wales Probation Region")
    make_user(Role.AGENCY_MEMBER, north_west, email="probation@probation.example", full_name="Paul Officer")
    make_user(Role.AGENCY_MEMBER, wales, email="probation@wales.example", full_name="Wyn Officer")
    standards = {s.number: s.title for s in current_version().standards}
    db.session.commit()
    received = today() - timedelta(days=10)
    reference = f"SFO-{received.year}-0901"

    # --- import: the template, an empty submit, a file with a bad row, the preview, confirm ------------
    page: Page = open_page()
    sign_in(page, "inspector@inspectorate.example")
    open_from_menu(page, "Reviews", "SFO reviews")
    follow(page, page.get_by_role("button", name="Import reviews from CSV"), "Import reviews from a CSV file")
    template = download(page, "Download the template CSV file")
    submit(page, "Upload and check", "Select a CSV file", title="Import reviews from a CSV file")

    upload = reviews_csv(
        template,
        [
            {
                "reference": reference,
                "region": "North West Probation Region",
                "offence_category": "Murder",
                "received_on": received.strftime("%d/%m/%Y"),
                "offence_on": (received - timedelta(days=60)).isoformat(),
                "author_role": "Head of Public Protection",
                "summary": "Supervision before a further offence.",
            },
            {
                "region": "Wales Probation Region",
                "offence_category": "Rape",
                "received_on": (received - timedelta(days=2)).isoformat(),
                "summary": "A review from Wales.",
            },
            {
                "region": "Atlantis Probation Region",
                "offence_category": "Murder",
                "received_on": f"31/02/{received.year}",
            },
        ],
    )
    page.get_by_label("Upload a CSV file").set_input_files(
        files=[{"name": "sfo-reviews.csv", "mimeType": "text/csv", "buffer": upload}]
    )
    submit(page, "Upload and check", title="Check the import")
    rows = page.get_by_role("table", name="Every row of the file").get_by_role("row")
    expect(rows.filter(has_text=reference)).to_contain_text("Will be imported")
    problem = rows.filter(has_text="Atlantis Probation Region")
    expect(problem).to_contain_text("Problem")
    expect(problem).to_contain_text("Unknown probation region “Atlantis Probation Region”")
    expect(problem).to_contain_text(f"Date received “31/02/{received.year}” is not a real date")
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 0, "the preview must import nothing"

    submit(page, "Import 2 reviews", title="SFO reviews")
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "2 reviews imported. 1 row of the file was not imported."
    )
    expect(page.get_by_role("main")).to_contain_text(reference)

    # --- draw a sample: both reviews are drawn, to cover both regions and both categories ----------------
    follow(page, page.get_by_role("button", name="Draw a sample"), "Draw a sample")
    page.get_by_label("Note (optional)").fill("Journey sample")
    submit(page, "Continue", title="Check the sample before you draw it")
    expect(page.get_by_role("main")).to_contain_text("A draw cannot be undone")
    submit(page, "Draw the sample", title=f"Sample drawn on {govuk_date(today())}")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Sample drawn: 2 of 2 reviews")
    picked = page.get_by_role("table", name="Reviews sampled, in the order they were picked")
    follow(page, picked.get_by_role("link", name=reference), reference)

    # --- assign, rate (an empty completion first, then a draft), complete, issue ---------------------------
    follow(page, page.get_by_role("button", name="Assign an inspector"), f"Assign an inspector to {reference}")
    expect(page.get_by_label("Inspector")).to_have_value(re.compile(r"^[1-9]\d*$"))  # the inspector, pre-chosen
    submit(page, "Assign", title=reference)
    expect(page.get_by_role("alert", name="Success")).to_contain_text(f"{reference} assigned to Imogen Inspector")

    # The task list: a page per standard ("Save and continue" goes on to the next), then check and complete.
    assessment_title = f"QA assessment of {reference}"
    follow(page, page.get_by_role("button", name="Continue the assessment"), assessment_title)
    first = f"Standard 1: {standards[1]}"
    follow(page, page.get_by_role("link", name=first), f"{first} ({reference})")
    for number in standards:
        answer_standard(page, number, RATINGS[number], f"Standard {number}: feedback for the region.")
        following = f"Standard {number + 1}: {standards[number + 1]} ({reference})" if number < 4 else assessment_title
        submit(page, "Save and continue", title=following)
    expect(page.get_by_role("main")).to_contain_text("You have completed 4 of 4 sections")
    follow(page, page.get_by_role("link", name="Summary of the judgements"), f"Summary of the judgements ({reference})")
    page.get_by_label("Summary of the judgements (optional)").fill("A sound review with one gap.")
    submit(page, "Save and return to the task list", title=assessment_title)
    follow(page, page.get_by_role("link", name="Check your answers and complete"), f"Check your answers ({reference})")
    submit(page, "Mark as complete", title=f"QA report on {reference}")
    expect(page.get_by_role("alert", name="Success")).to_contain_text("Assessment complete")
    expect(page.get_by_role("main")).to_contain_text("Not issued")

    follow(page, page.get_by_role("button", name="Issue the QA report"), f"Issue the QA report on {reference}")
    expect(page.get_by_role("main")).to_contain_text("Paul Officer (probation@probation.example)")
    expect(page.get_by_role("main")).not_to_contain_text("Wyn Officer")
    submit(page, "Issue the QA report", title=reference)
    expect(page.get_by_role("alert", name="Success")).to_contain_text(
        "QA report issued. 1 person has been emailed a link to it in North West Probation Region."
    )

    review = db.session.scalar(db.select(Review).where(Review.reference == reference))
    assert review.assessment.stage == AssessmentStage.ISSUED
    assert [r.score for r in sorted(review.assessment.ratings, key=lambda r: r.position)] == [2, 1, 2, 3]
    assert [
        m.to_address
        for m in db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.template == "reviews_qa_report_issued")
        )
    ] == ["probation@probation.example"]
    review_id = review.id

    # --- the region reads the report and downloads it ---------------------------------------------------------
    region_page: Page = open_page()
    sign_in(region_page, "probation@probation.example")
    open_from_menu(region_page, "QA reports")
    follow(region_page, region_page.get_by_role("link", name=reference), f"QA report on {reference}")
    report = region_page.get_by_role("main")
    expect(report).to_contain_text("Standard 4: feedback for the region.")
    expect(report).to_contain_text("The four standard ratings add up to 8 out of 12.")
    text = pdf_text(download(region_page, "Download the QA report (PDF)"))
    assert reference in text and "Standard 2: feedback for the region." in text

    # --- another region sees no report, and its address is not found ---------------------------------------
    other_page: Page = open_page()
    sign_in(other_page, "probation@wales.example")
    open_from_menu(other_page, "QA reports")
    expect(other_page.get_by_role("main")).to_contain_text("No QA reports have been issued to Wales Probation Region")
    other_page.goto(f"/reviews/{review_id}/qa-report")
    check_page(other_page, "Page not found")
    expect(other_page.get_by_role("main")).not_to_contain_text("feedback for the region")
    assert other_page.request.get(f"/reviews/{review_id}/qa-report.pdf").status == 404

    # --- the inspector sees the region's two reads (page and PDF), not the other region's attempts ---------
    page.reload()
    check_page(page, reference)
    expect(page.get_by_text("2 times", exact=True)).to_be_visible()
