"""Who sees which rows of a merged chronology (issue 13, item 4), proven through the pages.

The Inspectorate always sees every agency's submitted rows. An agency member sees only their
own agency's rows until the case is on the agenda of a scheduled panel they are invited to;
from then on every agency's, as in their panel pack. Nobody but its own agency ever sees a
draft's rows, on the page, in the CSV, or in the pack.
"""

from __future__ import annotations

import pytest

from agencies.models import Role
from panels.models import AttendeeRole
from tests.conftest import make_user
from tests.factories.chronology import OverlapWorld, overlap_world
from tests.factories.panels import make_panel

POLICE_TEXT = "Call-out to the address"
COUNCIL_TEXT = "Case closed to children"
DRAFT_TEXT = "DRAFT health contact"


@pytest.fixture
def world() -> OverlapWorld:
    return overlap_world()


def texts(client, world: OverlapWorld) -> set[str]:  # type: ignore[no-untyped-def]
    """Which of the known rows the person's chronology page and CSV show (they must agree)."""
    html = client.get(f"/cases/{world.case.id}/chronology").get_data(as_text=True)
    data = client.get(f"/cases/{world.case.id}/chronology.csv").get_data(as_text=True)
    on_page = {text for text in (POLICE_TEXT, COUNCIL_TEXT, DRAFT_TEXT) if text in html}
    in_csv = {text for text in (POLICE_TEXT, COUNCIL_TEXT, DRAFT_TEXT) if text in data}
    assert on_page == in_csv
    return on_page


def test_the_inspectorate_sees_every_agencys_submitted_rows(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    for person in (world.inspector, make_user(Role.ADMIN)):
        assert texts(client_for(person), world) == {POLICE_TEXT, COUNCIL_TEXT}


def test_an_agency_sees_only_its_own_rows_until_the_case_is_on_a_panel_it_is_invited_to(  # type: ignore[no-untyped-def]
    client_for, world: OverlapWorld
) -> None:
    police = client_for(world.police_member)
    assert texts(police, world) == {POLICE_TEXT}
    assert "You see your own agency" in police.get(f"/cases/{world.case.id}/chronology").get_data(as_text=True)
    # A draft panel has invited nobody yet: nothing changes.
    panel = make_panel(world.inspector, cases=[world.case], attendees=[(world.police_member, AttendeeRole.MEMBER)])
    assert texts(police, world) == {POLICE_TEXT}
    # Scheduled: the invited police member now sees every agency's submitted rows...
    from panels import operations as panel_operations

    panel_operations.schedule_panel(panel, panel.version, world.inspector)
    from extensions import db

    db.session.commit()
    assert texts(police, world) == {POLICE_TEXT, COUNCIL_TEXT}
    # ...but a colleague who is not on the panel still sees only the police rows.
    colleague = make_user(Role.AGENCY_MEMBER, world.police)
    assert texts(client_for(colleague), world) == {POLICE_TEXT}
    # And the council's member, not invited to the panel, only the council's.
    assert texts(client_for(world.council_member), world) == {COUNCIL_TEXT}


def test_a_panel_without_the_case_on_its_agenda_shares_nothing(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    from tests.factories.cases import make_case

    other_case = make_case([world.police], by=world.inspector)
    make_panel(
        world.inspector, cases=[other_case], attendees=[(world.police_member, AttendeeRole.MEMBER)], schedule=True
    )
    assert texts(client_for(world.police_member), world) == {POLICE_TEXT}


def test_no_agency_ever_sees_another_agencys_draft_rows(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    make_panel(
        world.inspector,
        cases=[world.case],
        attendees=[(world.police_member, AttendeeRole.MEMBER), (world.council_member, AttendeeRole.MEMBER)],
        schedule=True,
    )
    for person in (world.police_member, world.council_member, world.inspector):
        assert DRAFT_TEXT not in texts(client_for(person), world)
    named = client_for(world.police_member).get(f"/cases/{world.case.id}/chronology/named").get_data(as_text=True)
    assert DRAFT_TEXT not in named
    # The health trust itself sees no chronology rows of its own until it submits.
    assert texts(client_for(world.health_member), world) == set()


def test_an_agency_not_invited_to_the_case_sees_nothing(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    other = client_for(world.other_member)
    for suffix in ("", "/named", ".csv", "/named.csv"):
        assert other.get(f"/cases/{world.case.id}/chronology{suffix}").status_code == 404


def test_withdrawing_an_agency_takes_its_rows_out_of_the_chronology(client_for, world: OverlapWorld) -> None:  # type: ignore[no-untyped-def]
    from cases.operations import withdraw_invitation
    from extensions import db
    from tests.factories.cases import invitation_of

    withdraw_invitation(invitation_of(world.case, world.council), "Asked by mistake", world.inspector)
    db.session.commit()
    assert texts(client_for(world.inspector), world) == {POLICE_TEXT}
