"""An agency imports its chronology from a spreadsheet (CSV or .xlsx) into its draft return:
template, preview with row-level GOV.UK errors, nothing saved until confirmed, all or none."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest

from cases.chronology.models import ChronologyImport
from cases.models import ReturnChronologyEntry
from core.audit import AuditEvent
from extensions import db
from tests.factories import files
from tests.factories.chronology import OverlapWorld, overlap_world


@pytest.fixture
def world() -> OverlapWorld:
    return overlap_world()


def send(client, world: OverlapWorld, data: bytes, name: str):  # type: ignore[no-untyped-def]
    return client.post(
        f"/cases/returns/{world.health_return.id}/chronology/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def rows_of(world: OverlapWorld) -> list[ReturnChronologyEntry]:
    db.session.expire_all()
    return list(world.health_return.chronology)


def test_the_templates_download_and_read_back_cleanly(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.health_member)
    for kind in ("csv", "xlsx"):
        response = client.get(f"/cases/returns/chronology-template.{kind}")
        assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
        preview = send(client, world, response.data, f"template.{kind}")
        assert preview.status_code == 302, kind
        page = client.get(preview.headers["Location"]).get_data(as_text=True)
        assert "There is a problem" not in page and "Add 2 contacts to my return" in page


def test_a_good_xlsx_is_previewed_then_imported_after_the_existing_rows(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.health_member)
    before = len(rows_of(world))
    sheet = files.xlsx(
        [
            ["Date", "What happened", "Why significant", "Significant"],
            [datetime(2025, 2, 3), "GP appointment: low mood.", "", "No"],
            [date(2025, 5, 6), "A&E attendance with an injury.", "Possible abuse", "Yes"],
            [None, None, None, None],  # Excel's trailing empty rows are not rows
        ]
    )
    response = send(client, world, sheet, "Health chronology.xlsx")
    assert response.status_code == 302
    upload = db.session.scalar(db.select(ChronologyImport))
    assert upload is not None and upload.imported_at_utc is None
    assert len(rows_of(world)) == before  # nothing saved by the upload
    page = client.get(f"/cases/chronology-imports/{upload.id}").get_data(as_text=True)
    assert "A&amp;E attendance with an injury." in page and "Add 2 contacts to my return" in page
    assert client.post(f"/cases/chronology-imports/{upload.id}/confirm").status_code == 302
    rows = rows_of(world)
    assert len(rows) == before + 2
    assert [(r.happened_on, r.significant) for r in rows[before:]] == [
        (date(2025, 2, 3), False),
        (date(2025, 5, 6), True),
    ]
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "return.chronology_imported"))
    # Confirming twice adds nothing twice.
    client.post(f"/cases/chronology-imports/{upload.id}/confirm")
    assert len(rows_of(world)) == before + 2


def test_bad_rows_get_row_level_govuk_errors_and_nothing_is_imported(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.health_member)
    csv_text = (
        b"date,what_happened,why_significant,significant\r\n"
        b"31/02/2025,Not a real date,,\r\n"
        b"2025-01-09,,,\r\n"
        b"01/01/2099,In the future,,\r\n"
        b"2025-01-10,Fine,,maybe\r\n"
        b"2025-01-11,Good row,,yes\r\n"
    )
    response = send(client, world, csv_text, "chronology.csv")
    upload = db.session.scalar(db.select(ChronologyImport))
    assert response.status_code == 302 and upload is not None
    preview = client.get(f"/cases/chronology-imports/{upload.id}")
    html = preview.get_data(as_text=True)
    assert "<title>Error:" in html and "There is a problem" in html
    for message in (
        "Row 2: “31/02/2025” is not a real date",
        "Row 3: Enter what happened",
        "Row 4: The date of a contact must be in the past",
        "Row 5: Significant must be Yes or No",
    ):
        assert message in html, message
    assert 'href="#row-2"' in html and 'id="row-2"' in html
    assert "to my return" not in html  # no import button
    before = len(rows_of(world))
    client.post(f"/cases/chronology-imports/{upload.id}/confirm")
    assert len(rows_of(world)) == before


def test_unknown_and_missing_columns_are_problems_with_the_file(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    client = client_for(world.health_member)
    send(client, world, b"date,what_happened,officer\r\n2025-01-01,Visit,PC Smith\r\n", "extra.csv")
    upload = db.session.scalar(db.select(ChronologyImport).order_by(ChronologyImport.id.desc()))
    html = client.get(f"/cases/chronology-imports/{upload.id}").get_data(as_text=True)
    assert "The column “officer” is not one of the template" in html
    send(client, world, b"when,notes\r\n2025-01-01,Visit\r\n", "wrong.csv")
    upload = db.session.scalar(db.select(ChronologyImport).order_by(ChronologyImport.id.desc()))
    html = client.get(f"/cases/chronology-imports/{upload.id}").get_data(as_text=True)
    assert "Missing: date, what_happened" in html


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (files.pdf(), "chronology.csv", "must be a CSV or Excel (.xlsx) file"),
        (files.docx(), "chronology.xlsx", "must be a CSV or Excel (.xlsx) file"),
        (files.png(), "chronology.xlsx", "must be a CSV or Excel (.xlsx) file"),
        (b"", "empty.csv", "The selected file is empty"),
        (b"\r\n\r\n", "blank.csv", "The selected file is empty"),
    ],
)
def test_the_wrong_type_is_refused_by_its_content(client_for, world, data, name, message) -> None:  # type: ignore[no-untyped-def]
    response = send(client_for(world.health_member), world, data, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and message in html
    assert db.session.scalar(db.select(ChronologyImport)) is None


def test_an_oversize_file_is_refused(app, client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    app.config["CHRONOLOGY_IMPORT_MAX_BYTES"] = 1_000
    try:
        big = b"date,what_happened\r\n" + b"2025-01-01,Visit\r\n" * 200
        html = send(client_for(world.health_member), world, big, "big.csv").get_data(as_text=True)
        assert "must be smaller than 1 KB" in html
    finally:
        app.config["CHRONOLOGY_IMPORT_MAX_BYTES"] = 2_000_000
    assert db.session.scalar(db.select(ChronologyImport)) is None


def test_only_the_returns_agency_imports_and_only_into_a_draft(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    data = b"date,what_happened\r\n2025-01-01,Visit\r\n"
    for person in (world.police_member, world.other_member):
        assert send(client_for(person), world, data, "x.csv").status_code == 404
    assert send(client_for(world.inspector), world, data, "x.csv").status_code == 403
    send(client_for(world.health_member), world, data, "x.csv")
    upload = db.session.scalar(db.select(ChronologyImport))
    assert upload is not None
    for person in (world.police_member, world.inspector):
        assert client_for(person).get(f"/cases/chronology-imports/{upload.id}").status_code == 404
    # The police's return is submitted: its import page sends them back with the lock reason.
    locked = client_for(world.police_member).get(f"/cases/returns/{world.police_return.id}/chronology/import")
    assert locked.status_code == 302
