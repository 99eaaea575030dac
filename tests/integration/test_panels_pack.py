"""The panel pack: a real PDF (WeasyPrint), parsed back with pypdf."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from pypdf import PdfReader

from core.audit import AuditEvent
from extensions import db
from panels.pack import build_pack, load_panel
from tests.conftest import sign_in_as
from tests.factories.panels import POLICE_RETURN_TEXT, PanelWorld, panel_world
from tests.factories.renders import download


@pytest.fixture
def world() -> PanelWorld:
    return panel_world(schedule=True)


def pages_of(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def squashed(text: str) -> str:
    return " ".join(text.split())


def test_the_pack_holds_the_marking_on_every_page_the_recipient_the_agenda_and_the_returns(
    app: Flask, world: PanelWorld
) -> None:
    client = sign_in_as(app.test_client(), world.police)

    response = download(client, f"/panels/{world.panel.id}/pack.pdf")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    pages = pages_of(response.data)
    assert len(pages) >= 4
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {number} lacks the marking top and bottom"
        assert f"Page {number} of {len(pages)}" in text
        assert "Prepared for Priya Constable, Northshire Police" in squashed(text)
    everything = squashed(" ".join(pages))
    cover = squashed(pages[0])
    assert world.panel.title in cover and "Room 3, County Hall" in cover
    assert "Prepared for Priya Constable, Northshire Police on" in cover
    for reference in (world.case.reference, world.other_case.reference):
        assert reference in everything
    assert "Imogen Inspector" in everything and "Northshire NHS Foundation Trust" in everything
    # The police's submitted return is there; health has not submitted, so it is only named.
    assert POLICE_RETURN_TEXT in everything and "Automate the repeat flag." in everything
    assert "Not yet submitted: Northshire NHS Foundation Trust" in everything
    # The QA ratings and feedback of the issued assessment.
    assert "Overall rating:" in everything and "Standard 1:" in everything
    assert "The review analyses the key decisions well." in everything
    # The other case is health's only: the police see its reference, not its details.
    assert "Your organisation was not asked to look at this case" in everything


def test_the_inspectorate_sees_every_case_in_full(app: Flask, world: PanelWorld) -> None:
    panel = load_panel(world.panel.id)
    pack = build_pack(panel, world.admin)
    everything = squashed(" ".join(pages_of(pack.pdf)))
    assert "not asked to look at this case" not in everything
    assert pack.references == [world.case.reference, world.other_case.reference]
    assert "Prepared for Alex Admin, HM Inspectorate of Probation" in everything


def test_every_download_is_audited_as_a_read(app: Flask, world: PanelWorld) -> None:
    download(sign_in_as(app.test_client(), world.police), f"/panels/{world.panel.id}/pack.pdf")
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.panel_pack"))
    assert event is not None
    assert event.actor_id == world.police.id and event.object_id == str(world.panel.id)
    assert event.details["cases"] == [world.case.reference, world.other_case.reference]
    # An agency's pack is anonymised unless the inspector chose the named view for them.
    assert event.details["identifiers"] == []
    from cases.chronology.rules import ChronologyView

    world.panel.attendee_for(world.police.id).chronology_view = ChronologyView.NAMED
    db.session.commit()
    download(sign_in_as(app.test_client(), world.police), f"/panels/{world.panel.id}/pack.pdf")
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "read.panel_pack")).all()
    assert events[-1].details["identifiers"] == [world.case.reference]


@pytest.mark.parametrize("who", ["outsider", "police_colleague", "probation"])
def test_people_not_on_the_panel_get_404(app: Flask, world: PanelWorld, who: str) -> None:
    response = sign_in_as(app.test_client(), world.people[who]).get(f"/panels/{world.panel.id}/pack.pdf")
    assert response.status_code == 404
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "read.panel_pack")) is None


def test_anonymous_people_are_sent_to_sign_in(app: Flask, world: PanelWorld) -> None:
    response = app.test_client().get(f"/panels/{world.panel.id}/pack.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_hostile_text_is_printed_as_text(app: Flask, world: PanelWorld) -> None:
    from panels import operations as operations
    from tests.factories.panels import details

    panel = world.panel
    operations.update_details(
        panel,
        details(
            title="<b>Bold</b> & <img src='file:///etc/passwd'>",
            starts_at=panel.starts_at_utc,
            ends_at=panel.ends_at_utc,
        ),
        panel.version,
        world.inspector,
    )
    db.session.commit()
    pack = build_pack(load_panel(panel.id), world.police)
    assert "<b>Bold</b> & <img src='file:///etc/passwd'>" in squashed(" ".join(pages_of(pack.pdf)))
