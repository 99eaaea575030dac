"""The panel pack prints the merged chronology per case (in the view chosen for each attendee)
instead of per-agency chronologies, lists the returns' documents and appends chosen PDFs as
annexes. Real PDFs (WeasyPrint), read back with pypdf."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cases.chronology.rules import ChronologyView
from core.audit import AuditEvent
from extensions import db
from panels.models import AttendeeRole, Panel
from tests.factories import files
from tests.factories.chronology import OverlapWorld, overlap_world
from tests.factories.panels import make_panel
from tests.factories.renders import download


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def world() -> OverlapWorld:
    return overlap_world()


@pytest.fixture
def panel(world: OverlapWorld) -> Panel:
    return make_panel(
        world.inspector,
        cases=[world.case],
        attendees=[(world.police_member, AttendeeRole.MEMBER), (world.council_member, AttendeeRole.MEMBER)],
        schedule=True,
    )


def pack(client_for, person, panel: Panel) -> str:  # type: ignore[no-untyped-def]
    response = download(client_for(person), f"/panels/{panel.id}/pack.pdf")
    assert response.status_code == 200
    return text_of(response.data)


def test_the_pack_prints_one_merged_chronology_per_case(client_for, world: OverlapWorld, panel: Panel) -> None:  # type: ignore[no-untyped-def]
    text = pack(client_for, world.police_member, panel)
    assert "Merged chronology" in text
    merged = text.split("Merged chronology", 1)[1].split("Agency returns", 1)[0]
    # Both agencies' rows, in date order, in one table; the draft's never.
    order = ["5 January 2025", "10 March 2025", "11 March 2025", "2 June 2025", "1 December 2025"]
    positions = [merged.index(day) for day in order]
    assert positions == sorted(positions)
    assert "Northshire Police" in merged and "Northshire Children's Services" in merged
    assert "DRAFT health contact" not in text
    assert "Possibly the same event as 3" in merged
    assert "Gap: no contact from any agency for 5 months and 29 days" in merged
    # No per-agency chronology tables any more: each return points to the merged one.
    assert "Its 3 contacts are in the merged chronology above" in text


def test_the_pack_shows_one_event_once_the_inspector_links_the_duplicate(
    client_for, world: OverlapWorld, panel: Panel
) -> None:  # type: ignore[no-untyped-def]
    from cases.chronology.merged import load_merged_chronology
    from cases.chronology.operations import decide_pair

    chronology = load_merged_chronology(world.case, organisation_ids=None)
    (pair,) = chronology.pairs
    decide_pair(world.case, pair.first.key, pair.second.key, same_event=True, by=world.inspector)
    db.session.commit()
    merged = pack(client_for, world.council_member, panel).split("Merged chronology", 1)[1]
    assert "10 March 2025 to 11 March 2025" in merged and "one event, 2 accounts" in merged.lower()
    assert "Possibly the same event" not in merged


def test_agencies_get_the_anonymised_view_by_default_and_the_inspector_may_choose(
    client_for, world: OverlapWorld, panel: Panel
) -> None:  # type: ignore[no-untyped-def]
    inspector = client_for(world.inspector)
    inspector.post(f"/cases/{world.case.id}/people", data={"role": "victim", "name": "Alice Smith"})
    police_pack = pack(client_for, world.police_member, panel)
    assert "the subject shouting at Victim 1" in police_pack
    assert "Jordan Testperson" not in police_pack and "Alice Smith" not in police_pack
    assert "Left out of this pack: its chronology is anonymised" in police_pack
    # The inspector's own pack is named.
    assert "Jordan Testperson shouting at Alice Smith" in pack(client_for, world.inspector, panel)
    # The inspector gives the police member the named view.
    attendee = panel.attendee_for(world.police_member.id)
    page = inspector.get(f"/panels/{panel.id}/pack-contents").get_data(as_text=True)
    assert f'name="view-{attendee.id}"' in page
    version = panel.version
    response = inspector.post(f"/panels/{panel.id}/pack-contents", data={f"view-{attendee.id}": "named"})
    assert response.status_code == 302
    db.session.expire_all()
    assert attendee.chronology_view == ChronologyView.NAMED and panel.version > version
    assert "Jordan Testperson shouting at Alice Smith" in pack(client_for, world.police_member, panel)
    changed = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "panel.pack_contents_changed"))
    assert changed is not None
    # Agencies cannot choose.
    refused = client_for(world.police_member).post(f"/panels/{panel.id}/pack-contents", data={})
    assert refused.status_code == 403


def test_documents_are_listed_and_chosen_pdfs_appended_as_annexes(
    client_for, world: OverlapWorld, panel: Panel
) -> None:  # type: ignore[no-untyped-def]
    from cases.documents.operations import add_document
    from cases.returns.operations import reopen_return, submit_return

    reopen_return(world.police_return, "Add the review", world.inspector)
    db.session.flush()
    review = add_document(
        world.police_return, files.pdf("Police internal review annex text"), "review.pdf", world.police_member
    )
    add_document(world.police_return, b"Officer notes\n", "notes.txt", world.police_member)
    submit_return(world.police_return, world.police_return.version, world.police_member)
    db.session.commit()
    text = pack(client_for, world.council_member, panel)
    assert "review.pdf" in text and "notes.txt" in text and "No: download it from the portal" in text
    assert "Police internal review annex text" not in text
    inspector = client_for(world.inspector)
    page = inspector.get(f"/panels/{panel.id}/pack-contents").get_data(as_text=True)
    assert f'value="{review.id}"' in page and "notes.txt" not in page  # only PDFs can be annexes
    inspector.post(f"/panels/{panel.id}/pack-contents", data={"annex": [str(review.id)]})
    data = download(client_for(world.council_member), f"/panels/{panel.id}/pack.pdf").data
    reader = PdfReader(io.BytesIO(data))
    text = text_of(data)
    assert "Annex A (1 page)" in text and "Police internal review annex text" in text
    assert "Police internal review annex text" in reader.pages[-1].extract_text()

    def titles(items) -> list[str]:  # type: ignore[no-untyped-def]
        return [t for item in items for t in (titles(item) if isinstance(item, list) else [str(item.title)])]

    assert "Annex A: review.pdf" in titles(reader.outline)
