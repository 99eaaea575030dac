"""CSV import: a preview that names every row's problems, nothing imported until confirmed,
then every valid row in one go; the same file again adds nothing; the template downloads."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import time_machine

from core.audit import AuditEvent
from extensions import db
from reviews.importing import COLUMNS, TEMPLATE_ROWS
from reviews.models import AssessmentStage, Assurance, ImportStatus, Review, ReviewImport, ReviewStatus
from tests.conftest import make_user
from tests.factories.reviews import make_inspector, make_region, make_review

# The columns of files made before the import took a review's history: they still import.
LEGACY_COLUMNS = [
    "reference",
    "region",
    "offence_category",
    "received_on",
    "offence_on",
    "charged_on",
    "author_role",
    "summary",
    "standard_1_rating",
    "standard_2_rating",
    "standard_3_rating",
    "standard_4_rating",
    "qa_issued_on",
    "assessor_email",
]
HEADER = ",".join(LEGACY_COLUMNS)


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode()


def _upload(client, data: bytes, filename: str = "reviews.csv"):
    return client.post(
        "/reviews/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def _preview(client, data: bytes) -> tuple[int, str]:
    response = _upload(client, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    import_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/reviews/import/{import_id}")
    assert page.status_code == 200
    return import_id, page.get_data(as_text=True)


def _count_reviews() -> int:
    return db.session.scalar(db.select(db.func.count(Review.id)))


@time_machine.travel(date(2024, 7, 1), tick=False)
def test_every_kind_of_bad_row_is_explained_and_only_good_rows_are_imported(client_for, inspector) -> None:
    north = make_region("North West Probation Region")
    make_region("Wales Probation Region")
    make_review(region=north, reference="SFO-2024-0001", received_on=date(2024, 1, 10))
    assessor = make_inspector("assessor@inspectorate.test")
    rows = [
        # line 2: good, new
        "SFO-2024-0100,North West Probation Region,Murder,2024-05-03,2023-11-20,2023-11-24,Head of PP,Summary,,,,,,",
        # line 3: good, with imported ratings and issue date, UK dates, words and numbers for ratings
        ",wales probation region,rape,17/12/2021,,,,Imported QA,2,1,Good,requires improvement,12/01/2022,"
        "assessor@inspectorate.test",
        # line 4: unknown region
        "SFO-2024-0102,Atlantis Probation Region,Murder,2024-05-03,,,,,,,,,,",
        # line 5: bad date
        "SFO-2024-0103,North West Probation Region,Murder,31/02/2024,,,,,,,,,,",
        # line 6: a reference already in the register, with a different category: an update
        "SFO-2024-0001,North West Probation Region,Rape,2024-01-10,,,,,,,,,,",
        # line 7: rating out of range
        "SFO-2024-0104,North West Probation Region,Murder,2024-05-03,,,,,2,5,1,1,,",
        # line 8: duplicate reference within the file
        "SFO-2024-0100,North West Probation Region,Murder,2024-05-03,,,,,,,,,,",
        # line 9: unknown offence category and a malformed reference
        "SFO-24-1,North West Probation Region,Shoplifting,2024-05-03,,,,,,,,,,",
        # line 10: only some ratings, an issue date before receipt, an unknown assessor
        "SFO-2024-0105,North West Probation Region,Murder,2024-05-03,,,,,2,2,,,2024-05-01,nobody@example.org",
        # line 11: missing required values; line 12: received in the future; then a blank row, skipped
        ",,,,,,,Only a summary,,,,,,",
        "SFO-2024-0106,North West Probation Region,Murder,2025-01-01,,,,,,,,,,",
        ",,,,,,,,,,,,,",
    ]
    client = client_for(inspector)
    import_id, page = _preview(client, _csv(*rows))
    assert _count_reviews() == 1  # nothing imported by the preview
    expected = [
        "Unknown probation region “Atlantis Probation Region”",
        "Date received “31/02/2024” is not a real date: use DD/MM/YYYY or YYYY-MM-DD",
        "Standard 2 rating “5” is out of range: use 0 to 3, or Inadequate, Requires improvement, Good or Outstanding",
        "Reference SFO-2024-0100 is also on line 2 of this file",
        "Unknown offence category “Shoplifting”",
        "Reference “SFO-24-1” must look like SFO-2024-0123",
        "Standard 3 rating is missing: give all four standard ratings, or none",
        "Date the QA report was issued must be the same as or after the date received",
        "No inspector in the portal has the email address “nobody@example.org”",
        "Date received must be today or in the past",
    ]
    for message in expected:
        assert message in page, message
    assert "Import 2 reviews and update 1" in page
    assert "Offence category: Murder → Rape" in page  # exactly what would change
    assert "Enter the probation region" in page and "Enter the date the review was received" in page

    response = client.post(f"/reviews/import/{import_id}/confirm")
    assert response.status_code == 302
    assert _count_reviews() == 3
    banner = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 reviews imported. 1 review updated. 8 rows of the file were not imported." in banner
    assert re.search(r"Added: SFO-20\d\d-\d{4} and SFO-20\d\d-\d{4}\.", banner)
    updated = db.session.scalar(db.select(Review).where(Review.reference == "SFO-2024-0001"))
    assert updated.offence_category.name == "Rape"
    plain = db.session.scalar(db.select(Review).where(Review.reference == "SFO-2024-0100"))
    assert plain.assurance == Assurance.AWAITING_SAMPLE and plain.offence_on == date(2023, 11, 20)
    assert plain.status == ReviewStatus.AWAITING_SAMPLE
    rated = db.session.scalar(db.select(Review).where(Review.received_on == date(2021, 12, 17)))
    assert rated.reference == "SFO-2021-0001"  # given by the portal
    assert rated.assurance == Assurance.INSPECTORATE
    assessment = rated.assessment
    assert assessment.imported and assessment.stage == AssessmentStage.ISSUED
    assert rated.status == ReviewStatus.ISSUED  # stored with the imported assessment
    assert assessment.scores == [2, 1, 2, 1] and assessment.composite == 6
    assert assessment.overall.label == "Requires improvement"
    assert assessment.issued_on == date(2022, 1, 12) and rated.issued_on_time is True
    assert assessment.assessor == assessor
    upload = db.session.get(ReviewImport, import_id)
    assert upload.status == ImportStatus.IMPORTED and upload.created_count == 2 and upload.skipped_count == 8
    assert upload.updated_count == 1
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "reviews.imported"))
    assert sorted(event.details["created"]) == ["SFO-2021-0001", "SFO-2024-0100"]
    # The confirmation names what was added, and the import's page lists what it added and changed.
    confirmation = client.get("/reviews/").get_data(as_text=True)  # the banner was shown already
    imported = client.get(f"/reviews/import/{import_id}").get_data(as_text=True)
    assert "Reviews added" in imported and "Reviews updated" in imported
    for reference in ("SFO-2021-0001", "SFO-2024-0100", "SFO-2024-0001"):
        assert f'reference={reference}"' in imported
    assert "Added:" not in confirmation

    # The same upload cannot be confirmed twice.
    client.post(f"/reviews/import/{import_id}/confirm")
    assert _count_reviews() == 3


@time_machine.travel(date(2024, 7, 1), tick=False)
def test_importing_the_same_file_again_creates_no_duplicates(client_for, inspector) -> None:
    make_region("North West Probation Region")
    data = _csv(
        "SFO-2024-0100,North West Probation Region,Murder,2024-05-03,,,,One,,,,,,",
        ",North West Probation Region,Rape,2024-05-04,,,,Two without a reference,,,,,,",
    )
    client = client_for(inspector)
    import_id, _page = _preview(client, data)
    client.post(f"/reviews/import/{import_id}/confirm")
    assert _count_reviews() == 2
    again_id, page = _preview(client, data)
    assert "Already in the register" in page and "There is nothing new to import" in page
    assert client.post(f"/reviews/import/{again_id}/confirm").status_code == 302
    assert _count_reviews() == 2


def test_the_confirmation_reads_the_stored_file_not_posted_rows(client_for, inspector) -> None:
    make_region("North West Probation Region")
    client = client_for(inspector)
    import_id, _page = _preview(client, _csv("SFO-2024-0100,North West Probation Region,Murder,2024-05-03,,,,,,,,,,"))
    client.post(
        f"/reviews/import/{import_id}/confirm",
        data={"rows": "SFO-2024-0999,North West Probation Region,Murder,2024-05-03", "reference": "SFO-2024-0999"},
    )
    assert db.session.scalars(db.select(Review.reference)).all() == ["SFO-2024-0100"]


def test_files_that_are_not_usable_csv_are_refused_in_words(client_for, inspector) -> None:
    client = client_for(inspector)
    cases = [
        (b"", "The selected file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "The selected file must be a CSV file"),
        (b"x" * (2 * 1024 * 1024 + 1), "The file must be smaller than 2 MB"),
    ]
    for data, message in cases:
        page = _upload(client, data).get_data(as_text=True)
        assert message in page and "<title>Error:" in page
    page = client.post("/reviews/import", data={}, content_type="multipart/form-data").get_data(as_text=True)
    assert "Select a CSV file" in page
    _id, page = _preview(client, b"name,date\r\nfoo,bar\r\n")
    assert "Missing: region, offence_category, received_on" in page
    _id, page = _preview(client, _csv(header=HEADER))
    assert "The file has no rows of reviews" in page
    _id, page = _preview(client, b"region,offence_category,received_on,region\r\n")
    assert "These columns appear more than once: region" in page
    assert _count_reviews() == 0


def test_windows_1252_and_excel_bom_files_are_read(client_for, inspector) -> None:
    make_region("North West Probation Region")
    client = client_for(inspector)
    data = (
        "\ufeff" + HEADER + "\r\nSFO-2024-0100,North West Probation Region,Murder,2024-05-03,,,,Café summary,,,,,,\r\n"
    )
    _id, page = _preview(client, data.encode("utf-8"))
    assert "Import 1 review" in page
    _id, page = _preview(client, data[1:].encode("cp1252"))
    assert "Import 1 review" in page


def test_hostile_cells_are_shown_escaped(client_for, inspector) -> None:
    client = client_for(inspector)
    _id, page = _preview(client, _csv('"<script>alert(1)</script>",<img src=x>,"=cmd|\' /C calc\'!A0",\r\n'))
    assert "<script>alert(1)</script>" not in page and "<img src=x>" not in page
    assert "&lt;img src=x&gt;" in page


def test_another_inspector_cannot_see_or_confirm_my_upload(client_for, inspector) -> None:
    make_region("North West Probation Region")
    import_id, _page = _preview(
        client_for(inspector), _csv("SFO-2024-0100,North West Probation Region,Murder,2024-05-03,,,,,,,,,,")
    )
    other = client_for(make_inspector())
    assert other.get(f"/reviews/import/{import_id}").status_code == 404
    assert other.post(f"/reviews/import/{import_id}/confirm").status_code == 404
    assert _count_reviews() == 0


def test_the_template_downloads_as_csv_and_its_examples_are_importable(client_for, inspector) -> None:
    client = client_for(inspector)
    response = client.get("/reviews/import/template.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == COLUMNS and rows[1:] == TEMPLATE_ROWS
    make_region("North West Probation Region")
    make_region("Wales Probation Region")
    _id, page = _preview(client, response.data)
    assert "Import 3 reviews" in page
    assert not re.search(r"govuk-tag--red\">Problem", page)


def test_agency_members_cannot_import(client_for) -> None:
    member = make_user("agency_member")
    client = client_for(member)
    assert client.get("/reviews/import").status_code == 403
    assert _upload(client, _csv()).status_code == 403
